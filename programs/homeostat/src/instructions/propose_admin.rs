use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::AdminProposed;
use crate::state::Pool;

/// First step of an admin transfer: names the next admin, who must accept.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - Overwrites any earlier proposal; proposing the default key cancels it.
/// - Emits `AdminProposed`.
#[event_cpi]
#[derive(Accounts)]
pub struct ProposeAdmin<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = admin @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
    {
        let mut pool = ctx.accounts.pool.load_mut()?;
        pool.book_admin_proposal(new_admin);
        pool.invariant()?;
    }
    emit_cpi!(AdminProposed {
        pool: ctx.accounts.pool.key(),
        admin: ctx.accounts.admin.key(),
        pending_admin: new_admin,
    });
    Ok(())
}
