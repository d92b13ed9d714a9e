use anchor_lang::prelude::*;

use crate::events::ParamsUpdated;
use crate::state::{Pool, PoolParams};

/// Replaces every tunable parameter.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`has_one`, `Unauthorized`).
/// - Every parameter is within its documented bounds (`InvalidParameter`); the model's
///   coefficients are recomputed here, never on the swap path.
/// - `lp_access` is unchanged (`InvalidParameter`): it is fixed at pool creation.
/// - The variance estimate is re-clamped into the new floor/ceiling.
/// - Emits `ParamsUpdated` with the old and new parameters.
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
    let coefficients = params.validate()?;
    let old = {
        let mut pool = ctx.accounts.pool.load_mut()?;
        let old = pool.params;
        // Who may be an LP is fixed at creation: public LPs must never find their pool
        // turned into one whose quotes credit a hedge they do not own.
        require!(
            params.lp_access == old.lp_access,
            crate::errors::HomeostatError::InvalidParameter
        );
        pool.apply_params(&params, &coefficients)?;
        old
    };
    emit_cpi!(ParamsUpdated {
        pool: ctx.accounts.pool.key(),
        old,
        new: params,
    });
    Ok(())
}
