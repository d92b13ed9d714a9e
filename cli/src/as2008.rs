//! Avellaneda & Stoikov (2008), section 4, reproduced with the math crate's AS model.
//!
//! s₀ = 100, T = 1, σ = 2, dt = 0.005 (200 steps), q₀ = 0, A = 140, k = 1.5. Each step the
//! mid moves ±σ√dt with equal probability; each quote is hit with probability λ(δ)·dt,
//! λ(δ) = A·e^(−kδ), δ its distance from the mid, one unit per fill. The *inventory*
//! strategy quotes around the reservation price (`homeostat_math` AS curve with horizon
//! τ = T − t, marginal bid/ask at the current inventory, mid guard off as in the paper);
//! the *symmetric* benchmark quotes the same spread around the mid. Both strategies see
//! the same mid path and the same random draws for fills on each path.

use homeostat_math::{
    Curve, Fixed, InventoryModel, LinearCurve, MarketState, ModelKind, ModelParams, PoolModel,
    Reserves, Rounding, SpreadConfig, Units,
};
use serde::Serialize;

use crate::numbers::{mean_std, to_f64, to_fixed};
use crate::rng::Rng;

/// The experiment's fixed parameters (section 4).
pub const MID: f64 = 100.0;
/// Horizon.
pub const HORIZON: f64 = 1.0;
/// Volatility, price per √time.
pub const SIGMA: f64 = 2.0;
/// Time step.
pub const DT: f64 = 0.005;
/// Arrival intensity at zero distance.
pub const A: f64 = 140.0;
/// Decay of arrivals with distance.
pub const K: f64 = 1.5;
/// Steps per path.
pub const STEPS: usize = 200;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// γ, risk aversion.
    pub gamma: f64,
    /// Number of paths.
    pub paths: u32,
    /// Seed.
    pub seed: u64,
}

/// Statistics of one strategy over all paths.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct StrategyStats {
    /// Mean quoted spread (ask − bid) over all steps and paths.
    pub avg_spread: f64,
    /// Mean terminal profit (cash + q·s_T).
    pub profit_mean: f64,
    /// Standard deviation of terminal profit.
    pub profit_std: f64,
    /// Mean terminal inventory.
    pub final_q_mean: f64,
    /// Standard deviation of terminal inventory.
    pub final_q_std: f64,
}

/// Both strategies.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Quotes around the reservation price.
    pub inventory: StrategyStats,
    /// The same spread around the mid.
    pub symmetric: StrategyStats,
}

/// Why the experiment cannot run.
#[derive(Debug)]
pub enum Error {
    /// γ or the path count is outside what the model accepts.
    InvalidConfig(String),
    /// The math crate rejected a quote.
    Math(homeostat_math::MathError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidConfig(message) => write!(f, "{message}"),
            Self::Math(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<homeostat_math::MathError> for Error {
    fn from(error: homeostat_math::MathError) -> Self {
        Self::Math(error)
    }
}

/// The AS curve at time step `step` (horizon `T − t`) for a mid `s`.
fn curve_at(models: &[PoolModel], step: usize, mid: f64) -> Result<LinearCurve, Error> {
    let market = MarketState {
        mid: to_fixed(mid),
        confidence: Fixed::ZERO,
        variance: to_fixed(SIGMA * SIGMA),
    };
    match models[step].curve(&market, &SpreadConfig::default(), Reserves::default(), 1)? {
        Curve::Linear(curve) => Ok(curve),
        Curve::ConstantProduct(_) => Err(Error::InvalidConfig("AS yields a linear curve".into())),
    }
}

#[derive(Default)]
struct Tally {
    spread_sum: f64,
    quotes: u64,
    profits: Vec<f64>,
    final_q: Vec<f64>,
}

impl Tally {
    fn stats(&self) -> StrategyStats {
        let (profit_mean, profit_std) = mean_std(&self.profits);
        let (final_q_mean, final_q_std) = mean_std(&self.final_q);
        StrategyStats {
            avg_spread: self.spread_sum / self.quotes.max(1) as f64,
            profit_mean,
            profit_std,
            final_q_mean,
            final_q_std,
        }
    }
}

/// One market-maker's book on one path.
struct Book {
    q: i64,
    cash: f64,
}

impl Book {
    /// Fills the bid and/or the ask with probability `A·e^(−kδ)·dt` each.
    fn step(&mut self, mid: f64, bid: f64, ask: f64, bid_draw: f64, ask_draw: f64) {
        if bid_draw < A * (-K * (mid - bid)).exp() * DT {
            self.q += 1;
            self.cash -= bid;
        }
        if ask_draw < A * (-K * (ask - mid)).exp() * DT {
            self.q -= 1;
            self.cash += ask;
        }
    }
}

/// Runs the experiment.
pub fn run(config: Config) -> Result<Report, Error> {
    if !(config.gamma > 0.0 && config.gamma.is_finite()) {
        return Err(Error::InvalidConfig(format!(
            "gamma must be positive, got {}",
            config.gamma
        )));
    }
    if config.paths == 0 {
        return Err(Error::InvalidConfig("paths must be at least 1".into()));
    }
    // One model per step: only the horizon τ = T − t changes, the same on every path.
    let models = (0..STEPS)
        .map(|step| {
            PoolModel::new(ModelParams {
                kind: ModelKind::AvellanedaStoikov,
                units: Units::Absolute,
                risk_aversion: to_fixed(config.gamma),
                order_decay: to_fixed(K),
                arrival_intensity: to_fixed(A),
                horizon: to_fixed(HORIZON - step as f64 * DT),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| Error::InvalidConfig(format!("gamma {}: {error}", config.gamma)))?;
    let step_size = SIGMA * DT.sqrt();
    let (mut inventory, mut symmetric) = (Tally::default(), Tally::default());
    for path in 0..config.paths {
        let mut rng = Rng::stream(config.seed, u64::from(path));
        let mut mid = MID;
        let mut skewed = Book { q: 0, cash: 0.0 };
        let mut centred = Book { q: 0, cash: 0.0 };
        for step in 0..STEPS {
            let curve = curve_at(&models, step, mid)?;
            let bid = to_f64(curve.bid_at(i128::from(skewed.q), Rounding::Down)?);
            let ask = to_f64(curve.ask_at(i128::from(skewed.q), Rounding::Up)?);
            let half = to_f64(curve.half_spread);
            let (bid_draw, ask_draw) = (rng.uniform(), rng.uniform());
            skewed.step(mid, bid, ask, bid_draw, ask_draw);
            centred.step(mid, mid - half, mid + half, bid_draw, ask_draw);
            inventory.spread_sum += ask - bid;
            symmetric.spread_sum += 2.0 * half;
            inventory.quotes += 1;
            symmetric.quotes += 1;
            mid += if rng.coin() { step_size } else { -step_size };
        }
        for (tally, book) in [(&mut inventory, &skewed), (&mut symmetric, &centred)] {
            tally.profits.push(book.cash + book.q as f64 * mid);
            tally.final_q.push(book.q as f64);
        }
    }
    Ok(Report {
        inventory: inventory.stats(),
        symmetric: symmetric.stats(),
    })
}
