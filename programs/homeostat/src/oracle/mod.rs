//! The oracle: Pyth `PriceUpdateV2` accounts decoded byte for byte, each print checked
//! against the pool, and the price converted to what the math prices in (quote atoms per
//! lot).
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
use homeostat_math::{Fixed, Rounding};

use crate::constants::MAX_ORACLE_FUTURE_SECS;
use crate::errors::{HomeostatError, MathResultExt};
use crate::state::Pool;

pub mod pro;

/// The Pyth Solana receiver program since Pyth Core moved onto the Pyth Pro stack
/// (2026-08-26; `pyth-solana-receiver-sdk` 2.0, feature `pro-compatible`): owner of the
/// `PriceUpdateV2` accounts every pool accepts.
pub const PYTH_RECEIVER_PROGRAM_ID: Pubkey = pubkey!("rec2HHDDnjLfj4kE7VyEtFA1HPGQLK33259532cRyHp");

/// The receiver before that upgrade (same `PriceUpdateV2` layout): a pool accepts its
/// accounts only until its config's `legacy_receiver_until`, for a sunset.
pub const LEGACY_PYTH_RECEIVER_PROGRAM_ID: Pubkey =
    pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
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

/// One print as the checks and the conversion see it, whichever oracle carried it (a
/// push account's `PriceUpdateV2`, a Pyth Pro update).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Print {
    /// Price, in units of `10^exponent`.
    pub price: i64,
    /// Confidence interval, same units.
    pub conf: u64,
    /// Decimal exponent.
    pub exponent: i32,
    /// Unix time the price was published, seconds.
    pub publish_time: i64,
    /// EMA price (0: none).
    pub ema_price: i64,
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
        // Offsets past the end are `take`'s `InvalidOracleAccount`, never a wrap.
        let at = |offset: usize| message.saturating_add(offset);
        Ok(Self {
            write_authority,
            verification_level,
            feed_id: take::<32>(data, message)?,
            price: i64::from_le_bytes(take(data, at(32))?),
            conf: u64::from_le_bytes(take(data, at(40))?),
            exponent: i32::from_le_bytes(take(data, at(48))?),
            publish_time: i64::from_le_bytes(take(data, at(52))?),
            prev_publish_time: i64::from_le_bytes(take(data, at(60))?),
            ema_price: i64::from_le_bytes(take(data, at(68))?),
            ema_conf: u64::from_le_bytes(take(data, at(MESSAGE_LEN - 8))?),
            posted_slot: u64::from_le_bytes(take(data, at(MESSAGE_LEN))?),
        })
    }

    /// The print the checks read.
    pub fn print(&self) -> Print {
        Print {
            price: self.price,
            conf: self.conf,
            exponent: self.exponent,
            publish_time: self.publish_time,
            ema_price: self.ema_price,
        }
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

    #[test]
    fn the_legacy_receiver_is_trusted_only_until_the_pools_sunset() {
        let error = |result: Result<()>| match result {
            Err(Error::AnchorError(error)) => Some(error.error_code_number),
            _ => None,
        };
        let code = |error: HomeostatError| Some(u32::from(error));
        let mut pool: Pool = bytemuck::Zeroable::zeroed();
        let stranger = Pubkey::new_unique();
        // No sunset (the default config): the current receiver only.
        assert!(pool
            .check_oracle_owner(&PYTH_RECEIVER_PROGRAM_ID, 1_000)
            .is_ok());
        assert_eq!(
            error(pool.check_oracle_owner(&LEGACY_PYTH_RECEIVER_PROGRAM_ID, 1_000)),
            code(HomeostatError::LegacyReceiverRetired)
        );
        assert_eq!(
            error(pool.check_oracle_owner(&stranger, 1_000)),
            code(HomeostatError::WrongOracleOwner)
        );
        // A sunset at 2 000: the legacy receiver until the second before it.
        pool.legacy_receiver_until = 2_000;
        assert!(pool
            .check_oracle_owner(&LEGACY_PYTH_RECEIVER_PROGRAM_ID, 1_999)
            .is_ok());
        assert_eq!(
            error(pool.check_oracle_owner(&LEGACY_PYTH_RECEIVER_PROGRAM_ID, 2_000)),
            code(HomeostatError::LegacyReceiverRetired)
        );
        assert!(pool
            .check_oracle_owner(&PYTH_RECEIVER_PROGRAM_ID, 5_000)
            .is_ok());
        assert_eq!(
            error(pool.check_oracle_owner(&stranger, 1_000)),
            code(HomeostatError::WrongOracleOwner)
        );
    }

    #[test]
    fn powers_of_ten_are_exact_and_bounded() {
        // What the table replaced: exact products by ten, one per power.
        let mut expected = Fixed::ONE;
        for exponent in 0..=23u32 {
            assert_eq!(power_of_ten(exponent).ok(), Some(expected), "10^{exponent}");
            assert_eq!(expected.to_bits(), 10i128.pow(exponent) << 48);
            expected = expected
                .mul(Fixed::from_int(10), Rounding::Down)
                .unwrap_or(Fixed::MAX);
        }
        assert!(power_of_ten(24).is_err(), "beyond the table");
        assert!(power_of_ten(u32::MAX).is_err());
    }

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

/// Decodes the price-update account(s) a swap, rebalance or pool creation passes, after
/// checking each is owned by a receiver the pool trusts at `now`
/// (`Pool::check_oracle_owner`).
pub fn decode_price_updates(
    pool: &Pool,
    oracle: &AccountInfo,
    quote_oracle: Option<&AccountInfo>,
    now: i64,
) -> Result<(PriceUpdate, Option<PriceUpdate>)> {
    let decode = |account: &AccountInfo| -> Result<PriceUpdate> {
        pool.check_oracle_owner(account.owner, now)?;
        PriceUpdate::decode(&account.try_borrow_data()?)
    };
    Ok((decode(oracle)?, quote_oracle.map(decode).transpose()?))
}

/// The oracle state a swap prices from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    /// Mid, quote atoms per lot.
    pub mid: Fixed,
    /// Confidence, quote atoms per lot.
    pub confidence: Fixed,
    /// Pyth publish time of the print that prices base (the base/USD print of a two-feed
    /// pool): the volatility estimate's observation time.
    pub publish_time: i64,
    /// Publish time of the quote/USD print (two-feed pools).
    pub quote_publish_time: Option<i64>,
    /// Seconds since the older of the prints when the swap executes (≥ 0).
    pub age: u64,
}

/// `10^exponent` as a `Fixed`, for exponents the range can hold.
fn power_of_ten(exponent: u32) -> Result<Fixed> {
    usize::try_from(exponent)
        .ok()
        .and_then(|index| POWERS_OF_TEN.get(index))
        .copied()
        .ok_or_else(|| error!(HomeostatError::InvalidOracleAccount))
}

/// `10^0 … 10^23` as `Fixed`, exactly (10^23 · 2^48 < 2^125), built when compiling: a
/// table lookup instead of up to 23 products per conversion.
const POWERS_OF_TEN: [Fixed; 24] = {
    let mut table = [Fixed::ONE; 24];
    let mut power: i128 = 1;
    let mut index = 1;
    while index < table.len() {
        power *= 10;
        table[index] = Fixed::from_bits(power << homeostat_math::fixed::FRACTION_BITS);
        index += 1;
    }
    table
};

/// `value · 10^exponent` as a `Fixed`, rounded as asked.
fn scaled_by_power_of_ten(value: u64, exponent: i32, rounding: Rounding) -> Result<Fixed> {
    let magnitude = exponent.unsigned_abs();
    let power = power_of_ten(magnitude)?;
    let value = Fixed::from_u64(value);
    if exponent >= 0 {
        value.mul(power, rounding).math()
    } else {
        value.div(power, rounding).math()
    }
}

impl Pool {
    /// Whether a price-update account owned by `owner` may price this pool at `now`: the
    /// current Pyth receiver always; the legacy one while `now < legacy_receiver_until`
    /// (the pool's config's sunset, `LegacyReceiverRetired` after it); anything else is
    /// `WrongOracleOwner`. The SDK and the Jupiter adapter call it too.
    pub fn check_oracle_owner(&self, owner: &Pubkey, now: i64) -> Result<()> {
        if *owner == PYTH_RECEIVER_PROGRAM_ID {
            return Ok(());
        }
        require_keys_eq!(
            *owner,
            LEGACY_PYTH_RECEIVER_PROGRAM_ID,
            HomeostatError::WrongOracleOwner
        );
        require!(
            now < self.legacy_receiver_until,
            HomeostatError::LegacyReceiverRetired
        );
        Ok(())
    }

    /// Whether the pool is priced by two feeds (base/USD ÷ quote/USD).
    pub fn has_quote_feed(&self) -> bool {
        self.quote_feed_id != [0; 32]
    }

    /// Validates the Pyth `PriceUpdateV2` account(s) against this pool and converts the
    /// price to quote atoms per lot: [`decode_price_updates`], then
    /// [`Pool::price_from_updates`]. `quote_oracle` is the quote/USD account of a two-feed
    /// pool, `None` for a single-feed pool.
    pub fn read_oracle(
        &self,
        oracle: &AccountInfo,
        quote_oracle: Option<&AccountInfo>,
        now: i64,
    ) -> Result<OraclePrice> {
        let (base, quote) = decode_price_updates(self, oracle, quote_oracle, now)?;
        self.price_from_updates(&base, quote.as_ref(), now)
    }

    /// Checks one push print against its feed: `Full` verification
    /// (`OracleNotFullyVerified`), the feed id (`WrongOracleFeed`), then [`Pool::check_print`].
    fn check_update(
        &self,
        update: &PriceUpdate,
        feed_id: &[u8; 32],
        last_used: i64,
        now: i64,
    ) -> Result<u64> {
        require!(
            update.verification_level == VerificationLevel::Full,
            HomeostatError::OracleNotFullyVerified
        );
        require!(update.feed_id == *feed_id, HomeostatError::WrongOracleFeed);
        self.check_print(&update.print(), last_used, now)
    }

    /// Checks one print, whichever oracle carried it, in this order: price > 0; not older
    /// than the newest print of that feed the pool has used (`publish_time ≥ last_used`,
    /// `OracleOlderThanLastUsed`); not from the future (`publish_time ≤ now +
    /// MAX_ORACLE_FUTURE_SECS`, `OracleFromFuture`); age `now − publish_time ≤
    /// max_oracle_age` (`StaleOracle`); `conf / price ≤ max_confidence_bps`; and, when
    /// `max_ema_deviation_bps > 0`, `|price − ema_price| / ema_price ≤
    /// max_ema_deviation_bps` (`OracleDivergesFromEma`). Returns the print's age.
    pub(crate) fn check_print(&self, print: &Print, last_used: i64, now: i64) -> Result<u64> {
        require!(print.price > 0, HomeostatError::NonPositiveOraclePrice);
        // A pull oracle lets anyone post any verified print: without this a trader could
        // pick, per swap, whichever recent print favours them.
        require!(
            print.publish_time >= last_used,
            HomeostatError::OracleOlderThanLastUsed
        );
        require!(
            print.publish_time <= now.saturating_add(MAX_ORACLE_FUTURE_SECS),
            HomeostatError::OracleFromFuture
        );
        let age = u64::try_from(now.saturating_sub(print.publish_time).max(0)).unwrap_or(u64::MAX);
        require!(
            age <= self.params.max_oracle_age,
            HomeostatError::StaleOracle
        );
        let price = print.price.unsigned_abs();
        require!(
            // u64 × 10⁴ and u64 × u16 always fit a u128: the products are exact.
            u128::from(print.conf).saturating_mul(10_000)
                <= u128::from(price).saturating_mul(u128::from(self.params.max_confidence_bps)),
            HomeostatError::OracleConfidenceTooWide
        );
        if self.params.max_ema_deviation_bps > 0 {
            require!(print.ema_price > 0, HomeostatError::OracleDivergesFromEma);
            let ema = print.ema_price.unsigned_abs();
            require!(
                u128::from(price.abs_diff(ema)).saturating_mul(10_000)
                    <= u128::from(ema)
                        .saturating_mul(u128::from(self.params.max_ema_deviation_bps)),
                HomeostatError::OracleDivergesFromEma
            );
        }
        Ok(age)
    }

    /// Checks decoded price updates against this pool and returns the price per lot.
    ///
    /// A single-feed pool takes one print of `feed_id` (base priced in quote). A two-feed
    /// pool takes a base/USD print of `feed_id` and a quote/USD print of `quote_feed_id`,
    /// each checked on its own (`check_update`, forward-only per feed). A quote print
    /// passed to a single-feed pool, or missing for a two-feed pool, is
    /// `QuoteOracleMismatch`.
    pub fn price_from_updates(
        &self,
        update: &PriceUpdate,
        quote: Option<&PriceUpdate>,
        now: i64,
    ) -> Result<OraclePrice> {
        let age = self.check_update(update, &self.feed_id, self.last_oracle_time, now)?;
        let quote = match (self.has_quote_feed(), quote) {
            (false, None) => None,
            (true, Some(quote)) => {
                let quote_age = self.check_update(
                    quote,
                    &self.quote_feed_id,
                    self.last_quote_oracle_time,
                    now,
                )?;
                Some((quote.print(), quote_age))
            }
            _ => return err!(HomeostatError::QuoteOracleMismatch),
        };
        self.price_from_prints((&update.print(), age), quote.as_ref())
    }

    /// Checked print(s) and their ages as a price per lot: base priced in quote, or
    /// (with a quote/USD print) the ratio of the base/USD and quote/USD prints, whose
    /// confidence is the ratio's, `mid·(conf_b/p_b + conf_q/p_q)`, and whose age is the
    /// older print's.
    pub(crate) fn price_from_prints(
        &self,
        (base, age): (&Print, u64),
        quote: Option<&(Print, u64)>,
    ) -> Result<OraclePrice> {
        let price = base.price.unsigned_abs();
        let Some((quote, quote_age)) = quote else {
            return Ok(OraclePrice {
                mid: self.price_per_lot(price, base.exponent, Rounding::Down)?,
                confidence: self.price_per_lot(base.conf, base.exponent, Rounding::Up)?,
                publish_time: base.publish_time,
                quote_publish_time: None,
                age,
            });
        };
        let quote_price = quote.price.unsigned_abs();
        // Base in USD per lot as if the quote token were USD, divided by the quote
        // token's USD price: down for the mid, up for its confidence.
        let usd = |rounding| scaled_by_power_of_ten(quote_price, quote.exponent, rounding);
        let mid = self
            .price_per_lot(price, base.exponent, Rounding::Down)?
            .div(usd(Rounding::Up)?, Rounding::Down)
            .math()?;
        let mid_up = self
            .price_per_lot(price, base.exponent, Rounding::Up)?
            .div(usd(Rounding::Down)?, Rounding::Up)
            .math()?;
        let base_confidence = self
            .price_per_lot(base.conf, base.exponent, Rounding::Up)?
            .div(usd(Rounding::Down)?, Rounding::Up)
            .math()?;
        let quote_confidence = mid_up
            .mul_div(
                Fixed::from_u64(quote.conf),
                Fixed::from_u64(quote_price),
                Rounding::Up,
            )
            .math()?;
        Ok(OraclePrice {
            mid,
            confidence: base_confidence.checked_add(quote_confidence).math()?,
            publish_time: base.publish_time,
            quote_publish_time: Some(quote.publish_time),
            age: age.max(*quote_age),
        })
    }

    /// [`Pool::price_from_updates`] for a single-feed pool.
    pub fn price_from_update(&self, update: &PriceUpdate, now: i64) -> Result<OraclePrice> {
        self.price_from_updates(update, None, now)
    }

    /// `value · 10^exponent` whole quote tokens per whole base token, in quote atoms per lot:
    /// `value · lot · 10^(exponent + quote_decimals − base_decimals)`.
    fn price_per_lot(&self, value: u64, exponent: i32, rounding: Rounding) -> Result<Fixed> {
        // An i32 plus or minus two u8s always fits an i64.
        let scale = i64::from(exponent)
            .saturating_add(i64::from(self.quote_decimals))
            .saturating_sub(i64::from(self.base_decimals));
        let magnitude = u32::try_from(scale.unsigned_abs())
            .map_err(|_| error!(HomeostatError::InvalidOracleAccount))?;
        let power = power_of_ten(magnitude)?;
        let value = Fixed::from_u64(value);
        let lot = Fixed::from_u64(self.params.lot);
        if scale >= 0 {
            value
                .mul_div(lot, Fixed::ONE, rounding)
                .math()?
                .mul(power, rounding)
                .math()
        } else {
            value.mul_div(lot, power, rounding).math()
        }
    }
}
