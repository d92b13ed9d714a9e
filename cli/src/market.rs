//! The hour (`--scenario hour`): the real program on the in-process runtime, a GBM oracle
//! with jumps and outages, Poisson order flow that reacts to the quoted price, informed
//! traders, the keeper hedging on a paper venue, and a constant-product baseline pool
//! trading the same flow. Its flow is captive (each pool its own copy); the adversarial
//! market (`crate::adversarial`) is the one that measures pricing.
//!
//! Every second: the true price moves; the oracle publishes on its cadence (unless it is
//! in an outage); for each pool, uninformed traders arrive on each side with intensity
//! `A`, look at the pool's price for their size and trade with probability `e^(−k·δ)`,
//! δ the relative distance of that price from the true price; an informed trader arrives
//! with probability `informed_share` and trades whenever the pool's price is on the wrong
//! side of the true price. Both pools see the same price path and the same random draws.
//!
//! A [`Market`] runs a second as stages, one method each: `advance_price`,
//! `publish_oracle`, `draw_flow`, `run_keeper`, `trade` and `sample` per pool; `report` at
//! the end. The keeper lives for the whole run and its chain connection holds the runtime,
//! which the other stages borrow from it.

use homeostat::constants::{LP_ACCESS_OPERATOR, LP_ACCESS_PUBLIC};
use homeostat::errors::HomeostatError;
use homeostat::oracle::PriceUpdate;
use homeostat::PoolParams;
use homeostat_keeper::events::EventSource;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, Step};
use homeostat_keeper::local::LocalChain;
use homeostat_keeper::planner::PlannerConfig;
use homeostat_keeper::venue::PaperVenue;
use homeostat_localnet::{
    default_params, price_update, pyth_price, quote_price_update, Harness, PoolAddresses, User,
    BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::{Direction, ModelKind, SwapQuote};
use homeostat_sdk::quote::PoolSnapshot;
use homeostat_sdk::SdkError;
use serde::Serialize;

use crate::numbers::{bits_to_f64, mean_std};
use crate::rng::Rng;

/// Scenario parameters. A TOML scenario file sets any of these fields (the rest keep their
/// defaults); unknown fields are errors.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// `"hour"`: what a scenario file says to select this market (`homeostat simulate
    /// --scenario file.toml`); nothing else reads it.
    #[serde(skip_serializing)]
    pub market: Option<String>,
    /// Seed of every random draw.
    pub seed: u64,
    /// Simulated seconds.
    pub duration_secs: u32,
    /// Initial price, USDC per SOL.
    pub start_price: f64,
    /// Annualised volatility of the true price.
    pub annual_volatility: f64,
    /// Jumps per hour (Poisson).
    pub jumps_per_hour: f64,
    /// Standard deviation of a jump (relative).
    pub jump_std: f64,
    /// Seconds between oracle updates.
    pub oracle_interval_secs: u32,
    /// Oracle confidence, basis points of the price.
    pub oracle_confidence_bps: f64,
    /// Probability per second that the oracle stalls for `outage_secs`.
    pub outage_probability: f64,
    /// Length of an oracle outage, seconds.
    pub outage_secs: u32,
    /// The quote token's price in USD (a stablecoin depeg when below 1). The base feed
    /// publishes SOL in USD, i.e. the true SOL/USDC price times this.
    pub quote_usd: f64,
    /// Price the pools by two feeds, SOL/USD ÷ USDC/USD (both published on the same
    /// cadence), instead of taking SOL/USD as SOL/USDC.
    pub two_feeds: bool,
    /// Uninformed arrivals per second per side, `A`.
    pub arrival_intensity: f64,
    /// Decay of willingness to trade with relative distance from the true price, `k`.
    pub arrival_decay: f64,
    /// Mean trade size, SOL (exponentially distributed).
    pub mean_trade_sol: f64,
    /// Probability per second that an informed trader checks the pool.
    pub informed_share: f64,
    /// Initial liquidity, SOL (and the same value in USDC).
    pub liquidity_sol: u64,
    /// Run the keeper on the GLFT pool, hedging on the paper venue.
    pub hedging: bool,
    /// Seconds between keeper steps.
    pub keeper_interval_secs: u32,
    /// Paper venue fee, basis points of the notional.
    pub venue_fee_bps: u32,
    /// Paper venue slippage against the keeper, basis points.
    pub venue_slippage_bps: u32,
    /// Share of the recorded hedge the GLFT pool's quotes credit, basis points. Above 0 the
    /// pool is an operator pool (its admin is the LP and owns the hedge).
    pub hedge_credit_bps: u16,
    /// ψ, the all-in cost of hedging one lot, basis points: above 0 the GLFT pool derives
    /// its rebalance band from the model (10 SOL the floor).
    pub hedge_cost_bps: u16,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            market: None,
            seed: 1,
            duration_secs: 3_600,
            start_price: 150.0,
            annual_volatility: 0.8,
            jumps_per_hour: 2.0,
            jump_std: 0.01,
            oracle_interval_secs: 2,
            oracle_confidence_bps: 5.0,
            outage_probability: 0.000_5,
            outage_secs: 90,
            quote_usd: 1.0,
            two_feeds: false,
            arrival_intensity: 0.5,
            arrival_decay: 1_000.0,
            mean_trade_sol: 3.0,
            informed_share: 0.05,
            liquidity_sol: 1_000,
            hedging: true,
            keeper_interval_secs: 10,
            venue_fee_bps: 5,
            venue_slippage_bps: 2,
            hedge_credit_bps: 0,
            hedge_cost_bps: 0,
        }
    }
}

impl Scenario {
    /// Parses a TOML scenario; errors carry the line and column.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|error| error.to_string())
    }

    /// Checks every field is usable.
    pub fn validate(&self) -> Result<(), String> {
        let checks: [(bool, &str); 20] = [
            (
                self.hedge_credit_bps <= 10_000,
                "hedge_credit_bps must be in [0, 10 000]",
            ),
            (
                self.hedge_cost_bps <= 1_000,
                "hedge_cost_bps must be in [0, 1 000]",
            ),
            (
                self.quote_usd > 0.0 && self.quote_usd <= 2.0,
                "quote_usd must be in (0, 2]",
            ),
            (
                (1..=3_600).contains(&self.keeper_interval_secs),
                "keeper_interval_secs must be in [1, 3 600]",
            ),
            (
                // Every second is sampled and kept (≈ 214 MB a simulated day).
                (1..=2 * 86_400).contains(&self.duration_secs),
                "duration_secs must be in [1, 172 800] (2 days)",
            ),
            (
                (1..=3_600).contains(&self.oracle_interval_secs),
                "oracle_interval_secs must be in [1, 3 600]",
            ),
            (
                (1.0..=100_000.0).contains(&self.start_price),
                "start_price must be in [1, 100 000]",
            ),
            (
                (0.0..=5.0).contains(&self.annual_volatility),
                "annual_volatility must be in [0, 5]",
            ),
            (
                (0.0..=100.0).contains(&self.jumps_per_hour),
                "jumps_per_hour must be in [0, 100]",
            ),
            (
                (0.0..=0.5).contains(&self.jump_std),
                "jump_std must be in [0, 0.5]",
            ),
            (
                (0.0..=1.0).contains(&self.outage_probability),
                "outage_probability must be in [0, 1]",
            ),
            (
                self.outage_secs <= 3_600,
                "outage_secs must be in [0, 3 600]",
            ),
            (
                (0.0..=1.0).contains(&self.arrival_intensity),
                "arrival_intensity must be in [0, 1] per second",
            ),
            (
                (0.0..=1_000_000.0).contains(&self.arrival_decay),
                "arrival_decay must be in [0, 10⁶]",
            ),
            (
                (0.0..=1.0).contains(&self.informed_share),
                "informed_share must be in [0, 1]",
            ),
            (
                self.mean_trade_sol > 0.0 && self.mean_trade_sol <= 1_000.0,
                "mean_trade_sol must be in (0, 1 000]",
            ),
            (
                (1..=10_000_000).contains(&self.liquidity_sol),
                "liquidity_sol must be in [1, 10 000 000]",
            ),
            (
                self.venue_fee_bps <= 1_000,
                "venue_fee_bps must be in [0, 1 000]",
            ),
            (
                self.venue_slippage_bps <= 1_000,
                "venue_slippage_bps must be in [0, 1 000]",
            ),
            (
                self.oracle_confidence_bps >= 0.0 && self.oracle_confidence_bps <= 1_000.0,
                "oracle_confidence_bps must be in [0, 1 000]",
            ),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, message)) => Err((*message).to_string()),
            None => Ok(()),
        }
    }
}

/// One pool's results.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PoolReport {
    /// Model name.
    pub model: String,
    /// Swaps executed.
    pub trades: u64,
    /// Traded notional, USDC.
    pub volume_usdc: f64,
    /// Fees paid by traders, USDC at the true price.
    pub fees_usdc: f64,
    /// LP value at the end minus the value of holding the initial deposit, USDC.
    pub lp_pnl_vs_hold_usdc: f64,
    /// The same, in basis points of the initial deposit.
    pub lp_pnl_vs_hold_bps: f64,
    /// Mean inventory deviation, SOL.
    pub inventory_mean_sol: f64,
    /// Its standard deviation, SOL.
    pub inventory_std_sol: f64,
    /// Largest |inventory|, SOL.
    pub inventory_max_sol: f64,
    /// Share of seconds with |inventory| at ≥ 95% of the cap.
    pub time_at_cap: f64,
    /// Swaps refused because of the oracle (stale, too uncertain).
    pub oracle_rejections: u64,
    /// Swaps refused by the pool's limits.
    pub limit_rejections: u64,
    /// Hedges the keeper executed and recorded.
    pub hedges: u64,
    /// Base hedged, SOL (sum of |fills|).
    pub hedged_sol: f64,
    /// Venue fees paid by the keeper, USDC.
    pub hedge_fees_usdc: f64,
    /// The hedge book's P&L at the final true price, fees included, USDC.
    pub hedge_pnl_usdc: f64,
    /// Keeper steps that failed (e.g. stale oracle); the journal resumes them.
    pub keeper_errors: u64,
    /// Mean net delta (inventory − recorded hedge), SOL.
    pub net_delta_mean_sol: f64,
    /// Its standard deviation, SOL.
    pub net_delta_std_sol: f64,
    /// Largest |net delta|, SOL.
    pub net_delta_max_sol: f64,
    /// Share of seconds with |net delta| inside the band the program applies then
    /// (`Pool::band_now`: derived with ψ, at least `rebalance_band`).
    pub time_in_band: f64,
    /// Realised gamma: the slope of the inventory's change against the true price's over
    /// 60-second windows, SOL per USDC (least squares, `ΣΔq·Δs / ΣΔs²`). An oracle pool has
    /// no gamma by construction; what it shows here is how much the flow picks it off
    /// when the oracle lags (negative: it sells as the price rises).
    pub gamma_realised_sol_per_usdc: f64,
    /// Its standard error: a 1-hour run has 60 windows, and the estimate is noisy
    /// (docs/simulator.md).
    pub gamma_realised_error_sol_per_usdc: f64,
    /// The model's gamma at the end, in the same unit (`ModelKind::book_gamma_per_percent`:
    /// `−B/(2s)` for constant product, 0 for an oracle pool): what realised gamma is read
    /// against.
    pub gamma_model_sol_per_usdc: f64,
    /// The LPs' result against holding, by source (they sum to `lp_pnl_vs_hold_usdc`).
    pub attribution: Attribution,
}

/// Where the LPs' result against holding came from, USDC at the true price, and how the
/// trades marked out. `spread + fees + inventory + protocol = lp_pnl_vs_hold`, exactly up to
/// float rounding: every trade changes the book at the true price of its second
/// (`spread + fees`: its markout at 0 s), and between seconds the book's base beyond the
/// initial deposit moves with the price (`inventory`); the protocol's share of the fees
/// leaves the LPs' reserves (`protocol`, ≤ 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Attribution {
    /// Trades' edge against the true price, fees excluded: the spread captured (negative
    /// when informed flow picks the pool off).
    pub spread_usdc: f64,
    /// Trading fees, at the true price.
    pub fees_usdc: f64,
    /// `Σ (B_t − B₀)·Δs`: the inventory's mark-to-market as the price moved.
    pub inventory_usdc: f64,
    /// The protocol's share of the fees, which is not the LPs'.
    pub protocol_usdc: f64,
    /// The trades marked at the true price 1 s, 10 s and 60 s later (fees included): the
    /// adverse-selection cost a market maker watches, as it grows with the horizon.
    pub markout_1s_usdc: f64,
    /// Marked 10 s later.
    pub markout_10s_usdc: f64,
    /// Marked 60 s later.
    pub markout_60s_usdc: f64,
    /// The hedge owner's result (the keeper operator's venue account): hedge P&L after
    /// venue fees. For a public pool this is not the LPs' money.
    pub hedge_owner_usdc: f64,
}

/// One row of the time series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// Seconds since the start.
    pub t: u32,
    /// True price.
    pub true_price: f64,
    /// Last oracle price.
    pub oracle_price: f64,
    /// Per pool.
    pub pools: Vec<PoolSample>,
}

/// One pool at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PoolSample {
    /// Average price for selling 1 SOL to the pool (0 when it would refuse).
    pub bid: f64,
    /// Average price for buying 1 SOL from the pool (0 when it would refuse).
    pub ask: f64,
    /// Inventory deviation at the true price, SOL.
    pub inventory: f64,
    /// Inventory less the recorded hedge, SOL.
    pub net_delta: f64,
    /// The recorded hedge, SOL (positive: base sold off-chain).
    pub hedge: f64,
    /// The band the program applies now (`Pool::band_now`), SOL.
    pub band: f64,
    /// LP reserves at the true price, USDC.
    pub lp_value: f64,
    /// The attribution so far: the report's `attribution` up to this second (its
    /// markouts left at 0), so the last row equals the report.
    pub pnl: Attribution,
}

/// The whole run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The scenario that ran.
    pub scenario: Scenario,
    /// Per pool.
    pub pools: Vec<PoolReport>,
    /// Time series, one row per `sample_every` seconds.
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

struct SimPool {
    addresses: PoolAddresses,
    report: PoolReport,
    initial_value_parts: (f64, f64),
    cap_sol: f64,
    inventory: Vec<f64>,
    /// The true price at each inventory sample.
    prices: Vec<f64>,
    /// The LP reserves' base at each sample, SOL.
    base_held: Vec<f64>,
    /// Every executed trade: sample index, the pool's base and quote flows (SOL, USDC).
    trade_log: Vec<(usize, f64, f64)>,
    /// Seconds with |net delta| inside the band the program applies.
    seconds_in_band: u64,
    net_delta: Vec<f64>,
    hedge_book: HedgeBook,
    /// The attribution accumulated second by second (`attribute` computes it at the end).
    running: Attribution,
}

/// The keeper's off-chain position: SOL held (negative after selling), USDC cash, fees.
#[derive(Default)]
struct HedgeBook {
    position_sol: f64,
    cash_usdc: f64,
    fees_usdc: f64,
}

impl HedgeBook {
    /// The book marked at `price`, venue fees paid: the hedge owner's result.
    fn value_at(&self, price: f64) -> f64 {
        self.cash_usdc + self.position_sol * price - self.fees_usdc
    }
}

/// Mean, standard deviation and largest magnitude.
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let (mean, std) = mean_std(values);
    let max = values.iter().fold(0.0f64, |max, v| max.max(v.abs()));
    (mean, std, max)
}

fn sol(atoms: u64) -> f64 {
    atoms as f64 / ONE_BASE as f64
}

fn sol_signed(atoms: i64) -> f64 {
    atoms as f64 / ONE_BASE as f64
}

fn usdc(atoms: u64) -> f64 {
    atoms as f64 / ONE_QUOTE as f64
}

/// Exponential draw with the given mean.
fn exponential(rng: &mut Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.uniform()).ln()
}

/// Standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    let (u, v) = (1.0 - rng.uniform(), rng.uniform());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Parameters of the baseline pool: same limits and fee, constant product.
fn baseline_params() -> PoolParams {
    PoolParams {
        model_kind: ModelKind::ConstantProduct.into(),
        ..default_params()
    }
}

/// Confidence of the quote token's USD feed, basis points (a stablecoin feed is tight).
const QUOTE_CONFIDENCE_BPS: f64 = 2.0;

/// The keeper's hedge orders, SOL atoms: at least 0.1 SOL, at most 50 SOL.
const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 50 * ONE_BASE,
};

/// The uninformed arrivals of one second, drawn once and shared by both pools: direction,
/// size (SOL) and the draw that decides whether the trader takes the pool's price.
struct Flow {
    arrivals: Vec<(Direction, f64, f64)>,
    informed: bool,
}

/// The hour's market on the in-process runtime. The keeper's chain connection holds the
/// runtime for the whole run (`keeper.chain.harness`): every stage borrows it from there.
struct Market<'h> {
    scenario: Scenario,
    keeper: Keeper<LocalChain<'h>, PaperVenue>,
    pools: Vec<SimPool>,
    trader: User,
    rng: Rng,
    sigma_per_sec: f64,
    start: i64,
    true_price: f64,
    oracle_price: f64,
    outage_left: u32,
    update: PriceUpdate,
    samples: Vec<Sample>,
}

/// What the feeds publish for a true SOL/USDC price `price` at `now`: SOL in USD.
fn base_print(scenario: &Scenario, price: f64, now: i64) -> PriceUpdate {
    let usd = price * scenario.quote_usd;
    price_update(
        pyth_price(usd),
        pyth_price(usd * scenario.oracle_confidence_bps / 10_000.0),
        now,
    )
}

/// … and USDC in USD.
fn quote_print(scenario: &Scenario, now: i64) -> PriceUpdate {
    quote_price_update(
        pyth_price(scenario.quote_usd),
        pyth_price(scenario.quote_usd * QUOTE_CONFIDENCE_BPS / 10_000.0),
        now,
    )
}

/// Creates the two pools with their LPs' deposits and a trader with deep pockets.
async fn open_pools(
    harness: &mut Harness,
    scenario: &Scenario,
) -> Result<(Vec<SimPool>, User), String> {
    let liquidity_base = scenario.liquidity_sol * ONE_BASE;
    let liquidity_quote =
        (scenario.liquidity_sol as f64 * scenario.start_price * ONE_QUOTE as f64) as u64;
    let start = harness.now;
    harness.set_oracle(&base_print(scenario, scenario.start_price, start));
    if scenario.two_feeds {
        harness.use_quote_feed(&quote_print(scenario, start));
    }
    let mut pools = Vec::new();
    let glft = PoolParams {
        hedge_credit_bps: scenario.hedge_credit_bps,
        hedge_cost_bps: scenario.hedge_cost_bps,
        lp_access: if scenario.hedge_credit_bps > 0 {
            LP_ACCESS_OPERATOR
        } else {
            LP_ACCESS_PUBLIC
        },
        ..default_params()
    };
    for (index, (name, params)) in [("glft", glft), ("constant-product", baseline_params())]
        .into_iter()
        .enumerate()
    {
        let pool = harness.pool_at(index as u16);
        harness
            .initialize_pool(&pool, params)
            .await
            .map_err(|error| format!("initialize {name}: {error:?}"))?;
        // The first deposit is the admin's (it fixes the pool's reference depth).
        let lp = harness.admin_user(liquidity_base, liquidity_quote).await;
        harness
            .deposit(&pool, &lp, liquidity_base, liquidity_quote, 1)
            .await
            .map_err(|error| format!("deposit {name}: {error:?}"))?;
        pools.push(SimPool::new(
            name,
            pool,
            &params,
            (liquidity_base, liquidity_quote),
        ));
    }
    // One trader with deep pockets trades against both pools.
    let trader = harness
        .new_user(1_000_000 * ONE_BASE, 1_000_000_000 * ONE_QUOTE)
        .await;
    Ok((pools, trader))
}

/// Runs the scenario. `progress` is called with the seconds done.
pub async fn run(scenario: &Scenario, mut progress: impl FnMut(u32)) -> Result<Outcome, String> {
    scenario.validate()?;
    let mut harness = Harness::start().await;
    let (pools, trader) = open_pools(&mut harness, scenario).await?;
    let mut market = Market::new(&mut harness, scenario, pools, trader)?;
    for t in 1..=scenario.duration_secs {
        market.second(t).await?;
        progress(t);
    }
    market.report().await
}

impl<'h> Market<'h> {
    /// The market over `harness`, whose pools and trader `open_pools` made; the keeper
    /// drives the GLFT pool (the first).
    fn new(
        harness: &'h mut Harness,
        scenario: &Scenario,
        pools: Vec<SimPool>,
        trader: User,
    ) -> Result<Self, String> {
        let start = harness.now;
        let keeper_key = harness.keeper.insecure_clone();
        let glft = pools.first().ok_or("no pools")?.addresses;
        let journal = Journal::in_memory().map_err(|error| error.to_string())?;
        let venue = PaperVenue::new(scenario.venue_fee_bps, scenario.venue_slippage_bps);
        let chain = LocalChain::new(harness, glft, keeper_key);
        Ok(Self {
            keeper: Keeper::new(chain, venue, journal, PLANNER),
            pools,
            trader,
            rng: Rng::stream(scenario.seed, 0),
            sigma_per_sec: scenario.annual_volatility / (365.25f64 * 24.0 * 3_600.0).sqrt(),
            start,
            true_price: scenario.start_price,
            oracle_price: scenario.start_price,
            outage_left: 0,
            update: base_print(scenario, scenario.start_price, start),
            samples: Vec::new(),
            scenario: scenario.clone(),
        })
    }

    /// The runtime.
    fn harness(&mut self) -> &mut Harness {
        self.keeper.chain.harness
    }

    /// Second `t`: the stages in order, the same random draws whatever the pools do.
    async fn second(&mut self, t: u32) -> Result<(), String> {
        let now = self.start + i64::from(t);
        self.harness().set_time(now);
        self.advance_price();
        self.publish_oracle(t, now);
        let flow = self.draw_flow();
        if self.scenario.hedging && t % self.scenario.keeper_interval_secs == 0 {
            self.run_keeper().await;
        }
        let mut row = Sample {
            t,
            true_price: self.true_price,
            oracle_price: self.oracle_price,
            pools: Vec::new(),
        };
        for index in 0..self.pools.len() {
            self.trade(index, &flow).await;
            row.pools.push(self.sample(index).await?);
        }
        self.samples.push(row);
        Ok(())
    }

    /// The true price: GBM plus Poisson jumps.
    fn advance_price(&mut self) {
        let sigma = self.sigma_per_sec;
        let mut log_return = sigma * normal(&mut self.rng) - 0.5 * sigma * sigma;
        if self.rng.uniform() < self.scenario.jumps_per_hour / 3_600.0 {
            log_return += self.scenario.jump_std * normal(&mut self.rng);
        }
        self.true_price *= log_return.exp();
    }

    /// The oracle: publishes on its cadence unless stalled.
    fn publish_oracle(&mut self, t: u32, now: i64) {
        if self.outage_left == 0 && self.rng.uniform() < self.scenario.outage_probability {
            self.outage_left = self.scenario.outage_secs;
        }
        if self.outage_left > 0 {
            self.outage_left -= 1;
        } else if t % self.scenario.oracle_interval_secs == 0 {
            self.oracle_price = self.true_price;
            self.update = base_print(&self.scenario, self.oracle_price, now);
            let (update, two_feeds) = (self.update, self.scenario.two_feeds);
            let quote = quote_print(&self.scenario, now);
            let harness = self.harness();
            harness.set_oracle(&update);
            if two_feeds {
                harness.set_quote_oracle(&quote);
            }
        }
    }

    /// This second's flow, drawn once and shared by both pools. Drawn for both sides every
    /// second, so the stream does not depend on arrivals.
    fn draw_flow(&mut self) -> Flow {
        let mut arrivals = Vec::new();
        for direction in [Direction::BaseToQuote, Direction::QuoteToBase] {
            let (arrives, size, draw) = (
                self.rng.uniform(),
                exponential(&mut self.rng, self.scenario.mean_trade_sol),
                self.rng.uniform(),
            );
            if arrives < self.scenario.arrival_intensity {
                arrivals.push((direction, size.max(0.01), draw));
            }
        }
        Flow {
            arrivals,
            informed: self.rng.uniform() < self.scenario.informed_share,
        }
    }

    /// One keeper step on the GLFT pool; a recorded hedge is booked at its venue fill.
    async fn run_keeper(&mut self) {
        let step = self.keeper.step().await;
        // The events the keeper's transactions emitted: nothing here reads them.
        let _ = EventSource::poll(&mut self.keeper.chain).await;
        let pool = &mut self.pools[0];
        match step {
            Ok(Step::Recorded { seq, filled_base }) if filled_base != 0 => {
                let order = format!("{}-{seq}", self.keeper.chain.pool_id());
                if let Some(fill) = self.keeper.venue.fill(&order) {
                    let price = bits_to_f64(fill.avg_price) / ONE_QUOTE as f64;
                    let sold = filled_base as f64 / ONE_BASE as f64;
                    pool.hedge_book.position_sol -= sold;
                    pool.hedge_book.cash_usdc += sold * price;
                    pool.hedge_book.fees_usdc += usdc(fill.fee_quote);
                    pool.report.hedges += 1;
                    pool.report.hedged_sol += sold.abs();
                }
            }
            Ok(_) => {}
            Err(_) => pool.report.keeper_errors += 1,
        }
    }

    /// Pool `index` meets this second's flow: each uninformed trader takes its quote with
    /// probability `e^(−k·δ)`; the informed trader, when it arrives, takes either side
    /// priced on the wrong side of the true price.
    async fn trade(&mut self, index: usize, flow: &Flow) {
        let (update, price, decay) = (self.update, self.true_price, self.scenario.arrival_decay);
        let harness = &mut *self.keeper.chain.harness;
        let pool = &mut self.pools[index];
        for &(direction, size_sol, draw) in &flow.arrivals {
            let snapshot = harness.snapshot(&pool.addresses, &update).await;
            let base = (size_sol * ONE_BASE as f64) as u64;
            match quote_for(&snapshot, direction, base) {
                Ok(quote) => {
                    let distance = (average_price(direction, &quote) - price).abs() / price;
                    if draw < (-decay * distance).exp() {
                        execute(harness, &self.trader, pool, &quote, price).await;
                    }
                }
                Err(error) => pool.report.refused(&error),
            }
        }
        if !flow.informed {
            return;
        }
        let base = (self.scenario.mean_trade_sol * ONE_BASE as f64) as u64;
        for direction in [Direction::QuoteToBase, Direction::BaseToQuote] {
            let snapshot = harness.snapshot(&pool.addresses, &update).await;
            match quote_for(&snapshot, direction, base) {
                Ok(quote) => {
                    let quoted = average_price(direction, &quote);
                    let profitable = match direction {
                        Direction::QuoteToBase => quoted < price,
                        Direction::BaseToQuote => quoted > price,
                    };
                    if profitable {
                        execute(harness, &self.trader, pool, &quote, price).await;
                    }
                }
                Err(error) => pool.report.refused(&error),
            }
        }
    }

    /// Pool `index` at the end of the second: its books updated, its row of the series.
    async fn sample(&mut self, index: usize) -> Result<PoolSample, String> {
        let (update, price) = (self.update, self.true_price);
        let harness = &mut *self.keeper.chain.harness;
        let pool = &mut self.pools[index];
        let snapshot = harness.snapshot(&pool.addresses, &update).await;
        let reserves = snapshot.reserves().map_err(|error| error.to_string())?;
        let inventory = snapshot
            .inventory()
            .map(|q| q as f64 / ONE_BASE as f64)
            .unwrap_or(0.0);
        pool.accumulate(price);
        pool.inventory.push(inventory);
        pool.prices.push(price);
        pool.base_held.push(sol(reserves.base));
        let hedge = sol_signed(snapshot.pool.hedge_position);
        let net_delta = inventory - hedge;
        pool.net_delta.push(net_delta);
        // The band the program would apply now (its own rule, `Pool::band_now`).
        let band = sol(snapshot
            .hedge_band()
            .unwrap_or(snapshot.pool.params.rebalance_band));
        if net_delta.abs() <= band {
            pool.seconds_in_band += 1;
        }
        let quoted = |direction| {
            quote_for(&snapshot, direction, ONE_BASE)
                .map(|quote| average_price(direction, &quote))
                .unwrap_or(0.0)
        };
        Ok(PoolSample {
            bid: quoted(Direction::BaseToQuote),
            ask: quoted(Direction::QuoteToBase),
            inventory,
            net_delta,
            hedge,
            band,
            lp_value: sol(reserves.base) * price + usdc(reserves.quote),
            pnl: pool.running,
        })
    }

    /// The run's report.
    async fn report(mut self) -> Result<Outcome, String> {
        let (update, price) = (self.update, self.true_price);
        let mut reports = Vec::new();
        for pool in std::mem::take(&mut self.pools) {
            let snapshot = self.harness().snapshot(&pool.addresses, &update).await;
            reports.push(pool.report(&snapshot, price, self.scenario.start_price)?);
        }
        Ok(Outcome {
            scenario: self.scenario,
            pools: reports,
            samples: self.samples,
        })
    }
}

impl SimPool {
    /// Pool `name` at `addresses` with `params`, after its LPs deposited `(base, quote)`
    /// atoms.
    fn new(
        name: &str,
        addresses: PoolAddresses,
        params: &PoolParams,
        (base, quote): (u64, u64),
    ) -> Self {
        Self {
            addresses,
            report: PoolReport {
                model: name.into(),
                ..PoolReport::default()
            },
            initial_value_parts: (sol(base), usdc(quote)),
            cap_sol: sol(params.inventory_cap),
            inventory: Vec::new(),
            prices: Vec::new(),
            base_held: Vec::new(),
            trade_log: Vec::new(),
            seconds_in_band: 0,
            net_delta: Vec::new(),
            hedge_book: HedgeBook::default(),
            running: Attribution::default(),
        }
    }

    /// The pool's report at the end, from its accounts `snapshot` and the final true
    /// `price`; `start_price` values the deposit for the result in basis points.
    fn report(
        self,
        snapshot: &PoolSnapshot,
        price: f64,
        start_price: f64,
    ) -> Result<PoolReport, String> {
        let reserves = snapshot.reserves().map_err(|error| error.to_string())?;
        let end_value = sol(reserves.base) * price + usdc(reserves.quote);
        let (initial_base, initial_quote) = self.initial_value_parts;
        let hold_value = initial_base * price + initial_quote;
        let mut report = self.report;
        report.gamma_model_sol_per_usdc = snapshot
            .pool
            .params
            .model()
            .map(|model| sol_signed(model.book_gamma_per_percent(reserves.base)))
            .unwrap_or(0.0)
            / (price / 100.0);
        report.lp_pnl_vs_hold_usdc = end_value - hold_value;
        report.lp_pnl_vs_hold_bps =
            report.lp_pnl_vs_hold_usdc / (initial_base * start_price + initial_quote) * 10_000.0;
        let n = self.net_delta.len().max(1) as f64;
        (
            report.inventory_mean_sol,
            report.inventory_std_sol,
            report.inventory_max_sol,
        ) = stats(&self.inventory);
        (
            report.net_delta_mean_sol,
            report.net_delta_std_sol,
            report.net_delta_max_sol,
        ) = stats(&self.net_delta);
        (
            report.gamma_realised_sol_per_usdc,
            report.gamma_realised_error_sol_per_usdc,
        ) = realised_gamma(&self.inventory, &self.prices, 60);
        report.time_in_band = self.seconds_in_band as f64 / n;
        // The cap binds on the gross position.
        report.time_at_cap = self
            .inventory
            .iter()
            .filter(|q| q.abs() >= 0.95 * self.cap_sol)
            .count() as f64
            / n;
        let book = &self.hedge_book;
        report.hedge_fees_usdc = book.fees_usdc;
        report.hedge_pnl_usdc = book.value_at(price);
        report.attribution = attribute(
            &self.trade_log,
            &self.prices,
            &self.base_held,
            initial_base,
            report.fees_usdc,
            Attribution {
                protocol_usdc: report.attribution.protocol_usdc,
                hedge_owner_usdc: report.hedge_pnl_usdc,
                ..Attribution::default()
            },
        );
        Ok(report)
    }

    /// Adds this second to the running attribution, before its sample is stored: the
    /// trades of this second marked at `price` (`spread + fees`), and the base held since
    /// the last sample marked to the price move (`inventory`) — `attribute`'s sums, one
    /// term at a time.
    fn accumulate(&mut self, price: f64) {
        let fees_usdc = self.report.fees_usdc;
        let index = self.prices.len();
        let marked: f64 = self
            .trade_log
            .iter()
            .rev()
            .take_while(|&&(at, _, _)| at == index)
            .map(|&(_, base, quote)| base * price + quote)
            .sum();
        let running = &mut self.running;
        running.spread_usdc += marked;
        if let (Some(held), Some(last)) = (self.base_held.last(), self.prices.last()) {
            running.inventory_usdc += (held - self.initial_value_parts.0) * (price - last);
        }
        // The spread is the markout less the fees, and both are cumulative.
        running.spread_usdc += running.fees_usdc - fees_usdc;
        running.fees_usdc = fees_usdc;
        running.protocol_usdc = self.report.attribution.protocol_usdc;
        running.hedge_owner_usdc = self.hedge_book.value_at(price);
    }
}

/// The attribution of a run: each trade's markout at 0, 1, 10 and 60 s (the price `h`
/// samples later, the last one past the end), the spread as the 0 s markout less the fees,
/// and the inventory's mark-to-market `Σ (B_t − B₀)·(s_{t+1} − s_t)`.
fn attribute(
    trades: &[(usize, f64, f64)],
    prices: &[f64],
    base_held: &[f64],
    initial_base: f64,
    fees_usdc: f64,
    known: Attribution,
) -> Attribution {
    let Some(&last) = prices.last() else {
        return known;
    };
    let price = |index: usize| prices.get(index).copied().unwrap_or(last);
    let markout = |horizon: usize| -> f64 {
        trades
            .iter()
            .map(|&(index, base, quote)| base * price(index + horizon) + quote)
            .sum()
    };
    let inventory = base_held
        .iter()
        .zip(prices.windows(2))
        .map(|(held, pair)| (held - initial_base) * (pair[1] - pair[0]))
        .sum();
    Attribution {
        spread_usdc: markout(0) - fees_usdc,
        fees_usdc,
        inventory_usdc: inventory,
        markout_1s_usdc: markout(1),
        markout_10s_usdc: markout(10),
        markout_60s_usdc: markout(60),
        ..known
    }
}

/// `ΣΔq·Δs / ΣΔs²` over consecutive non-overlapping windows of `window` samples: the
/// least-squares slope (through the origin) of the inventory's change against the
/// price's, and its standard error `√(Σe² / (n − 1) / ΣΔs²)`, e the residuals — (0, 0)
/// without moves; the error is 0 with a single window.
fn realised_gamma(inventory: &[f64], prices: &[f64], window: usize) -> (f64, f64) {
    let window = window.max(1);
    let moves: Vec<(f64, f64)> = (window..inventory.len().min(prices.len()))
        .step_by(window)
        .map(|end| {
            let start = end - window;
            (
                prices[end] - prices[start],
                inventory[end] - inventory[start],
            )
        })
        .collect();
    let variance: f64 = moves.iter().map(|(ds, _)| ds * ds).sum();
    if variance <= 0.0 {
        return (0.0, 0.0);
    }
    let slope = moves.iter().map(|(ds, dq)| ds * dq).sum::<f64>() / variance;
    if moves.len() < 2 {
        return (slope, 0.0);
    }
    let residuals: f64 = moves.iter().map(|(ds, dq)| (dq - slope * ds).powi(2)).sum();
    let error = (residuals / (moves.len() - 1) as f64 / variance).sqrt();
    (slope, error)
}

/// The SDK's quote for moving `base` atoms: exact-in base for sales, exact-out base for
/// purchases — exactly what the program will execute.
fn quote_for(
    snapshot: &PoolSnapshot,
    direction: Direction,
    base: u64,
) -> Result<SwapQuote, SdkError> {
    match direction {
        Direction::BaseToQuote => snapshot.quote_exact_in(direction, base),
        Direction::QuoteToBase => snapshot.quote_exact_out(direction, base),
    }
}

/// Average price of a quote, USDC per SOL.
fn average_price(direction: Direction, quote: &SwapQuote) -> f64 {
    let (base_atoms, quote_atoms) = match direction {
        Direction::BaseToQuote => (quote.amount_in, quote.amount_out),
        Direction::QuoteToBase => (quote.amount_out, quote.amount_in),
    };
    usdc(quote_atoms) / sol(base_atoms)
}

impl PoolReport {
    /// Books a trade the pool (or its oracle) refused.
    fn refused(&mut self, error: &SdkError) {
        match error {
            SdkError::Program { code, .. }
                if HomeostatError::from_code(*code).is_some_and(HomeostatError::is_oracle) =>
            {
                self.oracle_rejections += 1
            }
            _ => self.limit_rejections += 1,
        }
    }
}

/// Sends the quoted swap with the quote as its own slippage limit, and books it.
async fn execute(
    harness: &mut Harness,
    trader: &User,
    pool: &mut SimPool,
    quote: &SwapQuote,
    true_price: f64,
) {
    let result = match quote.direction {
        Direction::BaseToQuote => {
            harness
                .swap_exact_in(
                    &pool.addresses,
                    trader,
                    SELL,
                    quote.amount_in,
                    quote.amount_out,
                )
                .await
        }
        Direction::QuoteToBase => {
            harness
                .swap_exact_out(
                    &pool.addresses,
                    trader,
                    BUY,
                    quote.amount_out,
                    quote.amount_in,
                )
                .await
        }
    };
    if result.is_err() {
        // The SDK quote is the program's own computation on the same state, so this only
        // happens if the runtime itself fails.
        pool.report.limit_rejections += 1;
        return;
    }
    pool.report.trades += 1;
    // The pool's flows: what it receives is positive (the protocol's share of the fee
    // included; attribution takes it back out).
    let flows = match quote.direction {
        Direction::BaseToQuote => (sol(quote.amount_in), -usdc(quote.amount_out)),
        Direction::QuoteToBase => (-sol(quote.amount_out), usdc(quote.amount_in)),
    };
    pool.trade_log.push((pool.prices.len(), flows.0, flows.1));
    let protocol_usdc = match quote.direction {
        Direction::BaseToQuote => sol(quote.fee.protocol) * true_price,
        Direction::QuoteToBase => usdc(quote.fee.protocol),
    };
    pool.report.attribution.protocol_usdc -= protocol_usdc;
    let (fee_usdc, notional) = match quote.direction {
        Direction::BaseToQuote => (sol(quote.fee.total) * true_price, usdc(quote.amount_out)),
        Direction::QuoteToBase => (usdc(quote.fee.total), usdc(quote.amount_in)),
    };
    pool.report.fees_usdc += fee_usdc;
    pool.report.volume_usdc += notional;
}

#[cfg(test)]
mod tests {
    use super::realised_gamma;

    #[test]
    fn attribution_marks_each_trade_and_the_inventory_at_the_true_price() {
        use super::{attribute, Attribution};
        // Prices 100, 101, 103; the pool buys 2 SOL for 199 USDC in second 0 (fee 0.5),
        // then holds: 2 SOL beyond its initial 10.
        let prices = [100.0, 101.0, 103.0];
        let base_held = [12.0, 12.0, 12.0];
        let trades = [(0, 2.0, -199.0)];
        let a = attribute(
            &trades,
            &prices,
            &base_held,
            10.0,
            0.5,
            Attribution::default(),
        );
        assert_eq!(a.markout_1s_usdc, 2.0 * 101.0 - 199.0);
        assert_eq!(
            a.markout_10s_usdc,
            2.0 * 103.0 - 199.0,
            "past the end: the last price"
        );
        assert_eq!(a.spread_usdc, 2.0 * 100.0 - 199.0 - 0.5);
        assert_eq!(a.inventory_usdc, 2.0 * 1.0 + 2.0 * 2.0);
        // spread + fees + inventory is the book's value against holding: 12·103 − 199 −
        // 10·103.
        let vs_hold = 12.0 * 103.0 - 199.0 - 10.0 * 103.0;
        assert!((a.spread_usdc + a.fees_usdc + a.inventory_usdc - vs_hold).abs() < 1e-9);
    }

    #[test]
    fn realised_gamma_is_the_slope_of_inventory_changes_on_price_changes() {
        // Inventory falls 2 SOL per USDC the price rises (a pool picked off on the way up).
        let prices: Vec<f64> = (0..=240).map(|t| 150.0 + (t as f64 / 7.0).sin()).collect();
        let inventory: Vec<f64> = prices.iter().map(|s| 10.0 - 2.0 * (s - 150.0)).collect();
        let (gamma, error) = realised_gamma(&inventory, &prices, 60);
        assert!((gamma + 2.0).abs() < 1e-9, "{gamma}");
        assert!(error < 1e-9, "an exact fit: {error}");
        // Noise around the same slope: the estimate moves, and its error says by how much.
        let noisy: Vec<f64> = inventory
            .iter()
            .enumerate()
            .map(|(t, q)| q + if t % 120 == 0 { 0.5 } else { -0.5 })
            .collect();
        let (gamma, error) = realised_gamma(&noisy, &prices, 60);
        assert!(
            error > 0.0 && (gamma + 2.0).abs() < 4.0 * error,
            "{gamma} ± {error}"
        );
        // No price move, or no samples: 0.
        assert_eq!(realised_gamma(&[1.0, 2.0, 3.0], &[150.0; 3], 1), (0.0, 0.0));
        assert_eq!(realised_gamma(&[], &[], 60), (0.0, 0.0));
    }
}

#[cfg(test)]
mod stages {
    use super::*;

    /// A market over `harness` with `scenario`'s pools opened.
    async fn market<'h>(harness: &'h mut Harness, scenario: &Scenario) -> Market<'h> {
        let (pools, trader) = open_pools(harness, scenario).await.expect("pools");
        Market::new(harness, scenario, pools, trader).expect("market")
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_flow_takes_the_same_draws_whatever_arrives() {
        for intensity in [0.0, 1.0] {
            let scenario = Scenario {
                arrival_intensity: intensity,
                ..Scenario::default()
            };
            let mut harness = Harness::start().await;
            let mut market = market(&mut harness, &scenario).await;
            let mut reference = market.rng.clone();
            let flow = market.draw_flow();
            assert_eq!(flow.arrivals.len(), if intensity > 0.0 { 2 } else { 0 });
            // Three draws per side and one for the informed trader, arrivals or not.
            for _ in 0..7 {
                reference.uniform();
            }
            assert_eq!(market.rng.next_u64(), reference.next_u64());
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_price_moves_and_the_oracle_publishes_on_its_cadence() {
        let scenario = Scenario {
            outage_probability: 0.0,
            oracle_interval_secs: 2,
            ..Scenario::default()
        };
        let mut harness = Harness::start().await;
        let mut market = market(&mut harness, &scenario).await;
        let start = market.true_price;
        market.advance_price();
        assert_ne!(market.true_price, start);
        market.publish_oracle(1, market.start + 1);
        assert_eq!(market.oracle_price, start, "not on the cadence");
        market.publish_oracle(2, market.start + 2);
        assert_eq!(market.oracle_price, market.true_price);
        let published = market.harness().oracle_update().await;
        assert_eq!(published.publish_time, market.start + 2);
        assert_eq!(published.price, pyth_price(market.true_price));
        // An outage holds the print for `outage_secs`.
        market.scenario.outage_probability = 1.0;
        market.advance_price();
        for t in 4..4 + market.scenario.outage_secs {
            market.publish_oracle(t, market.start + i64::from(t));
        }
        assert_ne!(market.oracle_price, market.true_price);
        assert_eq!(market.outage_left, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_taken_quote_trades_and_the_sample_reads_the_book() {
        let mut harness = Harness::start().await;
        let scenario = Scenario::default();
        let mut market = market(&mut harness, &scenario).await;
        // A seller of 20 SOL who takes any price (draw 0), no informed trader.
        let flow = Flow {
            arrivals: vec![(Direction::BaseToQuote, 20.0, 0.0)],
            informed: false,
        };
        market.trade(0, &flow).await;
        assert_eq!(market.pools[0].report.trades, 1);
        assert_eq!(market.pools[0].trade_log.len(), 1);
        let row = market.sample(0).await.expect("sample");
        assert!((row.inventory - 20.0).abs() < 0.01, "{row:?}");
        assert_eq!(row.net_delta, row.inventory, "nothing hedged yet");
        assert!(row.bid > 0.0 && row.ask > row.bid, "{row:?}");
        // The informed trader finds nothing on the wrong side of the true price of a pool
        // priced at it, so it does not trade.
        let informed = Flow {
            arrivals: Vec::new(),
            informed: true,
        };
        market.trade(1, &informed).await;
        assert_eq!(market.pools[1].report.trades, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_keeper_hedges_an_inventory_out_of_its_band() {
        let mut harness = Harness::start().await;
        let mut market = market(&mut harness, &Scenario::default()).await;
        let flow = Flow {
            arrivals: vec![(Direction::BaseToQuote, 30.0, 0.0)],
            informed: false,
        };
        market.trade(0, &flow).await;
        market.run_keeper().await;
        let pool = &market.pools[0];
        assert_eq!((pool.report.hedges, pool.report.keeper_errors), (1, 0));
        // Hedged back to the band's edge: ≈ 20 of the 30 SOL sold on the venue.
        assert!(
            (pool.hedge_book.position_sol + 20.0).abs() < 0.5,
            "{}",
            pool.hedge_book.position_sol
        );
        let report = market.report().await.expect("report");
        assert!(report.pools[0].hedge_fees_usdc > 0.0);
    }
}
