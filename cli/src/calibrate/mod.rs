//! `homeostat calibrate`: the model's parameters estimated from a pool's own history — over
//! RPC (its `Swapped` events) or from a simulator run's `history.json` — with intervals,
//! the parameters they imply and the bounded `update_params` change they propose; `--apply`
//! sends it through `homeostat pool update-params`'s path (admin checks, `--dry-run`,
//! pending changes), `--every` repeats it as a supervised service (`service`). The
//! estimators are the SDK's (`homeostat_sdk::calibrate`); docs/calibration.md.

mod error;
mod files;
mod metrics;
mod round;
mod service;

use std::net::SocketAddr;
use std::path::PathBuf;

use homeostat_sdk::calibrate::{History, Settings};

use crate::args::{Connection, ConnectionError, WalletArgs};

pub(crate) use error::CalibrateError;
pub(crate) use files::{history_json, write_config};
use files::{read_config, read_history};
use round::Round;

type Result<T> = std::result::Result<T, CalibrateError>;

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
    /// With `--every`: stop after this many rounds in a row failed (0: never), so a
    /// supervisor notices; a failed round is journaled and the next one runs.
    #[arg(long, default_value_t = 10)]
    pub(crate) max_failures: u32,
    /// With `--every`: serve `/metrics` (Prometheus) and `/health` on this address.
    #[arg(long, requires = "every")]
    pub(crate) metrics_addr: Option<SocketAddr>,
    /// `/health` answers 503 when no round has succeeded for this many `--every` intervals.
    #[arg(long, default_value_t = 3)]
    pub(crate) health_intervals: u32,
    /// Exploration (off without it): k — the half-spread, `c1 ≈ 1/k` — is set to the k
    /// proposed times a factor drawn log-uniformly in `[1/(1 + this), 1 + this]`, within
    /// the step bound, so that A and k can be told apart (docs/calibration.md,
    /// "Exploration", for its measured cost).
    #[arg(long)]
    pub(crate) explore: Option<f64>,
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
            ("--explore", self.explore.unwrap_or(1.0)),
        ];
        for (flag, value) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(CalibrateError::NotPositive { flag, value });
            }
        }
        if let Some(target) = self
            .target_inventory
            .filter(|t| !(t.is_finite() && *t > 0.0))
        {
            return Err(CalibrateError::TargetInventory(target));
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
    connection: impl Fn() -> std::result::Result<Connection, ConnectionError>,
) -> Result<()> {
    let settings = args.settings()?;
    if let Some(path) = &args.history {
        let history = read_history(path)?;
        let config = args
            .config
            .as_ref()
            .ok_or(CalibrateError::HistoryNeedsConfig)?;
        let params = read_config(config)?;
        let history = windowed(&history, args.window_secs);
        let round = Round::new(&history, &params, &settings, args, (None, service::draw()))?;
        return crate::adversarial::command::emit(&round.render(args.json))
            .map_err(CalibrateError::Stdout);
    }
    let pool = args.pool.as_deref().ok_or(CalibrateError::NoPool)?;
    let connection = connection()?;
    let runtime = tokio::runtime::Runtime::new().map_err(CalibrateError::Runtime)?;
    runtime.block_on(service::run(args, pool, &connection, &settings))
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
