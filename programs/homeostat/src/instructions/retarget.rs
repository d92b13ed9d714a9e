use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::ChangeProposed;
use crate::state::Pool;
use crate::token::vault_balances;

/// Arguments of `retarget`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetargetArgs {
    /// The base atoms the pool should hold at its current depth (`total_shares`): the new
    /// target is `target_base / total_shares` per share.
    pub target_base: u64,
}

/// Moves the pool's target — the inventory's zero — by a bounded step.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`has_one`, `Unauthorized`); `base_vault` and
///   `quote_vault` are the pool's (`has_one`).
/// - The pool has a target (a first deposit happened) and the new target at the current
///   depth is positive and within `MAX_RETARGET_BPS` (10 %) of the current one
///   (`RetargetOutOfBounds`).
/// - The new target is within the inventory cap (at the current depth) of the target the
///   first deposit set (`RetargetBeyondCap`): steps of 10 % cannot add up past the cap.
/// - At least `MIN_RETARGET_INTERVAL` (1 h) since the last retarget applied
///   (`RetargetTooSoon`).
/// - With the pool's `change_delay > 0` the target becomes the pending retarget,
///   applicable from `now + change_delay` by `apply_pending_changes` (a later proposal
///   replaces it); emits `ChangeProposed`. With `change_delay = 0` it applies now
///   (`Pool::retarget_to`): emits `Retargeted` with both targets (base at the current
///   depth) and the inventory before and after.
#[event_cpi]
#[derive(Accounts)]
pub struct Retarget<'info> {
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

/// Handler.
pub(crate) fn handle(ctx: Context<Retarget>, args: RetargetArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let event = {
        let accounts = &ctx.accounts;
        let mut pool = accounts.pool.load_mut()?;
        pool.prepare_retarget(args.target_base, now)?;
        if pool.pending.delay > 0 {
            let effective_at = pool.change_effective_at(now)?;
            pool.book_pending_retarget(args.target_base, effective_at);
            pool.invariant()?;
            let total_shares = pool.total_shares;
            drop(pool);
            emit_cpi!(ChangeProposed {
                pool: accounts.pool.key(),
                params: None,
                target_base: Some(args.target_base),
                total_shares,
                effective_at,
            });
            return Ok(());
        }
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        let total_shares = pool.total_shares;
        pool.retarget_to(
            accounts.pool.key(),
            (args.target_base, total_shares),
            reserves,
            now,
        )?
    };
    emit_cpi!(event);
    Ok(())
}
