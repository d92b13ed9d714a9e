use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::KeeperSet;
use crate::state::Pool;

/// Replaces the keeper authority.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - Emits `KeeperSet` with the old and new keeper.
#[event_cpi]
#[derive(Accounts)]
pub struct SetKeeper<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = admin @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<SetKeeper>, new_keeper: Pubkey) -> Result<()> {
    let old_keeper = {
        let mut pool = ctx.accounts.pool.load_mut()?;
        let old = pool.book_keeper(new_keeper);
        pool.invariant()?;
        old
    };
    emit_cpi!(KeeperSet {
        pool: ctx.accounts.pool.key(),
        old_keeper,
        new_keeper,
    });
    Ok(())
}
