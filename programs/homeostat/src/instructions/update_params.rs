use anchor_lang::prelude::*;

use crate::events::{ChangeProposed, ParamsUpdated};
use crate::state::{ParamsUpdate, Pool, PoolParams};

/// Replaces every tunable parameter — at once when the change only tightens, after the
/// pool's `change_delay` when it loosens a risk limit.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`has_one`, `Unauthorized`).
/// - Every parameter is within its documented bounds (`InvalidParameter`); the model's
///   coefficients are recomputed here, never on the swap path.
/// - `lp_access` is unchanged (`InvalidParameter`): it is fixed at pool creation.
/// - A change that loosens a risk limit (`PoolParams::loosens`: a larger cap, trade size,
///   oracle age or confidence bound, a lower fee, spread floor or widening, any model
///   change) becomes the pool's pending parameters, applicable from `now + change_delay`
///   by `apply_pending_changes` (a later proposal replaces it; `cancel_pending_changes`
///   withdraws it); emits `ChangeProposed`. With `change_delay = 0`, or a change that only
///   tightens (or touches the keeper's settings), it applies now: the variance estimate is
///   re-clamped into the new floor/ceiling; emits `ParamsUpdated` with the old and new
///   parameters. Pausing (`set_paused`) is always immediate.
#[event_cpi]
#[derive(Accounts)]
pub struct UpdateParams<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = admin @ crate::errors::HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<UpdateParams>, params: PoolParams) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let key = ctx.accounts.pool.key();
    let mut pool = ctx.accounts.pool.load_mut()?;
    let old = pool.params;
    let update = pool.prepare_update_params(&params, now)?;
    pool.book_update_params(&params, &update)?;
    pool.invariant()?;
    let total_shares = pool.total_shares;
    drop(pool);
    match update {
        ParamsUpdate::Pending { effective_at } => emit_cpi!(ChangeProposed {
            pool: key,
            params: Some(params),
            target_base: None,
            total_shares,
            effective_at,
        }),
        ParamsUpdate::Now(_) => emit_cpi!(ParamsUpdated {
            pool: key,
            old,
            new: params,
        }),
    }
    Ok(())
}
