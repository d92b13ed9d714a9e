use anchor_lang::prelude::*;

use crate::oracle::pro::{
    decode_payload, verified_payload, INSTRUCTIONS_SYSVAR_ID, PYTH_PRO_PROGRAM_ID,
    PYTH_PRO_STORAGE_ID,
};
use crate::state::Pool;

/// Arguments of `post_pro_price`. The message comes first, so it starts at byte 12 of the
/// instruction data (discriminator, then its length) — where the SDK's ed25519
/// instruction points.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct PostProPriceArgs {
    /// A Pyth Pro update in the Solana format (`magic, signature, public key, size,
    /// payload`), as Pyth Pro delivers it.
    pub message: Vec<u8>,
    /// Index in the transaction of the ed25519 precompile instruction that verified it.
    pub ed25519_instruction_index: u16,
    /// Which of that instruction's signature requests it is.
    pub signature_index: u8,
}

/// Posts a signed Pyth Pro update to the pool (docs/oracle.md, "Three price sources"):
/// swaps price from it while it is fresh. Anyone may post; the signature is the
/// authority. A trader sends it right before the swap, in the same transaction.
///
/// Specification:
/// - `storage` is Pyth Pro's storage account (address and owner), `instructions` the
///   instructions sysvar (address).
/// - The ed25519 precompile instruction at `ed25519_instruction_index`, earlier in the
///   transaction, verified request `signature_index` over exactly this message's
///   signature, key and payload inside the instruction executing now
///   (`ProUpdateNotVerified`); the key is a trusted, unexpired signer of `storage`
///   (`ProSignerNotTrusted`) — `oracle::pro::verified_payload`.
/// - The pool has a Pyth Pro feed (`ProFeedNotSet`); the payload is well formed and
///   carries it (and the quote/USD feed of a two-feed pool) with price, exponent and
///   confidence or best bid and ask (`InvalidProUpdate`, `WrongOracleFeed`).
/// - Not older than the last posted update (`OracleOlderThanLastUsed`; the same one again
///   changes nothing), and each feed passes the push print's checks: positive, not older
///   than the newest print used, not from the future, age ≤ `max_oracle_age`, confidence,
///   EMA (`Pool::book_pro_update`).
/// - Records the price per lot and its timestamp; a newer price restores the print
///   depth. No event (the pool account is the record; each swap's `Swapped` carries the
///   price it executed at).
#[derive(Accounts)]
pub struct PostProPrice<'info> {
    /// The pool.
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
    /// CHECK: Pyth Pro's storage account (address and owner checked); its trusted signers
    /// are read in place (`oracle::pro::verified_payload`).
    #[account(address = PYTH_PRO_STORAGE_ID, owner = PYTH_PRO_PROGRAM_ID)]
    pub storage: UncheckedAccount<'info>,
    /// CHECK: the instructions sysvar (address checked), read in place.
    #[account(address = INSTRUCTIONS_SYSVAR_ID)]
    pub instructions: UncheckedAccount<'info>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<PostProPrice>, args: PostProPriceArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let (feed_id, quote_feed_id) = pool.pro_feeds()?;
    let payload = verified_payload(
        &args.message,
        &ctx.accounts.instructions.try_borrow_data()?,
        &ctx.accounts.storage.try_borrow_data()?,
        (args.ed25519_instruction_index, args.signature_index),
        now,
    )?;
    let update = decode_payload(payload, feed_id, quote_feed_id)?;
    pool.book_pro_update(&update, now)?;
    pool.invariant()
}
