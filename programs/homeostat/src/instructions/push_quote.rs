use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::state::Pool;
pub use crate::state::PushQuoteArgs;

/// The quoter pushes a reference price (prop-AMM mode; docs/oracle.md, "Three price
/// sources"). Built to be sent every slot: two accounts, fixed-size arguments with the
/// sequence number at bytes 8..16, no event (the pool account is the record, and each
/// swap's `Swapped` carries the price it executed at).
///
/// Specification:
/// - `quoter` signs and is the pool's quoter (`Unauthorized`; a pool without a quoter has
///   the default key, which nobody can sign for).
/// - `sequence` above the pool's last (`QuoteSequenceNotIncreasing`); `valid_until` not
///   before the current slot (`QuoteExpired`); `price` > 0, offsets ≥ 0
///   (`InvalidParameter`).
/// - Records the price, offsets, sequence, expiry and the current slot (`Pool::push_quote`).
///   Swaps use it until `valid_until` while it lies within `quote_band_bps` of Pyth
///   (`Pool::swap_price`).
#[derive(Accounts)]
pub struct PushQuote<'info> {
    /// The pool's quoter.
    pub quoter: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = quoter @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<PushQuote>, args: PushQuoteArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut pool = ctx.accounts.pool.load_mut()?;
    pool.push_quote(&args, slot)
}

/// `push_quote` ahead of Anchor's dispatch (`crate::process_instruction`): the same
/// checks in the same order and with the same errors as the Anchor path above — the
/// arguments, `quoter` a signer, `pool` the program's `Pool` (owner, discriminator),
/// writable, its quoter — without the instruction-name log, the dispatch over every
/// instruction and the accounts struct. `None` when `data` is another instruction's.
pub fn fast_path<'info>(accounts: &'info [AccountInfo<'info>], data: &[u8]) -> Option<Result<()>> {
    use anchor_lang::Discriminator;
    if data.get(..8)? != crate::instruction::PushQuote::DISCRIMINATOR {
        return None;
    }
    Some(push_checked(accounts, data))
}

fn push_checked<'info>(accounts: &'info [AccountInfo<'info>], data: &[u8]) -> Result<()> {
    use anchor_lang::error::ErrorCode;
    // No separate program-id check (Anchor's `DeclaredProgramIdMismatch`): the pool must
    // be owned by `crate::ID`, so a deployment elsewhere fails on it anyway.
    let args = data
        .get(8..)
        .and_then(|mut bytes| PushQuoteArgs::deserialize(&mut bytes).ok())
        .ok_or(ErrorCode::InstructionDidNotDeserialize)?;
    let [quoter, pool, ..] = accounts else {
        return err!(ErrorCode::AccountNotEnoughKeys);
    };
    require!(quoter.is_signer, ErrorCode::AccountNotSigner);
    let pool = AccountLoader::<Pool>::try_from(pool)?;
    require!(pool.as_ref().is_writable, ErrorCode::ConstraintMut);
    let mut state = pool.load_mut()?;
    require_keys_eq!(state.quoter, quoter.key(), HomeostatError::Unauthorized);
    state.push_quote(&args, Clock::get()?.slot)
}
