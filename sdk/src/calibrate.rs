//! Calibration from a pool's own fills (issue #29): the model's parameters estimated from
//! what the pool quoted, what filled and what the oracle printed, and the bounded
//! `update_params` change they imply. Pure and off chain (floats): nothing here runs in
//! the program, and every model quantity (c2) comes from `homeostat-math`.
//!
//! * **Intensity** `λ(δ) = A·e^(−kδ)` per side by maximum likelihood with exposure
//!   ([`fit_intensity`]): fills are a Poisson process whose rate depends on the distance δ
//!   the pool quoted, so the likelihood of `(A, k)` is `Σ_fills (ln A − kδ_i) −
//!   Σ_exposure A·e^(−kδ_j)·dt_j`. Time spent quoting at a distance where nothing filled
//!   is evidence too (censoring); A is profiled out and k solved by bisection; intervals
//!   from the observed information.
//! * **Distance** is measured against a *fair* price — the oracle's print observed at
//!   that instant, which is known only later — not the print the trade used.
//! * **Informed flow** is kept out: fills and exposure below `distance_min` (the pool's
//!   price through the fair price, where `A·e^(−kδ)` is not the model) are censored, and a
//!   fill after which the price moved against the pool by more than `markout_z` standard
//!   deviations over `markout_secs` is counted as informed and dropped.
//! * **Volatility** from the prints on a fixed grid, jump-robust ([`estimate_volatility`]):
//!   bipower variation `(π/2)·Σ|r_i||r_(i−1)|` sets a threshold, and the realised variance
//!   of the returns within it is σ²; what lies beyond is jumps.
//! * **Risk aversion** from the operator's tolerance ([`risk_aversion_for`]): the γ whose
//!   skew holds the inventory's standard deviation at a target, `std(q) ≈ √(E[s²] /
//!   (2·E[s]·k·K))` with `K = σ·c2(γ, A, k)`.
//! * **Proposal** ([`propose`]): each parameter moves toward its estimate by at most a
//!   configured fraction per calibration, so no sample — however it was manipulated — moves
//!   the pool further than one step.
//!
//! Units are the pool's relative units: δ and σ fractions of the price, σ² per second, k
//! per unit of δ, A fills per second per side of one lot. docs/calibration.md states the
//! assumptions and failure modes.

use core::fmt;

use homeostat::PoolParams;
use homeostat_math::{Fixed, ModelKind, ModelParams, Units};

/// The pool's side of a fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The pool bought base (a trader sold): its bid filled.
    Bid,
    /// The pool sold base (a trader bought): its ask filled.
    Ask,
}

impl Side {
    /// Both sides.
    pub const BOTH: [Self; 2] = [Self::Bid, Self::Ask];

    /// `bid` or `ask`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bid => "bid",
            Self::Ask => "ask",
        }
    }

    /// The distance of `price` from `fair` on this side, a fraction of `fair`: positive
    /// when the pool's price is on its own side of fair (a bid below, an ask above).
    pub fn distance(self, price: f64, fair: f64) -> f64 {
        match self {
            Self::Bid => (fair - price) / fair,
            Self::Ask => (price - fair) / fair,
        }
    }
}

/// An oracle print: the price observed at `t` (seconds), whenever it was published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Print {
    /// Observation time, seconds.
    pub t: f64,
    /// Price, quote per base.
    pub price: f64,
}

/// What the pool quoted for one lot from `t` for `duration` seconds (`None`: no quote
/// on that side — refused, paused, at the cap).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuoteSample {
    /// Start, seconds.
    pub t: f64,
    /// How long the quote stood, seconds.
    pub duration: f64,
    /// Price the pool paid for one lot, quote per base.
    pub bid: Option<f64>,
    /// Price the pool charged for one lot, quote per base.
    pub ask: Option<f64>,
}

/// A fill of the pool.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fill {
    /// Time, seconds.
    pub t: f64,
    /// The pool's side.
    pub side: Side,
    /// Average price per base, quote per base (fee included).
    pub price: f64,
    /// Size, lots.
    pub size: f64,
}

/// A pool's history: prints, quotes and fills, each sorted by time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Oracle prints.
    pub prints: Vec<Print>,
    /// What the pool quoted, and for how long.
    pub quotes: Vec<QuoteSample>,
    /// The pool's fills.
    pub fills: Vec<Fill>,
}

impl History {
    /// Only what happened in `[from, to)` seconds (prints are kept a markout beyond, so
    /// the last fills still have a fair price after them).
    pub fn window(&self, from: f64, to: f64, after: f64) -> Self {
        Self {
            prints: self
                .prints
                .iter()
                .filter(|print| print.t >= from && print.t < to + after)
                .copied()
                .collect(),
            quotes: self
                .quotes
                .iter()
                .filter(|quote| quote.t >= from && quote.t < to)
                .copied()
                .collect(),
            fills: self
                .fills
                .iter()
                .filter(|fill| fill.t >= from && fill.t < to)
                .copied()
                .collect(),
        }
    }

    /// The fair price at `t`: the prints either side of it, interpolated; `None` before
    /// the first print or after the last (a fair price needs a later print).
    pub fn fair(&self, t: f64) -> Option<f64> {
        let after = self.prints.partition_point(|print| print.t < t);
        let next = self.prints.get(after)?;
        if next.t == t {
            return Some(next.price);
        }
        let before = self.prints.get(after.checked_sub(1)?)?;
        let weight = (t - before.t) / (next.t - before.t);
        Some(before.price + weight * (next.price - before.price))
    }
}

/// How the estimators read a history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Smallest distance in the model, a fraction: below it (the pool's price through
    /// fair) fills and exposure are censored.
    pub distance_min: f64,
    /// Largest distance in the model, a fraction: beyond it, too.
    pub distance_max: f64,
    /// Horizon of the markout that flags informed fills, seconds.
    pub markout_secs: f64,
    /// A fill is informed when the price moved against the pool by more than this many
    /// standard deviations of `markout_secs`.
    pub markout_z: f64,
    /// Fewest fills per side for an intensity estimate.
    pub min_fills: f64,
    /// Largest relative standard error of k for an intensity estimate: beyond it the
    /// fills sit at too narrow a range of distances to tell A from k.
    pub max_k_error: f64,
    /// Grid of the volatility estimate, seconds (long enough that print noise is small
    /// beside a step's move).
    pub grid_secs: f64,
    /// Fewest grid returns for a volatility estimate.
    pub min_returns: usize,
    /// Width of the intervals, standard errors (1.96: 95 %).
    pub interval_z: f64,
    /// Width of the distance buckets the report tabulates, a fraction.
    pub bucket: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            distance_min: 0.0,
            distance_max: 0.01,
            markout_secs: 10.0,
            markout_z: 3.0,
            min_fills: 50.0,
            max_k_error: 0.25,
            grid_secs: 60.0,
            min_returns: 30,
            interval_z: 1.96,
            bucket: 0.000_2,
        }
    }
}

/// Why an estimate could not be made — and what would make it.
#[derive(Clone, Debug, PartialEq)]
pub enum CalibrationError {
    /// Fewer fills than `min_fills`: collect more history or lower `--min-fills`.
    TooFewFills {
        /// Which side (`bid`, `ask`, `both`).
        side: &'static str,
        /// Fills in the model's range.
        fills: f64,
        /// Needed.
        needed: f64,
    },
    /// The fills sit at too narrow a range of distances: A and k cannot be told apart
    /// (exploration — varying the quoted spread — or more history helps).
    NotIdentifiable {
        /// Which side.
        side: &'static str,
        /// k's relative standard error.
        k_error: f64,
        /// The largest accepted.
        limit: f64,
    },
    /// Fills do not thin out with distance (the likelihood's k is not positive): this is
    /// not the model's flow — a trader filling at chosen distances, or flow that comes
    /// only when the quote is wide. Nothing is estimated; look at who fills.
    NotDecaying {
        /// Which side.
        side: &'static str,
    },
    /// Fewer grid returns than `min_returns`: a longer history or a finer grid.
    TooFewPrints {
        /// Grid returns.
        returns: usize,
        /// Needed.
        needed: usize,
    },
    /// Most grid steps saw no new print: previous-tick sampling then reads zero moves,
    /// and bipower variation collapses. A coarser grid (or more prints).
    SparsePrints {
        /// Grid returns without a new print.
        flat: usize,
        /// Grid returns.
        returns: usize,
    },
    /// A target or estimate outside what the model accepts.
    OutOfDomain(String),
}

impl fmt::Display for CalibrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewFills {
                side,
                fills,
                needed,
            } => write!(
                f,
                "{side}: {fills:.0} fills in the model's range, {needed:.0} needed — collect a \
                 longer history (or lower the minimum)"
            ),
            Self::NotIdentifiable {
                side,
                k_error,
                limit,
            } => write!(
                f,
                "{side}: fills at too narrow a range of distances to tell A from k (k's \
                 relative error {:.0} % > {:.0} %) — a longer history, or vary the quoted \
                 spread",
                100.0 * k_error,
                100.0 * limit
            ),
            Self::NotDecaying { side } => write!(
                f,
                "{side}: fills do not thin out with distance (k ≤ 0) — not the model's flow: \
                 look for a trader filling at chosen distances"
            ),
            Self::TooFewPrints { returns, needed } => write!(
                f,
                "volatility: {returns} grid returns, {needed} needed — a longer history or a \
                 finer grid"
            ),
            Self::SparsePrints { flat, returns } => write!(
                f,
                "volatility: {flat} of {returns} grid steps saw no new print — a coarser grid \
                 (--grid-secs) than the prints' spacing"
            ),
            Self::OutOfDomain(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for CalibrationError {}

/// An estimate and its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The point estimate.
    pub estimate: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// One side's (or both sides') fill intensity.
#[derive(Clone, Debug, PartialEq)]
pub struct Intensity {
    /// A, fills per second at zero distance.
    pub a: Interval,
    /// k, per unit of distance.
    pub k: Interval,
    /// Fills counted.
    pub fills: f64,
    /// Seconds of exposure in the model's range.
    pub exposure_secs: f64,
    /// Mean distance of the fills, a fraction.
    pub mean_distance: f64,
    /// Empirical intensity by distance bucket: `(bucket start, fills, seconds)`.
    pub buckets: Vec<(f64, f64, f64)>,
}

/// What the estimators read from a history, per side: exposures `(distance, seconds)`
/// and fill distances, in the model's range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    /// `(δ, seconds)` the side quoted.
    pub exposure: Vec<(f64, f64)>,
    /// δ of each fill counted.
    pub fills: Vec<f64>,
    /// Fills dropped as informed (markout).
    pub informed: u32,
    /// Fills outside the model's range (censored).
    pub censored: u32,
    /// Sizes of the fills counted, lots.
    pub sizes: Vec<f64>,
}

/// Splits a history into each side's observations (`[bid, ask]`). `sigma2` (per second)
/// scales the markout test; without it no fill is flagged informed.
pub fn observe(history: &History, settings: &Settings, sigma2: Option<f64>) -> [Observed; 2] {
    let mut sides = [Observed::default(), Observed::default()];
    let in_range = |delta: f64| delta >= settings.distance_min && delta <= settings.distance_max;
    for quote in &history.quotes {
        // Exposure counts only where a fill could be counted: with a fair price at the
        // markout's horizon too.
        let (Some(fair), Some(_)) = (
            history.fair(quote.t),
            history.fair(quote.t + settings.markout_secs),
        ) else {
            continue;
        };
        for (side, price) in [(Side::Bid, quote.bid), (Side::Ask, quote.ask)] {
            let Some(price) = price else { continue };
            let delta = side.distance(price, fair);
            if in_range(delta) && quote.duration > 0.0 {
                sides[side as usize].exposure.push((delta, quote.duration));
            }
        }
    }
    let move_limit = sigma2.map(|s2| settings.markout_z * (s2 * settings.markout_secs).sqrt());
    for fill in &history.fills {
        let observed = &mut sides[fill.side as usize];
        let (Some(fair), Some(later)) = (
            history.fair(fill.t),
            history.fair(fill.t + settings.markout_secs),
        ) else {
            continue;
        };
        let delta = fill.side.distance(fill.price, fair);
        // What the price did after the fill, signed for the pool: a bid fill loses when
        // the price falls.
        let moved = match fill.side {
            Side::Bid => (later - fair) / fair,
            Side::Ask => (fair - later) / fair,
        };
        if move_limit.is_some_and(|limit| moved < -limit) {
            observed.informed += 1;
        } else if !in_range(delta) {
            observed.censored += 1;
        } else {
            observed.fills.push(delta);
            observed.sizes.push(fill.size);
        }
    }
    sides
}

/// The exposure's sums at decay `k`: `(S0, S1, S2) = Σ dt·e^(−kδ)·(1, δ, δ²)`, scaled by
/// `e^(kδ_ref)` to stay finite (the scale cancels in every ratio).
fn tilted(exposure: &[(f64, f64)], k: f64, reference: f64) -> (f64, f64, f64) {
    exposure
        .iter()
        .fold((0.0, 0.0, 0.0), |(s0, s1, s2), &(delta, dt)| {
            let w = dt * (-k * (delta - reference)).exp();
            (s0 + w, s1 + w * delta, s2 + w * delta * delta)
        })
}

/// The maximum-likelihood `(A, k)` of fills at distances `fills` given `exposure`
/// (`(δ, seconds)`), with `z`-standard-error intervals (k symmetric, A log-symmetric).
/// `side` names the data in errors.
pub fn fit_intensity(
    side: &'static str,
    exposure: &[(f64, f64)],
    fills: &[f64],
    settings: &Settings,
) -> Result<Intensity, CalibrationError> {
    let n = fills.len() as f64;
    let raw = exposure;
    let exposure = &binned(exposure);
    if n < settings.min_fills.max(2.0) {
        return Err(CalibrationError::TooFewFills {
            side,
            fills: n,
            needed: settings.min_fills,
        });
    }
    let mean_fill = fills.iter().sum::<f64>() / n;
    let reference = exposure
        .iter()
        .map(|&(delta, _)| delta)
        .fold(f64::INFINITY, f64::min);
    let widest = exposure
        .iter()
        .map(|&(delta, _)| delta)
        .fold(f64::NEG_INFINITY, f64::max);
    // The score in k: the exposure's e^(−kδ)-tilted mean distance minus the fills' mean.
    // The tilted mean falls as k rises, so the root is unique.
    let score = |k: f64| {
        let (s0, s1, _) = tilted(exposure, k, reference);
        s1 / s0 - mean_fill
    };
    // |k|·(spread of distances) ≤ 600 keeps every e^(−kδ) finite.
    let bound = 600.0 / (widest - reference);
    let mut high = bound;
    if !(bound.is_finite() && score(high) < 0.0) {
        return Err(CalibrationError::NotIdentifiable {
            side,
            k_error: f64::INFINITY,
            limit: settings.max_k_error,
        });
    }
    // The fills sit further out than the exposure itself: the MLE's k is below zero.
    if score(0.0) <= 0.0 {
        return Err(CalibrationError::NotDecaying { side });
    }
    let mut low = 0.0;
    for _ in 0..100 {
        let middle = 0.5 * (low + high);
        if score(middle) > 0.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    let k = 0.5 * (low + high);
    let (s0, s1, s2) = tilted(exposure, k, reference);
    let mean = s1 / s0;
    let variance = (s2 / s0 - mean * mean).max(0.0);
    // Observed information of (ln A, k): [[n, −n·m], [−n·m, n·(m² + v)]].
    let k_se = 1.0 / (n * variance).sqrt();
    let ln_a_se = ((mean * mean + variance) / (n * variance)).sqrt();
    let k_error = k_se / k.abs();
    if k_error.is_nan() || k_error > settings.max_k_error {
        return Err(CalibrationError::NotIdentifiable {
            side,
            k_error,
            limit: settings.max_k_error,
        });
    }
    // Â = n / Σ dt·e^(−kδ), undoing the scale.
    let a = n / (s0 * (-k * reference).exp());
    let z = settings.interval_z;
    Ok(Intensity {
        a: Interval {
            estimate: a,
            low: a * (-z * ln_a_se).exp(),
            high: a * (z * ln_a_se).exp(),
        },
        k: Interval {
            estimate: k,
            low: k - z * k_se,
            high: k + z * k_se,
        },
        fills: n,
        exposure_secs: exposure.iter().map(|&(_, dt)| dt).sum(),
        mean_distance: mean_fill,
        buckets: buckets(raw, fills, settings),
    })
}

/// Distance resolution of the fit: exposure closer than this is merged (its seconds
/// summed at their mean distance), so a day of 400 ms samples costs thousands of terms,
/// not hundreds of thousands; `k·BIN` ≪ 1 over the model's domain of k.
const BIN: f64 = 1e-7;

/// `exposure` merged into bins of [`BIN`]: `(seconds-weighted mean δ, seconds)`.
fn binned(exposure: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted = exposure.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut bins: Vec<(f64, f64, f64)> = Vec::new(); // (start, Σ dt·δ, Σ dt)
    for (delta, dt) in sorted {
        match bins.last_mut() {
            Some(bin) if delta - bin.0 < BIN => {
                bin.1 += dt * delta;
                bin.2 += dt;
            }
            _ => bins.push((delta, dt * delta, dt)),
        }
    }
    bins.into_iter()
        .filter(|bin| bin.2 > 0.0)
        .map(|(_, moment, seconds)| (moment / seconds, seconds))
        .collect()
}

/// The empirical intensity's table: fills and seconds per distance bucket.
fn buckets(exposure: &[(f64, f64)], fills: &[f64], settings: &Settings) -> Vec<(f64, f64, f64)> {
    let width = settings.bucket.max(f64::MIN_POSITIVE);
    let index = |delta: f64| ((delta - settings.distance_min) / width).floor().max(0.0) as usize;
    let mut table: Vec<(f64, f64, f64)> = Vec::new();
    let grow = |i: usize, table: &mut Vec<(f64, f64, f64)>| {
        while table.len() <= i {
            let start = settings.distance_min + width * table.len() as f64;
            table.push((start, 0.0, 0.0));
        }
    };
    for &(delta, dt) in exposure {
        let i = index(delta);
        grow(i, &mut table);
        table[i].2 += dt;
    }
    for &delta in fills {
        let i = index(delta);
        grow(i, &mut table);
        table[i].1 += 1.0;
    }
    table
}

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

/// The model's `c2(γ, A, k)` (GLFT, relative units), from `homeostat-math` — the value
/// the program would store.
pub fn c2(gamma: f64, a: f64, k: f64) -> Result<f64, CalibrationError> {
    let fixed = |value: f64, name: &str| {
        let bits = value * (1u64 << homeostat_math::fixed::FRACTION_BITS) as f64;
        if bits.is_finite() && bits >= 1.0 && bits < i128::MAX as f64 {
            Ok(Fixed::from_bits(bits as i128))
        } else {
            Err(CalibrationError::OutOfDomain(format!(
                "{name} = {value} is not a positive number the model can hold"
            )))
        }
    };
    let params = ModelParams {
        kind: ModelKind::Glft,
        units: Units::Relative,
        risk_aversion: fixed(gamma, "γ")?,
        order_decay: fixed(k, "k")?,
        arrival_intensity: fixed(a, "A")?,
        horizon: Fixed::ZERO,
    };
    let coefficients = params.coefficients().map_err(|_| {
        CalibrationError::OutOfDomain(format!(
            "γ = {gamma}, A = {a}, k = {k} is outside the model's domain (docs/math.md, \
             \"Parameter domain\")"
        ))
    })?;
    Ok(coefficients.c2.to_bits() as f64 / (1u64 << homeostat_math::fixed::FRACTION_BITS) as f64)
}

/// The first two moments of fill sizes, lots: `(E[s], E[s²])`.
pub fn size_moments(sizes: &[f64]) -> Option<(f64, f64)> {
    let n = sizes.len() as f64;
    (n > 0.0).then(|| {
        (
            sizes.iter().sum::<f64>() / n,
            sizes.iter().map(|s| s * s).sum::<f64>() / n,
        )
    })
}

/// The γ that holds the inventory's standard deviation at `target_lots` against flow of
/// intensity `(a, k)` and sizes `(E[s], E[s²])` lots, at volatility `sigma` (per
/// √second): the skew `K* = E[s²]/(2·E[s]·k·target²)` solved for `σ·c2(γ, A, k) = K*` by
/// bisection (c2 rises with γ), within the model's domain.
pub fn risk_aversion_for(
    target_lots: f64,
    (mean_size, mean_square): (f64, f64),
    a: f64,
    k: f64,
    sigma: f64,
) -> Result<f64, CalibrationError> {
    if !(target_lots > 0.0 && mean_size > 0.0 && sigma > 0.0 && k > 0.0 && a > 0.0) {
        return Err(CalibrationError::OutOfDomain(format!(
            "the inventory target ({target_lots} lots), mean fill size ({mean_size}), σ \
             ({sigma}), A ({a}) and k ({k}) must be positive"
        )));
    }
    let skew = mean_square / (2.0 * mean_size * k * target_lots * target_lots);
    let wanted = skew / sigma;
    // γ's domain: [2^-20, 2^20] and γ/k in [2^-16, 2^16].
    let (mut low, mut high) = (
        (k * 2f64.powi(-16)).max(2f64.powi(-20)) * 1.001,
        (k * 2f64.powi(16)).min(2f64.powi(20)) * 0.999,
    );
    let (at_low, at_high) = (c2(low, a, k)?, c2(high, a, k)?);
    if !(at_low..=at_high).contains(&wanted) {
        return Err(CalibrationError::OutOfDomain(format!(
            "no γ in the model's domain gives an inventory standard deviation of \
             {target_lots} lots here (the skew it needs, {skew:.3e} per lot, is outside \
             {:.3e}…{:.3e}) — choose another target",
            at_low * sigma,
            at_high * sigma
        )));
    }
    // Geometric bisection: γ spans many orders of magnitude.
    for _ in 0..100 {
        let middle = (low * high).sqrt();
        if c2(middle, a, k)? < wanted {
            low = middle;
        } else {
            high = middle;
        }
    }
    Ok((low * high).sqrt())
}

/// Everything estimated from one history.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// Per side, `[bid, ask]`.
    pub sides: [Result<Intensity, CalibrationError>; 2],
    /// Both sides together: what the pool's one `(A, k)` is set to.
    pub pooled: Result<Intensity, CalibrationError>,
    /// Fills dropped as informed, and censored, both sides.
    pub informed: u32,
    /// See `informed`.
    pub censored: u32,
    /// σ.
    pub volatility: Result<Volatility, CalibrationError>,
    /// The counted fills' size moments, lots.
    pub sizes: Option<(f64, f64)>,
    /// γ for the operator's inventory target (`None`: no target given).
    pub risk_aversion: Option<Result<f64, CalibrationError>>,
}

/// Estimates every parameter from `history`; `target_lots`, the inventory standard
/// deviation the operator tolerates, sets γ.
pub fn calibrate(history: &History, settings: &Settings, target_lots: Option<f64>) -> Calibration {
    let volatility = estimate_volatility(&history.prints, settings);
    let sigma2 = volatility.as_ref().ok().map(|v| v.sigma2.estimate);
    let [bid, ask] = observe(history, settings, sigma2);
    let fit = |side, observed: &Observed| {
        fit_intensity(side, &observed.exposure, &observed.fills, settings)
    };
    let pooled = {
        // Both sides quote at once, so together they are one process of twice the
        // exposure: A per side is the pooled rate over the summed seconds.
        let exposure: Vec<(f64, f64)> = bid.exposure.iter().chain(&ask.exposure).copied().collect();
        let fills: Vec<f64> = bid.fills.iter().chain(&ask.fills).copied().collect();
        fit_intensity("both", &exposure, &fills, settings)
    };
    let sizes: Vec<f64> = bid.sizes.iter().chain(&ask.sizes).copied().collect();
    let sizes = size_moments(&sizes);
    let risk_aversion = target_lots.map(|target| {
        let (intensity, volatility) = match (&pooled, &volatility) {
            (Ok(intensity), Ok(volatility)) => (intensity, volatility),
            (Err(error), _) | (_, Err(error)) => return Err(error.clone()),
        };
        let sizes = sizes.ok_or(CalibrationError::TooFewFills {
            side: "both",
            fills: 0.0,
            needed: settings.min_fills,
        })?;
        risk_aversion_for(
            target,
            sizes,
            intensity.a.estimate,
            intensity.k.estimate,
            volatility.sigma().estimate,
        )
    });
    Calibration {
        sides: [fit("bid", &bid), fit("ask", &ask)],
        pooled,
        informed: bid.informed + ask.informed,
        censored: bid.censored + ask.censored,
        volatility,
        sizes,
        risk_aversion,
    }
}

/// One parameter's move.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The `PoolParams` field.
    pub name: &'static str,
    /// Its value now.
    pub current: f64,
    /// The estimate (`None`: nothing estimated, it stays).
    pub target: Option<f64>,
    /// The value proposed: toward the target by at most the step.
    pub proposed: f64,
}

/// `target` reached from `current` by at most a factor `1 + max_step` either way.
pub fn bounded(current: f64, target: f64, max_step: f64) -> f64 {
    let factor = 1.0 + max_step;
    target.clamp(current / factor, current * factor)
}

fn to_f64(value: Fixed) -> f64 {
    value.to_bits() as f64 / (1u64 << homeostat_math::fixed::FRACTION_BITS) as f64
}

/// Rounded down to the nearest fixed-point value at or below `value` (positive).
fn to_stored(value: f64) -> homeostat::StoredFixed {
    let bits = (value * (1u64 << homeostat_math::fixed::FRACTION_BITS) as f64).max(1.0);
    homeostat::StoredFixed::from(Fixed::from_bits(bits as i128))
}

/// The `update_params` change `calibration` implies for a pool with `current`
/// parameters: A, k (the pooled fit), γ (when a target was given) and — when the pool
/// pins its variance (floor = ceiling) — σ², each moved toward its estimate by at most a
/// factor `1 + max_step`. A parameter without an estimate stays. Fails if the pool is not
/// a relative-units GLFT pool, or the result is outside the program's bounds.
pub fn propose(
    current: &PoolParams,
    calibration: &Calibration,
    max_step: f64,
) -> Result<(PoolParams, Vec<Step>), CalibrationError> {
    if current.model_kind != u8::from(ModelKind::Glft) || current.units != u8::from(Units::Relative)
    {
        return Err(CalibrationError::OutOfDomain(
            "calibration sets a relative-units GLFT pool's parameters; this pool is another \
             model or unit system"
                .into(),
        ));
    }
    if max_step.is_nan() || max_step <= 0.0 {
        return Err(CalibrationError::OutOfDomain(format!(
            "the largest step must be positive, not {max_step}"
        )));
    }
    let pooled = calibration.pooled.as_ref().ok();
    let gamma = calibration
        .risk_aversion
        .as_ref()
        .and_then(|gamma| gamma.as_ref().ok().copied());
    let pinned = current.variance_floor == current.variance_ceiling;
    let sigma2 = calibration
        .volatility
        .as_ref()
        .ok()
        .filter(|_| pinned)
        .map(|v| v.sigma2.estimate);
    let mut next = *current;
    let mut steps = Vec::new();
    let mut step = |name, field: &mut homeostat::StoredFixed, target: Option<f64>| {
        let now = to_f64(field.get());
        let proposed = target.map_or(now, |target| bounded(now, target, max_step));
        if target.is_some() {
            *field = to_stored(proposed);
        }
        steps.push(Step {
            name,
            current: now,
            target,
            proposed,
        });
    };
    step(
        "arrival_intensity",
        &mut next.arrival_intensity,
        pooled.map(|i| i.a.estimate),
    );
    step(
        "order_decay",
        &mut next.order_decay,
        pooled.map(|i| i.k.estimate),
    );
    step("risk_aversion", &mut next.risk_aversion, gamma);
    step("variance_floor", &mut next.variance_floor, sigma2);
    if pinned {
        next.variance_ceiling = next.variance_floor;
    }
    if let Some(violation) = next.violation() {
        return Err(CalibrationError::OutOfDomain(format!(
            "the proposed parameters break a bound: {violation}"
        )));
    }
    Ok((next, steps))
}

/// A swap as the calibration reads it: when it landed (the block's time, seconds) and its
/// event.
pub type TimedSwap = (f64, homeostat::events::Swapped);

/// A pool's history rebuilt from its `Swapped` events alone (what `homeostat calibrate`
/// reads over RPC): each event's print is a print; each swap is a fill at its average
/// price; between two swaps the pool quotes one lot at the event's half-spread and skew
/// around the oracle — taken to be the fair price, in pieces of at most `piece_secs`. The
/// quotes' widening between swaps (a print's age) and refusals are not seen: a history of
/// frequent swaps reads closest (docs/calibration.md, "Failure modes").
pub fn from_swaps(
    swaps: &[TimedSwap],
    lot: u64,
    base_decimals: u8,
    quote_decimals: u8,
    piece_secs: f64,
) -> History {
    let one = (1u64 << homeostat_math::fixed::FRACTION_BITS) as f64;
    let base_unit = 10f64.powi(i32::from(base_decimals));
    let quote_unit = 10f64.powi(i32::from(quote_decimals));
    // Quote atoms per lot (fixed-point bits) → quote per base.
    let per_base = |bits: i128| bits as f64 / one / quote_unit * base_unit / lot as f64;
    let mut history = History::default();
    let mut prints: Vec<Print> = swaps
        .iter()
        .map(|(_, swap)| Print {
            t: swap.oracle_publish_time as f64,
            price: per_base(swap.oracle_price),
        })
        .filter(|print| print.price > 0.0)
        .collect();
    prints.sort_by(|a, b| a.t.total_cmp(&b.t));
    prints.dedup_by(|later, earlier| later.t == earlier.t);
    history.prints = prints;
    for (index, (t, swap)) in swaps.iter().enumerate() {
        let (base, quote) = match swap.direction {
            0 => (swap.amount_in, swap.amount_out),
            _ => (swap.amount_out, swap.amount_in),
        };
        if base > 0 {
            history.fills.push(Fill {
                t: *t,
                side: if swap.direction == 0 {
                    Side::Bid
                } else {
                    Side::Ask
                },
                price: (quote as f64 / quote_unit) / (base as f64 / base_unit),
                size: base as f64 / lot as f64,
            });
        }
        let mid = swap.oracle_price as f64;
        if mid <= 0.0 {
            continue;
        }
        let (half, skew) = (swap.half_spread as f64 / mid, swap.skew as f64 / mid);
        let q = swap.inventory_after as f64 / lot as f64;
        // One lot sold to the pool moves q to q + 1, one bought from it to q − 1: each
        // at the marginal quote halfway.
        let (bid, ask) = (half + skew * (q + 0.5), half - skew * (q - 0.5));
        let end = swaps.get(index + 1).map_or(*t, |(next, _)| *next);
        let mut start = *t;
        while start < end {
            let duration = (end - start).min(piece_secs.max(f64::MIN_POSITIVE));
            if let Some(fair) = history.fair(start) {
                history.quotes.push(QuoteSample {
                    t: start,
                    duration,
                    bid: Some(fair * (1.0 - bid)),
                    ask: Some(fair * (1.0 + ask)),
                });
            }
            start += duration;
        }
    }
    history
}
