use anchor_lang::prelude::*;
use homeostat_math::LotPrice;

use crate::errors::HomeostatError;
use crate::events::HedgeRecorded;
use crate::state::{Pool, StoredFixed};

/// Arguments of `record_hedge`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHedgeArgs {
    /// The `RebalanceRequested` sequence number this answers.
    pub seq: u64,
    /// Base atoms hedged off-chain (positive: sold base, offsetting a long inventory;
    /// zero: the request was not filled, which still closes it).
    pub filled_base: i64,
    /// Average fill price, quote atoms per lot, for the record.
    pub avg_price: StoredFixed,
}

/// Records the keeper's off-chain hedge for a rebalance request.
///
/// Specification:
/// - `keeper` signs and is the pool's keeper (`Unauthorized`).
/// - `Pool::prepare_record_hedge`, in this order:
/// - `seq` is the pending request: equal to `rebalance_seq` and not yet recorded
///   (`UnknownSequence` — so an unknown, replayed or out-of-order `seq` fails, and a
///   restarted keeper can never record the same hedge twice).
/// - `filled_base` has the request's sign and at most its size (`HedgeExceedsRequest`;
///   partial fills are recorded as they are, zero closes the request unfilled).
/// - `avg_price ≥ 0`; a non-zero fill has a positive price within
///   `MAX_HEDGE_PRICE_DEVIATION_BPS` (10 %) of the request's oracle mid
///   (`HedgePriceImplausible`) — checked against the price stored with the request, so no
///   oracle account is needed and a filled hedge can be recorded even when the oracle is
///   stale.
/// - The new hedge position stays within ±`max_hedge_position` (`HedgeTooLarge`).
/// - Updates the hedge ledger (`hedge_position`, average entry price, realised P&L:
///   `homeostat_math::HedgeLedger`) and `recorded_seq`; emits `HedgeRecorded`. From then on
///   the net delta is smaller, and the quotes skew on the inventory less `hedge_credit_bps`
///   of the hedge (none in a public pool).
#[event_cpi]
#[derive(Accounts)]
pub struct RecordHedge<'info> {
    /// The pool's keeper.
    pub keeper: Signer<'info>,
    /// The pool.
    #[account(mut, has_one = keeper @ HomeostatError::Unauthorized)]
    pub pool: AccountLoader<'info, Pool>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<RecordHedge>, args: RecordHedgeArgs) -> Result<()> {
    let ledger = {
        let mut pool = ctx.accounts.pool.load_mut()?;
        let avg_price = LotPrice::new(args.avg_price.get());
        let ledger = pool.prepare_record_hedge(args.seq, args.filled_base, avg_price)?;
        pool.book_record_hedge(args.seq, &ledger);
        pool.invariant()?;
        ledger
    };
    emit_cpi!(HedgeRecorded {
        pool: ctx.accounts.pool.key(),
        seq: args.seq,
        filled_base: args.filled_base,
        avg_price: args.avg_price,
        hedge_position: ledger.position,
        entry_price: ledger.entry_price.get().into(),
        realized_pnl: ledger.realized_pnl,
    });
    Ok(())
}
