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

mod history;
mod intensity;
mod proposal;
mod risk;
mod volatility;

use core::fmt;

pub use history::{from_swaps, Fill, History, Print, QuoteSample, Side, TimedSwap};
pub use intensity::{fit_intensity, observe, Intensity, Observed};
pub use proposal::{bounded, explore, propose, Explored, Step};
pub use risk::{c2, risk_aversion_for, size_moments};
pub use volatility::{estimate_volatility, Volatility};

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
