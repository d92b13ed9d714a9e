use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::{ParamsUpdated, PendingChangesCancelled};
use crate::state::Pool;
use crate::token::vault_balances;

/// Accounts of `apply_pending_changes` and `cancel_pending_changes`.
#[event_cpi]
#[derive(Accounts)]
pub struct PendingChanges<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(
        mut,
        has_one = admin @ HomeostatError::Unauthorized,
        has_one = base_vault,
        has_one = quote_vault,
    )]
    pub pool: AccountLoader<'info, Pool>,
    /// Base vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::vault_balances`).
    pub base_vault: UncheckedAccount<'info>,
    /// Quote vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::vault_balances`).
    pub quote_vault: UncheckedAccount<'info>,
}

/// Applies the pending changes whose time has come.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`); vaults are the pool's
///   (`has_one`).
/// - A change is pending (`NoPendingChange`) and at least one is due, `now ≥` its
///   `effective_at` (`ChangeNotDue`); one not yet due stays pending.
/// - Due parameters are checked again (`InvalidParameter`) and applied as `update_params`
///   applies them (emits `ParamsUpdated`); a due retarget moves the target to the
///   proposed base per share (emits `Retargeted`). Both are then cleared.
pub(crate) fn apply(ctx: Context<PendingChanges>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let key = accounts.pool.key();
    let mut pool = accounts.pool.load_mut()?;
    let due = pool.prepare_apply_pending(now)?;
    let mut updated = None;
    if due.params {
        let (old, new) = pool.book_pending_params()?;
        updated = Some(ParamsUpdated {
            pool: key,
            old,
            new,
        });
    }
    let mut retargeted = None;
    if due.target {
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        retargeted = Some(pool.book_pending_target(key, reserves, now)?);
    }
    pool.invariant()?;
    drop(pool);
    if let Some(event) = updated {
        emit_cpi!(event);
    }
    if let Some(event) = retargeted {
        emit_cpi!(event);
    }
    Ok(())
}

/// Withdraws every pending change.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - A change is pending (`NoPendingChange`); the pending parameters and retarget are
///   cleared. Emits `PendingChangesCancelled`.
pub(crate) fn cancel(ctx: Context<PendingChanges>) -> Result<()> {
    let key = ctx.accounts.pool.key();
    {
        let mut pool = ctx.accounts.pool.load_mut()?;
        pool.prepare_cancel_pending()?;
        pool.book_cancel_pending();
        pool.invariant()?;
    }
    emit_cpi!(PendingChangesCancelled { pool: key });
    Ok(())
}
