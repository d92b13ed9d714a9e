//! On-chain volatility estimate: squared oracle returns on a fixed time grid, split into a
//! continuous part (a short exponentially weighted average) and a jump part (a day-long
//! one), with no `exp` on the swap path.
//!
//! **The grid.** Swaps decide when the program sees a price, and a trader decides which
//! recent print a swap carries. So the estimator samples only on a grid of `grid` seconds:
//! a print is a sample when it falls in a later grid cell than the last sample and is
//! *fresh* — published at most `grid / FRESHNESS_DIVISOR` seconds after its cell's start.
//! Returns are then measured over about `grid` seconds (robust to print noise: 1–2 bp of
//! noise adds `2·noise²/(σ²·grid)`, a few per cent at one minute), and the prints a trader
//! may choose between for a sample span `grid / 30` seconds of a `grid`-second return,
//! which bounds what the choice can do to σ² (docs/math.md, "Volatility: its bias,
//! measured"). A cell without a fresh print is skipped: the next return spans several
//! cells and counts for its whole time — the sum of squared returns at such stopping times
//! stays unbiased, so skipping cells cannot bias the estimate, only slow it.
//!
//! **The split.** A return beyond `JUMP_SIGMAS` standard deviations of the continuous
//! estimate over its time is a jump: the continuous part takes it up to that bound, the
//! jump part the rest. Each is an EWMA of its per-second samples: with window `W` and a
//! sample over `dt`, the weight of the new sample is `dt / (W + dt)` — the first-order
//! (Padé) form of `1 − e^(−dt/W)`, with a closed form and a single division:
//!
//! ```text
//! v' = (W·v + s) / (W + dt)        s = r² (or its part), r = Δprice or Δprice/price
//! ```
//!
//! The continuous part uses the pool's `window`; the jump part `JUMP_WINDOW` (a day):
//! jumps are rare, so their rate needs a long memory, and one jump raises the estimate by
//! its share of a day instead of multiplying a ten-minute average. Prices read the sum:
//! jumps are inventory risk too.
//!
//! **Precision.** Each part's state is its variance over its window, `W·v`, not per
//! second: at 2^-48 resolution a per-second variance of a calm pair is a few hundred units
//! in the last place, and an average rounded up could never fall below `(W+dt)/dt` of them.
//! Updating `w' = ⌈W·(w + s)/(W + dt)⌉` in one 256-bit step keeps that floor at about
//! `1/dt` units in the last place. The per-second `variance` that prices read is derived
//! from the two and stored beside them.
//!
//! **Robustness.** One sample's weight is capped at ½ (`dt` counts as at most `W`, with
//! the sample scaled by the same factor so the per-second rate is unchanged), so after a
//! long gap one return cannot replace most of an estimate. The result is clamped to the
//! configured `[floor, ceiling]`.

use crate::error::{ensure, MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, Rounding};
use crate::model::Units;

/// Configuration of the estimator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityConfig {
    /// The continuous part's EWMA window, in time units (seconds on chain). Must be
    /// positive.
    pub window: u64,
    /// Sampling grid, time units: in `[1, window]`.
    pub grid: u64,
    /// Lowest variance the estimate may report (per time unit, model units).
    pub floor: Fixed,
    /// Highest variance the estimate may report.
    pub ceiling: Fixed,
}

/// A print is fresh for its grid cell when published at most `grid / FRESHNESS_DIVISOR`
/// time units after the cell's start (see the module docs).
pub const FRESHNESS_DIVISOR: u64 = 30;

/// A return beyond this many standard deviations of the continuous estimate over its time
/// is a jump (Mancini's threshold; a normal return passes it once in 16 000).
pub const JUMP_SIGMAS: i64 = 4;

/// The jump part's EWMA window, time units: a day of seconds.
pub const JUMP_WINDOW: u64 = 86_400;

/// The estimator's state, stored in the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VolatilityState {
    /// Current variance estimate σ² per time unit: the continuous part per time unit plus
    /// the jump part per time unit (each rounded up), clamped to the configured bounds —
    /// what prices read.
    pub variance: Fixed,
    /// The continuous part over one window, `window·σc²`, at full precision.
    pub window_variance: Fixed,
    /// The jump part over one jump window, `JUMP_WINDOW·σj²`, at full precision.
    pub jump_variance: Fixed,
    /// The last sample's price (zero before the first observation).
    pub sample_price: Fixed,
    /// The last sample's time.
    pub sample_time: i64,
}

impl VolatilityConfig {
    /// Checks `window > 0`, `1 ≤ grid ≤ window` and `0 ≤ floor ≤ ceiling`.
    #[track_caller]
    pub fn validate(&self) -> Result<()> {
        ensure(
            self.window > 0
                && self.grid > 0
                && self.grid <= self.window
                && !self.floor.is_negative()
                && self.floor <= self.ceiling,
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

    /// `jump_variance` clamped to `[0, ceiling·JUMP_WINDOW]`.
    fn clamp_jump_variance(&self, jump_variance: Fixed) -> Fixed {
        let high = self
            .ceiling
            .mul(Fixed::from_u64(JUMP_WINDOW), Rounding::Down)
            .unwrap_or(Fixed::MAX);
        jump_variance.max(Fixed::ZERO).min(high)
    }

    /// Whether a print published at `time` is a sample after one taken at `last`: in a
    /// later grid cell, and fresh in its own. Times before the Unix epoch are never samples
    /// (and a sample before it precedes every cell). Unsigned arithmetic only: SBF has no
    /// signed division.
    pub fn samples(&self, last: i64, time: i64) -> bool {
        let Ok(time) = u64::try_from(time) else {
            return false;
        };
        let grid = self.grid.max(1);
        let later = u64::try_from(last).map_or(true, |last| time / grid > last / grid);
        later && time % grid <= self.grid / FRESHNESS_DIVISOR
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

/// One EWMA step over a window variance: `⌈W·(w + s·c/dt)/(W + c)⌉` with `c = min(dt, W)`
/// (the sample's weight capped at ½, its per-time-unit rate kept). Rounded up: a higher
/// variance widens the spread, in the pool's favour.
#[track_caller]
fn ewma_step(window_variance: Fixed, sample: Fixed, elapsed: u64, window: u64) -> Result<Fixed> {
    let counted = elapsed.min(window);
    let sample = if counted < elapsed {
        sample.mul_div(
            Fixed::from_u64(counted),
            Fixed::from_u64(elapsed),
            Rounding::Up,
        )?
    } else {
        sample
    };
    let window = Fixed::from_u64(window);
    window_variance.checked_add(sample)?.mul_div(
        window,
        window.checked_add(Fixed::from_u64(counted))?,
        Rounding::Up,
    )
}

impl VolatilityState {
    /// The first state: `variance` clamped to the bounds as the continuous part, no jump
    /// part yet, anchored at `price` and `time`.
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
            jump_variance: Fixed::ZERO,
            sample_price: price,
            sample_time: time,
        })
    }

    /// The continuous part per time unit, rounded up and clamped.
    #[track_caller]
    fn continuous(config: &VolatilityConfig, window_variance: Fixed) -> Result<Fixed> {
        Ok(config.clamp(window_variance.div(Fixed::from_u64(config.window), Rounding::Up)?))
    }

    /// The per-time-unit variance prices read: both parts, each rounded up, clamped.
    #[track_caller]
    fn total(
        config: &VolatilityConfig,
        window_variance: Fixed,
        jump_variance: Fixed,
    ) -> Result<Fixed> {
        let jumps = jump_variance.div(Fixed::from_u64(JUMP_WINDOW), Rounding::Up)?;
        Ok(config.clamp(
            window_variance
                .div(Fixed::from_u64(config.window), Rounding::Up)?
                .checked_add(jumps)?,
        ))
    }

    /// The state after observing `price` at `time`. A print that is not a sample (not in a
    /// later grid cell, or not fresh in its own) leaves the state unchanged. Squared returns
    /// and the averages round up: a higher variance widens the spread, in the pool's favour.
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
        if !self.sample_price.is_positive() {
            return Ok(Self {
                sample_price: price,
                sample_time: time,
                ..Self::start(config, self.variance, price, time)?
            });
        }
        if !config.samples(self.sample_time, time) {
            return Ok(*self);
        }
        let elapsed = u64::try_from(i128::from(time).saturating_sub(i128::from(self.sample_time)))
            .or_math(MathErrorKind::Overflow)?;
        let change = price.checked_sub(self.sample_price)?.abs();
        let change = match units {
            Units::Absolute => change,
            Units::Relative => change.div(self.sample_price, Rounding::Up)?,
        };
        let squared_return = change.mul(change, Rounding::Up)?;
        // The continuous part takes the return up to JUMP_SIGMAS of its own estimate over
        // the return's time; the jump part the rest. Without a continuous estimate there
        // is nothing to call a jump.
        let continuous = Self::continuous(config, self.window_variance)?;
        let bound = if continuous.is_positive() {
            let sigmas = Fixed::from_int(JUMP_SIGMAS.saturating_mul(JUMP_SIGMAS));
            continuous
                .mul(Fixed::from_u64(elapsed), Rounding::Up)
                .and_then(|spread| spread.mul(sigmas, Rounding::Up))
                .unwrap_or(Fixed::MAX)
        } else {
            Fixed::MAX
        };
        let continuous_sample = squared_return.min(bound);
        let jump_sample = squared_return.checked_sub(continuous_sample)?;
        let window_variance = config.clamp_window_variance(ewma_step(
            self.window_variance,
            continuous_sample,
            elapsed,
            config.window,
        )?);
        let jump_variance = config.clamp_jump_variance(ewma_step(
            self.jump_variance,
            jump_sample,
            elapsed,
            JUMP_WINDOW,
        )?);
        Ok(Self {
            variance: Self::total(config, window_variance, jump_variance)?,
            window_variance,
            jump_variance,
            sample_price: price,
            sample_time: time,
        })
    }

    /// The same market in a new measure: the sample price re-quoted per the new lot, both
    /// parts converted to the new units and lot (`Absolute` variance is in price² and
    /// scales with the lot squared; converting between unit systems uses the sample price),
    /// the continuous part re-spread over the new window, all clamped to `config` (whose
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
            let jump_variance = config.clamp_jump_variance(self.jump_variance);
            return Ok(Self {
                variance: Self::total(config, window_variance, jump_variance)?,
                window_variance,
                jump_variance,
                ..*self
            });
        }
        let lot_ratio = |value: Fixed, rounding: Rounding| {
            value.mul_div(Fixed::from_u64(to.lot), Fixed::from_u64(from.lot), rounding)
        };
        let sample_price = lot_ratio(self.sample_price, Rounding::Down)?;
        // A variance per time unit to the new unit system (price² per time unit ↔ return²
        // per time unit), at the new price scale.
        let convert = |variance: Fixed| -> Result<Fixed> {
            match (from.units, to.units) {
                (Units::Absolute, Units::Absolute) => {
                    lot_ratio(lot_ratio(variance, Rounding::Up)?, Rounding::Up)
                }
                (Units::Relative, Units::Relative) => Ok(variance),
                (Units::Relative, Units::Absolute) => variance
                    .mul(sample_price, Rounding::Up)?
                    .mul(sample_price, Rounding::Up),
                (Units::Absolute, Units::Relative) => {
                    ensure(sample_price.is_positive(), MathErrorKind::NonPositivePrice)?;
                    let old_price = self.sample_price;
                    variance
                        .div(old_price, Rounding::Up)?
                        .div(old_price, Rounding::Up)
                }
            }
        };
        let continuous = convert(
            self.window_variance
                .div(Fixed::from_u64(from.window), Rounding::Up)?,
        )?;
        let window_variance =
            config.clamp_window_variance(continuous.mul(Fixed::from_u64(to.window), Rounding::Up)?);
        // The jump window does not change: the window variance converts as a rate would.
        let jump_variance = config.clamp_jump_variance(convert(self.jump_variance)?);
        Ok(Self {
            variance: Self::total(config, window_variance, jump_variance)?,
            window_variance,
            jump_variance,
            sample_price,
            sample_time: self.sample_time,
        })
    }
}
