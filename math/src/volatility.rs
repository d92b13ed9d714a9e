//! On-chain volatility estimate: an exponentially weighted moving average of squared
//! oracle returns, with irregular observation times and no `exp` on the swap path.
//!
//! With window `T` (time units) and a new observation `dt` after the previous one, the
//! weight of the new squared return is `dt / (T + dt)` — the first-order (Padé) form of
//! `1 − e^(−dt/T)`. The update then has a closed form with a single division:
//!
//! ```text
//! v' = (T·v + r²) / (T + dt)        r = Δprice (Absolute) or Δprice/price (Relative)
//! ```
//!
//! which is the EWMA of the per-time-unit sample `r²/dt`.
//!
//! **Precision.** The estimator's state is the variance over one window, `w = T·v`, not the
//! variance per second: at 2^-48 resolution a per-second variance of a calm pair is a few
//! hundred units in the last place, and an average rounded up could never fall below
//! `(T+dt)/dt` of them (54 % annual volatility for a 30-day window sampled every second).
//! Updating `w' = ⌈T·(w + r²)/(T + dt)⌉` in one 256-bit step keeps that floor at about
//! `1/dt` units in the last place of `v`. The per-second `v = ⌈w/T⌉` that prices read is
//! derived from it and stored beside it.
//!
//! **Robustness.** Swaps decide when the estimator samples, so the gaps are irregular:
//! * one observation's squared return is clipped at `MAX_RETURN_SIGMAS² · v · dt` (a move
//!   beyond 5 σ of the current estimate counts as 5 σ), so one bad print and its reversal
//!   cannot multiply the variance by hundreds;
//! * one observation's weight is capped at ½ (`dt` counts as at most `T`, with `r²`
//!   scaled by the same factor so the per-second sample `r²/dt` is unchanged), so after a
//!   long gap a single squared return cannot replace most of the estimate.
//!
//! The result is clamped to the configured `[floor, ceiling]`. Only a strictly newer
//! observation updates the state, so splitting a trade into many swaps against the same
//! oracle print cannot decay the variance (and narrow the spread) between the pieces.

use crate::error::{ensure, MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, Rounding};
use crate::model::Units;

/// Configuration of the estimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityConfig {
    /// EWMA window `T`, in time units (seconds on chain). Must be positive.
    pub window: u64,
    /// Lowest variance the estimate may report (per time unit, model units).
    pub floor: Fixed,
    /// Highest variance the estimate may report.
    pub ceiling: Fixed,
}

/// A single squared return counts for at most this many standard deviations of the
/// current estimate (see the module docs).
pub const MAX_RETURN_SIGMAS: i64 = 5;

/// The estimator's state, stored in the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityState {
    /// Current variance estimate σ² per time unit, `⌈window_variance / T⌉` clamped to the
    /// configured bounds: what prices read.
    pub variance: Fixed,
    /// The estimator's own state: the variance over one window, `T·σ²`, at full precision.
    pub window_variance: Fixed,
    /// The last observed price (zero before the first observation).
    pub last_price: Fixed,
    /// Time of the last observation.
    pub last_time: i64,
}

impl VolatilityConfig {
    /// Checks `window > 0` and `0 ≤ floor ≤ ceiling`.
    #[track_caller]
    pub fn validate(&self) -> Result<()> {
        ensure(
            self.window > 0 && !self.floor.is_negative() && self.floor <= self.ceiling,
            MathErrorKind::InvalidParameter,
        )
    }

    /// `variance` clamped to `[floor, ceiling]`.
    pub fn clamp(&self, variance: Fixed) -> Fixed {
        variance.max(self.floor).min(self.ceiling)
    }

    /// `window_variance` clamped to `[floor·T, ceiling·T]` (a bound past the range does
    /// not bind).
    fn clamp_window_variance(&self, window_variance: Fixed) -> Fixed {
        let window = Fixed::from_u64(self.window);
        let low = self.floor.mul(window, Rounding::Up).unwrap_or(Fixed::MAX);
        let high = self
            .ceiling
            .mul(window, Rounding::Down)
            .unwrap_or(Fixed::MAX);
        window_variance.max(low).min(high)
    }
}

/// What a price and a variance are measured in: the model's units and the lot (prices are
/// quote atoms per lot), and the estimator's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityScale {
    /// Unit system of the variance.
    pub units: Units,
    /// Inventory unit the price is quoted per, base atoms.
    pub lot: u64,
    /// EWMA window, time units.
    pub window: u64,
}

impl VolatilityState {
    /// The first state: `variance` clamped to the bounds, anchored at `price` and `time`.
    #[track_caller]
    pub fn start(
        config: &VolatilityConfig,
        variance: Fixed,
        price: Fixed,
        time: i64,
    ) -> Result<Self> {
        config.validate()?;
        let variance = config.clamp(variance);
        Ok(Self {
            variance,
            window_variance: variance.mul(Fixed::from_u64(config.window), Rounding::Up)?,
            last_price: price,
            last_time: time,
        })
    }

    /// The per-time-unit variance a window variance stands for, rounded up and clamped.
    #[track_caller]
    fn per_time_unit(config: &VolatilityConfig, window_variance: Fixed) -> Result<Fixed> {
        Ok(config.clamp(window_variance.div(Fixed::from_u64(config.window), Rounding::Up)?))
    }

    /// The state after observing `price` at `time`. Observations that are not strictly
    /// newer than the last one leave the state unchanged. Squared returns and the average
    /// round up: a higher variance widens the spread, in the pool's favour.
    #[track_caller]
    pub fn observe(
        &self,
        config: &VolatilityConfig,
        units: Units,
        price: Fixed,
        time: i64,
    ) -> Result<Self> {
        config.validate()?;
        ensure(price.is_positive(), MathErrorKind::NonPositivePrice)?;
        if !self.last_price.is_positive() {
            return Ok(Self {
                last_price: price,
                last_time: time,
                ..Self::start(config, self.variance, price, time)?
            });
        }
        if time <= self.last_time {
            return Ok(*self);
        }
        let elapsed = u64::try_from(i128::from(time).saturating_sub(i128::from(self.last_time)))
            .or_math(MathErrorKind::Overflow)?;
        let change = price.checked_sub(self.last_price)?.abs();
        let change = match units {
            Units::Absolute => change,
            Units::Relative => change.div(self.last_price, Rounding::Up)?,
        };
        let mut squared_return = change.mul(change, Rounding::Up)?;
        // Clip one observation at MAX_RETURN_SIGMAS standard deviations of the estimate.
        if self.variance.is_positive() {
            let sigmas = Fixed::from_int(MAX_RETURN_SIGMAS.saturating_mul(MAX_RETURN_SIGMAS));
            let bound = self
                .variance
                .mul(Fixed::from_u64(elapsed), Rounding::Up)
                .and_then(|spread| spread.mul(sigmas, Rounding::Up))
                .unwrap_or(Fixed::MAX);
            squared_return = squared_return.min(bound);
        }
        // Cap the observation's weight at ½: `dt` counts as at most `T`, and the squared
        // return shrinks by the same factor so the per-time-unit sample stays `r²/dt`.
        let counted = elapsed.min(config.window);
        if counted < elapsed {
            squared_return = squared_return.mul_div(
                Fixed::from_u64(counted),
                Fixed::from_u64(elapsed),
                Rounding::Up,
            )?;
        }
        let window = Fixed::from_u64(config.window);
        let span = window.checked_add(Fixed::from_u64(counted))?;
        let window_variance = config.clamp_window_variance(
            self.window_variance.checked_add(squared_return)?.mul_div(
                window,
                span,
                Rounding::Up,
            )?,
        );
        Ok(Self {
            variance: Self::per_time_unit(config, window_variance)?,
            window_variance,
            last_price: price,
            last_time: time,
        })
    }

    /// The same market in a new measure: the last price re-quoted per the new lot, the
    /// variance converted to the new units and lot (`Absolute` variance is in price² and
    /// scales with the lot squared; converting between unit systems uses the last price),
    /// the window variance re-spread over the new window, all clamped to `config` (whose
    /// window must be `to.window`).
    /// What `update_params` does when it changes the lot, the units or the window, so a new
    /// lot does not read as a return and a new window does not rescale the estimate.
    #[track_caller]
    pub fn rescaled(
        &self,
        from: VolatilityScale,
        to: VolatilityScale,
        config: &VolatilityConfig,
    ) -> Result<Self> {
        config.validate()?;
        ensure(
            from.lot > 0 && from.window > 0 && to.window == config.window,
            MathErrorKind::InvalidParameter,
        )?;
        if from == to {
            // The same measure: only the (possibly new) bounds apply — no round trip through
            // the per-second variance, which would round up at every parameter update.
            let window_variance = config.clamp_window_variance(self.window_variance);
            return Ok(Self {
                variance: Self::per_time_unit(config, window_variance)?,
                window_variance,
                ..*self
            });
        }
        let lot_ratio = |value: Fixed, rounding: Rounding| {
            value.mul_div(Fixed::from_u64(to.lot), Fixed::from_u64(from.lot), rounding)
        };
        let last_price = lot_ratio(self.last_price, Rounding::Down)?;
        // Per time unit in the old measure, at full precision.
        let mut variance = self
            .window_variance
            .div(Fixed::from_u64(from.window), Rounding::Up)?;
        // To the new unit system (price² per time unit ↔ return² per time unit), at the
        // new price scale.
        variance = match (from.units, to.units) {
            (Units::Absolute, Units::Absolute) => {
                lot_ratio(lot_ratio(variance, Rounding::Up)?, Rounding::Up)?
            }
            (Units::Relative, Units::Relative) => variance,
            (Units::Relative, Units::Absolute) => variance
                .mul(last_price, Rounding::Up)?
                .mul(last_price, Rounding::Up)?,
            (Units::Absolute, Units::Relative) => {
                ensure(last_price.is_positive(), MathErrorKind::NonPositivePrice)?;
                let old_price = self.last_price;
                variance
                    .div(old_price, Rounding::Up)?
                    .div(old_price, Rounding::Up)?
            }
        };
        let window_variance =
            config.clamp_window_variance(variance.mul(Fixed::from_u64(to.window), Rounding::Up)?);
        Ok(Self {
            variance: Self::per_time_unit(config, window_variance)?,
            window_variance,
            last_price,
            last_time: self.last_time,
        })
    }
}
