//! σ from the oracle's prints on a fixed grid, jump-robust (bipower threshold, truncated
//! realised variance).

use super::{CalibrationError, Interval, Print, Settings};

/// The diffusive variance and what jumps added.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Volatility {
    /// σ², per second: the threshold-truncated realised variance over the window.
    pub sigma2: Interval,
    /// Realised variance per second (jumps included).
    pub realised: f64,
    /// Bipower variation per second.
    pub bipower: f64,
    /// The share of realised variance that was jumps (beyond the threshold), at least 0.
    pub jump_share: f64,
    /// Grid returns used.
    pub returns: usize,
}

impl Volatility {
    /// σ per √second.
    pub fn sigma(&self) -> Interval {
        Interval {
            estimate: self.sigma2.estimate.sqrt(),
            low: self.sigma2.low.max(0.0).sqrt(),
            high: self.sigma2.high.sqrt(),
        }
    }
}

/// A grid return beyond this many of bipower variation's standard deviations is a jump.
const TRUNCATION: f64 = 4.0;

/// The share of a standard normal's variance within `±c`: `2∫₀^c x²φ(x) dx` (Simpson).
fn normal_share_within(c: f64) -> f64 {
    let steps = 1_000;
    let h = c / steps as f64;
    let f = |x: f64| x * x * (-0.5 * x * x).exp() / (2.0 * core::f64::consts::PI).sqrt();
    let inner: f64 = (1..steps)
        .map(|i| f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    2.0 * h / 3.0 * (f(0.0) + inner + f(c))
}

/// σ² from `prints` on a grid of `grid_secs` (the last print at or before each grid
/// point), jump-robust: bipower variation `(π/2)·Σ|r_i||r_(i−1)|` (Barndorff-Nielsen &
/// Shephard) sets a threshold of four of its standard deviations, and σ² is the realised
/// variance of the returns within it. The interval assumes σ steady over the window.
pub fn estimate_volatility(
    prints: &[Print],
    settings: &Settings,
) -> Result<Volatility, CalibrationError> {
    let grid = settings.grid_secs;
    let too_few = |returns| CalibrationError::TooFewPrints {
        returns,
        needed: settings.min_returns,
    };
    let (Some(first), Some(last)) = (prints.first(), prints.last()) else {
        return Err(too_few(0));
    };
    if grid.is_nan() || grid <= 0.0 {
        return Err(CalibrationError::OutOfDomain(format!(
            "the volatility grid must be positive, not {grid} s"
        )));
    }
    let points = ((last.t - first.t) / grid).floor() as usize;
    let mut levels = Vec::with_capacity(points + 1);
    let mut next = 0;
    for i in 0..=points {
        let t = first.t + grid * i as f64;
        while next + 1 < prints.len() && prints[next + 1].t <= t {
            next += 1;
        }
        levels.push(prints[next].price.ln());
    }
    let returns: Vec<f64> = levels.windows(2).map(|pair| pair[1] - pair[0]).collect();
    let n = returns.len();
    if n < settings.min_returns.max(2) {
        return Err(too_few(n));
    }
    let flat = returns.iter().filter(|r| **r == 0.0).count();
    if 2 * flat > n {
        return Err(CalibrationError::SparsePrints { flat, returns: n });
    }
    let seconds = grid * n as f64;
    let realised: f64 = returns.iter().map(|r| r * r).sum();
    let bipower: f64 = core::f64::consts::FRAC_PI_2
        * returns
            .windows(2)
            .map(|pair| pair[0].abs() * pair[1].abs())
            .sum::<f64>()
        * n as f64
        / (n - 1) as f64;
    // Bipower variation sees through jumps only asymptotically: on a one-minute grid a
    // jump still adds |J|·(|r_before| + |r_after|). So it sets the threshold, and σ² is
    // the realised variance of the returns within TRUNCATION of its standard deviation
    // (Mancini), scaled back by what a normal loses beyond that.
    let limit = TRUNCATION * (bipower / n as f64).sqrt();
    let kept: Vec<f64> = returns
        .iter()
        .copied()
        .filter(|r| r.abs() <= limit)
        .collect();
    let truncated = kept.iter().map(|r| r * r).sum::<f64>() / normal_share_within(TRUNCATION);
    let sigma2 = truncated / seconds;
    // Realised variance's relative standard error, √(2/n), for a steady σ.
    let se = sigma2 * (2.0 / kept.len().max(1) as f64).sqrt();
    let z = settings.interval_z;
    Ok(Volatility {
        sigma2: Interval {
            estimate: sigma2,
            low: sigma2 - z * se,
            high: sigma2 + z * se,
        },
        realised: realised / seconds,
        bipower: bipower / seconds,
        jump_share: ((realised - truncated) / realised).max(0.0),
        returns: n,
    })
}
