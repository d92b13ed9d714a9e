//! What a supervisor scrapes from `homeostat calibrate --every`: its rounds, failures and
//! the parameters it last left the pool with, on the keeper's responder (`/metrics`,
//! `/health`; `homeostat_keeper::metrics`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use homeostat_keeper::metrics::Exposition;

/// Round outcomes, as the `outcome` label of `homeostat_calibration_rounds_total`.
pub(super) const OUTCOMES: [&str; 4] = ["applied", "proposed", "unchanged", "failed"];
/// Failure classes, as the `class` label of `homeostat_calibration_failures_total`:
/// the node unreachable after the retries, the chain or program refusing, no valid
/// proposal, the service's own files (which stops it).
pub(super) const CLASSES: [&str; 4] = ["transient", "chain", "calibration", "local"];

#[derive(Debug, Default)]
struct State {
    rounds: BTreeMap<&'static str, u64>,
    failures: BTreeMap<&'static str, u64>,
    consecutive_failures: u64,
    last_success: Option<(Instant, SystemTime)>,
    /// The pool's calibrated parameters after the last successful round.
    params: Vec<(&'static str, f64)>,
}

/// The service's counters and gauges.
#[derive(Debug)]
pub(super) struct Metrics {
    pool: String,
    /// `/health` is 503 when the last successful round is older than this.
    stale_after: Duration,
    state: Mutex<State>,
}

impl Metrics {
    pub(super) fn new(pool: &str, stale_after: Duration) -> Self {
        let mut state = State::default();
        for outcome in OUTCOMES {
            state.rounds.insert(outcome, 0);
        }
        for class in CLASSES {
            state.failures.insert(class, 0);
        }
        Self {
            pool: pool.to_string(),
            stale_after,
            state: Mutex::new(state),
        }
    }

    /// The state, even if a writer panicked holding it (the numbers stay usable).
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A round that ended with `outcome`, leaving the pool's calibrated fields at `params`.
    pub(super) fn succeeded(&self, outcome: &'static str, params: Vec<(&'static str, f64)>) {
        let mut state = self.state();
        *state.rounds.entry(outcome).or_default() += 1;
        state.consecutive_failures = 0;
        state.last_success = Some((Instant::now(), SystemTime::now()));
        state.params = params;
    }

    /// A round that failed, of `class`.
    pub(super) fn failed(&self, class: &'static str) {
        let mut state = self.state();
        *state.rounds.entry("failed").or_default() += 1;
        *state.failures.entry(class).or_default() += 1;
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
    }
}

impl Exposition for Metrics {
    fn exposition(&self) -> String {
        let state = self.state();
        let pool = format!("pool=\"{}\"", self.pool.replace(['\\', '"', '\n'], "_"));
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let labels = if labels.is_empty() {
                    pool.clone()
                } else {
                    format!("{pool},{labels}")
                };
                let _ = writeln!(out, "{name}{{{labels}}} {value}");
            }
        };
        let labelled = |label: &str, counts: &BTreeMap<&'static str, u64>| {
            counts
                .iter()
                .map(|(key, count)| (format!("{label}=\"{key}\""), count.to_string()))
                .collect()
        };
        family(
            "homeostat_calibration_rounds_total",
            "counter",
            "Calibration rounds, by outcome (applied, proposed, unchanged, failed).",
            labelled("outcome", &state.rounds),
        );
        family(
            "homeostat_calibration_failures_total",
            "counter",
            "Failed rounds, by class (transient, chain, calibration, local).",
            labelled("class", &state.failures),
        );
        family(
            "homeostat_calibration_consecutive_failures",
            "gauge",
            "Failed rounds since the last successful one (--max-failures stops the service).",
            vec![(String::new(), state.consecutive_failures.to_string())],
        );
        let last = state.last_success.map_or(0.0, |(_, at)| {
            at.duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64()
        });
        family(
            "homeostat_calibration_last_success_timestamp_seconds",
            "gauge",
            "Unix time the last successful round ended (0: none yet).",
            vec![(String::new(), format!("{last:.3}"))],
        );
        family(
            "homeostat_calibration_parameter",
            "gauge",
            "The pool's calibrated parameters after the last successful round (applied or not).",
            state
                .params
                .iter()
                .map(|(field, value)| (format!("field=\"{field}\""), format!("{value:e}")))
                .collect(),
        );
        out
    }

    fn health(&self, now: Instant) -> (u16, String) {
        let state = self.state();
        homeostat_keeper::metrics::health_answer(
            state.last_success.map(|(at, _)| at),
            state.consecutive_failures,
            self.stale_after,
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_counts_rounds_and_health_goes_stale() {
        let metrics = Metrics::new("Pool1", Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(metrics.health(start).0, 503);
        metrics.failed("transient");
        metrics.succeeded("applied", vec![("order_decay", 9_000.0)]);
        let text = metrics.exposition();
        for line in [
            "homeostat_calibration_rounds_total{pool=\"Pool1\",outcome=\"applied\"} 1",
            "homeostat_calibration_rounds_total{pool=\"Pool1\",outcome=\"failed\"} 1",
            "homeostat_calibration_failures_total{pool=\"Pool1\",class=\"transient\"} 1",
            "homeostat_calibration_consecutive_failures{pool=\"Pool1\"} 0",
            "homeostat_calibration_parameter{pool=\"Pool1\",field=\"order_decay\"} 9e3",
        ] {
            assert!(text.contains(line), "no `{line}` in\n{text}");
        }
        assert_eq!(metrics.health(Instant::now()).0, 200);
        let later = Instant::now() + Duration::from_secs(61);
        let (code, body) = metrics.health(later);
        assert_eq!(code, 503);
        assert!(body.contains("\"stale\""), "{body}");
    }
}
