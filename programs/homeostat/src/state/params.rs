//! The parameters an operator sets: one plain-bytes struct, the argument of
//! `initialize_pool` / `update_params`, the `ParamsUpdated` payload, and — as is — the
//! `params` field of the pool.

use anchor_lang::prelude::*;
use homeostat_math::{
    Coefficients, FeeSchedule, Fixed, ModelKind, ModelParams, Units, VolatilityConfig,
};

use super::StoredFixed;
use crate::constants::*;
use crate::errors::{HomeostatError, MathResultExt};

/// Everything an operator tunes. Fixed-point values are [`StoredFixed`] (I80F48 bits,
/// `value · 2^48`, see docs/math.md). Zero-copy and borsh at once: the fields are laid
/// out without padding, so the account bytes and the instruction bytes are the same.
#[zero_copy]
// Borsh directly: Anchor's `AnchorSerialize` derive would add a second `IdlBuild` impl
// next to `zero_copy`'s.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize, Debug, PartialEq, Eq)]
#[borsh(crate = "anchor_lang::prelude::borsh")]
pub struct PoolParams {
    /// γ, risk aversion.
    pub risk_aversion: StoredFixed,
    /// k, order-arrival decay.
    pub order_decay: StoredFixed,
    /// A, order arrivals per second (GLFT).
    pub arrival_intensity: StoredFixed,
    /// τ, seconds (Avellaneda–Stoikov).
    pub horizon: StoredFixed,
    /// Half-spread floor, model units.
    pub min_half_spread: StoredFixed,
    /// Half-spread widening per unit of oracle confidence.
    pub confidence_multiplier: StoredFixed,
    /// Half-spread widening per standard deviation of the price move since the oracle
    /// print was published, `√(σ²·age)` (0 = none).
    pub age_multiplier: StoredFixed,
    /// Slope of the print's depth premium, model units per lot: beyond `print_depth` on
    /// one side since the newest print, each further lot moves that side's quote this
    /// much against the trader (0: off). See `homeostat_math::PrintDepth`.
    pub depth_slope: StoredFixed,
    /// Variance floor per second, model units.
    pub variance_floor: StoredFixed,
    /// Variance ceiling per second, model units.
    pub variance_ceiling: StoredFixed,
    /// The volatility estimate's window, seconds: its continuous part is an EWMA over it.
    pub volatility_window: u64,
    /// The volatility estimate's sampling grid, seconds, in `[1, volatility_window]`: a
    /// print is a sample when it is the first fresh one of its grid cell
    /// (`homeostat_math::volatility`).
    pub volatility_grid: u64,
    /// Inventory unit, base atoms.
    pub lot: u64,
    /// Largest |inventory| a trade may create, base atoms.
    pub inventory_cap: u64,
    /// Largest base amount per trade, atoms.
    pub max_trade_base: u64,
    /// Base atoms each side of the pool trades at the curve's quotes per oracle print (at
    /// the pool's first depth; it scales with the pool like `inventory_cap`) before
    /// `depth_slope` applies: what a print is worth to the small orders that need no
    /// more, and all an arbitrageur on a stale print gets cheaply.
    pub print_depth: u64,
    /// Oldest oracle price accepted, seconds.
    pub max_oracle_age: u64,
    /// `rebalance` fires only when |net delta| exceeds this, base atoms.
    pub rebalance_band: u64,
    /// Fewest seconds between two `rebalance` requests.
    pub min_rebalance_interval: u64,
    /// Largest |hedge position| `record_hedge` may reach, base atoms.
    pub max_hedge_position: u64,
    /// Trading fee, bps of the input.
    pub fee_bps: u16,
    /// Protocol share of the fee, bps of the fee.
    pub protocol_share_bps: u16,
    /// Widest oracle confidence accepted, bps of the price.
    pub max_confidence_bps: u16,
    /// Widest gap accepted between the print and Pyth's own EMA price, bps of the EMA
    /// (0 = no EMA check).
    pub max_ema_deviation_bps: u16,
    /// How much of the recorded hedge the quotes treat as offsetting the pool's
    /// inventory, bps (0: the quotes skew on the whole gross position; 10 000: on the
    /// position net of the hedge). Above 0 only with `lp_access` = operator: public LPs
    /// carry the gross position, so their quotes may not count a hedge in somebody else's
    /// account as theirs.
    pub hedge_credit_bps: u16,
    /// ψ, the all-in cost of hedging one lot off chain (venue fee, half its spread,
    /// slippage), bps of the price. With it the rebalance band is derived from the model —
    /// `ψ·mid / skew` lots, where holding one more lot costs as much as hedging it — and
    /// `rebalance_band` is its floor (0: the band is `rebalance_band`).
    pub hedge_cost_bps: u16,
    /// Share of the pool's gross position, bps, that a trade reducing it may take on top of
    /// the print's depth at the curve's quotes (0: none — the default, measured in the
    /// adversarial benchmark: docs/simulator.md, "Asymmetry"). The skew already prices a
    /// reducing trade cheaper; this waives the depth premium on it as well.
    pub depth_relief_bps: u16,
    /// Share of the print's depth and of the largest trade, bps, that a print loses by
    /// the time it is `max_oracle_age` old, linearly in its age (0: none). An aged print
    /// is what an informed trader picks: it fills less before the depth premium and the
    /// size limit bind (docs/math.md, "Quotes that age").
    pub age_shrink_bps: u16,
    /// Prop-AMM mode: how far the quoter's pushed price may lie from the pool's Pyth
    /// price and still price swaps, bps of the Pyth mid (docs/oracle.md, "Three price
    /// sources"). Only read when the pool has a quoter.
    pub quote_band_bps: u16,
    /// `homeostat_math::ModelKind`: 0 Avellaneda–Stoikov, 1 GLFT, 2 constant product
    /// (`ModelKind::Glft.into()`).
    pub model_kind: u8,
    /// `homeostat_math::Units`: 0 absolute, 1 relative (pools normally use relative).
    pub units: u8,
    /// Who may deposit: `LP_ACCESS_PUBLIC` (anyone) or `LP_ACCESS_OPERATOR` (the admin
    /// only: an operator-funded pool, whose LP is the hedge's owner).
    pub lp_access: u8,
    /// Prop-AMM mode: what a swap does when the quoter's price is expired or outside the
    /// band: `QUOTE_FALLBACK_PYTH` (price on Pyth, with the age premium) or
    /// `QUOTE_FALLBACK_REFUSE` (`QuoteUnavailable`).
    pub quote_fallback: u8,
    /// Room for future parameters; must be zero.
    pub reserved: [u8; 2],
}

// 10 × 16 + 10 × 8 + 9 × 2 + 4 + 2 bytes: no implicit padding, so bytemuck and borsh agree.
const _: () = assert!(core::mem::size_of::<PoolParams>() == 264);

impl PoolParams {
    /// The pool's model.
    pub fn model(&self) -> Result<ModelKind> {
        ModelKind::try_from(self.model_kind).math()
    }

    /// The math crate's view of the model parameters.
    pub fn model_params(&self) -> Result<ModelParams> {
        Ok(ModelParams {
            kind: self.model()?,
            units: Units::try_from(self.units).math()?,
            risk_aversion: self.risk_aversion.get(),
            order_decay: self.order_decay.get(),
            arrival_intensity: self.arrival_intensity.get(),
            horizon: self.horizon.get(),
        })
    }

    /// The volatility estimator's configuration.
    pub fn volatility_config(&self) -> VolatilityConfig {
        VolatilityConfig {
            window: self.volatility_window,
            grid: self.volatility_grid,
            floor: self.variance_floor.get(),
            ceiling: self.variance_ceiling.get(),
        }
    }

    /// Fee schedule.
    pub fn fees(&self) -> FeeSchedule {
        FeeSchedule {
            fee_bps: self.fee_bps,
            protocol_share_bps: self.protocol_share_bps,
        }
    }

    /// Whether replacing `old` with these parameters loosens a risk limit — then it waits
    /// the pool's `change_delay`. Immediate only when every field that differs moves the
    /// safe way: caps, trade size, oracle age, confidence and EMA bounds (0 turns the EMA
    /// check off, the loosest), the depth relief, the quoter's band and the hedge limits and
    /// credit down; refusing instead of falling back to Pyth;
    /// fee, spread floor, widening multipliers, the age shrink and variance bounds up. The keeper's own settings
    /// (`rebalance_band`, `min_rebalance_interval`, `hedge_cost_bps`) never wait; any
    /// other change — the model, its coefficients, units, lot, window, grid, protocol share —
    /// does.
    pub fn loosens(&self, old: &PoolParams) -> bool {
        let new = self;
        let down = |new: u64, old: u64| new <= old;
        let up_fixed = |new: StoredFixed, old: StoredFixed| new.get() >= old.get();
        let ema_tightens = new.max_ema_deviation_bps == old.max_ema_deviation_bps
            || (new.max_ema_deviation_bps != 0
                && (old.max_ema_deviation_bps == 0
                    || new.max_ema_deviation_bps < old.max_ema_deviation_bps));
        let unchanged = PoolParams {
            // The fields judged one by one above, and the keeper's settings, compared
            // apart: everything else must be equal.
            inventory_cap: old.inventory_cap,
            max_trade_base: old.max_trade_base,
            max_oracle_age: old.max_oracle_age,
            max_confidence_bps: old.max_confidence_bps,
            max_ema_deviation_bps: old.max_ema_deviation_bps,
            max_hedge_position: old.max_hedge_position,
            hedge_credit_bps: old.hedge_credit_bps,
            fee_bps: old.fee_bps,
            min_half_spread: old.min_half_spread,
            confidence_multiplier: old.confidence_multiplier,
            age_multiplier: old.age_multiplier,
            depth_slope: old.depth_slope,
            print_depth: old.print_depth,
            depth_relief_bps: old.depth_relief_bps,
            age_shrink_bps: old.age_shrink_bps,
            quote_band_bps: old.quote_band_bps,
            quote_fallback: old.quote_fallback,
            variance_floor: old.variance_floor,
            variance_ceiling: old.variance_ceiling,
            rebalance_band: old.rebalance_band,
            min_rebalance_interval: old.min_rebalance_interval,
            hedge_cost_bps: old.hedge_cost_bps,
            ..*new
        } == *old;
        let tightens = down(new.inventory_cap, old.inventory_cap)
            && down(new.max_trade_base, old.max_trade_base)
            && down(new.max_oracle_age, old.max_oracle_age)
            && new.max_confidence_bps <= old.max_confidence_bps
            && ema_tightens
            && down(new.max_hedge_position, old.max_hedge_position)
            && new.hedge_credit_bps <= old.hedge_credit_bps
            && new.fee_bps >= old.fee_bps
            && up_fixed(new.min_half_spread, old.min_half_spread)
            && up_fixed(new.confidence_multiplier, old.confidence_multiplier)
            && up_fixed(new.age_multiplier, old.age_multiplier)
            && up_fixed(new.depth_slope, old.depth_slope)
            && down(new.print_depth, old.print_depth)
            && new.depth_relief_bps <= old.depth_relief_bps
            && new.age_shrink_bps >= old.age_shrink_bps
            && new.quote_band_bps <= old.quote_band_bps
            && new.quote_fallback >= old.quote_fallback
            && up_fixed(new.variance_floor, old.variance_floor)
            && up_fixed(new.variance_ceiling, old.variance_ceiling);
        !(unchanged && tightens)
    }

    /// Checks every parameter against its documented bound and returns the model's
    /// coefficients. Bounds: docs/math.md ("Parameter domain") and docs/instructions.md.
    pub fn validate(&self) -> Result<Coefficients> {
        let coefficients = self.model_params()?.coefficients().math()?;
        self.validate_bounds()?;
        Ok(coefficients)
    }

    /// The bounds of `validate` without recomputing the model's coefficients (which needs
    /// `ln`/`exp`): cheap enough for the end of every instruction.
    pub fn validate_bounds(&self) -> Result<()> {
        if let Some(violation) = self.bound_violation() {
            msg!("invalid parameter: {}", violation);
            return err!(HomeostatError::InvalidParameter);
        }
        Ok(())
    }

    /// The first documented bound these parameters break, named with the bound — what
    /// `validate` refuses, for clients to say before anything is signed. Includes the
    /// model's domain (γ, k, A, τ), which `validate_bounds` leaves to `validate`.
    pub fn violation(&self) -> Option<&'static str> {
        if self
            .model_params()
            .is_ok_and(|model| model.validate().is_err())
        {
            return Some(
                "risk_aversion, order_decay, arrival_intensity or horizon is outside the model's \
                 domain: γ and k in [2^-20, 2^20], γ/k in [2^-16, 2^16], A in [2^-20, 2^32] \
                 (GLFT), τ in [0, 2^32] (AS) — docs/math.md, \"Parameter domain\"",
            );
        }
        self.bound_violation()
    }

    /// The first bound of `validate_bounds` these parameters break.
    fn bound_violation(&self) -> Option<&'static str> {
        self.market_violation()
            .or_else(|| self.oracle_violation())
            .or_else(|| self.hedge_violation())
    }

    /// The model, volatility, fee, lot and size bounds.
    fn market_violation(&self) -> Option<&'static str> {
        let checks: [(bool, &'static str); 8] = [
            (
                self.model_params().is_ok(),
                "model_kind must be 0, 1 or 2 and units 0 or 1",
            ),
            (
                self.volatility_config().validate().is_ok(),
                "volatility_window must be ≥ 1 s, volatility_grid in [1 s, volatility_window] and \
                 0 ≤ variance_floor ≤ variance_ceiling",
            ),
            (
                self.fee_bps <= homeostat_math::fees::MAX_FEE_BPS,
                "fee_bps must be ≤ 1 000",
            ),
            (
                self.fees().validate().is_ok(),
                "protocol_share_bps must be ≤ 10 000",
            ),
            (
                self.lot > 0 && self.lot <= MAX_LOT,
                "lot must be in [1, 2^40] atoms",
            ),
            (self.inventory_cap > 0, "inventory_cap must be > 0"),
            (self.max_trade_base > 0, "max_trade_base must be > 0"),
            (
                self.volatility_window <= MAX_VOLATILITY_WINDOW,
                "volatility_window must be ≤ 2 592 000 s (30 days)",
            ),
        ];
        first_violation(&checks)
    }

    /// The oracle's bounds and the spread's widenings.
    fn oracle_violation(&self) -> Option<&'static str> {
        let min_half_spread = self.min_half_spread.get();
        let multiplier = self.confidence_multiplier.get();
        let age_multiplier = self.age_multiplier.get();
        let depth_slope = self.depth_slope.get();
        let checks: [(bool, &'static str); 7] = [
            (
                self.max_oracle_age > 0 && self.max_oracle_age <= MAX_ORACLE_AGE_LIMIT,
                "max_oracle_age must be in [1, 60] s",
            ),
            (
                self.max_confidence_bps > 0 && self.max_confidence_bps <= MAX_CONFIDENCE_BPS_LIMIT,
                "max_confidence_bps must be in [1, 1 000]",
            ),
            (
                !min_half_spread.is_negative(),
                "min_half_spread must be ≥ 0",
            ),
            (
                !multiplier.is_negative()
                    && multiplier <= Fixed::from_int(MAX_CONFIDENCE_MULTIPLIER),
                "confidence_multiplier must be in [0, 100]",
            ),
            (
                !age_multiplier.is_negative()
                    && age_multiplier <= Fixed::from_int(MAX_AGE_MULTIPLIER),
                "age_multiplier must be in [0, 10]",
            ),
            (
                !depth_slope.is_negative() && depth_slope <= Fixed::from_int(MAX_DEPTH_SLOPE),
                "depth_slope must be in [0, 1] per lot",
            ),
            (
                self.max_ema_deviation_bps <= MAX_EMA_DEVIATION_BPS_LIMIT,
                "max_ema_deviation_bps must be ≤ 1 000",
            ),
        ];
        first_violation(&checks)
    }

    /// The hedge, access, depth-relief and quoter bounds.
    fn hedge_violation(&self) -> Option<&'static str> {
        let checks: [(bool, &'static str); 11] = [
            (self.rebalance_band > 0, "rebalance_band must be > 0"),
            (
                self.min_rebalance_interval <= MAX_REBALANCE_INTERVAL,
                "min_rebalance_interval must be ≤ 86 400 s (one day)",
            ),
            (
                i64::try_from(self.max_hedge_position).is_ok(),
                "max_hedge_position must be ≤ i64::MAX",
            ),
            (
                self.lp_access == LP_ACCESS_PUBLIC || self.lp_access == LP_ACCESS_OPERATOR,
                "lp_access must be 0 (public) or 1 (operator)",
            ),
            (
                u64::from(self.hedge_credit_bps) <= homeostat_math::fees::BPS_DENOMINATOR
                    && (self.hedge_credit_bps == 0 || self.lp_access == LP_ACCESS_OPERATOR),
                "hedge_credit_bps must be in [0, 10 000], and 0 unless lp_access = 1 (operator): \
                 public LPs carry the gross position",
            ),
            (
                self.hedge_cost_bps <= MAX_HEDGE_COST_BPS,
                "hedge_cost_bps must be ≤ 1 000",
            ),
            (
                u64::from(self.depth_relief_bps) <= homeostat_math::fees::BPS_DENOMINATOR,
                "depth_relief_bps must be ≤ 10 000",
            ),
            (
                u64::from(self.age_shrink_bps) <= homeostat_math::fees::BPS_DENOMINATOR,
                "age_shrink_bps must be ≤ 10 000",
            ),
            (
                self.quote_band_bps <= MAX_QUOTE_BAND_BPS,
                "quote_band_bps must be ≤ 1 000",
            ),
            (
                self.quote_fallback == QUOTE_FALLBACK_PYTH
                    || self.quote_fallback == QUOTE_FALLBACK_REFUSE,
                "quote_fallback must be 0 (Pyth) or 1 (refuse)",
            ),
            (self.reserved == [0; 2], "reserved must be zero"),
        ];
        first_violation(&checks)
    }
}

/// The message of the first check that fails.
fn first_violation(checks: &[(bool, &'static str)]) -> Option<&'static str> {
    checks
        .iter()
        .find(|(ok, _)| !ok)
        .map(|(_, violation)| *violation)
}
