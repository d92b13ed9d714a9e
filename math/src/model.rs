//! Inventory models behind one interface.
//!
//! Avellaneda–Stoikov and GLFT both reduce, for a given oracle state, to a **linear skew**:
//! a marginal bid and ask that move by a fixed amount per unit of inventory,
//!
//! ```text
//! bid(q) = mid − half_spread − skew·q        ask(q) = mid + half_spread − skew·q
//! ```
//!
//! with `reservation(q) = mid − skew·q` between them. They differ only in how
//! `half_spread` and `skew` follow from the parameters and the volatility:
//!
//! | model | half_spread | skew |
//! |---|---|---|
//! | AS (horizon τ) | `c1` | `γ·σ²·τ` |
//! | GLFT | `c1` | `σ·c2` |
//!
//! where `c1 = (1/γ)·ln(1+γ/k)` and `c2 = √(γ/(2Ak)·(1+γ/k)^(k/γ+1))` are computed once,
//! when parameters are set ([`Coefficients`]); the swap path needs no `ln`/`exp` and at most
//! two `sqrt`s (GLFT's `σ = √variance`, and the oracle-age widening). The papers' one-unit
//! correction (`γσ²τ/2`, `σ·c2/2`) is *not* in the half-spread: a trade is priced over its
//! inventory path ([`crate::trade`]), which charges `skew·Δ/2` for a trade of Δ lots, so a
//! one-lot trade at inventory q executes exactly at the papers' unit quotes
//! `s − c1 − (2q+1)·K/2` and `s + c1 − (2q−1)·K/2`, and n lots cost n unit trades.
//!
//! Widening on top of the model (all bounded pool parameters, [`SpreadConfig`]):
//! `confidence_multiplier · conf` and `age_multiplier · √(σ² · age)` — the oracle's own
//! uncertainty and the move the price can have made since the print was published.
//! The constant-product baseline ignores the oracle and prices from reserves.

use crate::error::{ensure, MathErrorKind, Result};
use crate::fixed::{Fixed, Rounding};
use crate::trade::{ConstantProductCurve, Curve, LinearCurve, PrintDepth, Reserves};
use crate::transcendental::{exp, ln_1p};
use crate::units::BaseAtoms;

/// Which unit system a model's parameters (and the volatility) are expressed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Units {
    /// As in the papers: σ in price units per √time, spreads in price units,
    /// `k` in 1/price, `γ` in 1/(price · inventory unit).
    Absolute = 0,
    /// Normalised by the mid: σ is the volatility of returns per √time, spreads are
    /// fractions of the mid, `k` in 1/fraction, `γ` in 1/(fraction · inventory unit).
    /// This is what pools use: the parameters survive any price level.
    Relative = 1,
}

/// Which inventory model prices the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ModelKind {
    /// Avellaneda–Stoikov (2008) with a finite horizon τ.
    AvellanedaStoikov = 0,
    /// Guéant–Lehalle–Fernandez-Tapia (2013) stationary quotes.
    Glft = 1,
    /// `x·y = k` on the reserves; the baseline. Ignores the oracle and the other parameters.
    ConstantProduct = 2,
}

/// Names, the list of all variants and the `u8` code (both ways; an unknown code is
/// `InvalidParameter`) of a fieldless enum: how accounts, configuration files and tools
/// name `ModelKind` and `Units`.
macro_rules! named_variants {
    ($kind:ident, $what:literal { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $kind {
            #[doc = concat!("Every ", $what, ", in code order.")]
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            #[doc = concat!("The name of the ", $what, " in configuration files and tools.")]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }
        }

        impl From<$kind> for u8 {
            fn from(value: $kind) -> Self {
                value as u8
            }
        }

        impl TryFrom<u8> for $kind {
            type Error = crate::MathError;

            #[track_caller]
            fn try_from(code: u8) -> Result<Self> {
                match Self::ALL.iter().copied().find(|value| *value as u8 == code) {
                    Some(value) => Ok(value),
                    None => Err(crate::MathError::new(MathErrorKind::InvalidParameter)),
                }
            }
        }
    };
}

named_variants!(ModelKind, "model kind" {
    AvellanedaStoikov => "avellaneda-stoikov",
    Glft => "glft",
    ConstantProduct => "constant-product",
});

impl ModelKind {
    /// The LP book's gamma: how the base its reserves hold moves with the price, in base
    /// atoms per 1 % rise. For `x·y = k`, `B = √(k/s)` so `dB/ds = −B/(2s)`: a 1 % rise
    /// sells `B/200` (rounded toward zero). An oracle-anchored pool holds what its trades
    /// leave it — the price alone moves none of it — so its gamma is 0 by construction
    /// (what it loses to a lagging oracle is realised gamma, which only flow shows).
    pub const fn book_gamma_per_percent(self, base: BaseAtoms) -> i64 {
        match self {
            // `u64::MAX / 200` fits an `i64`; the division cannot be by zero.
            #[allow(clippy::integer_division, clippy::arithmetic_side_effects)]
            Self::ConstantProduct => -((base.get() / 200) as i64),
            Self::AvellanedaStoikov | Self::Glft => 0,
        }
    }
}

named_variants!(Units, "unit system" {
    Absolute => "absolute",
    Relative => "relative",
});

/// Documented parameter domain. Values outside are rejected with `InvalidParameter`.
pub mod bounds {
    use crate::fixed::Fixed;

    const fn pow2(exponent: u32) -> Fixed {
        Fixed::from_bits(1i128 << 48u32.saturating_add(exponent))
    }
    const fn pow2_neg(exponent: u32) -> Fixed {
        Fixed::from_bits(1i128 << 48u32.saturating_sub(exponent))
    }

    /// γ and k: `[2^-20, 2^20]`.
    pub const MIN_GAMMA_OR_K: Fixed = pow2_neg(20);
    /// See [`MIN_GAMMA_OR_K`].
    pub const MAX_GAMMA_OR_K: Fixed = pow2(20);
    /// γ/k: `[2^-16, 2^16]`, which keeps `c1` and `c2` accurate to ~1e-9 relative.
    pub const MIN_GAMMA_OVER_K: Fixed = pow2_neg(16);
    /// See [`MIN_GAMMA_OVER_K`].
    pub const MAX_GAMMA_OVER_K: Fixed = pow2(16);
    /// A (GLFT): `[2^-20, 2^32]` orders per time unit.
    pub const MIN_ARRIVAL_INTENSITY: Fixed = pow2_neg(20);
    /// See [`MIN_ARRIVAL_INTENSITY`].
    pub const MAX_ARRIVAL_INTENSITY: Fixed = pow2(32);
    /// τ (AS): `[0, 2^32]` time units.
    pub const MAX_HORIZON: Fixed = pow2(32);
    /// Mid price, in quote atoms per inventory unit: `[2^-24, 2^40]`.
    pub const MIN_PRICE: Fixed = pow2_neg(24);
    /// See [`MIN_PRICE`].
    pub const MAX_PRICE: Fixed = pow2(40);
}

/// The parameters an operator sets, in the model's [`Units`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelParams {
    /// Which model.
    pub kind: ModelKind,
    /// Unit system of the parameters and of the volatility.
    pub units: Units,
    /// γ, risk aversion.
    pub risk_aversion: Fixed,
    /// k, decay of order arrival with quoted distance.
    pub order_decay: Fixed,
    /// A, order arrival intensity at zero distance (GLFT).
    pub arrival_intensity: Fixed,
    /// τ, the horizon (AS). On a perpetual pool: e.g. the keeper's hedge interval.
    pub horizon: Fixed,
}

/// What the swap path needs, derived once from [`ModelParams`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coefficients {
    /// `c1 = (1/γ)·ln(1 + γ/k)`: the half-spread at zero volatility (AS and GLFT).
    pub c1: Fixed,
    /// `c2 = √(γ/(2Ak) · (1+γ/k)^(k/γ+1))` (GLFT; zero for AS).
    pub c2: Fixed,
    /// `γ·τ` (AS; zero for GLFT).
    pub gamma_tau: Fixed,
}

impl ModelParams {
    /// Checks every parameter the model uses against [`bounds`].
    #[track_caller]
    pub fn validate(&self) -> Result<()> {
        if self.kind == ModelKind::ConstantProduct {
            return Ok(());
        }
        let in_range = |value: Fixed, low: Fixed, high: Fixed| value >= low && value <= high;
        let gamma = self.risk_aversion;
        let k = self.order_decay;
        let valid = in_range(gamma, bounds::MIN_GAMMA_OR_K, bounds::MAX_GAMMA_OR_K)
            && in_range(k, bounds::MIN_GAMMA_OR_K, bounds::MAX_GAMMA_OR_K);
        ensure(valid, MathErrorKind::InvalidParameter)?;
        let ratio = gamma.div(k, Rounding::Down)?;
        ensure(
            in_range(ratio, bounds::MIN_GAMMA_OVER_K, bounds::MAX_GAMMA_OVER_K),
            MathErrorKind::InvalidParameter,
        )?;
        match self.kind {
            ModelKind::AvellanedaStoikov => ensure(
                in_range(self.horizon, Fixed::ZERO, bounds::MAX_HORIZON),
                MathErrorKind::InvalidParameter,
            ),
            ModelKind::Glft => ensure(
                in_range(
                    self.arrival_intensity,
                    bounds::MIN_ARRIVAL_INTENSITY,
                    bounds::MAX_ARRIVAL_INTENSITY,
                ),
                MathErrorKind::InvalidParameter,
            ),
            ModelKind::ConstantProduct => Ok(()),
        }
    }

    /// Validates, then computes the coefficients the swap path uses. Rounded so the
    /// spread comes out no narrower than the exact one (`c1`, `c2` up; the transcendental
    /// functions themselves are within one unit in the last place).
    #[track_caller]
    pub fn coefficients(&self) -> Result<Coefficients> {
        self.validate()?;
        if self.kind == ModelKind::ConstantProduct {
            return Ok(Coefficients::default());
        }
        let gamma = self.risk_aversion;
        let k = self.order_decay;
        let ratio = gamma.div(k, Rounding::Up)?;
        let log_term = ln_1p(ratio)?;
        let c1 = log_term.div(gamma, Rounding::Up)?;
        match self.kind {
            ModelKind::AvellanedaStoikov => Ok(Coefficients {
                c1,
                c2: Fixed::ZERO,
                gamma_tau: gamma.mul(self.horizon, Rounding::Up)?,
            }),
            _ => {
                // (1+γ/k)^(k/γ+1) = exp((k/γ + 1) · ln(1+γ/k))
                let exponent_factor = k.div(gamma, Rounding::Up)?.checked_add(Fixed::ONE)?;
                let power = exp(exponent_factor.mul(log_term, Rounding::Up)?)?;
                let two_a_k = self
                    .arrival_intensity
                    .mul(k, Rounding::Down)?
                    .mul(Fixed::from_int(2), Rounding::Down)?;
                Ok(Coefficients {
                    c1,
                    c2: scaled_sqrt_of_ratio(gamma, power, two_a_k)?,
                    gamma_tau: Fixed::ZERO,
                })
            }
        }
    }
}

/// `√(a·b/c)`, rounded up. A small radicand is scaled by 2^32 before the root (and the
/// root by 2^-16 after), so a tiny `γ/(2Ak)` keeps its significant bits instead of
/// losing them to the 2^-48 resolution.
#[track_caller]
fn scaled_sqrt_of_ratio(a: Fixed, b: Fixed, c: Fixed) -> Result<Fixed> {
    const SCALE_BITS: i64 = 32;
    const HALF_SCALE_BITS: i64 = 16;
    let radicand = a.mul_div(b, c, Rounding::Up)?;
    if radicand >= Fixed::from_int(1 << 16) {
        return radicand.sqrt(Rounding::Up);
    }
    let scaled = a
        .mul(Fixed::from_int(1 << SCALE_BITS), Rounding::Up)?
        .mul_div(b, c, Rounding::Up)?;
    scaled
        .sqrt(Rounding::Up)?
        .div(Fixed::from_int(1 << HALF_SCALE_BITS), Rounding::Up)
}

/// How the spread widens beyond the model's own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpreadConfig {
    /// The half-spread never goes below this (model [`Units`]: a price, or a fraction of
    /// the mid).
    pub min_half_spread: Fixed,
    /// The half-spread widens by this multiple of the oracle's confidence interval.
    pub confidence_multiplier: Fixed,
    /// The half-spread widens by this multiple of `√(σ² · age)`, the standard deviation of
    /// the price move since the oracle print was published (`age` seconds ago): a print
    /// that is `age` old is charged for what the market can have done meanwhile.
    pub age_multiplier: Fixed,
    /// The slope of the print's depth premium ([`PrintDepth::slope`]) in model units per
    /// lot: how far each lot traded beyond a print's depth moves that side's quote
    /// (0: off). The pool sets the depth left on each side.
    pub depth_slope: Fixed,
    /// No trade on the LPs' wrong side of the mid (see [`LinearCurve::mid_guard`]).
    pub mid_guard: bool,
}

/// The oracle-side state a quote is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketState {
    /// Oracle mid price, in quote atoms per inventory unit (lot).
    pub mid: Fixed,
    /// Oracle confidence interval, same units as `mid`.
    pub confidence: Fixed,
    /// Volatility estimate σ² per time unit, in the model's [`Units`].
    pub variance: Fixed,
    /// Age of the oracle print, time units (seconds on chain): `now − publish_time`.
    pub age: u64,
}

/// One interface for all inventory models: from the market and the pool, the curve that
/// prices trades of any size.
pub trait InventoryModel {
    /// The pricing curve for this market state. `lot` is the inventory unit in base atoms.
    fn curve(
        &self,
        market: &MarketState,
        spread: &SpreadConfig,
        reserves: Reserves,
        lot: u64,
    ) -> Result<Curve>;
}

/// A pool's model: its parameters and the coefficients derived from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolModel {
    /// The parameters.
    pub params: ModelParams,
    /// Derived coefficients.
    pub coefficients: Coefficients,
}

impl PoolModel {
    /// Validates the parameters and precomputes the coefficients.
    #[track_caller]
    pub fn new(params: ModelParams) -> Result<Self> {
        Ok(Self {
            params,
            coefficients: params.coefficients()?,
        })
    }

    /// The model's skew `K` in its units, as an interval `(low, high)` around the value
    /// the stored coefficients define: the trade code picks the end that favours the pool
    /// for the sign of the inventory it multiplies (a larger K favours the pool when the
    /// inventory is positive, a smaller one when it is negative).
    #[track_caller]
    fn skew_bounds(&self, variance: Fixed) -> Result<(Fixed, Fixed)> {
        let Coefficients { c2, gamma_tau, .. } = self.coefficients;
        match self.params.kind {
            ModelKind::AvellanedaStoikov => Ok((
                gamma_tau.mul(variance, Rounding::Down)?,
                gamma_tau.mul(variance, Rounding::Up)?,
            )),
            _ => {
                let (sigma_low, sigma_high) = variance.sqrt_bounds()?;
                Ok((
                    sigma_low.mul(c2, Rounding::Down)?,
                    sigma_high.mul(c2, Rounding::Up)?,
                ))
            }
        }
    }
}

/// `multiplier · √(variance · age)`, rounded up: the oracle-age widening in model units.
#[track_caller]
fn age_widening(multiplier: Fixed, variance: Fixed, age: u64) -> Result<Fixed> {
    if multiplier.is_zero() || age == 0 || variance.is_zero() {
        return Ok(Fixed::ZERO);
    }
    multiplier.mul(
        variance
            .mul(Fixed::from_u64(age), Rounding::Up)?
            .sqrt(Rounding::Up)?,
        Rounding::Up,
    )
}

impl InventoryModel for PoolModel {
    #[track_caller]
    fn curve(
        &self,
        market: &MarketState,
        spread: &SpreadConfig,
        reserves: Reserves,
        lot: u64,
    ) -> Result<Curve> {
        if self.params.kind == ModelKind::ConstantProduct {
            return Ok(Curve::ConstantProduct(ConstantProductCurve { reserves }));
        }
        ensure(market.mid.is_positive(), MathErrorKind::NonPositivePrice)?;
        ensure(
            market.mid >= bounds::MIN_PRICE && market.mid <= bounds::MAX_PRICE,
            MathErrorKind::OutOfDomain,
        )?;
        ensure(
            !market.variance.is_negative()
                && !market.confidence.is_negative()
                && !spread.depth_slope.is_negative(),
            MathErrorKind::OutOfDomain,
        )?;
        ensure(lot > 0, MathErrorKind::InvalidParameter)?;
        let (skew_low, skew_high) = self.skew_bounds(market.variance)?;
        let to_price = |value: Fixed, rounding: Rounding| match self.params.units {
            Units::Absolute => Ok(value),
            Units::Relative => value.mul(market.mid, rounding),
        };
        let model_half_spread = self.coefficients.c1.checked_add(age_widening(
            spread.age_multiplier,
            market.variance,
            market.age,
        )?)?;
        let floor = to_price(spread.min_half_spread, Rounding::Up)?;
        let widened = to_price(model_half_spread, Rounding::Up)?.checked_add(
            spread
                .confidence_multiplier
                .mul(market.confidence, Rounding::Up)?,
        )?;
        Ok(Curve::Linear(LinearCurve {
            mid: market.mid,
            half_spread: widened.max(floor),
            skew: to_price(skew_high, Rounding::Up)?,
            skew_low: to_price(skew_low, Rounding::Down)?,
            lot,
            mid_guard: spread.mid_guard,
            depth: PrintDepth {
                slope: to_price(spread.depth_slope, Rounding::Up)?,
                left: [0; 2],
            },
        }))
    }
}
