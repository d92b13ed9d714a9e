//! Decoding the accounts a client reads.

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use homeostat::oracle::{PriceUpdate, LEGACY_PYTH_RECEIVER_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use homeostat::state::Pool;

use crate::{Result, SdkError};

/// Decodes a pool account's data, checking its owner, discriminator and size.
pub fn decode_pool(owner: &Pubkey, data: &[u8]) -> Result<Pool> {
    let wrong = |reason: String| SdkError::WrongAccount {
        expected: "Homeostat pool",
        reason,
    };
    if *owner != homeostat::ID {
        return Err(wrong(format!(
            "owned by {owner}, not the Homeostat program"
        )));
    }
    if data.len() < Pool::SPACE {
        return Err(wrong(format!(
            "{} bytes, a pool has {}",
            data.len(),
            Pool::SPACE
        )));
    }
    if !data.starts_with(Pool::DISCRIMINATOR) {
        return Err(wrong("discriminator is not Pool's".into()));
    }
    bytemuck::try_pod_read_unaligned::<Pool>(&data[Pool::DISCRIMINATOR.len()..Pool::SPACE])
        .map_err(|error| wrong(format!("layout: {error}")))
}

/// Decodes a Pyth `PriceUpdateV2` account, checking it is owned by a Pyth receiver (the
/// current one or the legacy one: whether a pool accepts the latter, and until when, is
/// `Pool::check_oracle_owner`'s).
pub fn decode_price_update(owner: &Pubkey, data: &[u8]) -> Result<PriceUpdate> {
    if *owner != PYTH_RECEIVER_PROGRAM_ID && *owner != LEGACY_PYTH_RECEIVER_PROGRAM_ID {
        return Err(SdkError::WrongAccount {
            expected: "Pyth PriceUpdateV2",
            reason: format!(
                "owned by {owner}, not the Pyth receiver ({PYTH_RECEIVER_PROGRAM_ID}, or the \
                 legacy {LEGACY_PYTH_RECEIVER_PROGRAM_ID})"
            ),
        });
    }
    PriceUpdate::decode(data).map_err(SdkError::from)
}

/// The little-endian `u64` at `offset` of an account of kind `expected`.
fn u64_at(data: &[u8], offset: usize, expected: &'static str) -> Result<u64> {
    data.get(offset..offset.saturating_add(8))
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| SdkError::WrongAccount {
            expected,
            reason: format!("{} bytes", data.len()),
        })
}

/// The clock sysvar: its `unix_timestamp` is the time the program's oracle checks use.
pub const CLOCK_SYSVAR: Pubkey =
    anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// The clock sysvar's `unix_timestamp` (its layout: slot, epoch_start_timestamp, epoch,
/// leader_schedule_epoch, unix_timestamp — the fifth 8-byte field).
pub fn clock_unix_timestamp(data: &[u8]) -> Result<i64> {
    clock_field(data, 4).map(i64::from_le_bytes)
}

/// The slot in a clock sysvar account's data (its first field).
pub fn clock_slot(data: &[u8]) -> Result<u64> {
    clock_field(data, 0).map(u64::from_le_bytes)
}

/// The `index`-th 8-byte field of a clock sysvar account's data.
fn clock_field(data: &[u8], index: usize) -> Result<[u8; 8]> {
    data.get(index * 8..(index + 1) * 8)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| SdkError::WrongAccount {
            expected: "clock sysvar",
            reason: format!("{} bytes", data.len()),
        })
}

/// The address lookup table program.
pub const ADDRESS_LOOKUP_TABLE_PROGRAM: Pubkey = solana_address_lookup_table_interface::program::ID;

/// The addresses of an active address lookup table, in table order (the indexes a v0
/// transaction names them by).
pub fn lookup_table_addresses(owner: &Pubkey, data: &[u8]) -> Result<Vec<Pubkey>> {
    let wrong = |reason: String| SdkError::WrongAccount {
        expected: "address lookup table",
        reason,
    };
    if *owner != ADDRESS_LOOKUP_TABLE_PROGRAM {
        return Err(wrong(format!("owned by {owner}")));
    }
    let table = solana_address_lookup_table_interface::state::AddressLookupTable::deserialize(data)
        .map_err(|error| wrong(format!("undecodable: {error}")))?;
    if table.meta.deactivation_slot != u64::MAX {
        return Err(wrong(format!(
            "deactivated at slot {}: create a new table",
            table.meta.deactivation_slot
        )));
    }
    Ok(table.addresses.to_vec())
}

/// The `amount` of an SPL Token or Token-2022 token account (its first 72 bytes are the
/// same in both programs).
pub fn token_amount(data: &[u8]) -> Result<u64> {
    u64_at(data, 64, "token account")
}

/// The `supply` of an SPL Token or Token-2022 mint.
pub fn mint_supply(data: &[u8]) -> Result<u64> {
    u64_at(data, 36, "mint")
}
