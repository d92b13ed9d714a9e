//! Pyth `PriceUpdateV2` accounts, decoded byte for byte.
//!
//! We read the documented account layout directly instead of depending on
//! `pyth-solana-receiver-sdk`: that crate pulls in `pythnet-sdk`, which brings a second,
//! newer `solana-program` (5.x) and `borsh` 0.9 into the tree — two heavy duplicate
//! dependencies for ~100 bytes of layout. The layout (Anchor account, borsh):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | discriminator `sha256("account:PriceUpdateV2")[..8]` |
//! | 8 | 32 | write_authority |
//! | 40 | 1 or 2 | verification_level: `0, num_signatures` (Partial) or `1` (Full) |
//! | +0 | 32 | feed_id |
//! | +32 | 8 | price (i64) |
//! | +40 | 8 | conf (u64) |
//! | +48 | 4 | exponent (i32) |
//! | +52 | 8 | publish_time (i64, unix seconds) |
//! | +60 | 8 | prev_publish_time (i64) |
//! | +68 | 8 | ema_price (i64) |
//! | +76 | 8 | ema_conf (u64) |
//! | +84 | 8 | posted_slot (u64) |

use anchor_lang::prelude::*;

use crate::errors::HomeostatError;

/// The Pyth Solana receiver program, owner of every `PriceUpdateV2` account.
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// `sha256("account:PriceUpdateV2")[..8]`.
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
/// Space the receiver allocates for a `PriceUpdateV2` (the Partial variant's size).
pub const PRICE_UPDATE_V2_LEN: usize = 8 + 32 + 2 + 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 8;

const VERIFICATION_OFFSET: usize = 40;
const MESSAGE_LEN: usize = 84;

/// How many Wormhole guardian signatures were checked for the update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerificationLevel {
    /// Only `num_signatures` signatures were checked. Never accepted by Homeostat.
    Partial {
        /// Signatures checked.
        num_signatures: u8,
    },
    /// Two thirds of the guardian set signed.
    Full,
}

/// The fields of a `PriceUpdateV2` that Homeostat uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceUpdate {
    /// Who may overwrite the account.
    pub write_authority: Pubkey,
    /// Verification of the update.
    pub verification_level: VerificationLevel,
    /// Pyth feed id.
    pub feed_id: [u8; 32],
    /// Price, in units of `10^exponent`.
    pub price: i64,
    /// Confidence interval, same units.
    pub conf: u64,
    /// Decimal exponent.
    pub exponent: i32,
    /// Unix time the price was published.
    pub publish_time: i64,
    /// Unix time of the previous price.
    pub prev_publish_time: i64,
    /// EMA price.
    pub ema_price: i64,
    /// EMA confidence.
    pub ema_conf: u64,
    /// Slot the update was posted.
    pub posted_slot: u64,
}

fn take<const N: usize>(data: &[u8], offset: usize) -> Result<[u8; N]> {
    let end = offset
        .checked_add(N)
        .ok_or(HomeostatError::InvalidOracleAccount)?;
    let bytes = data
        .get(offset..end)
        .ok_or(HomeostatError::InvalidOracleAccount)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

impl PriceUpdate {
    /// Decodes an account's data. Errors: `InvalidOracleAccount` for a wrong
    /// discriminator, an unknown verification level or a short buffer.
    pub fn decode(data: &[u8]) -> Result<Self> {
        require!(
            take::<8>(data, 0)? == PRICE_UPDATE_V2_DISCRIMINATOR,
            HomeostatError::InvalidOracleAccount
        );
        let write_authority = Pubkey::new_from_array(take::<32>(data, 8)?);
        let (verification_level, message) = match take::<1>(data, VERIFICATION_OFFSET)?[0] {
            0 => (
                VerificationLevel::Partial {
                    num_signatures: take::<1>(data, VERIFICATION_OFFSET + 1)?[0],
                },
                VERIFICATION_OFFSET + 2,
            ),
            1 => (VerificationLevel::Full, VERIFICATION_OFFSET + 1),
            _ => return err!(HomeostatError::InvalidOracleAccount),
        };
        Ok(Self {
            write_authority,
            verification_level,
            feed_id: take::<32>(data, message)?,
            price: i64::from_le_bytes(take(data, message + 32)?),
            conf: u64::from_le_bytes(take(data, message + 40)?),
            exponent: i32::from_le_bytes(take(data, message + 48)?),
            publish_time: i64::from_le_bytes(take(data, message + 52)?),
            prev_publish_time: i64::from_le_bytes(take(data, message + 60)?),
            ema_price: i64::from_le_bytes(take(data, message + 68)?),
            ema_conf: u64::from_le_bytes(take(data, message + MESSAGE_LEN - 8)?),
            posted_slot: u64::from_le_bytes(take(data, message + MESSAGE_LEN)?),
        })
    }

    /// Encodes the account data exactly as the receiver program writes it (padded to
    /// `PRICE_UPDATE_V2_LEN`). For tests, the simulator and local clusters.
    pub fn encode(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(PRICE_UPDATE_V2_LEN);
        data.extend_from_slice(&PRICE_UPDATE_V2_DISCRIMINATOR);
        data.extend_from_slice(self.write_authority.as_ref());
        match self.verification_level {
            VerificationLevel::Partial { num_signatures } => {
                data.extend_from_slice(&[0, num_signatures])
            }
            VerificationLevel::Full => data.push(1),
        }
        data.extend_from_slice(&self.feed_id);
        data.extend_from_slice(&self.price.to_le_bytes());
        data.extend_from_slice(&self.conf.to_le_bytes());
        data.extend_from_slice(&self.exponent.to_le_bytes());
        data.extend_from_slice(&self.publish_time.to_le_bytes());
        data.extend_from_slice(&self.prev_publish_time.to_le_bytes());
        data.extend_from_slice(&self.ema_price.to_le_bytes());
        data.extend_from_slice(&self.ema_conf.to_le_bytes());
        data.extend_from_slice(&self.posted_slot.to_le_bytes());
        data.resize(PRICE_UPDATE_V2_LEN, 0);
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(level: VerificationLevel) -> PriceUpdate {
        PriceUpdate {
            write_authority: Pubkey::new_from_array([7; 32]),
            verification_level: level,
            feed_id: [9; 32],
            price: 15_012_345_678,
            conf: 7_500_000,
            exponent: -8,
            publish_time: 1_700_000_000,
            prev_publish_time: 1_699_999_999,
            ema_price: 15_000_000_000,
            ema_conf: 8_000_000,
            posted_slot: 123_456,
        }
    }

    #[test]
    fn encode_then_decode_is_identity_for_both_levels() {
        for level in [
            VerificationLevel::Full,
            VerificationLevel::Partial { num_signatures: 5 },
        ] {
            let update = sample(level);
            let data = update.encode();
            assert_eq!(data.len(), PRICE_UPDATE_V2_LEN);
            assert_eq!(PriceUpdate::decode(&data).unwrap(), update);
        }
    }

    #[test]
    fn full_level_fields_sit_at_the_documented_offsets() {
        let data = sample(VerificationLevel::Full).encode();
        assert_eq!(&data[..8], &PRICE_UPDATE_V2_DISCRIMINATOR);
        assert_eq!(data[40], 1);
        assert_eq!(&data[41..73], &[9u8; 32]);
        assert_eq!(
            i64::from_le_bytes(data[73..81].try_into().unwrap()),
            15_012_345_678
        );
        assert_eq!(i32::from_le_bytes(data[89..93].try_into().unwrap()), -8);
        assert_eq!(
            i64::from_le_bytes(data[93..101].try_into().unwrap()),
            1_700_000_000
        );
    }

    #[test]
    fn garbage_is_rejected() {
        let mut data = sample(VerificationLevel::Full).encode();
        assert!(PriceUpdate::decode(&data[..60]).is_err());
        data[40] = 2;
        assert!(PriceUpdate::decode(&data).is_err());
        data[40] = 1;
        data[0] ^= 1;
        assert!(PriceUpdate::decode(&data).is_err());
    }
}
