//! Pyth Pro (formerly Lazer) signed updates: the signature checked through the ed25519
//! precompile and the instructions sysvar against the Pyth Pro storage account's trusted
//! signers, and the payload decoded by hand.
//!
//! Decoded from the documented format rather than through `pyth-lazer-solana-contract`:
//! 0.11 forces Anchor's `solana-v4` feature, and 0.10's protocol crate brings protobuf,
//! chrono and serde into the program for a few dozen bytes of layout. The layouts follow
//! `pyth-lazer-solana-contract` 0.10.0 (`signature.rs`, `Storage`) and
//! `pyth-lazer-protocol` 0.46.0 (`payload.rs`, `message.rs`); the tests build messages
//! with that protocol crate's own serializer.
//!
//! Solana-format message (little-endian): `magic u32 = SOLANA_FORMAT_MAGIC`, ed25519
//! signature (64), signer public key (32), payload size `u16`, payload. The payload:
//! `magic u32 = PAYLOAD_FORMAT_MAGIC`, `timestamp_us u64`, `channel u8`, `feeds u8`, then
//! per feed `feed_id u32`, `properties u8` and per property an id `u8` and its value.

use anchor_lang::prelude::*;

use super::Print;
use crate::errors::HomeostatError;

/// The Pyth Pro Solana program (owner of the storage account).
pub const PYTH_PRO_PROGRAM_ID: Pubkey = pubkey!("pytd2yyk641x7ak7mkaasSJVXh6YYZnC7wTmtgAyxPt");
/// The Pyth Pro storage account (PDA `["storage"]` of the program): its trusted signers.
pub const PYTH_PRO_STORAGE_ID: Pubkey = pubkey!("3rdJbqfnagQ4yx9HXJViD4zc4xpiSqmFsKpPuSCQVyQL");
/// The ed25519 signature-verification precompile.
pub const ED25519_PROGRAM_ID: Pubkey = pubkey!("Ed25519SigVerify111111111111111111111111111");
/// The instructions sysvar.
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = pubkey!("Sysvar1nstructions1111111111111111111111111");
/// `sha256("account:Storage")[..8]`.
pub const STORAGE_DISCRIMINATOR: [u8; 8] = [209, 117, 255, 185, 196, 175, 68, 9];
/// First bytes of a Solana-format message.
pub const SOLANA_FORMAT_MAGIC: u32 = 2_182_742_457;
/// First bytes of a payload.
pub const PAYLOAD_FORMAT_MAGIC: u32 = 2_479_346_549;

const MAGIC_LEN: usize = 4;
const SIGNATURE_LEN: usize = 64;
const PUBKEY_LEN: usize = 32;
/// Magic, signature, public key and size: where the payload starts in a message.
pub const MESSAGE_HEADER_LEN: usize = MAGIC_LEN + SIGNATURE_LEN + PUBKEY_LEN + 2;
/// One request in the ed25519 precompile's data: seven `u16`s.
const OFFSETS_LEN: usize = 14;
/// Storage layout: discriminator, top authority, treasury, fee, then the signer count
/// and up to five `(pubkey, expires_at i64)` entries.
const SIGNER_COUNT_OFFSET: usize = 8 + 32 + 32 + 8;
const MAX_TRUSTED_SIGNERS: usize = 5;
const SIGNER_ENTRY_LEN: usize = PUBKEY_LEN + 8;

/// One feed of a verified payload (the properties Homeostat reads; `None` when absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProFeed {
    /// Aggregate price, units of `10^exponent` (Pyth writes 0 for "none").
    pub price: Option<i64>,
    /// Best bid.
    pub best_bid: Option<i64>,
    /// Best ask.
    pub best_ask: Option<i64>,
    /// Decimal exponent.
    pub exponent: Option<i16>,
    /// Confidence interval.
    pub confidence: Option<i64>,
    /// EMA price.
    pub ema_price: Option<i64>,
}

/// A verified update, reduced to the pool's feed(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProUpdate {
    /// When Pyth Pro published it, microseconds since the epoch.
    pub timestamp_us: u64,
    /// The channel (1 real time, 2 every 50 ms, 3 every 200 ms, 4 every second).
    pub channel: u8,
    /// The pool's base feed (base/USD in a two-feed pool).
    pub base: ProFeed,
    /// The pool's quote/USD feed, for a two-feed pool.
    pub quote: Option<ProFeed>,
}

impl ProUpdate {
    /// The second the update was published in (rounded down: its age rounds up).
    pub fn publish_time(&self) -> Result<i64> {
        publish_second(self.timestamp_us).ok_or_else(invalid)
    }
}

/// The unix second a timestamp of `timestamp_us` microseconds falls in (`None` past
/// `i64`): a Pyth Pro update's publish time as the clock and the push prints count it.
pub fn publish_second(timestamp_us: u64) -> Option<i64> {
    timestamp_us
        .checked_div(1_000_000)
        .and_then(|seconds| i64::try_from(seconds).ok())
}

impl ProFeed {
    /// The feed as a print published at `publish_time`: price and exponent required
    /// (`InvalidProUpdate`); the confidence is Pyth's, or half the best bid–ask spread
    /// when only those came (`InvalidProUpdate` when neither did).
    pub fn print(&self, publish_time: i64) -> Result<Print> {
        let (Some(price), Some(exponent)) = (self.price, self.exponent) else {
            return Err(invalid());
        };
        let conf = match (self.confidence, self.best_bid, self.best_ask) {
            (Some(confidence), _, _) => confidence.unsigned_abs(),
            // Half the spread, rounded up; an i64 difference fits an i128.
            (None, Some(bid), Some(ask)) => {
                // A shift, not a division: a compiled 128-bit division is slow on SBF.
                let spread = i128::from(ask)
                    .saturating_sub(i128::from(bid))
                    .unsigned_abs();
                u64::try_from((spread >> 1).saturating_add(spread & 1)).map_err(|_| invalid())?
            }
            _ => return Err(invalid()),
        };
        Ok(Print {
            price,
            conf,
            exponent: i32::from(exponent),
            publish_time,
            ema_price: self.ema_price.unwrap_or(0),
        })
    }
}

fn invalid() -> Error {
    error!(HomeostatError::InvalidProUpdate)
}

fn unverified() -> Error {
    error!(HomeostatError::ProUpdateNotVerified)
}

/// `N` bytes at `offset`, or `error`.
fn bytes<const N: usize>(data: &[u8], offset: usize, error: fn() -> Error) -> Result<[u8; N]> {
    offset
        .checked_add(N)
        .and_then(|end| data.get(offset..end))
        .and_then(|slice| <[u8; N]>::try_from(slice).ok())
        .ok_or_else(error)
}

fn u16_at(data: &[u8], offset: usize, error: fn() -> Error) -> Result<u16> {
    Ok(u16::from_le_bytes(bytes(data, offset, error)?))
}

/// The instruction at `index` of the instructions sysvar's data: its program id and data
/// (the sysvar's documented layout: count, offsets, then per instruction its accounts,
/// program id, data length and data).
fn instruction_at(sysvar: &[u8], index: u16) -> Result<(Pubkey, &[u8])> {
    let count = u16_at(sysvar, 0, unverified)?;
    require!(index < count, HomeostatError::ProUpdateNotVerified);
    let table = usize::from(index).saturating_mul(2).saturating_add(2);
    let start = usize::from(u16_at(sysvar, table, unverified)?);
    let accounts = usize::from(u16_at(sysvar, start, unverified)?);
    // At most u16::MAX accounts of 33 bytes after a u16 offset: no usize overflow.
    let program = start
        .saturating_add(2)
        .saturating_add(accounts.saturating_mul(33));
    let program_id = Pubkey::new_from_array(bytes(sysvar, program, unverified)?);
    let length_at = program.saturating_add(PUBKEY_LEN);
    let length = usize::from(u16_at(sysvar, length_at, unverified)?);
    let data_at = length_at.saturating_add(2);
    let data = data_at
        .checked_add(length)
        .and_then(|end| sysvar.get(data_at..end))
        .ok_or_else(unverified)?;
    Ok((program_id, data))
}

/// The index of the instruction executing now (the sysvar's last two bytes): under a
/// CPI, the top-level instruction that led here.
fn current_index(sysvar: &[u8]) -> Result<u16> {
    let at = sysvar.len().checked_sub(2).ok_or_else(unverified)?;
    u16_at(sysvar, at, unverified)
}

/// A Solana-format message's own bytes (trailing bytes dropped) and its payload, not
/// verified: what the SDK quotes from before the program verifies it. `InvalidProUpdate`
/// for a wrong magic or a short message.
pub fn split_message(message: &[u8]) -> Result<(&[u8], &[u8])> {
    require!(
        u32::from_le_bytes(bytes(message, 0, invalid)?) == SOLANA_FORMAT_MAGIC,
        HomeostatError::InvalidProUpdate
    );
    let size = usize::from(u16_at(message, MESSAGE_HEADER_LEN - 2, invalid)?);
    let end = MESSAGE_HEADER_LEN.checked_add(size).ok_or_else(invalid)?;
    let whole = message.get(..end).ok_or_else(invalid)?;
    let payload = whole.get(MESSAGE_HEADER_LEN..).ok_or_else(invalid)?;
    Ok((whole, payload))
}

/// Checks that `message` (a Solana-format Pyth Pro message) was verified by the ed25519
/// precompile at `ed25519_index` of this transaction — request `signature_index` of it
/// points at exactly these bytes inside the instruction executing now — and that its
/// signer is one of the storage account's trusted signers, unexpired at `now`. Returns
/// the signed payload. `sysvar` is the instructions sysvar's data, `storage` the storage
/// account's; the caller checked both accounts' addresses and owners.
/// Errors: `ProUpdateNotVerified` (no such precompile request, or it verified other
/// bytes), `ProSignerNotTrusted`, `InvalidProUpdate` (malformed message or storage).
pub fn verified_payload<'m>(
    message: &'m [u8],
    sysvar: &[u8],
    storage: &[u8],
    (ed25519_index, signature_index): (u16, u8),
    now: i64,
) -> Result<&'m [u8]> {
    let (message, payload) = split_message(message)?;
    let size = payload.len();

    let current = current_index(sysvar)?;
    require!(
        ed25519_index < current,
        HomeostatError::ProUpdateNotVerified
    );
    let (program, data) = instruction_at(sysvar, ed25519_index)?;
    require_keys_eq!(
        program,
        ED25519_PROGRAM_ID,
        HomeostatError::ProUpdateNotVerified
    );
    require!(
        signature_index < *data.first().ok_or_else(unverified)?,
        HomeostatError::ProUpdateNotVerified
    );
    let request = usize::from(signature_index)
        .saturating_mul(OFFSETS_LEN)
        .saturating_add(2);
    let field = |index: usize| {
        u16_at(
            data,
            request.saturating_add(index.saturating_mul(2)),
            unverified,
        )
    };
    let signature_at = usize::from(field(0)?);
    // Every part of the request lies in the instruction executing now, where the
    // message's own layout puts it: then the precompile checked these very bytes.
    let start = signature_at.checked_sub(MAGIC_LEN).ok_or_else(unverified)?;
    let expected = [
        (1, current),
        (
            2,
            u16::try_from(signature_at.saturating_add(SIGNATURE_LEN)).map_err(|_| unverified())?,
        ),
        (3, current),
        (
            4,
            u16::try_from(start.saturating_add(MESSAGE_HEADER_LEN)).map_err(|_| unverified())?,
        ),
        (5, u16::try_from(size).map_err(|_| unverified())?),
        (6, current),
    ];
    for (index, value) in expected {
        require!(field(index)? == value, HomeostatError::ProUpdateNotVerified);
    }
    let (_, executing) = instruction_at(sysvar, current)?;
    let verified = start
        .checked_add(message.len())
        .and_then(|end| executing.get(start..end))
        .ok_or_else(unverified)?;
    require!(verified == message, HomeostatError::ProUpdateNotVerified);

    let signer: [u8; PUBKEY_LEN] = bytes(message, MAGIC_LEN + SIGNATURE_LEN, invalid)?;
    require!(
        is_trusted(storage, &signer, now)?,
        HomeostatError::ProSignerNotTrusted
    );
    Ok(payload)
}

/// Whether `signer` is one of the storage account's trusted ed25519 signers, unexpired at
/// `now` (`expires_at > now`, as Pyth's own check).
fn is_trusted(storage: &[u8], signer: &[u8; PUBKEY_LEN], now: i64) -> Result<bool> {
    require!(
        bytes::<8>(storage, 0, invalid)? == STORAGE_DISCRIMINATOR,
        HomeostatError::InvalidProUpdate
    );
    let count = usize::from(bytes::<1>(storage, SIGNER_COUNT_OFFSET, invalid)?[0]);
    require!(
        count <= MAX_TRUSTED_SIGNERS,
        HomeostatError::InvalidProUpdate
    );
    for entry in 0..count {
        let at = SIGNER_COUNT_OFFSET
            .saturating_add(1)
            .saturating_add(entry.saturating_mul(SIGNER_ENTRY_LEN));
        let key: [u8; PUBKEY_LEN] = bytes(storage, at, invalid)?;
        let expires_at =
            i64::from_le_bytes(bytes(storage, at.saturating_add(PUBKEY_LEN), invalid)?);
        if key == *signer && expires_at > now {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A payload reader: each read past the end is `InvalidProUpdate`.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let value = bytes(self.data, self.at, invalid)?;
        self.at = self.at.saturating_add(N);
        Ok(value)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take::<1>()?[0])
    }

    fn i64(&mut self) -> Result<i64> {
        self.take().map(i64::from_le_bytes)
    }

    /// A price-like value: 0 is "none".
    fn price(&mut self) -> Result<Option<i64>> {
        self.i64().map(|value| (value != 0).then_some(value))
    }

    /// A present-flag byte and, when set, eight bytes (rates, timestamps, durations).
    fn skip_optional(&mut self) -> Result<()> {
        if self.u8()? != 0 {
            self.take::<8>()?;
        }
        Ok(())
    }
}

/// Reads one feed's properties (ids of `pyth_lazer_protocol::PriceFeedProperty`); an
/// unknown property is `InvalidProUpdate`: its size is unknown, so is everything after.
fn read_feed(reader: &mut Reader) -> Result<ProFeed> {
    let mut feed = ProFeed::default();
    for _ in 0..reader.u8()? {
        match reader.u8()? {
            0 => feed.price = reader.price()?,
            1 => feed.best_bid = reader.price()?,
            2 => feed.best_ask = reader.price()?,
            3 | 9 => {
                // Publisher count (u16), market session (i16).
                reader.take::<2>()?;
            }
            4 => feed.exponent = Some(i16::from_le_bytes(reader.take()?)),
            5 => feed.confidence = reader.price()?,
            6..=8 | 12 => reader.skip_optional()?,
            10 => feed.ema_price = reader.price()?,
            11 => {
                reader.i64()?;
            }
            _ => return Err(invalid()),
        }
    }
    Ok(feed)
}

/// Decodes a verified payload and keeps the feed `feed_id` (and `quote_feed_id` for a
/// two-feed pool). Errors: `InvalidProUpdate` (malformed), `WrongOracleFeed` (a feed the
/// pool needs is not in it).
pub fn decode_payload(
    payload: &[u8],
    feed_id: u32,
    quote_feed_id: Option<u32>,
) -> Result<ProUpdate> {
    let mut reader = Reader {
        data: payload,
        at: 0,
    };
    require!(
        u32::from_le_bytes(reader.take()?) == PAYLOAD_FORMAT_MAGIC,
        HomeostatError::InvalidProUpdate
    );
    let timestamp_us = u64::from_le_bytes(reader.take()?);
    let channel = reader.u8()?;
    let (mut base, mut quote) = (None, None);
    for _ in 0..reader.u8()? {
        let id = u32::from_le_bytes(reader.take()?);
        let feed = read_feed(&mut reader)?;
        if id == feed_id {
            base = Some(feed);
        } else if Some(id) == quote_feed_id {
            quote = Some(feed);
        }
    }
    let base = base.ok_or(HomeostatError::WrongOracleFeed)?;
    let quote = match quote_feed_id {
        Some(_) => Some(quote.ok_or(HomeostatError::WrongOracleFeed)?),
        None => None,
    };
    Ok(ProUpdate {
        timestamp_us,
        channel,
        base,
        quote,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload written by `pyth-lazer-protocol` 0.46.0's own serializer
    /// (`PayloadData::serialize::<LE>`, round-tripped through its parser): channel 3
    /// (200 ms) at 1 765 000 000.25 s; feed 1 with price, exponent, a funding rate and an
    /// absent funding timestamp; feed 6 with all thirteen properties; feed 7 with price,
    /// exponent, confidence and an absent best bid.
    const PYTH_PAYLOAD: &str = "75d3c79390200b164245060003030100000004000090cd792f08000004f8ff0601fbffffffffffffff0700060000000d004e37ce7e0300000001c0aeb97e03000000024033d87e0300000003110004f8ff05e070720000000000060007012a00000000000000080100a493d6000000000900000a00d6117e030000000b00127a00000000000c01405d0a1642450600070000000400f0b9f5050000000004f8ff051027000000000000010000000000000000";

    fn pyth_payload() -> Vec<u8> {
        PYTH_PAYLOAD
            .as_bytes()
            .chunks(2)
            .map(|pair| u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn decodes_pyths_own_serialization() {
        let update = decode_payload(&pyth_payload(), 6, Some(7)).unwrap();
        assert_eq!(update.timestamp_us, 1_765_000_000_250_000);
        assert_eq!(update.channel, 3);
        assert_eq!(update.publish_time().unwrap(), 1_765_000_000);
        assert_eq!(
            update.base,
            ProFeed {
                price: Some(15_012_345_678),
                best_bid: Some(15_011_000_000),
                best_ask: Some(15_013_000_000),
                exponent: Some(-8),
                confidence: Some(7_500_000),
                ema_price: Some(15_000_000_000),
            }
        );
        assert_eq!(
            update.quote,
            Some(ProFeed {
                price: Some(99_990_000),
                exponent: Some(-8),
                confidence: Some(10_000),
                ..ProFeed::default()
            })
        );
        // Single feed; the feed before it skipped over its funding properties.
        let single = decode_payload(&pyth_payload(), 1, None).unwrap();
        assert_eq!(single.base.price, Some(9_000_000_000_000));
        assert_eq!(single.quote, None);
    }

    #[test]
    fn malformed_payloads_and_missing_feeds_are_refused() {
        let payload = pyth_payload();
        let code = |result: Result<ProUpdate>| match result {
            Err(Error::AnchorError(error)) => Some(error.error_code_number),
            _ => None,
        };
        let invalid = Some(u32::from(HomeostatError::InvalidProUpdate));
        for cut in [0, 3, 13, 20, payload.len().saturating_sub(1)] {
            assert_eq!(
                code(decode_payload(&payload[..cut], 6, None)),
                invalid,
                "cut at {cut}"
            );
        }
        let mut wrong_magic = payload.clone();
        wrong_magic[0] ^= 1;
        assert_eq!(code(decode_payload(&wrong_magic, 6, None)), invalid);
        // An unknown property id (the first feed's first property).
        let mut unknown = payload.clone();
        unknown[19] = 13;
        assert_eq!(code(decode_payload(&unknown, 6, None)), invalid);
        let wrong_feed = Some(u32::from(HomeostatError::WrongOracleFeed));
        assert_eq!(code(decode_payload(&payload, 5, None)), wrong_feed);
        assert_eq!(code(decode_payload(&payload, 6, Some(8))), wrong_feed);
    }

    #[test]
    fn a_feed_needs_a_price_an_exponent_and_a_confidence_or_spread() {
        let full = decode_payload(&pyth_payload(), 6, None).unwrap().base;
        assert_eq!(full.print(7).unwrap().conf, 7_500_000);
        let spread = ProFeed {
            confidence: None,
            ..full
        };
        // Half of 2 000 000, rounded up.
        assert_eq!(spread.print(7).unwrap().conf, 1_000_000);
        for missing in [
            ProFeed {
                price: None,
                ..full
            },
            ProFeed {
                exponent: None,
                ..full
            },
            ProFeed {
                confidence: None,
                best_ask: None,
                ..full
            },
        ] {
            assert!(missing.print(7).is_err(), "{missing:?}");
        }
    }

    #[test]
    fn reads_the_instructions_sysvar_as_the_runtime_writes_it() {
        use anchor_lang::solana_program::instruction::{BorrowedAccountMeta, BorrowedInstruction};
        use anchor_lang::solana_program::sysvar::instructions::construct_instructions_data;
        let (first, second, program) = (Pubkey::new_unique(), Pubkey::new_unique(), crate::ID);
        let meta = |key| BorrowedAccountMeta {
            pubkey: key,
            is_signer: false,
            is_writable: true,
        };
        let instructions = [
            BorrowedInstruction {
                program_id: &ED25519_PROGRAM_ID,
                accounts: vec![],
                data: &[1, 2, 3],
            },
            BorrowedInstruction {
                program_id: &program,
                accounts: vec![meta(&first), meta(&second)],
                data: &[9; 300],
            },
        ];
        let mut sysvar = construct_instructions_data(&instructions);
        let at = sysvar.len().saturating_sub(2);
        sysvar[at..].copy_from_slice(&1u16.to_le_bytes());
        assert_eq!(current_index(&sysvar).unwrap(), 1);
        assert_eq!(
            instruction_at(&sysvar, 0).unwrap(),
            (ED25519_PROGRAM_ID, &[1u8, 2, 3][..])
        );
        assert_eq!(
            instruction_at(&sysvar, 1).unwrap(),
            (program, &[9u8; 300][..])
        );
        assert!(instruction_at(&sysvar, 2).is_err());
        assert!(instruction_at(&sysvar[..40], 1).is_err());
    }
}
