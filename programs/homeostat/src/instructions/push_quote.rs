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
