use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::HedgeRecorded;
use crate::state::Pool;

/// Arguments of `record_hedge`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHedgeArgs {
    /// The `RebalanceRequested` sequence number this answers.
    pub seq: u64,
    /// Base atoms hedged off-chain (positive: sold base, offsetting a long inventory;
    /// zero: the request was not filled, which still closes it).
    pub filled_base: i64,
    /// Average fill price, quote atoms per lot (I80F48 bits), for the record.
    pub avg_price: i128,
}

/// Records the keeper's off-chain hedge for a rebalance request.
///
/// Specification:
/// - `keeper` signs and is the pool's keeper (`Unauthorized`).
/// - `seq` is the pending request: equal to `rebalance_seq` and not yet recorded
///   (`UnknownSequence` — so an unknown, replayed or out-of-order `seq` fails, and a
///   restarted keeper can never record the same hedge twice).
/// - `avg_price ≥ 0`; a non-zero fill has a positive price (`InvalidParameter`).
/// - The new hedge position stays within ±`max_hedge_position` (`HedgeTooLarge`).
/// - Updates `hedge_position` and `recorded_seq`; emits `HedgeRecorded`. From then on the
///   quotes skew by the smaller net delta.
#[event_cpi]
#[derive(Accounts)]
pub struct RecordHedge<'info> {
    /// The pool's keeper.
    pub keeper: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = keeper @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

impl RecordHedge<'_> {
    /// Handler.
    pub fn handle(ctx: Context<Self>, args: RecordHedgeArgs) -> Result<()> {
        let hedge_position = {
            let mut pool = ctx.accounts.pool.load_mut()?;
            require!(
                args.seq == pool.rebalance_seq && args.seq > pool.recorded_seq,
                HomeostatError::UnknownSequence
            );
            require!(
                args.avg_price >= 0 && (args.filled_base == 0 || args.avg_price > 0),
                HomeostatError::InvalidParameter
            );
            let position = pool
                .hedge_position
                .checked_add(args.filled_base)
                .ok_or(HomeostatError::HedgeTooLarge)?;
            require!(
                position.unsigned_abs() <= pool.max_hedge_position,
                HomeostatError::HedgeTooLarge
            );
            pool.hedge_position = position;
            pool.recorded_seq = args.seq;
            pool.invariant()?;
            position
        };
        emit_cpi!(HedgeRecorded {
            pool: ctx.accounts.pool.key(),
            seq: args.seq,
            filled_base: args.filled_base,
            avg_price: args.avg_price,
            hedge_position,
        });
        Ok(())
    }
}
