//! `homeostat calibrate` over RPC: one round, or with `--every` a service with the
//! keeper's supervision — reads retried with backoff on transient errors
//! (`homeostat_keeper::retry`; sends are not retried, the next round reads what landed),
//! every round journaled as JSON lines (`proposed` before anything is sent, then
//! `applied`, or `failed` with its class), a failed round skipped rather than fatal (the
//! service stops after `--max-failures` in a row so that its supervisor notices, or at
//! once when it cannot write its own files), SIGTERM/SIGINT honoured mid-round, and
//! `/metrics` and `/health` on `--metrics-addr` (the keeper's responder).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use homeostat_keeper::retry::{retry, Backoff};
use homeostat_keeper::rpc::chain_error;
use homeostat_keeper::shutdown::Shutdown;
use homeostat_keeper::KeeperError;
use homeostat_sdk::calibrate::{self, CalibrationError, Settings, TimedSwap};
use homeostat_sdk::cli_conventions::{KeypairError, NotAKey};
use homeostat_sdk::events::PoolEvent;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use serde_json::{json, Value};

use super::metrics::Metrics;
use super::{windowed, write_config, CalibrateArgs, CalibrateError, Result, Round};
use crate::admin::AdminError;
use crate::args::Connection;
use crate::cluster::parse_key;
use crate::error::FileError;

/// Why a round failed; [`Failure::class`] is the metrics' label (`metrics::CLASSES`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The service's own files, key or output: it stops.
    #[error("{0}")]
    Local(#[from] LocalError),
    /// No estimate or proposal could be made from the history read.
    #[error("{0}")]
    Calibration(#[source] CalibrationError),
    /// Reading the pool failed (retried while transient).
    #[error("{0}")]
    Chain(#[from] KeeperError),
    /// `pool update-params`' path failed.
    #[error("update_params: {0}")]
    Sending(#[source] AdminError),
}

impl Failure {
    /// The metrics' label: `local`, `calibration`, `transient` (the node unreachable or
    /// failing the request: the SDK's `Unreachable`, `Node`) or `chain` (the chain's or
    /// the program's refusal).
    pub(crate) fn class(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            Self::Calibration(_) => "calibration",
            Self::Chain(error) if error.is_transient() => "transient",
            Self::Sending(AdminError::Sdk(
                SdkError::Unreachable { .. } | SdkError::Node { .. },
            )) => "transient",
            Self::Chain(_) | Self::Sending(_) => "chain",
        }
    }
}

/// What the service could not do on its own side.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LocalError {
    /// `--pool` is not a key.
    #[error("{0}")]
    Key(#[from] NotAKey),
    /// The wallet's keypair could not be read.
    #[error("{0}")]
    Keypair(#[from] KeypairError),
    /// The proposal could not be written.
    #[error("{0}")]
    File(#[from] FileError),
    /// The journal could not be written.
    #[error("--journal {}: {source}", path.display())]
    Journal {
        /// The journal.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The report could not be written to standard output.
    #[error("standard output: {0}")]
    Stdout(#[source] std::io::Error),
}

/// A uniform draw in `[0, 1)` for exploration, seeded by the clock.
pub(super) fn draw() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    crate::rng::Rng::stream(nanos, 7).uniform()
}

/// What a successful round did, and the pool's calibrated fields after it.
struct Outcome {
    name: &'static str,
    params: Vec<(&'static str, f64)>,
}

/// The service's state between rounds.
struct Service<'a> {
    args: &'a CalibrateArgs,
    pool: &'a str,
    connection: &'a Connection,
    settings: &'a Settings,
    backoff: Backoff,
    /// Connected in the first round that reaches the node.
    client: Option<PoolClient>,
    swaps: Vec<TimedSwap>,
    /// The newest transaction read: the next round reads only later ones.
    newest: Option<String>,
    /// Exploration's last centre (`calibrate::explore`).
    center_k: Option<f64>,
    rounds: u64,
}

impl Service<'_> {
    /// Appends `entry` to the journal (`--every` only), with the time and the round.
    fn journal(&self, mut entry: Value) -> std::result::Result<(), Failure> {
        if self.args.every.is_none() {
            return Ok(());
        }
        entry["at"] = json!(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()));
        entry["round"] = json!(self.rounds);
        append(&self.args.journal, &entry).map_err(Failure::from)
    }

    /// The pool's swaps since the last complete read, and its state. Each read is retried
    /// with backoff while the node is unreachable; only a complete read moves the cursor.
    async fn read(&mut self) -> std::result::Result<homeostat::state::Pool, Failure> {
        let backoff = self.backoff;
        let client = match self.client.take() {
            Some(client) => client,
            None => {
                let pool = parse_key("pool", self.pool).map_err(LocalError::from)?;
                let url = &self.connection.url;
                retry(&backoff, "connect", || async move {
                    PoolClient::connect_for_liquidity(url, pool)
                        .await
                        .map_err(|error| chain_error("connect", error))
                })
                .await?
            }
        };
        let client = &*self.client.insert(client);
        let state = retry(&backoff, "read the pool", || async {
            client
                .liquidity()
                .await
                .map_err(|error| chain_error("read the pool", error))
        })
        .await?
        .pool;
        let newest = self.newest.as_deref();
        let signatures = retry(&backoff, "list the pool's transactions", || async move {
            client
                .pool_signatures(newest)
                .await
                .map_err(|error| chain_error("list the pool's transactions", error))
        })
        .await?;
        let mut fresh = Vec::new();
        for signature in &signatures {
            let (time, events) = retry(&backoff, "read a transaction", || async move {
                client
                    .timed_transaction_events(signature)
                    .await
                    .map_err(|error| chain_error("read a transaction", error))
            })
            .await?;
            for event in events {
                if let PoolEvent::Swapped(swap) = event {
                    if swap.pool == client.addresses.pool {
                        // Without a block time (a node may have none), the print's
                        // publish time: at most the pool's `max_oracle_age` early.
                        let at = time.unwrap_or(swap.oracle_publish_time);
                        fresh.push((at as f64, swap));
                    }
                }
            }
        }
        self.swaps.extend(fresh);
        self.swaps.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.newest = signatures.last().cloned().or(self.newest.take());
        Ok(state)
    }

    /// One round: read, estimate, propose, journal, and with `--apply` send.
    async fn round(&mut self) -> std::result::Result<Outcome, Failure> {
        self.rounds += 1;
        let state = self.read().await?;
        let history = calibrate::from_swaps(
            &self.swaps,
            state.params.lot,
            state.base_decimals,
            state.quote_decimals,
            1.0,
        );
        let history = windowed(&history, self.args.window_secs);
        let round = Round::new(
            &history,
            &state.params,
            self.settings,
            self.args,
            (self.center_k, draw()),
        )
        .map_err(Failure::Calibration)?;
        if let Some((center, _)) = round.explored {
            self.center_k = Some(center);
        }
        let args = self.args;
        let sends = args.apply && round.moves();
        self.journal(json!({
            "event": "proposed", "moves": round.moves(), "apply": sends,
            "dry_run": args.dry_run, "calibration": round.json(),
        }))?;
        let mut text = round.render(args.json);
        if args.apply && !sends {
            text += "no parameter moves: nothing sent\n";
        }
        crate::adversarial::command::emit(&text).map_err(LocalError::Stdout)?;
        if !sends {
            let name = if round.moves() {
                "proposed"
            } else {
                "unchanged"
            };
            return Ok(Outcome {
                name,
                params: round.fields(false),
            });
        }
        write_config(&args.out, &round.proposed).map_err(LocalError::from)?;
        let wallet = args
            .wallet
            .open(self.connection)
            .map_err(LocalError::from)?;
        let change = crate::admin::Change::UpdateParams(args.out.clone());
        crate::admin::run(&wallet, self.pool, change, args.dry_run)
            .await
            .map_err(Failure::Sending)?;
        if args.dry_run {
            return Ok(Outcome {
                name: "proposed",
                params: round.fields(false),
            });
        }
        self.journal(json!({ "event": "applied" }))?;
        Ok(Outcome {
            name: "applied",
            params: round.fields(true),
        })
    }
}

/// Appends one JSON line to `path`.
fn append(path: &Path, entry: &Value) -> std::result::Result<(), LocalError> {
    let failed = |source| LocalError::Journal {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(failed)?;
    writeln!(file, "{entry}").map_err(failed)
}

/// Over RPC: one round (its failure the command's), or `--every` seconds a round,
/// supervised.
pub(super) async fn run(
    args: &CalibrateArgs,
    pool: &str,
    connection: &Connection,
    settings: &Settings,
) -> Result<()> {
    let mut service = Service {
        args,
        pool,
        connection,
        settings,
        backoff: Backoff::default(),
        client: None,
        swaps: Vec::new(),
        newest: None,
        center_k: None,
        rounds: 0,
    };
    let Some(every) = args.every else {
        return service
            .round()
            .await
            .map(drop)
            .map_err(CalibrateError::Round);
    };
    let every = Duration::from_secs(every.max(1));
    let metrics = Arc::new(Metrics::new(
        pool,
        every.saturating_mul(args.health_intervals.max(1)),
    ));
    if let Some(addr) = args.metrics_addr {
        // Bound before the first round, so a taken address fails the start; the task
        // ends with the runtime.
        let listener = homeostat_keeper::metrics::bind(addr).await?;
        let addr = listener.local_addr().map_err(CalibrateError::MetricsAddr)?;
        eprintln!("serving /metrics and /health on {addr}");
        tokio::spawn(homeostat_keeper::metrics::serve(
            listener,
            Arc::clone(&metrics) as Arc<dyn homeostat_keeper::metrics::Exposition>,
        ));
    }
    let mut shutdown = Shutdown::on_signals().map_err(CalibrateError::Signals)?;
    let mut failures = 0u32;
    loop {
        let result = tokio::select! {
            biased;
            reason = shutdown.requested() => return stopped(&service, reason),
            result = service.round() => result,
        };
        match result {
            Ok(outcome) => {
                failures = 0;
                metrics.succeeded(outcome.name, outcome.params);
            }
            Err(failure) => {
                let class = failure.class();
                metrics.failed(class);
                if let Failure::Local(_) = failure {
                    return Err(CalibrateError::Stopping(failure));
                }
                service
                    .journal(json!({
                        "event": "failed", "class": class, "error": failure.to_string(),
                    }))
                    .map_err(CalibrateError::Stopping)?;
                failures = failures.saturating_add(1);
                if args.max_failures > 0 && failures >= args.max_failures {
                    return Err(CalibrateError::TooManyFailures {
                        failures,
                        max: args.max_failures,
                        last: failure,
                    });
                }
                eprintln!(
                    "round {} failed ({class}), the next in {} s: {failure}",
                    service.rounds,
                    every.as_secs(),
                );
            }
        }
        tokio::select! {
            biased;
            reason = shutdown.requested() => return stopped(&service, reason),
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// A stop request: journaled; a round it interrupted may have sent its update, which the
/// next start reads back as the pool's current parameters.
fn stopped(service: &Service<'_>, reason: &'static str) -> Result<()> {
    service
        .journal(json!({ "event": "stopped", "signal": reason }))
        .map_err(CalibrateError::Stopping)?;
    eprintln!("stopped ({reason})");
    Ok(())
}
