//! The hour (`homeostat simulate hour`): the real program on the in-process runtime, a
//! GBM oracle with jumps and outages, Poisson order flow that reacts to the quoted price,
//! informed traders, the keeper hedging on a paper venue, and a constant-product baseline
//! pool trading the same flow. Its flow is captive (each pool its own copy); the
//! adversarial market (`crate::adversarial`) is the one that measures pricing.
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

mod books;
mod stages;

pub use stages::run;

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

use crate::numbers::mean_std;
use crate::rng::Rng;

/// A scenario field out of its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} must be {range}")]
pub struct OutOfRange {
    /// The field, as in the scenario file.
    pub field: &'static str,
    /// Its range.
    pub range: &'static str,
}

/// Why the hour could not run.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// A scenario field out of its range.
    #[error("{0}")]
    Scenario(#[from] OutOfRange),
    /// The runtime refused to open a pool.
    #[error("{step} {pool}: {source:?}")]
    Open {
        /// What was being done: `initialize`, `deposit`.
        step: &'static str,
        /// The pool's model.
        pool: &'static str,
        /// The runtime's error.
        #[source]
        source: homeostat_localnet::TransactionError,
    },
    /// The keeper's journal could not be opened.
    #[error("{0}")]
    Journal(#[from] homeostat_keeper::KeeperError),
    /// A pool's accounts could not be read.
    #[error("{0}")]
    Pool(#[from] SdkError),
    /// The hour opened no pool.
    #[error("no pools")]
    NoPools,
}

/// Scenario parameters. A TOML scenario file sets any of these fields (the rest keep their
/// defaults); unknown fields are errors.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// `"hour"`: what a scenario file says to be of this market (`homeostat simulate hour
    /// --scenario file.toml` refuses a file that does not); nothing else reads it.
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
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Checks every field is usable; the first out of range is the error.
    pub fn validate(&self) -> Result<(), OutOfRange> {
        let mut checks = self.run_checks().into_iter().chain(self.flow_checks());
        match checks.find(|(ok, ..)| !ok) {
            Some((_, field, range)) => Err(OutOfRange { field, range }),
            None => Ok(()),
        }
    }

    /// Hedging, the run and the price path: (in range, field, range) in check order.
    fn run_checks(&self) -> [(bool, &'static str, &'static str); 10] {
        [
            (
                self.hedge_credit_bps <= 10_000,
                "hedge_credit_bps",
                "in [0, 10 000]",
            ),
            (
                self.hedge_cost_bps <= 1_000,
                "hedge_cost_bps",
                "in [0, 1 000]",
            ),
            (
                self.quote_usd > 0.0 && self.quote_usd <= 2.0,
                "quote_usd",
                "in (0, 2]",
            ),
            (
                (1..=3_600).contains(&self.keeper_interval_secs),
                "keeper_interval_secs",
                "in [1, 3 600]",
            ),
            (
                // Every second is sampled and kept (≈ 214 MB a simulated day).
                (1..=2 * 86_400).contains(&self.duration_secs),
                "duration_secs",
                "in [1, 172 800] (2 days)",
            ),
            (
                (1..=3_600).contains(&self.oracle_interval_secs),
                "oracle_interval_secs",
                "in [1, 3 600]",
            ),
            (
                (1.0..=100_000.0).contains(&self.start_price),
                "start_price",
                "in [1, 100 000]",
            ),
            (
                (0.0..=5.0).contains(&self.annual_volatility),
                "annual_volatility",
                "in [0, 5]",
            ),
            (
                (0.0..=100.0).contains(&self.jumps_per_hour),
                "jumps_per_hour",
                "in [0, 100]",
            ),
            (
                (0.0..=0.5).contains(&self.jump_std),
                "jump_std",
                "in [0, 0.5]",
            ),
        ]
    }

    /// The oracle, the flow, the liquidity and the venue: (in range, field, range).
    fn flow_checks(&self) -> [(bool, &'static str, &'static str); 10] {
        [
            (
                (0.0..=1.0).contains(&self.outage_probability),
                "outage_probability",
                "in [0, 1]",
            ),
            (self.outage_secs <= 3_600, "outage_secs", "in [0, 3 600]"),
            (
                (0.0..=1.0).contains(&self.arrival_intensity),
                "arrival_intensity",
                "in [0, 1] per second",
            ),
            (
                (0.0..=1_000_000.0).contains(&self.arrival_decay),
                "arrival_decay",
                "in [0, 10⁶]",
            ),
            (
                (0.0..=1.0).contains(&self.informed_share),
                "informed_share",
                "in [0, 1]",
            ),
            (
                self.mean_trade_sol > 0.0 && self.mean_trade_sol <= 1_000.0,
                "mean_trade_sol",
                "in (0, 1 000]",
            ),
            (
                (1..=10_000_000).contains(&self.liquidity_sol),
                "liquidity_sol",
                "in [1, 10 000 000]",
            ),
            (
                self.venue_fee_bps <= 1_000,
                "venue_fee_bps",
                "in [0, 1 000]",
            ),
            (
                self.venue_slippage_bps <= 1_000,
                "venue_slippage_bps",
                "in [0, 1 000]",
            ),
            (
                self.oracle_confidence_bps >= 0.0 && self.oracle_confidence_bps <= 1_000.0,
                "oracle_confidence_bps",
                "in [0, 1 000]",
            ),
        ]
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

/// Parameters of the baseline pool: same limits and fee, constant product.
fn baseline_params() -> PoolParams {
    PoolParams {
        model_kind: ModelKind::ConstantProduct.into(),
        ..default_params()
    }
}
