use anchor_lang::prelude::*;

use crate::events::AdminAccepted;
use crate::state::Pool;

/// Second step of an admin transfer: the proposed admin takes over.
///
/// Specification:
/// - `new_admin` signs and equals the pool's `pending_admin`, which is not the default
///   key (`NoPendingAdmin`).
/// - Clears `pending_admin`; emits `AdminAccepted`.
#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    /// The proposed admin.
    pub new_admin: Signer<'info>,
    /// The pool.
    #[account(mut)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<AcceptAdmin>) -> Result<()> {
    let new_admin = ctx.accounts.new_admin.key();
    let old_admin = {
        let mut pool = ctx.accounts.pool.load_mut()?;
        pool.prepare_admin_acceptance(&new_admin)?;
        let old_admin = pool.book_admin_acceptance();
        pool.invariant()?;
        old_admin
    };
    emit_cpi!(AdminAccepted {
        pool: ctx.accounts.pool.key(),
        old_admin,
        new_admin,
    });
    Ok(())
}
