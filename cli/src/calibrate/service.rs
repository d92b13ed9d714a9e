//! `homeostat calibrate` over RPC: one round, or with `--every` a service with the
//! keeper's supervision — reads retried with backoff on transient errors
//! (`homeostat_keeper::retry`; sends are not retried, the next round reads what landed),
//! every round journaled as JSON lines (`proposed` before anything is sent, then
//! `applied`, or `failed` with its class), a failed round skipped rather than fatal (the
//! service stops after `--max-failures` in a row so that its supervisor notices, or at
//! once when it cannot write its own files), SIGTERM/SIGINT honoured mid-round, and
//! `/metrics` and `/health` on `--metrics-addr` (the keeper's responder).

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use homeostat_keeper::retry::{retry, Backoff};
use homeostat_keeper::rpc::chain_error;
use homeostat_keeper::shutdown::Shutdown;
use homeostat_keeper::KeeperError;
use homeostat_sdk::calibrate::{self, Settings, TimedSwap};
use homeostat_sdk::events::PoolEvent;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use serde_json::{json, Value};

use super::metrics::Metrics;
use super::{windowed, write_config, CalibrateArgs, Result, Round};
use crate::args::Connection;
use crate::cluster::parse_key;

/// Why a round failed; `class` is the metrics' label (`metrics::CLASSES`).
struct Failure {
    class: &'static str,
    error: String,
}

impl Failure {
    /// The service's own files could not be written: it stops.
    fn local(error: impl std::fmt::Display) -> Self {
        Self {
            class: "local",
            error: error.to_string(),
        }
    }

    fn calibration(error: impl std::fmt::Display) -> Self {
        Self {
            class: "calibration",
            error: error.to_string(),
        }
    }
}

impl From<KeeperError> for Failure {
    fn from(error: KeeperError) -> Self {
        let class = if error.is_transient() {
            "transient"
        } else {
            "chain"
        };
        Self {
            class,
            error: error.to_string(),
        }
    }
}

/// An error of `pool update-params`' path: transient when the node was unreachable or
/// failed the request (the SDK's `Unreachable`, `Node`), else the chain's or the program's
/// refusal.
fn sending(error: Box<dyn std::error::Error>) -> Failure {
    let class = match error.downcast_ref::<SdkError>() {
        Some(SdkError::Unreachable { .. } | SdkError::Node { .. }) => "transient",
        _ => "chain",
    };
    Failure {
        class,
        error: format!("update_params: {error}"),
    }
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
        append(&self.args.journal, &entry).map_err(Failure::local)
    }

    /// The pool's swaps since the last complete read, and its state. Each read is retried
    /// with backoff while the node is unreachable; only a complete read moves the cursor.
    async fn read(&mut self) -> std::result::Result<homeostat::state::Pool, Failure> {
        let backoff = self.backoff;
        if self.client.is_none() {
            let pool = parse_key("pool", self.pool).map_err(Failure::local)?;
            let url = &self.connection.url;
            let client = retry(&backoff, "connect", || async move {
                PoolClient::connect_for_liquidity(url, pool)
                    .await
                    .map_err(|error| chain_error("connect", error))
            })
            .await?;
            self.client = Some(client);
        }
        let Some(client) = self.client.as_ref() else {
            return Err(Failure::local("no client"));
        };
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
        .map_err(Failure::calibration)?;
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
        crate::adversarial::command::emit(&text).map_err(Failure::local)?;
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
        write_config(&args.out, &round.proposed).map_err(Failure::local)?;
        let wallet = args.wallet.open(self.connection).map_err(Failure::local)?;
        let change = crate::admin::Change::UpdateParams(args.out.clone());
        crate::admin::run(&wallet, self.pool, change, args.dry_run)
            .await
            .map_err(sending)?;
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
fn append(path: &Path, entry: &Value) -> std::result::Result<(), String> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| format!("--journal {}: {error}", path.display()))?;
    writeln!(file, "{entry}").map_err(|error| format!("--journal {}: {error}", path.display()))
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
        return match service.round().await {
            Ok(_) => Ok(()),
            Err(failure) => Err(failure.error.into()),
        };
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
        eprintln!("serving /metrics and /health on {}", listener.local_addr()?);
        tokio::spawn(homeostat_keeper::metrics::serve(
            listener,
            Arc::clone(&metrics) as Arc<dyn homeostat_keeper::metrics::Exposition>,
        ));
    }
    let mut shutdown = Shutdown::on_signals()?;
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
                metrics.failed(failure.class);
                if failure.class == "local" {
                    return Err(format!("stopping: {}", failure.error).into());
                }
                service
                    .journal(json!({
                        "event": "failed", "class": failure.class, "error": failure.error,
                    }))
                    .map_err(|local| local.error)?;
                failures = failures.saturating_add(1);
                if args.max_failures > 0 && failures >= args.max_failures {
                    return Err(format!(
                        "{failures} rounds in a row failed (--max-failures {}); the last \
                         ({}): {}. Stopping so the supervisor notices; the journal is intact.",
                        args.max_failures, failure.class, failure.error
                    )
                    .into());
                }
                eprintln!(
                    "round {} failed ({}), the next in {} s: {}",
                    service.rounds,
                    failure.class,
                    every.as_secs(),
                    failure.error
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
        .map_err(|local| local.error)?;
    eprintln!("stopped ({reason})");
    Ok(())
}
