//! The adversarial market: pools that can be hurt. Block by block (Solana's 400 ms slot):
//! the true price moves (volatility regimes, self-exciting jumps); the oracle publishes
//! it late and noisy (and Pyth Pro's signed updates, for a `pro` pool); a prop-AMM
//! pool's quoter pushes its price ([`sources`]);
//! arbitrageurs who see the true price trade every pool the size that maximises their
//! profit, choosing the print the program accepts that pays best; uninformed orders with
//! heavy-tailed sizes are routed to the best price among the pools and a reference venue,
//! split where that is cheaper. Every pool sees the same draws.
//!
//! Homeostat pools run on the program's own state code and the math crate
//! ([`venues::HomeostatPool`]); the constant-product baselines are closed-form. One seed
//! is one [`Market`]; [`run_seeds`] runs many on all cores and [`report`] summarises them
//! as mean ± standard error. docs/simulator.md explains each model and its defaults.

pub mod calibration;
pub mod command;
mod error;
mod flow;
pub mod heatmap;
pub mod onchain;
pub mod price;
pub mod report;
pub mod scenario;
pub mod sources;
#[cfg(test)]
mod theory;
pub mod venues;

use crate::rng::Rng;

pub use error::AdversarialError;
use homeostat_math::SwapQuote;
use price::{Oracle, Print, TruePrice};
use report::{SeedReport, Tally};
pub use scenario::{PoolKind, Scenario};
use sources::{Quoter, Source};
use venues::{clock_second, Carried, ConstantProduct, Fill, HomeostatPool, Priced};

/// One pool in the market and what it has done.
struct Venue {
    kind: PoolKind,
    pool: VenuePool,
    /// What prices it (none for the constant-product pools).
    source: Option<Source>,
    tally: Tally,
    /// Its recorded history and calibrations, when the scenario recalibrates.
    calibrator: Option<calibration::Calibrator>,
}

enum VenuePool {
    /// A Homeostat pool: priced by the oracle's prints, (`pro`) by Pyth Pro's signed
    /// updates, or (`prop`) by its quoter's.
    Homeostat(Box<HomeostatPool>),
    /// A constant-product pool; `dynamic` when its fee follows its volatility.
    ConstantProduct {
        pool: ConstantProduct,
        dynamic: Option<DynamicFee>,
    },
}

/// The dynamic-fee rule: `base + multiple × σ̂`, σ̂ the pool's own one-minute volatility
/// in basis points (an EWMA of squared block returns, one-minute mean life), capped.
struct DynamicFee {
    base_bps: f64,
    multiple: f64,
    max_bps: f64,
    block_variance: f64,
    weight: f64,
    blocks_per_minute: f64,
    last_price: f64,
}

impl DynamicFee {
    /// The rule of `scenario`, at its start price.
    fn new(scenario: &Scenario) -> Self {
        let slot = f64::from(scenario.slot_ms);
        Self {
            base_bps: scenario.cp_dynamic_base_bps,
            multiple: scenario.cp_dynamic_multiple,
            max_bps: scenario.cp_dynamic_max_bps,
            block_variance: 0.0,
            weight: 1.0 - (-slot / 60_000.0).exp(),
            blocks_per_minute: 60_000.0 / slot,
            last_price: scenario.start_price,
        }
    }

    /// Records the block's price and returns the fee for the next, a fraction.
    fn update(&mut self, price: f64) -> f64 {
        let r = (price / self.last_price).ln();
        self.last_price = price;
        self.block_variance += self.weight * (r * r - self.block_variance);
        let minute_bps = (self.block_variance * self.blocks_per_minute).sqrt() * 10_000.0;
        (self.base_bps + self.multiple * minute_bps).min(self.max_bps) / 10_000.0
    }
}

/// Independent random streams, so a stage's draws do not depend on another's choices
/// (a pool added or removed leaves the price, prints and orders unchanged).
struct Streams {
    price: Rng,
    oracle: Rng,
    flow: Rng,
    arbitrage: Rng,
    /// The model flow and the manipulator (issue #29's benchmark).
    model: Rng,
    /// The Pyth Pro feed's noise and outages.
    pro: Rng,
}

/// One seed of the adversarial market.
pub struct Market {
    scenario: Scenario,
    streams: Streams,
    /// Blocks done.
    block: u64,
    slot_ms: u64,
    price: TruePrice,
    /// The true price at the end of every block so far (index 0: the start).
    history: Vec<f64>,
    oracle: Oracle,
    /// Pyth Pro's feed, when a `pro` pool runs: a print every `pro_interval_ms`,
    /// `pro_latency_ms` late, with the push oracle's noise and outages.
    pro_oracle: Option<Oracle>,
    venues: Vec<Venue>,
    /// Uninformed flow that went to the reference venue, and all of it, USDC.
    reference_volume: f64,
    retail_volume: f64,
    /// Arbitrage profit, USDC at the true price, after the arbitrageurs' cost.
    arbitrage_profit: f64,
    /// `--onchain`: the program that executes every Homeostat trade.
    program: Option<onchain::OnChain>,
    /// The first transaction the program refused, or quoter push the pool refused (the
    /// run's report is then wrong).
    program_error: Option<AdversarialError>,
}

/// Where the Homeostat pools run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The program's state code and the math crate, in memory (the statistics path).
    Math,
    /// The program on the in-process runtime, every trade a transaction (`--onchain`).
    Program,
}

/// Every pool starts at this print (the start price, observed and usable at 0).
fn opening_print(scenario: &Scenario) -> Print {
    Print {
        observed_ms: 0,
        usable_ms: 0,
        price: scenario.start_price,
        confidence: scenario.start_price * scenario.confidence_floor_bps / 10_000.0,
    }
}

impl Market {
    /// The market of `scenario` for `seed` on `engine`: every pool opened with the same
    /// liquidity.
    pub fn new(scenario: &Scenario, seed: u64, engine: Engine) -> Result<Self, AdversarialError> {
        scenario.validate()?;
        let params = scenario.pool_params()?;
        if scenario.calibrate_every_secs > 0 && engine == Engine::Program {
            return Err(AdversarialError::CalibrationOnChain);
        }
        let mut program = match engine {
            Engine::Math => None,
            Engine::Program => Some(onchain::OnChain::start()?),
        };
        let mut venues = Vec::new();
        for (index, &kind) in scenario.pools.iter().enumerate() {
            let pool = open_pool(scenario, &params, index, kind, &mut program)?;
            let calibrator = (scenario.calibrate_every_secs > 0
                && matches!(pool, VenuePool::Homeostat(_)))
            .then(|| calibration::Calibrator::new(Rng::stream(seed, 6)));
            let quote = scenario.liquidity_sol * scenario.start_price;
            venues.push(Venue {
                kind,
                pool,
                source: Source::of(kind, scenario),
                tally: Tally::new(scenario.liquidity_sol, quote),
                calibrator,
            });
        }
        // Prints are kept as long as the pools accept them, and a little longer.
        let keep_ms = (params.max_oracle_age + 2) * 1_000;
        Ok(Self {
            streams: Streams {
                price: Rng::stream(seed, 1),
                oracle: Rng::stream(seed, 2),
                flow: Rng::stream(seed, 3),
                arbitrage: Rng::stream(seed, 4),
                model: Rng::stream(seed, 5),
                pro: Rng::stream(seed, 7),
            },
            block: 0,
            slot_ms: u64::from(scenario.slot_ms),
            price: TruePrice::new(scenario),
            history: vec![scenario.start_price],
            oracle: Oracle::new(scenario, keep_ms),
            pro_oracle: scenario.pools.contains(&PoolKind::Pro).then(|| {
                let feed = Scenario {
                    oracle_interval_ms: scenario.pro_interval_ms,
                    oracle_latency_ms: scenario.pro_latency_ms,
                    ..scenario.clone()
                };
                Oracle::new(&feed, keep_ms)
            }),
            venues,
            reference_volume: 0.0,
            retail_volume: 0.0,
            arbitrage_profit: 0.0,
            program,
            program_error: None,
            scenario: scenario.clone(),
        })
    }

    /// Runs every block of the scenario and reports; fails if the program (`--onchain`)
    /// refused a trade the state code priced.
    pub fn run(mut self) -> Result<SeedReport, AdversarialError> {
        let blocks = u64::from(self.scenario.duration_secs) * 1_000 / self.slot_ms;
        for _ in 0..blocks {
            self.step();
        }
        match self.program_error.take() {
            Some(error) => Err(error),
            None => Ok(self.report()),
        }
    }

    /// Executes `quote`, priced as `priced` says, in Homeostat venue `index`; on the
    /// program too with `--onchain`, whose accounts then become the pool's state.
    fn execute_homeostat(&mut self, index: usize, priced: &Priced, quote: &SwapQuote) -> Fill {
        let price = self.true_price();
        let t = self.block as f64 * self.slot_ms as f64 / 1_000.0;
        let venue = &mut self.venues[index];
        let VenuePool::Homeostat(pool) = &mut venue.pool else {
            return Fill::default();
        };
        let fill = pool.execute(priced, quote, price);
        venue.tally.priced_by(&fill, priced.quoted());
        if let Some(calibrator) = &mut venue.calibrator {
            let lot_sol = pool.pool().params.lot as f64 / homeostat_localnet::ONE_BASE as f64;
            calibrator.fill(t, fill.base, fill.quote, lot_sol);
        }
        if let Some(program) = &mut self.program {
            let (print, pro, now, slot) = priced.transaction();
            match program.swap(index, (&print, pro.as_ref()), (now, slot), quote) {
                Ok(snapshot) => pool.replace(snapshot),
                Err(error) => {
                    self.program_error.get_or_insert(error.into());
                }
            }
        }
        fill
    }

    /// One block: price, oracle, arbitrage, uninformed flow, then the block's bookkeeping.
    pub fn step(&mut self) {
        self.block += 1;
        self.advance_price();
        self.publish();
        self.push_quotes();
        self.arbitrage();
        self.route_flow();
        self.model_flow();
        self.close_block();
        let every = u64::from(self.scenario.calibrate_every_secs) * 1_000;
        if every > 0 && self.now_ms() % every < self.slot_ms {
            self.recalibrate();
        }
    }

    fn now_ms(&self) -> u64 {
        self.block * self.slot_ms
    }

    /// The chain's slot: one per block (a quote's age is counted in slots).
    fn slot(&self) -> u64 {
        self.block
    }

    fn true_price(&self) -> f64 {
        self.price.price
    }

    /// The true price `ms` before now (the start price before the start).
    fn price_ago(&self, ms: u64) -> f64 {
        price_ago(&self.history, self.slot_ms, ms)
    }

    /// Stage 1: the true price moves.
    fn advance_price(&mut self) {
        let price = self.price.step(&mut self.streams.price);
        self.history.push(price);
    }

    /// Stage 2: the oracle publishes what is due.
    fn publish(&mut self) {
        let now = self.now_ms();
        let before = self.oracle.freshest().map(|print| print.usable_ms);
        self.oracle
            .step(now, self.slot_ms, &self.history, &mut self.streams.oracle);
        if let Some(pro) = &mut self.pro_oracle {
            pro.step(now, self.slot_ms, &self.history, &mut self.streams.pro);
        }
        // The calibrators' record of every print, by the time it observed.
        let new: Vec<Print> = self
            .oracle
            .usable
            .iter()
            .filter(|print| before.is_none_or(|before| print.usable_ms > before))
            .copied()
            .collect();
        for venue in &mut self.venues {
            if let Some(calibrator) = &mut venue.calibrator {
                for print in &new {
                    calibrator.print(print.observed_ms as f64 / 1_000.0, print.price);
                }
            }
        }
    }

    /// Stage 2b: every quoter whose push is due pushes (`push_quote`), before the block's
    /// takers — a block engine's maker-priority scheduler lands quote updates first — on
    /// the program too with `--onchain`, whose pool account then becomes the state.
    fn push_quotes(&mut self) {
        let (now, slot) = (self.now_ms(), self.slot());
        for (index, venue) in self.venues.iter_mut().enumerate() {
            let (Some(Source::Quoter(quoter)), VenuePool::Homeostat(pool)) =
                (&mut venue.source, &mut venue.pool)
            else {
                continue;
            };
            let seen = price_ago(&self.history, self.slot_ms, quoter.latency_ms());
            let Some(quote) = quoter.due(now, slot, seen, pool.pool().params.lot) else {
                continue;
            };
            if let Err(error) = pool.push_quote(&quote, slot) {
                self.program_error
                    .get_or_insert(AdversarialError::QuoterRefused(error));
                continue;
            }
            if let Some(program) = &mut self.program {
                match program.push_quote(index, &quote, clock_second(now), slot) {
                    Ok(state) => pool.replace_state(state),
                    Err(error) => {
                        self.program_error.get_or_insert(error.into());
                    }
                }
            }
        }
    }

    /// What a transaction may carry to `pool`, priced by `source`, now, the freshest
    /// first. The `glft` and `prop` pools' carry the oracle's Pyth prints (a quoter's price
    /// is in the pool's state); a `pro` pool's carry a Pyth Pro update each — the freshest,
    /// and when picking the oldest the pool still accepts — beside the freshest push print.
    fn prints_for(&self, source: &Source, pool: &HomeostatPool, picking: bool) -> Vec<Carried> {
        match source {
            Source::Pyth | Source::Quoter(_) => self
                .pyth_prints(&self.oracle, pool, picking)
                .into_iter()
                .map(|push| Carried { push, pro: None })
                .collect(),
            Source::Pro => {
                let (Some(pro), Some(&push)) = (&self.pro_oracle, self.oracle.freshest()) else {
                    return Vec::new();
                };
                self.pyth_prints(pro, pool, picking)
                    .into_iter()
                    .map(|update| Carried {
                        push,
                        pro: Some(update),
                    })
                    .collect()
            }
        }
    }

    /// `oracle`'s freshest print, and — when the arbitrageur picks prints — the oldest the
    /// program still accepts (not older than the newest it used — by the second, and for a
    /// Pyth Pro update by the microsecond — within `max_oracle_age`).
    fn pyth_prints(&self, oracle: &Oracle, pool: &HomeostatPool, picking: bool) -> Vec<Print> {
        let Some(&freshest) = oracle.freshest() else {
            return Vec::new();
        };
        let mut prints = vec![freshest];
        if picking {
            let now = clock_second(self.now_ms());
            let state = pool.pool();
            let oldest = oracle.usable.iter().find(|print| {
                let published = clock_second(print.observed_ms);
                published >= state.last_oracle_time
                    && venues::pro_timestamp_us(print.observed_ms) >= state.pro.timestamp_us
                    && now - published <= state.params.max_oracle_age as i64
            });
            if let Some(&oldest) = oldest {
                if oldest != freshest {
                    prints.push(oldest);
                }
            }
        }
        prints
    }

    /// Homeostat venue `index` priced now with the freshest print, as an uninformed
    /// trader's transaction would be.
    fn priced_now(&self, index: usize) -> Option<Priced> {
        let venue = &self.venues[index];
        let (VenuePool::Homeostat(pool), Some(source)) = (&venue.pool, &venue.source) else {
            return None;
        };
        let carried = *self.prints_for(source, pool, false).first()?;
        pool.priced(&carried, self.now_ms(), self.slot()).ok()
    }

    /// Every calibrated pool re-estimated from its whole history and moved by the
    /// bounded change (a change the program would refuse is skipped and traced).
    fn recalibrate(&mut self) {
        let (hours, price) = (self.now_ms() as f64 / 3_600_000.0, self.true_price());
        for venue in &mut self.venues {
            let (Some(calibrator), VenuePool::Homeostat(pool)) =
                (&mut venue.calibrator, &mut venue.pool)
            else {
                continue;
            };
            let current = pool.pool().params;
            let lp = venue.tally.lp_vs_hold(price);
            let next = calibrator.calibrate(hours, lp, &current, &self.scenario);
            if let Some(next) = next.filter(|_| self.scenario.calibrate_apply) {
                if pool.apply_params(&next).is_err() {
                    calibrator.refused(&current);
                }
            }
        }
    }

    /// Stage 5: the block's bookkeeping — dynamic fees, loss-versus-rebalancing, samples.
    fn close_block(&mut self) {
        let price = self.true_price();
        let before = self.history[self.history.len() - 2];
        let second = self.now_ms() % 1_000 < self.slot_ms;
        for venue in &mut self.venues {
            let (base, quote) = match &mut venue.pool {
                VenuePool::Homeostat(pool) => pool.reserves(),
                VenuePool::ConstantProduct { pool, dynamic } => {
                    if let Some(dynamic) = dynamic {
                        pool.fee = dynamic.update(pool.price());
                    }
                    (pool.base, pool.quote)
                }
            };
            venue
                .tally
                .close_block((base, quote), before, price, second);
        }
    }

    /// The seed's figures.
    pub fn report(&self) -> SeedReport {
        let price = self.true_price();
        let pools = self
            .venues
            .iter()
            .map(|venue| {
                venue.tally.figures(
                    venue.kind,
                    price,
                    &self.history,
                    self.slot_ms,
                    self.retail_volume,
                )
            })
            .collect();
        let hours = self.now_ms() as f64 / 3_600_000.0;
        let squares: f64 = self
            .history
            .windows(2)
            .map(|pair| (pair[1] / pair[0]).ln().powi(2))
            .sum();
        SeedReport {
            calibration: self
                .venues
                .iter()
                .filter_map(|venue| {
                    let calibrator = venue.calibrator.as_ref()?;
                    Some((venue.kind.name().to_string(), calibrator.trace.clone()))
                })
                .collect(),
            pools,
            market: report::MarketFigures {
                realised_volatility: (squares / (hours * 3_600.0) * price::SECONDS_PER_YEAR).sqrt(),
                jumps_per_hour: self.price.jumps as f64 / hours,
                outages: self.oracle.outages as f64,
                reference_share: self.reference_volume / self.retail_volume.max(f64::MIN_POSITIVE),
                retail_volume_usdc: self.retail_volume,
                arbitrage_profit_usdc: self.arbitrage_profit,
            },
        }
    }
}

/// The true price `ms` before the last of `history` (one price per `slot_ms` block; the
/// start price before the start).
fn price_ago(history: &[f64], slot_ms: u64, ms: u64) -> f64 {
    let back = (ms / slot_ms) as usize;
    history[history.len().saturating_sub(1 + back)]
}

/// Opens venue `index`, a pool of `kind`: a Homeostat pool with `params` (on the program
/// too with `--onchain`, its quoter named when its source has one) or a constant-product
/// pool, each with `liquidity_sol` SOL and their value in USDC at the start price.
fn open_pool(
    scenario: &Scenario,
    params: &homeostat::PoolParams,
    index: usize,
    kind: PoolKind,
    program: &mut Option<onchain::OnChain>,
) -> Result<VenuePool, AdversarialError> {
    let opening = opening_print(scenario);
    let pool = |fee| ConstantProduct {
        base: scenario.liquidity_sol,
        quote: scenario.liquidity_sol * scenario.start_price,
        fee,
    };
    Ok(match kind {
        PoolKind::Glft | PoolKind::Prop | PoolKind::Pro => {
            let mut pool = HomeostatPool::open(params, &opening, scenario.liquidity_sol).map_err(
                |source| AdversarialError::Open {
                    pool: kind.name(),
                    source,
                },
            )?;
            let deposit = HomeostatPool::deposit(&opening, scenario.liquidity_sol);
            if let Some(program) = program {
                let update = venues::price_update_of(&opening);
                pool.replace(program.open(index, *params, &update, deposit)?);
            }
            if let Some(Source::Pro) = Source::of(kind, scenario) {
                pool.set_pro_feed().map_err(AdversarialError::Admin)?;
                if let Some(program) = program {
                    pool.replace_state(program.set_pro_feed(index)?);
                }
            }
            if let Some(Source::Quoter(_)) = Source::of(kind, scenario) {
                pool.set_quoter(Quoter::KEY);
                if let Some(program) = program {
                    pool.replace_state(program.set_quoter(index)?);
                }
            }
            VenuePool::Homeostat(Box::new(pool))
        }
        PoolKind::Cp => VenuePool::ConstantProduct {
            pool: pool(scenario.cp_fee_bps / 10_000.0),
            dynamic: None,
        },
        PoolKind::CpDynamic => {
            let mut dynamic = DynamicFee::new(scenario);
            let fee = dynamic.update(scenario.start_price);
            VenuePool::ConstantProduct {
                pool: pool(fee),
                dynamic: Some(dynamic),
            }
        }
    })
}

/// Runs `seeds` seeds from `scenario.seed` on `threads` threads; reports in seed order.
/// `progress` is called with the seeds done.
pub fn run_seeds(
    scenario: &Scenario,
    engine: Engine,
    seeds: u32,
    threads: usize,
    progress: &(dyn Fn(u32) + Sync),
) -> Result<Vec<SeedReport>, AdversarialError> {
    scenario.validate()?;
    let next = std::sync::atomic::AtomicU32::new(0);
    let done = std::sync::atomic::AtomicU32::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(seeds as usize) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if index >= seeds {
                    return;
                }
                let seed = scenario.seed.wrapping_add(u64::from(index));
                let report = Market::new(scenario, seed, engine).and_then(Market::run);
                if let Ok(mut results) = results.lock() {
                    results.push((index, report));
                }
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
            });
        }
    });
    let mut results = results
        .into_inner()
        .map_err(|_| AdversarialError::SeedThread)?;
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, report)| report).collect()
}
