use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::PausedSet;
use crate::state::Pool;

/// Pauses or resumes swaps and deposits (withdrawals always work).
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - Emits `PausedSet`.
#[event_cpi]
#[derive(Accounts)]
pub struct SetPaused<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = admin @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<SetPaused>, paused: bool) -> Result<()> {
    {
        let mut pool = ctx.accounts.pool.load_mut()?;
        pool.book_paused(paused);
        pool.invariant()?;
    }
    emit_cpi!(PausedSet {
        pool: ctx.accounts.pool.key(),
        paused,
    });
    Ok(())
}
