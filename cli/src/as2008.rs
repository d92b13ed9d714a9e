//! Avellaneda & Stoikov (2008), section 4, market-made by a Homeostat pool.
//!
//! s₀ = 100, T = 1, σ = 2, dt = 0.005 (200 steps), q₀ = 0, A = 140, k = 1.5. Each step the
//! mid moves ±σ√dt with equal probability; each quote is hit with probability λ(δ)·dt,
//! λ(δ) = A·e^(−kδ), δ its distance from the mid, one unit per fill.
//!
//! The *inventory* strategy is a Homeostat pool with the AS model (absolute units, a lot
//! of one unit, no fee, variance pinned to σ², horizon τ = T − t set every step through
//! `update_params`): its bid and ask are what the pool pays for and charges for one unit
//! at that moment, and fills execute as one-unit swaps. The *symmetric* benchmark quotes
//! the same spread around the mid. Both see the same mid path and the same draws.
//!
//! The pool runs on one of two engines that must agree bit for bit: a replica built from
//! the program's own state code and the math crate ([`Engine::Math`], fast), or the
//! program itself on the in-process runtime ([`Engine::Program`], `--onchain`). One
//! simulated step is one second of pool time, so σ², A and τ are rescaled by dt; the
//! products the model uses (γσ²τ, A·dt) are the paper's.

use bytemuck::Zeroable;
use homeostat::constants::{LP_ACCESS_PUBLIC, QUOTE_FALLBACK_PYTH};
use homeostat::oracle::PriceUpdate;
use homeostat::state::Pool;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    custom_error, price_update, Harness, PoolAddresses, SwapIn, SwapOut, User, ONE_BASE, ONE_QUOTE,
    START_TIME,
};
use homeostat_math::{
    BaseAtoms, Coefficients, Curve, Direction, Fixed, ModelKind, QuoteAtoms, Reserves, SwapContext,
    SwapQuote, Units,
};
use homeostat_sdk::quote::PoolSnapshot;
use homeostat_sdk::SdkError;
use serde::Serialize;
use solana_signer::Signer;

use crate::numbers::{mean_std, to_fixed};
use crate::rng::Rng;

/// The experiment's fixed parameters (section 4).
pub const MID: f64 = 100.0;
/// Volatility, price per √time.
pub const SIGMA: f64 = 2.0;
/// Time step.
pub const DT: f64 = 0.005;
/// Arrival intensity at zero distance.
pub const A: f64 = 140.0;
/// Decay of arrivals with distance.
pub const K: f64 = 1.5;
/// Steps per path (T / dt).
pub const STEPS: usize = 200;
/// Units of base the pool starts each path with, beside their value in quote: enough for
/// any inventory the experiment reaches, few enough that the pool's value-balanced
/// inventory stays close to the paper's unit count (see docs/simulator.md).
pub const START_BASE_UNITS: u64 = 40;
/// One unit of the experiment: the pool's lot, 0.01 of a 9-decimal base token. Small
/// enough that the paper's γ and k, per quote atom, lie in the math crate's domain.
pub const LOT: u64 = ONE_BASE / 100;
/// Quote atoms per unit of price (whole quote per whole base) for one lot.
const ATOMS_PER_PRICE: u64 = LOT * ONE_QUOTE / ONE_BASE;
/// Pyth price scale used for the oracle (exponent −8).
const PYTH_SCALE: f64 = 1e8;
/// Lamports per SOL.
const ONE_SOL: u64 = 1_000_000_000;
/// Seconds of pool time between the starts of two paths: a fresh pool per path.
const PATH_SECONDS: i64 = STEPS as i64 + 1;

/// Where the pool runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The program's state code and the math crate, in memory.
    Math,
    /// The program on the in-process Solana runtime: one pool per path, every step an
    /// `update_params` and every fill a swap transaction.
    Program,
    /// The papers' strategy on the math crate: the pool's own curve (half-spread c1, each
    /// unit priced over its inventory path, so one unit trades at the paper's quotes) but
    /// without the mid guard, with the inventory counted as units held, and both quotes of
    /// a step filled at their posted prices, as in the paper. What isolates the model from
    /// the three ways a pool departs from the paper.
    Paper,
}

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// γ, risk aversion.
    pub gamma: f64,
    /// Number of paths.
    pub paths: u32,
    /// Seed.
    pub seed: u64,
    /// Where the pool runs.
    pub engine: Engine,
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
    /// Mean terminal inventory, units.
    pub final_q_mean: f64,
    /// Standard deviation of terminal inventory.
    pub final_q_std: f64,
}

/// Both strategies.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The pool, quoting around its reservation price.
    pub inventory: StrategyStats,
    /// The same spread around the mid.
    pub symmetric: StrategyStats,
}

/// A finished run: the report and how much the pool traded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// What the experiment measures.
    pub report: Report,
    /// One-lot swaps the pool executed over all paths.
    pub swaps: u64,
}

/// Why the experiment cannot run.
#[derive(Debug)]
pub enum Error {
    /// γ or the path count is outside what the experiment accepts.
    InvalidConfig(String),
    /// The pool refused a quote or a trade, with where it happened.
    Pool {
        /// Path number.
        path: u32,
        /// Step within the path.
        step: usize,
        /// What the program or the SDK said.
        error: SdkError,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidConfig(message) => write!(f, "{message}"),
            Self::Pool { path, step, error } => {
                write!(f, "path {path}, step {step}: the pool refused: {error}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The pool's parameters at `step`: only the horizon τ = T − t (in seconds, one per step)
/// changes. The pool prices a lot in quote atoms, so γ, k and σ² carry that scale; σ² and
/// A are per second (one step).
pub fn pool_params(gamma: f64, step: usize) -> PoolParams {
    let atoms = ATOMS_PER_PRICE as f64;
    let variance = to_fixed(SIGMA * SIGMA * DT * atoms * atoms).into();
    PoolParams {
        model_kind: ModelKind::AvellanedaStoikov.into(),
        units: Units::Absolute.into(),
        risk_aversion: to_fixed(gamma / atoms).into(),
        order_decay: to_fixed(K / atoms).into(),
        arrival_intensity: to_fixed(A * DT).into(),
        horizon: Fixed::from_u64((STEPS - step) as u64).into(),
        min_half_spread: StoredFixed::ZERO,
        confidence_multiplier: StoredFixed::ZERO,
        age_multiplier: StoredFixed::ZERO,
        depth_slope: StoredFixed::ZERO,
        print_depth: 0,
        volatility_window: 1,
        volatility_grid: 1,
        variance_floor: variance,
        variance_ceiling: variance,
        lot: LOT,
        inventory_cap: 10 * START_BASE_UNITS * LOT,
        max_trade_base: LOT,
        fee_bps: 0,
        protocol_share_bps: 0,
        max_oracle_age: 60,
        max_confidence_bps: 1,
        max_ema_deviation_bps: 0,
        rebalance_band: u64::MAX,
        min_rebalance_interval: 0,
        max_hedge_position: 0,
        hedge_credit_bps: 0,
        hedge_cost_bps: 0,
        lp_access: LP_ACCESS_PUBLIC,
        depth_relief_bps: 0,
        age_shrink_bps: 0,
        quote_band_bps: 0,
        quote_fallback: QUOTE_FALLBACK_PYTH,
        reserved: [0; 2],
    }
}

/// The oracle update for mid `mid` published at `now`: Pyth units, no confidence.
fn oracle_at(mid: f64, now: i64) -> PriceUpdate {
    price_update((mid * PYTH_SCALE).round() as i64, 0, now)
}

/// A pool as one of the engines holds it.
trait PoolEngine {
    /// A fresh pool for `path`, created with `params` under `oracle`, seeded by an LP with
    /// `START_BASE_UNITS` and their value in quote at the oracle price.
    async fn open(
        &mut self,
        path: u32,
        params: &PoolParams,
        oracle: PriceUpdate,
    ) -> Result<(), SdkError>;
    /// The clock moves to `now`, the oracle publishes `oracle`, the admin sets `params`.
    async fn advance(
        &mut self,
        now: i64,
        oracle: PriceUpdate,
        params: &(PoolParams, Coefficients),
    ) -> Result<(), SdkError>;
    /// Everything a swap would be priced from now.
    async fn snapshot(&mut self) -> Result<PoolSnapshot, SdkError>;
    /// The pool after observing the oracle, and the context a swap is priced in now.
    async fn context(&mut self) -> Result<(Pool, SwapContext), SdkError> {
        let (pool, prepared) = self.snapshot().await?.context()?;
        let context = prepared.context;
        Ok((pool, context))
    }
    /// A trader swaps exactly one lot: sells it (`BaseToQuote`) or buys it.
    async fn trade_one_lot(&mut self, direction: Direction) -> Result<(), SdkError>;
    /// The pool's vault balances.
    async fn vaults(&mut self) -> Result<Reserves, SdkError>;
    /// The step's hit quotes, posted at its start, trade: as a pool does, in order, each
    /// one lot at the pool's price when it executes (the second after the first).
    async fn trade_posted(&mut self, posted: &[SwapQuote]) -> Result<(), SdkError> {
        for quote in posted {
            self.trade_one_lot(quote.direction).await?;
        }
        Ok(())
    }
}

/// What one `lot` costs or pays in `direction` in the swap context `context`: exact-in
/// for a sale to the pool, exact-out for a purchase, so the base moved is exactly one lot
/// either way.
fn one_lot_quote(
    context: &SwapContext,
    lot: u64,
    direction: Direction,
) -> Result<SwapQuote, SdkError> {
    Ok(match direction {
        Direction::BaseToQuote => context.quote_exact_in(direction, lot)?,
        Direction::QuoteToBase => context.quote_exact_out(direction, lot)?,
    })
}

/// The starting reserves: `START_BASE_UNITS` and their value at the oracle price.
fn starting_reserves(oracle: &PriceUpdate) -> (u64, u64) {
    let base = START_BASE_UNITS * LOT;
    let quote =
        START_BASE_UNITS * oracle.price.unsigned_abs() * ATOMS_PER_PRICE / PYTH_SCALE as u64;
    (base, quote)
}

/// The pool in memory, moved by the same state code the program runs.
struct Replica {
    snapshot: PoolSnapshot,
    /// Price as the paper does ([`Engine::Paper`]).
    paper: bool,
    /// Base in the vault when the path started (the paper's q = 0).
    start_base: BaseAtoms,
}

impl Replica {
    fn new(paper: bool) -> Self {
        Self {
            paper,
            start_base: BaseAtoms::ZERO,
            snapshot: PoolSnapshot {
                pool: Pool::zeroed(),
                base_vault: BaseAtoms::ZERO,
                quote_vault: QuoteAtoms::ZERO,
                oracle: oracle_at(MID, START_TIME),
                quote_oracle: None,
                now: START_TIME,
                slot: 0,
            },
        }
    }
}

impl PoolEngine for Replica {
    async fn open(
        &mut self,
        _path: u32,
        params: &PoolParams,
        oracle: PriceUpdate,
    ) -> Result<(), SdkError> {
        let (base, quote) = starting_reserves(&oracle);
        self.snapshot = crate::replica::open(params, oracle, base, quote)?;
        self.start_base = self.snapshot.base_vault;
        Ok(())
    }

    async fn advance(
        &mut self,
        now: i64,
        oracle: PriceUpdate,
        (params, coefficients): &(PoolParams, Coefficients),
    ) -> Result<(), SdkError> {
        self.snapshot.now = now;
        self.snapshot.oracle = oracle;
        self.snapshot.pool.apply_params(params, coefficients)?;
        Ok(())
    }

    async fn snapshot(&mut self) -> Result<PoolSnapshot, SdkError> {
        Ok(self.snapshot)
    }

    async fn context(&mut self) -> Result<(Pool, SwapContext), SdkError> {
        let (pool, prepared) = self.snapshot.context()?;
        let mut context = prepared.context;
        if self.paper {
            let held = self.snapshot.base_vault.signed() - self.start_base.signed();
            (context.risk_position, context.position) = (held, held);
            if let Curve::Linear(curve) = &mut context.curve {
                curve.mid_guard = false;
            }
        }
        Ok((pool, context))
    }

    async fn trade_one_lot(&mut self, direction: Direction) -> Result<(), SdkError> {
        // The swap handler: prepare, price (here at the paper's inventory), book, move
        // the tokens.
        let (observed, context) = self.context().await?;
        let quote = one_lot_quote(&context, observed.params.lot, direction)?;
        self.snapshot = self.snapshot.after_swap(direction, &quote)?;
        Ok(())
    }

    async fn vaults(&mut self) -> Result<Reserves, SdkError> {
        Ok(self.snapshot.vaults())
    }

    async fn trade_posted(&mut self, posted: &[SwapQuote]) -> Result<(), SdkError> {
        for quote in posted {
            if self.paper {
                // The paper fills both posted quotes at their posted prices.
                self.snapshot = self.snapshot.after_swap(quote.direction, quote)?;
            } else {
                self.trade_one_lot(quote.direction).await?;
            }
        }
        Ok(())
    }
}

/// The program on the in-process runtime.
struct OnChain {
    harness: Harness,
    /// The current path's pool.
    pool: PoolAddresses,
    trader: User,
    oracle: PriceUpdate,
}

impl OnChain {
    async fn start() -> Self {
        let mut harness = Harness::start().await;
        // Enough for the most a run can trade: 65 536 paths of at most 400 one-lot swaps
        // (4 base tokens and about 440 quote tokens a path).
        let trader = harness
            .new_user(1_000_000 * ONE_BASE, 100_000_000 * ONE_QUOTE)
            .await;
        // The admin pays each path's pool rent (≈ 0.012 SOL: pool, vaults, LP mint); the
        // harness's 10 SOL last about 800 paths, 65 536 need about 800 SOL.
        let admin = harness.admin.pubkey();
        harness.airdrop(&admin, 1_000 * ONE_SOL).await;
        Self {
            pool: harness.pool_at(0),
            harness,
            trader,
            oracle: oracle_at(MID, START_TIME),
        }
    }

    /// A transaction's failure as the program's error.
    fn refused(result: Result<(), homeostat_localnet::TransactionError>) -> Result<(), SdkError> {
        let code = custom_error(&result);
        result.map_err(|error| match code {
            Some(code) => SdkError::from_code(code),
            None => SdkError::Failed {
                what: "transaction".into(),
                error: error.to_string(),
            },
        })
    }
}

impl PoolEngine for OnChain {
    async fn open(
        &mut self,
        path: u32,
        params: &PoolParams,
        oracle: PriceUpdate,
    ) -> Result<(), SdkError> {
        let harness = &mut self.harness;
        let pool = harness.pool_at(u16::try_from(path).map_err(|_| SdkError::Failed {
            what: format!("opening the pool of path {path}"),
            error: "at most 65 536 pools per run".into(),
        })?);
        self.pool = pool;
        harness.set_time(oracle.publish_time);
        harness.set_oracle(&oracle);
        self.oracle = oracle;
        Self::refused(harness.initialize_pool(&pool, *params).await)?;
        let (base, quote) = starting_reserves(&oracle);
        // The first deposit is the admin's (it fixes the pool's reference depth).
        Self::refused(harness.admin_deposit(&pool, base, quote).await.map(drop))
    }

    async fn advance(
        &mut self,
        now: i64,
        oracle: PriceUpdate,
        (params, _): &(PoolParams, Coefficients),
    ) -> Result<(), SdkError> {
        let harness = &mut self.harness;
        harness.set_time(now);
        harness.set_oracle(&oracle);
        self.oracle = oracle;
        let admin = harness.admin.insecure_clone();
        Self::refused(harness.update_params(&self.pool, &admin, *params).await)
    }

    async fn snapshot(&mut self) -> Result<PoolSnapshot, SdkError> {
        Ok(self.harness.snapshot(&self.pool, &self.oracle).await)
    }

    async fn trade_one_lot(&mut self, direction: Direction) -> Result<(), SdkError> {
        // The trader's bound is the SDK's quote: the swap fails unless the program executes
        // exactly (or better than) what was quoted.
        let snapshot = self.snapshot().await?;
        let (state, prepared) = snapshot.context()?;
        let context = prepared.context;
        let quote = one_lot_quote(&context, state.params.lot, direction)?;
        let (pool, lot, trader) = (self.pool, state.params.lot, &self.trader);
        let harness = &mut self.harness;
        let result = match direction {
            Direction::BaseToQuote => {
                let args = SwapIn {
                    direction,
                    amount_in: lot,
                    min_amount_out: quote.amount_out,
                };
                harness.swap_exact_in(&pool, trader, args).await
            }
            Direction::QuoteToBase => {
                let args = SwapOut {
                    direction,
                    amount_out: lot,
                    max_amount_in: quote.amount_in,
                };
                harness.swap_exact_out(&pool, trader, args).await
            }
        };
        Self::refused(result)
    }

    async fn vaults(&mut self) -> Result<Reserves, SdkError> {
        let (base, quote) = (self.pool.base_vault, self.pool.quote_vault);
        Ok(Reserves {
            base: BaseAtoms::new(self.harness.balance(&base).await),
            quote: QuoteAtoms::new(self.harness.balance(&quote).await),
        })
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

/// Whether a quote at distance `distance` from the mid is hit, given a uniform draw.
fn filled(distance: f64, draw: f64) -> bool {
    draw < A * (-K * distance).exp() * DT
}

/// Runs the experiment, reporting the number of finished paths to `progress`.
pub async fn run(config: Config, progress: impl FnMut(u32)) -> Result<Outcome, Error> {
    if !(config.gamma > 0.0 && config.gamma.is_finite()) {
        return Err(Error::InvalidConfig(format!(
            "gamma must be positive, got {}",
            config.gamma
        )));
    }
    if config.paths == 0 {
        return Err(Error::InvalidConfig("paths must be at least 1".into()));
    }
    if config.engine == Engine::Program && config.paths > u32::from(u16::MAX) + 1 {
        return Err(Error::InvalidConfig(format!(
            "--onchain runs one pool per path: at most 65536 paths, got {}",
            config.paths
        )));
    }
    // γ is the only free parameter: per quote atom it must lie in [2⁻²⁰, 2²⁰], and γ/k in
    // [2⁻¹⁶, 2¹⁶] (docs/math.md, "Parameter domain"). Checked here so the message names γ.
    let atoms = ATOMS_PER_PRICE as f64;
    let lowest = (atoms * 2f64.powi(-20)).max(K * 2f64.powi(-16));
    let highest = (atoms * 2f64.powi(20)).min(K * 2f64.powi(16));
    if !(lowest..=highest).contains(&config.gamma) {
        return Err(Error::InvalidConfig(format!(
            "gamma {} is outside the pool's parameter domain: it must lie between \
             {lowest:.4} and {highest:.0} here",
            config.gamma
        )));
    }
    // The same parameter schedule on every path: only τ changes.
    let schedule = (0..STEPS)
        .map(|step| {
            let params = pool_params(config.gamma, step);
            params.validate().map(|coefficients| (params, coefficients))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| {
            Error::InvalidConfig(format!(
                "gamma {}: the pool rejects these parameters: {}",
                config.gamma,
                SdkError::from(error)
            ))
        })?;
    match config.engine {
        Engine::Math => simulate(&mut Replica::new(false), &config, &schedule, progress).await,
        Engine::Paper => simulate(&mut Replica::new(true), &config, &schedule, progress).await,
        Engine::Program => {
            simulate(&mut OnChain::start().await, &config, &schedule, progress).await
        }
    }
}

async fn simulate(
    engine: &mut impl PoolEngine,
    config: &Config,
    schedule: &[(PoolParams, Coefficients)],
    mut progress: impl FnMut(u32),
) -> Result<Outcome, Error> {
    let step_size = SIGMA * DT.sqrt();
    let mut swaps = 0;
    let (mut inventory, mut symmetric) = (Tally::default(), Tally::default());
    for path in 0..config.paths {
        let at = |step: usize| move |error: SdkError| Error::Pool { path, step, error };
        let start = START_TIME + i64::from(path) * PATH_SECONDS;
        engine
            .open(path, &schedule[0].0, oracle_at(MID, start))
            .await
            .map_err(at(0))?;
        let start_vaults = engine.vaults().await.map_err(at(0))?;
        let mut rng = Rng::stream(config.seed, u64::from(path));
        let mut mid = MID;
        let mut centred = Book::default();
        for (step, params) in schedule.iter().enumerate() {
            let now = start + step as i64;
            let oracle = oracle_at(mid, now);
            let oracle_mid = oracle.price as f64 / PYTH_SCALE;
            engine
                .advance(now, oracle, params)
                .await
                .map_err(at(step))?;
            // Both sides are priced from one context (one oracle read, one curve).
            let (pool, context) = engine.context().await.map_err(at(step))?;
            let bid = one_lot_quote(&context, pool.params.lot, Direction::BaseToQuote)
                .map_err(at(step))?;
            let ask = one_lot_quote(&context, pool.params.lot, Direction::QuoteToBase)
                .map_err(at(step))?;
            let bid_price = bid.amount_out as f64 / ATOMS_PER_PRICE as f64;
            let ask_price = ask.amount_in as f64 / ATOMS_PER_PRICE as f64;
            let (bid_draw, ask_draw) = (rng.uniform(), rng.uniform());
            // Fills are decided on the quotes posted at the start of the step.
            let hits: Vec<SwapQuote> = [
                (bid, oracle_mid - bid_price, bid_draw),
                (ask, ask_price - oracle_mid, ask_draw),
            ]
            .into_iter()
            .filter(|&(_, distance, draw)| filled(distance, draw))
            .map(|(quote, _, _)| quote)
            .collect();
            swaps += hits.len() as u64;
            engine.trade_posted(&hits).await.map_err(at(step))?;
            let spread = ask_price - bid_price;
            centred.step(oracle_mid, spread / 2.0, bid_draw, ask_draw);
            for tally in [&mut inventory, &mut symmetric] {
                tally.spread_sum += spread;
                tally.quotes += 1;
            }
            mid += if rng.coin() { step_size } else { -step_size };
        }
        let end_vaults = engine.vaults().await.map_err(at(STEPS))?;
        let units = (end_vaults.base.signed() - start_vaults.base.signed()) / i128::from(LOT);
        let quote_change =
            i128::from(end_vaults.quote.get()) - i128::from(start_vaults.quote.get());
        let cash = quote_change as f64 / ATOMS_PER_PRICE as f64;
        let pool = Book {
            q: units as i64,
            cash,
        };
        for (tally, book) in [(&mut inventory, &pool), (&mut symmetric, &centred)] {
            tally.profits.push(book.cash + book.q as f64 * mid);
            tally.final_q.push(book.q as f64);
        }
        progress(path + 1);
    }
    Ok(Outcome {
        report: Report {
            inventory: inventory.stats(),
            symmetric: symmetric.stats(),
        },
        swaps,
    })
}

/// A strategy's book: units held and cash.
#[derive(Default)]
struct Book {
    q: i64,
    cash: f64,
}

impl Book {
    /// The symmetric benchmark's step: quotes `mid ± half_spread`; each side fills as
    /// [`filled`] says.
    fn step(&mut self, mid: f64, half_spread: f64, bid_draw: f64, ask_draw: f64) {
        if filled(half_spread, bid_draw) {
            self.q += 1;
            self.cash -= mid - half_spread;
        }
        if filled(half_spread, ask_draw) {
            self.q -= 1;
            self.cash += mid + half_spread;
        }
    }
}

#[cfg(test)]
mod tests;
