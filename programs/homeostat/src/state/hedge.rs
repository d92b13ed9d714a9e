//! The pool's position and its hedge: gross position, net delta, risk position, the band the
//! keeper hedges outside of, and the hedge ledger.

use anchor_lang::prelude::*;
use homeostat_math::{
    flow_inventory, risk_position, BaseAtoms, Curve, Fixed, HedgeLedger, LotPrice, Reserves,
    Rounding,
};

use super::Pool;
use crate::constants::MAX_HEDGE_PRICE_DEVIATION_BPS;
use crate::errors::{HomeostatError, MathResultExt};
use crate::oracle::OraclePrice;

impl Pool {
    /// The pool's gross position (`homeostat_math::flow_inventory`): the base its LP
    /// reserves hold beyond the target at the current depth, base atoms — what the
    /// inventory cap limits. Price moves alone do not move it.
    pub fn gross_position(&self, reserves: Reserves) -> Result<i128> {
        flow_inventory(
            reserves.base,
            self.total_shares,
            BaseAtoms::new(self.target_base),
            self.target_shares,
        )
        .math()
    }

    /// The exposure nobody has offset yet: `gross_position − hedge_position`, base atoms. The
    /// keeper hedges it (`rebalance` fires on it).
    pub fn net_delta(&self, reserves: Reserves) -> Result<i128> {
        self.net_of(self.gross_position(reserves)?)
    }

    /// `net_delta` from a gross position already computed.
    pub fn net_of(&self, gross_position: i128) -> Result<i128> {
        gross_position
            .checked_sub(i128::from(self.hedge_position))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))
    }

    /// The position the quotes skew on: the gross position less `hedge_credit_bps` of the
    /// recorded hedge (`homeostat_math::risk_position`) — the whole gross position in a public
    /// pool, whose LPs carry it whatever is hedged elsewhere.
    pub fn risk_position(&self, reserves: Reserves) -> Result<i128> {
        self.risk_of(self.gross_position(reserves)?)
    }

    /// `risk_position` from a gross position already computed.
    pub(crate) fn risk_of(&self, gross_position: i128) -> Result<i128> {
        risk_position(
            gross_position,
            self.hedge_position,
            self.params.hedge_credit_bps,
        )
        .math()
    }

    /// The band the net delta may wander in before the keeper hedges, base atoms — one
    /// rule for the program's `rebalance` and the keeper's planner (Barzykin, Bergault &
    /// Guéant 2023): with the model's inventory cost `θ(q) ≈ −K·q²/2`, holding one more lot
    /// at `q` costs `K·q` — the curve's skew per lot of inventory, `skew·q/lot` — while
    /// hedging it costs `ψ·mid`. Internalise while the first is smaller: `b* = ψ·mid·lot /
    /// skew` base atoms, at the pool's depth (the skew `at_depth`), so the band widens with
    /// depth and narrows as σ (and with it the skew) rises. `rebalance_band` is the floor;
    /// without ψ (`hedge_cost_bps` = 0) or skew (constant product) the band is
    /// `rebalance_band`. Rounded down (the pool hedges a little early, never late).
    pub fn hedge_band(&self, curve: &Curve) -> Result<u64> {
        let floor = self.params.rebalance_band;
        let Curve::Linear(linear) = curve else {
            return Ok(floor);
        };
        if self.params.hedge_cost_bps == 0 || !linear.skew.is_positive() {
            return Ok(floor);
        }
        let psi = Fixed::ratio(
            i128::from(self.params.hedge_cost_bps),
            i128::from(homeostat_math::fees::BPS_DENOMINATOR),
            Rounding::Down,
        )
        .math()?;
        let lots = psi
            .mul_div(linear.mid, linear.skew, Rounding::Down)
            .math()?;
        let derived = lots
            .mul(Fixed::from_u64(self.params.lot), Rounding::Down)
            .and_then(|band| band.to_u64(Rounding::Down))
            .unwrap_or(u64::MAX);
        Ok(derived.max(floor))
    }

    /// `hedge_band` at this oracle state and these reserves, as `rebalance` computes it
    /// (the volatility estimate as stored: `rebalance` does not observe the oracle).
    pub fn band_now(&self, oracle: &OraclePrice, reserves: Reserves) -> Result<u64> {
        self.hedge_band(&self.curve_at_depth(oracle, reserves)?.0)
    }

    /// The hedge book: position, average entry and realised P&L.
    pub fn hedge_ledger(&self) -> HedgeLedger {
        HedgeLedger {
            position: self.hedge_position,
            entry_price: LotPrice::new(self.hedge_entry_price.get()),
            realized_pnl: i128::from_le_bytes(self.hedge_realized_pnl),
        }
    }

    /// Stores a new hedge book.
    pub fn set_hedge_ledger(&mut self, ledger: &HedgeLedger) {
        self.hedge_position = ledger.position;
        self.hedge_entry_price = ledger.entry_price.get().into();
        self.hedge_realized_pnl = ledger.realized_pnl.to_le_bytes();
    }
}

/// A rebalance request, as the pool would open it now (`Pool::prepare_rebalance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RebalancePlan {
    /// The LPs' reserves.
    pub reserves: Reserves,
    /// The gross position (`Pool::gross_position`), base atoms.
    pub gross_position: i128,
    /// The net delta, the gross position less the recorded hedge, base atoms.
    pub net_delta: i128,
    /// The band the net delta may wander in, base atoms (`Pool::band_now`).
    pub band: u64,
    /// The hedge asked for: the net delta back to the band's edge, base atoms (positive:
    /// sell base).
    pub target_hedge_delta: i128,
}

impl Pool {
    /// When the pool accepts the next rebalance request: at once before the first, else
    /// `min_rebalance_interval` seconds after the last.
    pub fn next_rebalance_at(&self) -> i64 {
        if self.rebalance_seq == 0 {
            return i64::MIN;
        }
        self.last_rebalance_time
            .saturating_add_unsigned(self.params.min_rebalance_interval)
    }

    /// The checks and the size of a rebalance request at `now` priced at `oracle` — the
    /// one place they are written (the `rebalance` handler and the SDK's
    /// `PoolSnapshot::rebalance_plan`, which the keeper reads, call it): the previous
    /// request answered (`RebalancePending`); not before `next_rebalance_at`
    /// (`RebalanceTooSoon`); the net delta beyond the band (`WithinBand`); the hedge that
    /// brings it back to the band's edge, not to zero — inside the band, holding is
    /// cheaper than hedging (`Pool::hedge_band`).
    pub fn prepare_rebalance(
        &self,
        oracle: &OraclePrice,
        reserves: Reserves,
        now: i64,
    ) -> Result<RebalancePlan> {
        require!(
            self.recorded_seq == self.rebalance_seq,
            HomeostatError::RebalancePending
        );
        require!(
            now >= self.next_rebalance_at(),
            HomeostatError::RebalanceTooSoon
        );
        let gross_position = self.gross_position(reserves)?;
        let net_delta = self.net_of(gross_position)?;
        let band = self.band_now(oracle, reserves)?;
        require!(
            net_delta.unsigned_abs() > u128::from(band),
            HomeostatError::WithinBand
        );
        let band_wide = i128::from(band);
        let target_hedge_delta = if net_delta > 0 {
            net_delta.checked_sub(band_wide)
        } else {
            net_delta.checked_add(band_wide)
        }
        .ok_or(HomeostatError::MathOverflow)?;
        Ok(RebalancePlan {
            reserves,
            gross_position,
            net_delta,
            band,
            target_hedge_delta,
        })
    }

    /// Opens the request `plan` at `now` priced at `oracle`: the next sequence number, the
    /// time, the price `record_hedge` checks fills against, and the size it may record.
    pub fn book_rebalance(
        &mut self,
        plan: &RebalancePlan,
        oracle: &OraclePrice,
        now: i64,
    ) -> Result<()> {
        self.rebalance_seq = self
            .rebalance_seq
            .checked_add(1)
            .ok_or(HomeostatError::MathOverflow)?;
        self.last_rebalance_time = now;
        self.pending_request_price = oracle.mid.into();
        // A hedge position is an i64 (`record_hedge` refuses anything beyond
        // `max_hedge_position` anyway): a larger request is recorded at most at i64's bound.
        let requested = i64::try_from(plan.target_hedge_delta).unwrap_or(if plan.net_delta > 0 {
            i64::MAX
        } else {
            i64::MIN
        });
        self.pending_request_base = requested.to_le_bytes();
        Ok(())
    }

    /// The checks of recording `filled_base` base atoms hedged at `avg_price` (quote atoms
    /// per lot) for request `seq`, and the hedge ledger it leaves — the one place they are
    /// written (the `record_hedge` handler calls it, and the keeper before it sends one,
    /// `PoolView::check_record_hedge`): `seq` is the pending request (`UnknownSequence`);
    /// the price is not negative, and positive for a fill (`InvalidParameter`); the fill
    /// has the request's sign and at most its size (`HedgeExceedsRequest`); the position
    /// stays within `max_hedge_position` (`HedgeTooLarge`); a fill's price is within
    /// `MAX_HEDGE_PRICE_DEVIATION_BPS` of the request's oracle mid (`HedgePriceImplausible`).
    pub fn prepare_record_hedge(
        &self,
        seq: u64,
        filled_base: i64,
        avg_price: LotPrice,
    ) -> Result<HedgeLedger> {
        require!(
            seq == self.rebalance_seq && seq > self.recorded_seq,
            HomeostatError::UnknownSequence
        );
        require!(
            !avg_price.get().is_negative() && (filled_base == 0 || avg_price.get().is_positive()),
            HomeostatError::InvalidParameter
        );
        // What was asked for, at most: a partial fill is recorded as such, an oversized
        // or reversed one is not a hedge of this request.
        let requested = i64::from_le_bytes(self.pending_request_base);
        require!(
            filled_base == 0
                || (filled_base.signum() == requested.signum()
                    && filled_base.unsigned_abs() <= requested.unsigned_abs()),
            HomeostatError::HedgeExceedsRequest
        );
        let position = self
            .hedge_position
            .checked_add(filled_base)
            .ok_or(HomeostatError::HedgeTooLarge)?;
        require!(
            position.unsigned_abs() <= self.params.max_hedge_position,
            HomeostatError::HedgeTooLarge
        );
        if filled_base != 0 {
            let reference = self.pending_request_price.get();
            let gap = avg_price.get().checked_sub(reference).math()?.abs();
            require!(
                reference.is_positive()
                    && gap.to_bits().unsigned_abs().saturating_mul(10_000)
                        <= reference
                            .to_bits()
                            .unsigned_abs()
                            .saturating_mul(MAX_HEDGE_PRICE_DEVIATION_BPS),
                HomeostatError::HedgePriceImplausible
            );
        }
        self.hedge_ledger()
            .record(filled_base, avg_price, self.params.lot)
            .math()
    }

    /// Records request `seq` answered with the hedge book `ledger` (from
    /// `prepare_record_hedge`).
    pub fn book_record_hedge(&mut self, seq: u64, ledger: &HedgeLedger) {
        self.set_hedge_ledger(ledger);
        self.recorded_seq = seq;
    }
}
