//! `homeostat calibrate`: the model's parameters estimated from a pool's own history — over
//! RPC (its `Swapped` events) or from a simulator run's `history.json` — with intervals,
//! the parameters they imply and the bounded `update_params` change they propose; `--apply`
//! sends it through `homeostat pool update-params`'s path (admin checks, `--dry-run`,
//! pending changes), `--every` repeats it as a service with a JSON-lines journal. The
//! estimators are the SDK's (`homeostat_sdk::calibrate`); docs/calibration.md.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use homeostat::PoolParams;
use homeostat_math::{ModelKind, Units};
use homeostat_sdk::calibrate::{
    self, Calibration, Fill, History, Intensity, Print, QuoteSample, Settings, Side, Step,
    TimedSwap,
};
use homeostat_sdk::events::PoolEvent;
use homeostat_sdk::rpc::PoolClient;
use serde_json::{json, Value};

use crate::args::{Connection, WalletArgs};
use crate::cluster::parse_key;
use crate::numbers::to_f64;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// `homeostat calibrate`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct CalibrateArgs {
    /// A history written by `homeostat simulate` with calibration on (`history.json` in
    /// its `--out`); without it the pool's history is read over RPC.
    #[arg(long, conflicts_with_all = ["every", "apply"])]
    pub(crate) history: Option<PathBuf>,
    /// The pool's current parameters as a pool configuration file (with `--history`; over
    /// RPC they are read from the pool).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// The pool's address (over RPC).
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub(crate) pool: Option<String>,
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    /// Only the last this many seconds of history (0: all of it).
    #[arg(long, default_value_t = 0.0)]
    pub(crate) window_secs: f64,
    /// The inventory standard deviation you tolerate, lots: sets γ (without it γ stays).
    #[arg(long)]
    pub(crate) target_inventory: Option<f64>,
    /// The most a parameter moves per calibration: a factor 1 + this either way.
    #[arg(long, default_value_t = 0.5)]
    pub(crate) max_step: f64,
    /// Fewest fills per side for an intensity estimate.
    #[arg(long, default_value_t = 50.0)]
    pub(crate) min_fills: f64,
    /// Grid of the volatility estimate, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub(crate) grid_secs: f64,
    /// Horizon of the markout that flags informed fills, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) markout_secs: f64,
    /// A fill is informed when the price then moved this many standard deviations against
    /// the pool.
    #[arg(long, default_value_t = 3.0)]
    pub(crate) markout_z: f64,
    /// Largest distance from the fair price in the model, bp.
    #[arg(long, default_value_t = 100.0)]
    pub(crate) max_distance_bps: f64,
    /// Send the proposal as `update_params` (the wallet must be the pool's admin).
    #[arg(long)]
    pub(crate) apply: bool,
    /// With `--apply`: print the exact change against the pool's state, send nothing.
    #[arg(long, requires = "apply")]
    pub(crate) dry_run: bool,
    /// Recalibrate every this many seconds, forever (a service); each round is journaled.
    #[arg(long)]
    pub(crate) every: Option<u64>,
    /// The service's journal: one JSON line per calibration, appended.
    #[arg(long, default_value = "calibration-journal.jsonl")]
    pub(crate) journal: PathBuf,
    /// Where the proposal is written as a pool configuration file.
    #[arg(long, default_value = "proposal.toml")]
    pub(crate) out: PathBuf,
    /// One JSON object instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
}

impl CalibrateArgs {
    fn settings(&self) -> Result<Settings> {
        let positive = [
            ("--max-step", self.max_step),
            ("--grid-secs", self.grid_secs),
            ("--markout-secs", self.markout_secs),
            ("--markout-z", self.markout_z),
            ("--max-distance-bps", self.max_distance_bps),
        ];
        for (name, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!("{name} must be a positive number, not {value}").into());
            }
        }
        if let Some(target) = self
            .target_inventory
            .filter(|t| !(t.is_finite() && *t > 0.0))
        {
            return Err(format!("--target-inventory must be positive lots, not {target}").into());
        }
        Ok(Settings {
            min_fills: self.min_fills,
            grid_secs: self.grid_secs,
            markout_secs: self.markout_secs,
            markout_z: self.markout_z,
            distance_max: self.max_distance_bps / 10_000.0,
            ..Settings::default()
        })
    }
}

/// Runs the command.
pub(crate) fn run(
    args: &CalibrateArgs,
    connection: impl Fn() -> std::result::Result<Connection, String>,
) -> Result<()> {
    let settings = args.settings()?;
    if let Some(path) = &args.history {
        let history = read_history(path)?;
        let config = args.config.as_ref().ok_or(
            "--history needs --config: the pool's current parameters (history.json's folder \
             has the simulated pool's as pool.toml)",
        )?;
        let params = read_config(config)?;
        let history = windowed(&history, args.window_secs);
        let round = Round::new(&history, &params, &settings, args)?;
        return crate::adversarial::command::emit(&round.render(args.json));
    }
    let pool = args
        .pool
        .as_deref()
        .ok_or("give --pool (the pool's history over RPC) or --history (a simulator run's)")?;
    let connection = connection()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(service(args, pool, &connection, &settings))
}

/// Over RPC: once, or every `--every` seconds with a journal line per round.
async fn service(
    args: &CalibrateArgs,
    pool: &str,
    connection: &Connection,
    settings: &Settings,
) -> Result<()> {
    let client =
        PoolClient::connect_for_liquidity(&connection.url, parse_key("pool", pool)?).await?;
    let mut swaps: Vec<TimedSwap> = Vec::new();
    let mut newest: Option<String> = None;
    loop {
        let state = client.liquidity().await?.pool;
        let signatures = client.pool_signatures(newest.as_deref()).await?;
        for signature in &signatures {
            let (time, events) = client.timed_transaction_events(signature).await?;
            for event in events {
                if let PoolEvent::Swapped(swap) = event {
                    if swap.pool == client.addresses.pool {
                        // Without a block time (a node may have none), the print's
                        // publish time: at most the pool's `max_oracle_age` early.
                        let at = time.unwrap_or(swap.oracle_publish_time);
                        swaps.push((at as f64, swap));
                    }
                }
            }
        }
        newest = signatures.last().cloned().or(newest);
        swaps.sort_by(|a, b| a.0.total_cmp(&b.0));
        let history = calibrate::from_swaps(
            &swaps,
            state.params.lot,
            state.base_decimals,
            state.quote_decimals,
            1.0,
        );
        let history = windowed(&history, args.window_secs);
        let round = Round::new(&history, &state.params, settings, args)?;
        let mut text = round.render(args.json);
        if args.apply && round.moves() {
            write_config(&args.out, &round.proposed)?;
            let wallet = args.wallet.open(connection)?;
            crate::admin::run(
                &wallet,
                pool,
                crate::admin::Change::UpdateParams(args.out.clone()),
                args.dry_run,
            )
            .await?;
        } else if args.apply {
            text += "no parameter moves: nothing sent\n";
        }
        crate::adversarial::command::emit(&text)?;
        let Some(every) = args.every else {
            return Ok(());
        };
        journal(&args.journal, &round, args.apply && round.moves())?;
        tokio::time::sleep(std::time::Duration::from_secs(every.max(1))).await;
    }
}

/// The last `window_secs` of `history` (all of it at 0).
fn windowed(history: &History, window_secs: f64) -> History {
    let end = history
        .prints
        .last()
        .map_or(0.0, |print| print.t)
        .max(history.fills.last().map_or(0.0, |fill| fill.t));
    if window_secs > 0.0 {
        history.window(end - window_secs, f64::INFINITY, 0.0)
    } else {
        history.clone()
    }
}

/// One calibration: the estimates and the bounded proposal.
struct Round {
    calibration: Calibration,
    current: PoolParams,
    proposed: PoolParams,
    steps: Vec<Step>,
    max_step: f64,
    grid_secs: f64,
    fills: usize,
    hours: f64,
}

impl Round {
    fn new(
        history: &History,
        current: &PoolParams,
        settings: &Settings,
        args: &CalibrateArgs,
    ) -> Result<Self> {
        let calibration = calibrate::calibrate(history, settings, args.target_inventory);
        let (proposed, steps) = calibrate::propose(current, &calibration, args.max_step)?;
        let span = |first: Option<f64>, last: Option<f64>| match (first, last) {
            (Some(first), Some(last)) => (last - first) / 3_600.0,
            _ => 0.0,
        };
        Ok(Self {
            hours: span(
                history.prints.first().map(|p| p.t),
                history.prints.last().map(|p| p.t),
            ),
            fills: history.fills.len(),
            calibration,
            current: *current,
            proposed,
            steps,
            max_step: args.max_step,
            grid_secs: settings.grid_secs,
        })
    }

    /// Whether any parameter changes.
    fn moves(&self) -> bool {
        self.steps
            .iter()
            .any(|step| (step.proposed / step.current - 1.0).abs() > 1e-9)
    }

    fn json(&self) -> Value {
        let intensity = |fit: &std::result::Result<Intensity, calibrate::CalibrationError>| {
            match fit {
                Ok(fit) => json!({
                    "a": interval(fit.a), "k": interval(fit.k), "fills": fit.fills,
                    "exposure_secs": fit.exposure_secs, "mean_distance_bps": fit.mean_distance * 1e4,
                }),
                Err(error) => json!({ "error": error.to_string() }),
            }
        };
        let volatility = match &self.calibration.volatility {
            Ok(v) => json!({
                "sigma_per_sqrt_sec": interval(v.sigma()),
                "sigma_annualised": v.sigma().estimate * SECONDS_PER_YEAR.sqrt(),
                "variance_per_sec": interval(v.sigma2),
                "realised_variance_per_sec": v.realised,
                "jump_share": v.jump_share,
                "returns": v.returns,
            }),
            Err(error) => json!({ "error": error.to_string() }),
        };
        json!({
            "history": { "hours": self.hours, "fills": self.fills,
                "informed": self.calibration.informed, "censored": self.calibration.censored },
            "bid": intensity(&self.calibration.sides[0]),
            "ask": intensity(&self.calibration.sides[1]),
            "pooled": intensity(&self.calibration.pooled),
            "volatility": volatility,
            "risk_aversion": self.calibration.risk_aversion.as_ref().map(|gamma| match gamma {
                Ok(gamma) => json!(gamma),
                Err(error) => json!({ "error": error.to_string() }),
            }),
            "max_step": self.max_step,
            "proposal": self.steps.iter().map(|step| json!({
                "field": step.name, "current": step.current,
                "estimate": step.target, "proposed": step.proposed,
            })).collect::<Vec<_>>(),
            "params": { "current": crate::admin::params_json(&self.current),
                "proposed": crate::admin::params_json(&self.proposed) },
        })
    }

    fn render(&self, as_json: bool) -> String {
        if as_json {
            return format!("{}\n", self.json());
        }
        let c = &self.calibration;
        let mut text = format!(
            "History: {:.1} h of prints, {} fills ({} informed by markout, {} outside the \
             model's distances)\n\n{:<7} {:>28} {:>28} {:>7} {:>10} {:>10}\n",
            self.hours,
            self.fills,
            c.informed,
            c.censored,
            "side",
            "A, per s (95 %)",
            "k (95 %)",
            "fills",
            "exposed h",
            "mean δ bp"
        );
        for (name, fit) in [
            ("bid", &c.sides[0]),
            ("ask", &c.sides[1]),
            ("both", &c.pooled),
        ] {
            text += &match fit {
                Ok(fit) => format!(
                    "{:<7} {:>28} {:>28} {:>7.0} {:>10.2} {:>10.2}\n",
                    name,
                    range(fit.a, 4),
                    range(fit.k, 0),
                    fit.fills,
                    fit.exposure_secs / 3_600.0,
                    fit.mean_distance * 1e4
                ),
                Err(error) => format!("{name:<7} no estimate: {error}\n"),
            };
        }
        text += &match &c.volatility {
            Ok(v) => format!(
                "\nσ (jump-robust, {} returns of {} s): {} per √s = {:.1} % annualised; jumps {:.1} \
                 % of realised variance\n",
                v.returns,
                self.grid_secs,
                range(v.sigma(), 8),
                v.sigma().estimate * SECONDS_PER_YEAR.sqrt() * 100.0,
                v.jump_share * 100.0
            ),
            Err(error) => format!("\nσ: no estimate: {error}\n"),
        };
        if let Some(gamma) = &c.risk_aversion {
            text += &match gamma {
                Ok(gamma) => format!("γ for the inventory target: {gamma:.4}\n"),
                Err(error) => format!("γ: no estimate: {error}\n"),
            };
        }
        text += &format!(
            "\nupdate_params, each parameter at most ×{} per calibration:\n{:<18} {:>14} {:>14} {:>14}\n",
            1.0 + self.max_step,
            "field",
            "current",
            "estimate",
            "proposed"
        );
        for step in &self.steps {
            text += &format!(
                "{:<18} {:>14.6e} {:>14} {:>14.6e}\n",
                step.name,
                step.current,
                step.target
                    .map_or("— (stays)".into(), |t| format!("{t:.6e}")),
                step.proposed
            );
        }
        text
    }
}

const SECONDS_PER_YEAR: f64 = 365.25 * 86_400.0;

fn interval(interval: calibrate::Interval) -> Value {
    json!({ "estimate": interval.estimate, "low": interval.low, "high": interval.high })
}

fn range(interval: calibrate::Interval, digits: usize) -> String {
    format!(
        "{:.digits$} [{:.digits$}, {:.digits$}]",
        interval.estimate, interval.low, interval.high
    )
}

/// Appends the round to the journal: one JSON line.
fn journal(path: &Path, round: &Round, sent: bool) -> Result<()> {
    let line = json!({
        "at": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        "sent": sent,
        "round": round.json(),
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| format!("--journal {}: {error}", path.display()))?;
    writeln!(file, "{line}").map_err(|error| format!("--journal {}: {error}", path.display()))?;
    Ok(())
}

/// A pool configuration file's parameters.
fn read_config(path: &Path) -> Result<PoolParams> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    crate::pool_config::PoolConfig::from_toml(&text)
        .and_then(|config| config.params())
        .map(|(params, _)| params)
        .map_err(|error| format!("{}: {error}", path.display()).into())
}

/// `params` as a pool configuration file (what `pool update-params` reads); the initial
/// variance, which an update does not use, is the floor.
pub(crate) fn config_toml(params: &PoolParams) -> String {
    let name = |kind: u8| {
        ModelKind::try_from(kind)
            .map(ModelKind::name)
            .unwrap_or("glft")
    };
    let units = Units::try_from(params.units)
        .map(Units::name)
        .unwrap_or("relative");
    let f = |stored: homeostat::StoredFixed| to_f64(stored.get());
    let access = if params.lp_access == homeostat::constants::LP_ACCESS_OPERATOR {
        "operator"
    } else {
        "public"
    };
    let fallback = if params.quote_fallback == homeostat::constants::QUOTE_FALLBACK_REFUSE {
        "refuse"
    } else {
        "pyth"
    };
    format!(
        "model = \"{}\"\nunits = \"{units}\"\nrisk_aversion = {:?}\norder_decay = {:?}\n\
         arrival_intensity = {:?}\nhorizon_secs = {:?}\nmin_half_spread = {:?}\n\
         confidence_multiplier = {:?}\nage_multiplier = {:?}\ndepth_slope = {:?}\n\
         print_depth = {}\nvolatility_window_secs = {}\nvolatility_grid_secs = {}\n\
         variance_floor = {:?}\n\
         variance_ceiling = {:?}\ninitial_variance = {:?}\nlot = {}\ninventory_cap = {}\n\
         max_trade_base = {}\nfee_bps = {}\nprotocol_share_bps = {}\nmax_oracle_age_secs = {}\n\
         max_confidence_bps = {}\nmax_ema_deviation_bps = {}\nrebalance_band = {}\n\
         min_rebalance_interval_secs = {}\nmax_hedge_position = {}\nlp_access = \"{access}\"\n\
         hedge_credit_bps = {}\nhedge_cost_bps = {}\ndepth_relief_bps = {}\n\
         age_shrink_bps = {}\nquote_band_bps = {}\nquote_fallback = \"{fallback}\"\n",
        name(params.model_kind),
        f(params.risk_aversion),
        f(params.order_decay),
        f(params.arrival_intensity),
        f(params.horizon),
        f(params.min_half_spread),
        f(params.confidence_multiplier),
        f(params.age_multiplier),
        f(params.depth_slope),
        params.print_depth,
        params.volatility_window,
        params.volatility_grid,
        f(params.variance_floor),
        f(params.variance_ceiling),
        f(params.variance_floor),
        params.lot,
        params.inventory_cap,
        params.max_trade_base,
        params.fee_bps,
        params.protocol_share_bps,
        params.max_oracle_age,
        params.max_confidence_bps,
        params.max_ema_deviation_bps,
        params.rebalance_band,
        params.min_rebalance_interval,
        params.max_hedge_position,
        params.hedge_credit_bps,
        params.hedge_cost_bps,
        params.depth_relief_bps,
        params.age_shrink_bps,
        params.quote_band_bps,
    )
}

/// Writes `params` as a pool configuration file.
pub(crate) fn write_config(path: &Path, params: &PoolParams) -> Result<()> {
    std::fs::write(path, config_toml(params))
        .map_err(|error| format!("{}: {error}", path.display()).into())
}

/// A history as `history.json`: `{ "prints": [[t, price]], "quotes": [[t, seconds, bid,
/// ask]] (null: no quote), "fills": [[t, "bid"|"ask", price, lots]] }`, seconds and quote
/// per base.
pub(crate) fn history_json(history: &History) -> Value {
    json!({
        "prints": history.prints.iter().map(|p| json!([p.t, p.price])).collect::<Vec<_>>(),
        "quotes": history.quotes.iter().map(|q| json!([q.t, q.duration, q.bid, q.ask])).collect::<Vec<_>>(),
        "fills": history.fills.iter().map(|f| json!([f.t, f.side.name(), f.price, f.size])).collect::<Vec<_>>(),
    })
}

/// Reads `history.json` ([`history_json`]'s shape); errors name the entry.
fn read_history(path: &Path) -> Result<History> {
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    parse_history(&value).map_err(|error| format!("{}: {error}", path.display()).into())
}

fn parse_history(value: &Value) -> std::result::Result<History, String> {
    let list = |name: &str| {
        value[name]
            .as_array()
            .ok_or_else(|| format!("no `{name}` list"))
    };
    let number = |entry: &Value, index: usize, what: &str| {
        entry[index]
            .as_f64()
            .ok_or_else(|| format!("{what}: entry {entry} has no number at {index}"))
    };
    let optional = |entry: &Value, index: usize| entry[index].as_f64();
    let mut history = History::default();
    for entry in list("prints")? {
        history.prints.push(Print {
            t: number(entry, 0, "prints")?,
            price: number(entry, 1, "prints")?,
        });
    }
    for entry in list("quotes")? {
        history.quotes.push(QuoteSample {
            t: number(entry, 0, "quotes")?,
            duration: number(entry, 1, "quotes")?,
            bid: optional(entry, 2),
            ask: optional(entry, 3),
        });
    }
    for entry in list("fills")? {
        let side = match entry[1].as_str() {
            Some("bid") => Side::Bid,
            Some("ask") => Side::Ask,
            _ => {
                return Err(format!(
                    "fills: entry {entry}: the side must be \"bid\" or \"ask\""
                ))
            }
        };
        history.fills.push(Fill {
            t: number(entry, 0, "fills")?,
            side,
            price: number(entry, 2, "fills")?,
            size: number(entry, 3, "fills")?,
        });
    }
    let sorted = |times: Vec<f64>| times.windows(2).all(|pair| pair[0] <= pair[1]);
    if !sorted(history.prints.iter().map(|p| p.t).collect())
        || !sorted(history.quotes.iter().map(|q| q.t).collect())
        || !sorted(history.fills.iter().map(|f| f.t).collect())
    {
        return Err("prints, quotes and fills must each be in time order".into());
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_survives_its_json_and_a_proposal_its_config_file() {
        let history = History {
            prints: vec![
                Print {
                    t: 0.0,
                    price: 150.0,
                },
                Print {
                    t: 1.0,
                    price: 150.5,
                },
            ],
            quotes: vec![QuoteSample {
                t: 0.0,
                duration: 0.4,
                bid: Some(149.9),
                ask: None,
            }],
            fills: vec![Fill {
                t: 0.5,
                side: Side::Ask,
                price: 150.2,
                size: 1.0,
            }],
        };
        assert_eq!(parse_history(&history_json(&history)), Ok(history));
        let params = homeostat_localnet::default_params();
        let text = config_toml(&params);
        let read = crate::pool_config::PoolConfig::from_toml(&text)
            .and_then(|config| config.params())
            .expect("a valid configuration");
        assert_eq!(read.0, params);
        let error =
            parse_history(&json!({ "prints": [], "quotes": [], "fills": [[0.0, "up", 1.0, 1.0]] }))
                .unwrap_err();
        assert!(error.contains("\"bid\" or \"ask\""), "{error}");
    }
}
