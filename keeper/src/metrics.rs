//! What a supervisor scrapes: Prometheus metrics at `/metrics` and a health check at
//! `/health`, served on `--metrics-addr` by a small HTTP/1.1 responder.
//!
//! The responder answers `GET` (and `HEAD`) of those two paths and nothing else: a request
//! head is read up to [`MAX_REQUEST_HEAD`] bytes within [`REQUEST_TIMEOUT`], at most
//! [`MAX_CONNECTIONS`] at once, one request per connection; anything it cannot parse gets
//! a 4xx, never a panic. It runs beside the keeper's loop and only reads the [`Metrics`]
//! the loop writes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::keeper::{PoolView, Step};
use crate::KeeperError;

/// The longest request head (request line and headers) read, bytes; longer is a 431.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// How long a client has to send its request head and read the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed unanswered until one finishes.
pub const MAX_CONNECTIONS: usize = 16;

/// Step outcomes, as the `outcome` label of `homeostat_keeper_steps_total`.
pub const OUTCOMES: [&str; 4] = ["idle", "waiting", "recorded", "failed"];
/// Failure classes ([`failure_class`]), as the `class` label of
/// `homeostat_keeper_failures_total`.
pub const CLASSES: [&str; 5] = ["chain", "venue", "venue_rejected", "journal", "transient"];

/// The `class` label of a failed step.
pub fn failure_class(error: &KeeperError) -> &'static str {
    match error {
        KeeperError::Chain(_) => "chain",
        KeeperError::Venue(_) => "venue",
        KeeperError::VenueRejected { .. } => "venue_rejected",
        KeeperError::Journal(_) => "journal",
        KeeperError::Transient { .. } => "transient",
    }
}

/// The pool as last read after a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PoolGauges {
    net_delta: i128,
    band: u64,
    hedge_position: i64,
    pending_requests: u64,
    realized_pnl: i128,
    unrealized_pnl: Option<i128>,
}

#[derive(Debug, Default)]
struct State {
    steps: BTreeMap<&'static str, u64>,
    failures: BTreeMap<&'static str, u64>,
    consecutive_failures: u64,
    hedges: u64,
    fills: u64,
    filled_base: u128,
    pool: Option<PoolGauges>,
    last_success: Option<(Instant, SystemTime)>,
}

/// The keeper's counters and gauges, written by its loop and read by the responder.
#[derive(Debug)]
pub struct Metrics {
    pool: String,
    venue: String,
    state: Mutex<State>,
}

/// When `/health` answers 200.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthRule {
    /// The last successful step must have ended within this long: `--health-intervals`
    /// step intervals.
    pub stale_after: Duration,
}

impl Metrics {
    /// Metrics of the keeper of `pool`, hedging on `venue` (the `info` series' labels).
    pub fn new(pool: &str, venue: &str) -> Self {
        let mut state = State::default();
        for outcome in OUTCOMES {
            state.steps.insert(outcome, 0);
        }
        for class in CLASSES {
            state.failures.insert(class, 0);
        }
        Self {
            pool: pool.to_string(),
            venue: venue.to_string(),
            state: Mutex::new(state),
        }
    }

    /// The state, even if a writer panicked holding it (the numbers stay usable).
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a step that succeeded.
    pub fn step_succeeded(&self, step: &Step) {
        let mut state = self.state();
        let outcome = match step {
            Step::Idle => "idle",
            Step::Waiting { .. } => "waiting",
            Step::Recorded { filled_base, .. } => {
                state.hedges = state.hedges.saturating_add(1);
                if *filled_base != 0 {
                    state.fills = state.fills.saturating_add(1);
                    state.filled_base = state
                        .filled_base
                        .saturating_add(u128::from(filled_base.unsigned_abs()));
                }
                "recorded"
            }
        };
        *state.steps.entry(outcome).or_default() += 1;
        state.consecutive_failures = 0;
        state.last_success = Some((Instant::now(), SystemTime::now()));
    }

    /// Counts a step that failed with `error`.
    pub fn step_failed(&self, error: &KeeperError) {
        let mut state = self.state();
        *state.steps.entry("failed").or_default() += 1;
        *state.failures.entry(failure_class(error)).or_default() += 1;
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
    }

    /// The pool as just read.
    pub fn pool_read(&self, view: &PoolView) {
        self.state().pool = Some(PoolGauges {
            net_delta: view.net_delta,
            band: view.band,
            hedge_position: view.hedge_position,
            pending_requests: view.rebalance_seq.saturating_sub(view.recorded_seq),
            realized_pnl: view.hedge_realized_pnl,
            unrealized_pnl: view.hedge_unrealized_pnl,
        });
    }

    /// `/health`: healthy when the last successful step ended within `rule.stale_after`
    /// of `now`; the status code and a JSON body saying why.
    pub fn health(&self, rule: HealthRule, now: Instant) -> (u16, String) {
        let state = self.state();
        let age = state
            .last_success
            .map(|(at, _)| now.saturating_duration_since(at));
        let (code, status) = match age {
            None => (503, "starting"),
            Some(age) if age > rule.stale_after => (503, "stale"),
            Some(_) => (200, "ok"),
        };
        let body = serde_json::json!({
            "status": status,
            "last_success_age_seconds": age.map(|age| age.as_secs_f64()),
            "stale_after_seconds": rule.stale_after.as_secs_f64(),
            "consecutive_failures": state.consecutive_failures,
        });
        (code, format!("{body}\n"))
    }

    /// The Prometheus text exposition (format 0.0.4) of this pool alone.
    pub fn render(&self) -> String {
        render_all(&[self])
    }

    /// Every series of this pool: name, type, help and the samples (labels, value), each
    /// labelled with the pool.
    fn families(&self) -> Vec<Family> {
        let state = self.state();
        let pool = format!("pool=\"{}\"", escape(&self.pool));
        let labelled = |extra: &str| {
            if extra.is_empty() {
                pool.clone()
            } else {
                format!("{pool},{extra}")
            }
        };
        let plain = |value: String| vec![(labelled(""), value)];
        let mut families = vec![
            Family {
                name: "homeostat_keeper_info",
                kind: "gauge",
                help: "The pool this keeper hedges and its venue.",
                samples: vec![(
                    labelled(&format!("venue=\"{}\"", escape(&self.venue))),
                    "1".into(),
                )],
            },
            Family {
                name: "homeostat_keeper_steps_total",
                kind: "counter",
                help: "Keeper steps, by outcome (idle, waiting, recorded, failed).",
                samples: state
                    .steps
                    .iter()
                    .map(|(outcome, count)| {
                        (
                            labelled(&format!("outcome=\"{outcome}\"")),
                            count.to_string(),
                        )
                    })
                    .collect(),
            },
            Family {
                name: "homeostat_keeper_hedges_total",
                kind: "counter",
                help: "Rebalance requests hedged and recorded on chain (zero fills included).",
                samples: plain(state.hedges.to_string()),
            },
            Family {
                name: "homeostat_keeper_fills_total",
                kind: "counter",
                help: "Venue fills of non-zero size recorded on chain.",
                samples: plain(state.fills.to_string()),
            },
            Family {
                name: "homeostat_keeper_filled_base_atoms_total",
                kind: "counter",
                help: "Base atoms filled on the venue and recorded, either side.",
                samples: plain(state.filled_base.to_string()),
            },
            Family {
                name: "homeostat_keeper_failures_total",
                kind: "counter",
                help: "Failed steps, by class (chain, venue, venue_rejected, journal, transient).",
                samples: state
                    .failures
                    .iter()
                    .map(|(class, count)| {
                        (labelled(&format!("class=\"{class}\"")), count.to_string())
                    })
                    .collect(),
            },
            Family {
                name: "homeostat_keeper_consecutive_failures",
                kind: "gauge",
                help:
                    "Failed steps since the last successful one (--max-failures stops the keeper).",
                samples: plain(state.consecutive_failures.to_string()),
            },
            Family {
                name: "homeostat_keeper_last_success_timestamp_seconds",
                kind: "gauge",
                help: "Unix time the last successful step ended (0: none yet).",
                samples: plain(match state.last_success {
                    Some((_, at)) => format!(
                        "{:.3}",
                        at.duration_since(UNIX_EPOCH)
                            .unwrap_or_default()
                            .as_secs_f64()
                    ),
                    None => "0".into(),
                }),
            },
        ];
        if let Some(gauges) = state.pool {
            let mut gauge = |name, help, value: String| {
                families.push(Family {
                    name,
                    kind: "gauge",
                    help,
                    samples: plain(value),
                });
            };
            gauge(
                "homeostat_keeper_net_delta_base_atoms",
                "The pool's net delta, inventory less hedge position, base atoms.",
                gauges.net_delta.to_string(),
            );
            gauge(
                "homeostat_keeper_band_base_atoms",
                "The band the net delta may wander in before a rebalance, base atoms.",
                gauges.band.to_string(),
            );
            gauge(
                "homeostat_keeper_hedge_position_base_atoms",
                "The hedge the pool has recorded, base atoms (positive: short on the venue).",
                gauges.hedge_position.to_string(),
            );
            gauge(
                "homeostat_keeper_pending_requests",
                "Rebalance requests on chain not yet recorded (0 or 1).",
                gauges.pending_requests.to_string(),
            );
            gauge(
                "homeostat_keeper_hedge_realized_pnl_quote_atoms",
                "P&L the recorded hedge has realised, quote atoms (the pool's hedge ledger).",
                gauges.realized_pnl.to_string(),
            );
            if let Some(unrealized) = gauges.unrealized_pnl {
                gauge(
                    "homeostat_keeper_hedge_unrealized_pnl_quote_atoms",
                    "The open hedge marked at the oracle mid, quote atoms.",
                    unrealized.to_string(),
                );
            }
        }
        families
    }
}

/// One metric family of one pool.
struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
    samples: Vec<(String, String)>,
}

/// The exposition of every pool's series: each family once (its `HELP` and `TYPE`), with
/// every pool's samples under it, as the format requires.
pub fn render_all(pools: &[&Metrics]) -> String {
    let mut merged: Vec<Family> = Vec::new();
    for family in pools.iter().flat_map(|metrics| metrics.families()) {
        match merged.iter_mut().find(|seen| seen.name == family.name) {
            Some(seen) => seen.samples.extend(family.samples),
            None => merged.push(family),
        }
    }
    let mut out = String::new();
    for family in merged {
        let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
        for (labels, value) in family.samples {
            let _ = writeln!(out, "{}{{{labels}}} {value}", family.name);
        }
    }
    out
}

/// `/health` of a keeper serving `pools`, each with its rule: 200 when every pool is
/// healthy, else 503; one pool's body as [`Metrics::health`]'s, many as `status` (the
/// worst: `starting`, `stale` or `ok`) and `pools`: each one's body with its `pool`.
pub fn health_all(pools: &[(Arc<Metrics>, HealthRule)], now: Instant) -> (u16, String) {
    if let [(metrics, rule)] = pools {
        return metrics.health(*rule, now);
    }
    let mut code = 200;
    let mut bodies = Vec::new();
    for (metrics, rule) in pools {
        let (pool_code, body) = metrics.health(*rule, now);
        code = code.max(pool_code);
        let mut body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        body["pool"] = serde_json::json!(metrics.pool);
        bodies.push(body);
    }
    let worst = ["starting", "stale"]
        .into_iter()
        .find(|status| bodies.iter().any(|body| body["status"] == *status))
        .unwrap_or("ok");
    let body = serde_json::json!({ "status": worst, "pools": bodies });
    (code, format!("{body}\n"))
}

/// A label value as the exposition format quotes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Binds the metrics address (an error names it), before the keeper starts stepping.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| format!("--metrics-addr {addr}: {error}"))
}

/// What a responder serves: the exposition at `/metrics` and the answer at `/health`. The
/// keeper's pools are one; `homeostat calibrate --every` (the calibration service) is
/// another, on the same responder.
pub trait Exposition: Send + Sync {
    /// The Prometheus text exposition (format 0.0.4).
    fn exposition(&self) -> String;
    /// `/health`'s status code and JSON body at `now`.
    fn health(&self, now: Instant) -> (u16, String);
}

impl Exposition for Vec<(Arc<Metrics>, HealthRule)> {
    fn exposition(&self) -> String {
        render_all(
            &self
                .iter()
                .map(|(metrics, _)| &**metrics)
                .collect::<Vec<_>>(),
        )
    }

    fn health(&self, now: Instant) -> (u16, String) {
        health_all(self, now)
    }
}

/// Serves `/metrics` and `/health` of `pools` (the keeper's: each pool's [`Metrics`] with
/// its [`HealthRule`]) on `listener` until the process ends.
pub async fn serve(listener: TcpListener, pools: Arc<dyn Exposition>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: pass, then accept again.
                tracing::warn!("metrics: accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!("metrics: {MAX_CONNECTIONS} connections open; one refused");
            continue;
        };
        let pools = Arc::clone(&pools);
        tokio::spawn(async move {
            let _slot = slot;
            let _ = tokio::time::timeout(REQUEST_TIMEOUT, answer(stream, &*pools)).await;
        });
    }
}

/// Reads one request head from `stream` and writes its answer.
async fn answer(mut stream: TcpStream, pools: &dyn Exposition) {
    let response = match read_head(&mut stream).await {
        Ok(head) => respond(&head, pools),
        Err(Refusal::TooLarge) => Response::text(431, "request head too large\n"),
        Err(Refusal::Malformed) => Response::text(400, "bad request\n"),
        Err(Refusal::Closed) => return,
    };
    let _ = stream.write_all(&response.bytes()).await;
    let _ = stream.shutdown().await;
    // A lingering close: read what the client still sends (up to a bound, until it closes
    // or the request's time is up), so the answer is not lost to a reset.
    let mut rest = [0u8; 1024];
    let mut drained = 0usize;
    while drained < 64 * 1024 {
        match stream.read(&mut rest).await {
            Ok(0) | Err(_) => break,
            Ok(read) => drained = drained.saturating_add(read),
        }
    }
}

enum Refusal {
    TooLarge,
    Malformed,
    Closed,
}

/// The request head (everything before the blank line), at most [`MAX_REQUEST_HEAD`]
/// bytes.
async fn read_head(stream: &mut TcpStream) -> Result<String, Refusal> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await.map_err(|_| Refusal::Closed)?;
        if read == 0 {
            return Err(if head.is_empty() {
                Refusal::Closed
            } else {
                Refusal::Malformed
            });
        }
        head.extend_from_slice(chunk.get(..read).unwrap_or_default());
        if let Some(end) = find_blank_line(&head) {
            head.truncate(end);
            return String::from_utf8(head).map_err(|_| Refusal::Malformed);
        }
        if head.len() > MAX_REQUEST_HEAD {
            return Err(Refusal::TooLarge);
        }
    }
}

/// Where the head ends: the first `\r\n\r\n` (or bare `\n\n`).
fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|window| window == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|window| window == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

struct Response {
    code: u16,
    content_type: &'static str,
    body: String,
    head_only: bool,
    allow: bool,
}

impl Response {
    fn text(code: u16, body: &str) -> Self {
        Self {
            code,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
            head_only: false,
            allow: false,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.code {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.code,
            self.content_type,
            self.body.len()
        );
        if self.allow {
            out.push_str("Allow: GET, HEAD\r\n");
        }
        out.push_str("\r\n");
        if !self.head_only {
            out.push_str(&self.body);
        }
        out.into_bytes()
    }
}

/// The answer to a request head.
fn respond(head: &str, pools: &dyn Exposition) -> Response {
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Response::text(400, "bad request line\n");
    };
    if !version.starts_with("HTTP/1.") {
        return Response::text(400, "HTTP/1.x only\n");
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return Response {
                allow: true,
                ..Response::text(405, "GET or HEAD\n")
            }
        }
    };
    let path = target.split('?').next().unwrap_or_default();
    let response = match path {
        "/metrics" => Response {
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            ..Response::text(200, &pools.exposition())
        },
        "/health" => {
            let (code, body) = pools.health(Instant::now());
            Response {
                content_type: "application/json",
                ..Response::text(code, &body)
            }
        }
        _ => Response::text(404, "not found: /metrics or /health\n"),
    };
    Response {
        head_only,
        ..response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> PoolView {
        PoolView {
            net_delta: -1_234,
            unpriced: None,
            band: 10_000,
            rebalance_seq: 3,
            recorded_seq: 2,
            lot: 1_000,
            seconds_until_rebalance: 0,
            hedge_position: 42_000,
            max_hedge_position: 1_000_000,
            pending_request_base: 5,
            hedge_realized_pnl: -17,
            hedge_unrealized_pnl: Some(99),
        }
    }

    #[test]
    fn the_exposition_names_every_series_once_with_its_value() {
        let metrics = Metrics::new("Pool1", "paper");
        let before = metrics.render();
        assert!(
            before.contains("homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"failed\"} 0")
        );
        assert!(before
            .contains("homeostat_keeper_failures_total{pool=\"Pool1\",class=\"transient\"} 0"));
        assert!(
            before.contains("homeostat_keeper_last_success_timestamp_seconds{pool=\"Pool1\"} 0\n")
        );
        assert!(
            !before.contains("net_delta"),
            "no pool gauges before the pool is read"
        );
        metrics.step_succeeded(&Step::Recorded {
            seq: 1,
            filled_base: -500,
        });
        metrics.step_succeeded(&Step::Recorded {
            seq: 2,
            filled_base: 0,
        });
        metrics.step_succeeded(&Step::Idle);
        metrics.step_failed(&KeeperError::Transient {
            message: "down".into(),
            retry_after: None,
        });
        metrics.step_failed(&KeeperError::VenueRejected {
            code: -2019,
            message: "margin".into(),
        });
        metrics.pool_read(&view());
        let text = metrics.render();
        for line in [
            "homeostat_keeper_info{pool=\"Pool1\",venue=\"paper\"} 1",
            "homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"recorded\"} 2",
            "homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"idle\"} 1",
            "homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"failed\"} 2",
            "homeostat_keeper_hedges_total{pool=\"Pool1\"} 2",
            "homeostat_keeper_fills_total{pool=\"Pool1\"} 1",
            "homeostat_keeper_filled_base_atoms_total{pool=\"Pool1\"} 500",
            "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"transient\"} 1",
            "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"venue_rejected\"} 1",
            "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"chain\"} 0",
            "homeostat_keeper_consecutive_failures{pool=\"Pool1\"} 2",
            "homeostat_keeper_net_delta_base_atoms{pool=\"Pool1\"} -1234",
            "homeostat_keeper_band_base_atoms{pool=\"Pool1\"} 10000",
            "homeostat_keeper_hedge_position_base_atoms{pool=\"Pool1\"} 42000",
            "homeostat_keeper_pending_requests{pool=\"Pool1\"} 1",
            "homeostat_keeper_hedge_realized_pnl_quote_atoms{pool=\"Pool1\"} -17",
            "homeostat_keeper_hedge_unrealized_pnl_quote_atoms{pool=\"Pool1\"} 99",
        ] {
            assert!(
                text.lines().any(|sample| sample == line),
                "{line} in\n{text}"
            );
        }
        // Every sample belongs to a family announced just before it, each family once.
        let mut announced = Vec::new();
        for sample in text.lines() {
            if let Some(rest) = sample.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!announced.contains(&name.to_string()), "{name} twice");
                announced.push(name.to_string());
            } else if !sample.starts_with('#') {
                let name = sample.split(['{', ' ']).next().unwrap();
                assert_eq!(Some(&name.to_string()), announced.last(), "{sample}");
                let value = sample.rsplit(' ').next().unwrap();
                value.parse::<f64>().unwrap_or_else(|_| panic!("{sample}"));
            }
        }
        let timestamp: f64 = text
            .lines()
            .find_map(|line| {
                line.strip_prefix(
                    "homeostat_keeper_last_success_timestamp_seconds{pool=\"Pool1\"} ",
                )
            })
            .unwrap()
            .parse()
            .unwrap();
        assert!(timestamp > 1.7e9, "{timestamp}");
        // A success resets the run of failures.
        metrics.step_succeeded(&Step::Waiting { seconds: 3 });
        assert!(metrics
            .render()
            .contains("homeostat_keeper_consecutive_failures{pool=\"Pool1\"} 0\n"));
        let unpriced = PoolView {
            hedge_unrealized_pnl: None,
            ..view()
        };
        metrics.pool_read(&unpriced);
        assert!(!metrics.render().contains("unrealized"));
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn health_follows_the_last_successful_step() {
        let metrics = Metrics::new("Pool1", "paper");
        let rule = HealthRule {
            stale_after: Duration::from_secs(30),
        };
        let (code, body) = metrics.health(rule, Instant::now());
        assert_eq!(code, 503);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "starting");
        metrics.step_succeeded(&Step::Idle);
        let succeeded = Instant::now();
        let (code, body) = metrics.health(rule, succeeded + Duration::from_secs(29));
        assert_eq!(code, 200, "{body}");
        metrics.step_failed(&KeeperError::Chain("paused".into()));
        let (code, body) = metrics.health(rule, succeeded + Duration::from_secs(31));
        assert_eq!(code, 503);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["status"], "stale");
        assert_eq!(body["consecutive_failures"], 1);
    }

    #[test]
    fn many_pools_share_one_exposition_and_health_is_the_worst() {
        let (one, two) = (
            Arc::new(Metrics::new("Pool1", "paper")),
            Arc::new(Metrics::new("Pool2", "binance")),
        );
        one.step_failed(&KeeperError::Chain("paused".into()));
        let text = render_all(&[&one, &two]);
        for line in [
            "homeostat_keeper_info{pool=\"Pool1\",venue=\"paper\"} 1",
            "homeostat_keeper_info{pool=\"Pool2\",venue=\"binance\"} 1",
            "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"chain\"} 1",
            "homeostat_keeper_failures_total{pool=\"Pool2\",class=\"chain\"} 0",
        ] {
            assert!(
                text.lines().any(|sample| sample == line),
                "{line} in\n{text}"
            );
        }
        assert_eq!(
            text.matches("# TYPE homeostat_keeper_info ").count(),
            1,
            "each family once"
        );
        let rule = HealthRule {
            stale_after: Duration::from_secs(30),
        };
        let pools = vec![(Arc::clone(&one), rule), (Arc::clone(&two), rule)];
        two.step_succeeded(&Step::Idle);
        let (code, body) = health_all(&pools, Instant::now());
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (code, &body["status"]),
            (503, &serde_json::json!("starting"))
        );
        assert_eq!(body["pools"][1]["pool"], "Pool2");
        assert_eq!(body["pools"][1]["status"], "ok");
        one.step_succeeded(&Step::Idle);
        assert_eq!(health_all(&pools, Instant::now()).0, 200);
    }

    /// Sends `request` to the responder on `addr` and reads the whole answer.
    async fn ask(addr: SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        stream.shutdown().await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn the_responder_answers_its_two_paths_and_refuses_the_rest() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::new(Metrics::new("Pool1", "paper"));
        let rule = HealthRule {
            stale_after: Duration::from_secs(60),
        };
        tokio::spawn(serve(
            listener,
            Arc::new(vec![(Arc::clone(&metrics), rule)]),
        ));

        let answer = ask(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("Content-Type: text/plain; version=0.0.4"));
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
        assert!(body.contains("homeostat_keeper_steps_total"));

        let answer = ask(addr, b"GET /health HTTP/1.0\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        metrics.step_succeeded(&Step::Idle);
        let answer = ask(addr, b"GET /health?verbose=1 HTTP/1.1\n\n").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.contains("\"status\":\"ok\""), "{answer}");

        let answer = ask(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n"), "no body for HEAD: {answer}");

        for (request, status) in [
            (&b"GET / HTTP/1.1\r\n\r\n"[..], "404"),
            (
                b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                "405",
            ),
            (b"GET /metrics\r\n\r\n", "400"),
            (b"GET /metrics SPDY/3\r\n\r\n", "400"),
            (b"\xff\xfe /metrics HTTP/1.1\r\n\r\n", "400"),
            (b"GET /metrics HTTP/1.1\r\nHost: x", "400"),
        ] {
            let answer = ask(addr, request).await;
            assert!(
                answer.starts_with(&format!("HTTP/1.1 {status} ")),
                "{}: {answer}",
                String::from_utf8_lossy(request)
            );
        }
        let mut huge = b"GET /metrics HTTP/1.1\r\n".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 2 * MAX_REQUEST_HEAD));
        let answer = ask(addr, &huge).await;
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        let answer = ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK"), "still serving");
    }
    #[tokio::test(start_paused = true)]
    async fn a_silent_client_is_dropped_and_a_crowd_waits_its_turn() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let rule = HealthRule {
            stale_after: Duration::from_secs(60),
        };
        tokio::spawn(serve(
            listener,
            Arc::new(vec![(Arc::new(Metrics::new("P", "paper")), rule)]),
        ));
        // Every slot taken by a client that sends half a request and waits.
        let mut silent = Vec::new();
        for _ in 0..MAX_CONNECTIONS {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"GET /metr").await.unwrap();
            silent.push(stream);
        }
        // One more is closed unanswered while they hold the slots.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let mut crowded = TcpStream::connect(addr).await.unwrap();
        // A whole request: were it served, it would be answered.
        let _ = crowded.write_all(b"GET /health HTTP/1.1\r\n\r\n").await;
        let _ = crowded.shutdown().await;
        let mut answer = Vec::new();
        let _ = crowded.read_to_end(&mut answer).await;
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
        // The silent ones are dropped when their time is up, unanswered…
        let started = tokio::time::Instant::now();
        for mut stream in silent {
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer).await;
            assert!(answer.is_empty());
        }
        assert!(started.elapsed() >= REQUEST_TIMEOUT - Duration::from_millis(20));
        // …and the responder serves again.
        let answer = ask(addr, b"GET /health HTTP/1.1\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    }
}
