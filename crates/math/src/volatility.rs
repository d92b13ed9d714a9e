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
//! which is the EWMA of the per-time-unit sample `r²/dt`. The result is clamped to the
//! configured `[floor, ceiling]`. Only a strictly newer observation updates the state, so
//! splitting a trade into many swaps against the same oracle print cannot decay the
//! variance (and narrow the spread) between the pieces.

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

/// The estimator's state, stored in the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityState {
    /// Current variance estimate σ² per time unit.
    pub variance: Fixed,
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
}

impl VolatilityState {
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
                variance: config.clamp(self.variance),
                last_price: price,
                last_time: time,
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
        let squared_return = change.mul(change, Rounding::Up)?;
        let window = Fixed::from_u64(config.window);
        let span = window.checked_add(Fixed::from_u64(elapsed))?;
        let weighted = self
            .variance
            .mul(window, Rounding::Up)?
            .checked_add(squared_return)?;
        let variance = weighted.div(span, Rounding::Up)?;
        Ok(Self {
            variance: config.clamp(variance),
            last_price: price,
            last_time: time,
        })
    }
}
