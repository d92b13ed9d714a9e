use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::QuoterSet;
use crate::state::Pool;

/// Names the key that may push prices (prop-AMM mode), or removes it.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - `new_quoter` the default key turns prop-AMM mode off: swaps price on Pyth alone.
/// - A new quoter starts from the pool's sequence number (it must push above it) and the
///   old quoter's last price stops pricing at once (its expiry is cleared).
/// - Emits `QuoterSet` with the old and new quoter.
#[event_cpi]
#[derive(Accounts)]
pub struct SetQuoter<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = admin @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<SetQuoter>, new_quoter: Pubkey) -> Result<()> {
    let old_quoter = {
        let mut pool = ctx.accounts.pool.load_mut()?;
        let old = pool.set_quoter(new_quoter);
        pool.invariant()?;
        old
    };
    emit_cpi!(QuoterSet {
        pool: ctx.accounts.pool.key(),
        old_quoter,
        new_quoter,
    });
    Ok(())
}
