//! What a supervisor scrapes: Prometheus metrics at `/metrics` and a health check at
//! `/health`, served on `--metrics-addr` by a small HTTP/1.1 responder.
//!
//! The responder answers `GET` (and `HEAD`) of those two paths and nothing else: a request
//! head is read up to [`MAX_REQUEST_HEAD`] bytes within [`REQUEST_TIMEOUT`], at most
//! [`MAX_CONNECTIONS`] at once, one request per connection; anything it cannot parse gets
//! a 4xx, never a panic. It runs beside the keeper's loop and only reads the [`Metrics`]
//! the loop writes.

mod exposition;
mod responder;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

pub use exposition::render_all;
pub(crate) use exposition::{escape, write_families, Family};
pub use responder::{
    bind, serve, BindError, Exposition, MAX_CONNECTIONS, MAX_REQUEST_HEAD, REQUEST_TIMEOUT,
};

use crate::keeper::{PoolView, Step};
use crate::KeeperError;

/// Step outcomes, as the `outcome` label of `homeostat_keeper_steps_total`.
pub const OUTCOMES: [&str; 4] = ["idle", "waiting", "recorded", "failed"];
/// Failure classes ([`failure_class`]), as the `class` label of
/// `homeostat_keeper_failures_total`.
pub const CLASSES: [&str; 5] = ["chain", "venue", "venue_rejected", "journal", "transient"];

/// The `class` label of a failed step.
pub fn failure_class(error: &KeeperError) -> &'static str {
    match error {
        KeeperError::Chain { .. }
        | KeeperError::RecordRefused { .. }
        | KeeperError::ChainState(_)
        | KeeperError::NotThePoolsKeeper { .. }
        | KeeperError::NotThePoolsQuoter { .. } => "chain",
        KeeperError::Venue(_) | KeeperError::VenueClient { .. } | KeeperError::VenueMath { .. } => {
            "venue"
        }
        KeeperError::VenueRejected { .. } => "venue_rejected",
        KeeperError::Journal(_) => "journal",
        KeeperError::Transient { .. } | KeeperError::Node { .. } => "transient",
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
        health_answer(
            state.last_success.map(|(at, _)| at),
            state.consecutive_failures,
            rule.stale_after,
            now,
        )
    }

    /// The Prometheus text exposition (format 0.0.4) of this pool alone.
    pub fn render(&self) -> String {
        render_all(&[self])
    }
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

/// `/health`'s status code and JSON body for a loop whose last success ended at
/// `last_success` (none yet: starting): healthy within `stale_after` of `now`. The keeper's
/// pools and the calibration service answer alike.
pub fn health_answer(
    last_success: Option<Instant>,
    consecutive_failures: u64,
    stale_after: std::time::Duration,
    now: Instant,
) -> (u16, String) {
    let age = last_success.map(|at| now.saturating_duration_since(at));
    let (code, status) = match age {
        None => (503, "starting"),
        Some(age) if age > stale_after => (503, "stale"),
        Some(_) => (200, "ok"),
    };
    let body = serde_json::json!({
        "status": status,
        "last_success_age_seconds": age.map(|age| age.as_secs_f64()),
        "stale_after_seconds": stale_after.as_secs_f64(),
        "consecutive_failures": consecutive_failures,
    });
    (code, format!("{body}\n"))
}
