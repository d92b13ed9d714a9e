//! What a supervisor scrapes from the quoter: its steps, the pushes' landings, the last
//! sequence number and book age, on the keeper's responder (`/metrics`, `/health`;
//! [`crate::metrics`]). `/health` is 200 while the last push was sent within the
//! `--health-intervals` push intervals: a quoter whose book has gone stale is not
//! quoting, and says so.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Outcome, Report};
use crate::metrics::{escape, health_answer, write_families, Exposition, Family};

/// Step outcomes, as the `outcome` label of `homeostat_quoter_steps_total`.
pub const OUTCOMES: [&str; 5] = ["pushed", "stale", "out_of_band", "unpriced", "failed"];
/// Landing results, as the `result` label of `homeostat_quoter_landings_total`.
pub const RESULTS: [&str; 3] = ["landed", "refused", "lost"];

#[derive(Debug, Default)]
struct State {
    steps: BTreeMap<&'static str, u64>,
    landings: BTreeMap<&'static str, u64>,
    consecutive_failures: u64,
    last_sequence: u64,
    book_age: Option<Duration>,
    last_push: Option<(Instant, SystemTime)>,
}

/// The quoter's counters and gauges, written by its loop and read by the responder.
#[derive(Debug)]
pub struct QuoterMetrics {
    pool: String,
    venue: String,
    /// `/health` is 503 when the last push is older than this.
    stale_after: Duration,
    state: Mutex<State>,
}

impl QuoterMetrics {
    /// The metrics of the quoter of `pool` reading `venue`, unhealthy `stale_after` its
    /// last push.
    pub fn new(pool: &str, venue: &str, stale_after: Duration) -> Self {
        let mut state = State::default();
        for outcome in OUTCOMES {
            state.steps.insert(outcome, 0);
        }
        for result in RESULTS {
            state.landings.insert(result, 0);
        }
        Self {
            pool: pool.to_string(),
            venue: venue.to_string(),
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

    /// Counts a step that reported `report`.
    pub fn step(&self, report: &Report) {
        let mut state = self.state();
        let outcome = match &report.outcome {
            Outcome::Pushed {
                sequence, book_age, ..
            } => {
                state.last_sequence = *sequence;
                state.book_age = Some(*book_age);
                state.last_push = Some((Instant::now(), SystemTime::now()));
                "pushed"
            }
            Outcome::Stale { age, .. } => {
                state.book_age = *age;
                "stale"
            }
            Outcome::OutOfBand { .. } => "out_of_band",
            Outcome::Unpriced(_) => "unpriced",
        };
        let steps = state.steps.entry(outcome).or_default();
        *steps = steps.saturating_add(1);
        state.consecutive_failures = 0;
        let settled = &report.settled;
        for (result, count) in [
            ("landed", settled.landed),
            (
                "refused",
                u64::try_from(settled.refused.len()).unwrap_or(u64::MAX),
            ),
            ("lost", settled.lost),
        ] {
            let total = state.landings.entry(result).or_default();
            *total = total.saturating_add(count);
        }
    }

    /// Counts a step that failed.
    pub fn failed(&self) {
        let mut state = self.state();
        let steps = state.steps.entry("failed").or_default();
        *steps = steps.saturating_add(1);
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
    }
}

impl Exposition for QuoterMetrics {
    fn exposition(&self) -> String {
        let state = self.state();
        let pool = format!("pool=\"{}\"", escape(&self.pool));
        let labelled = |label: &str, counts: &BTreeMap<&'static str, u64>| {
            counts
                .iter()
                .map(|(key, count)| (format!("{pool},{label}=\"{key}\""), count.to_string()))
                .collect()
        };
        let plain = |value: String| vec![(pool.clone(), value)];
        let seconds = |at: Option<SystemTime>| {
            at.map_or(0.0, |at| {
                at.duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64()
            })
        };
        let family = |name, kind, help, samples| Family {
            name,
            kind,
            help,
            samples,
        };
        write_families(vec![
            family(
                "homeostat_quoter_info",
                "gauge",
                "The pool this quoter quotes and the venue its book comes from.",
                vec![(
                    format!("{pool},venue=\"{}\"", escape(&self.venue)),
                    "1".into(),
                )],
            ),
            family(
                "homeostat_quoter_steps_total",
                "counter",
                "Quoter steps, by outcome (pushed, stale, out_of_band, unpriced, failed).",
                labelled("outcome", &state.steps),
            ),
            family(
                "homeostat_quoter_landings_total",
                "counter",
                "Pushes whose end is known, by result (landed, refused, lost).",
                labelled("result", &state.landings),
            ),
            family(
                "homeostat_quoter_consecutive_failures",
                "gauge",
                "Failed steps since the last one that did not fail.",
                plain(state.consecutive_failures.to_string()),
            ),
            family(
                "homeostat_quoter_last_sequence",
                "gauge",
                "The sequence number of the last push sent (0: none yet).",
                plain(state.last_sequence.to_string()),
            ),
            family(
                "homeostat_quoter_last_push_timestamp_seconds",
                "gauge",
                "Unix time the last push was sent (0: none yet).",
                plain(format!("{:.3}", seconds(state.last_push.map(|(_, at)| at)))),
            ),
            family(
                "homeostat_quoter_book_age_seconds",
                "gauge",
                "Age of the newest venue book when last used or found stale.",
                plain(format!(
                    "{:.3}",
                    state.book_age.unwrap_or_default().as_secs_f64()
                )),
            ),
        ])
    }

    fn health(&self, now: Instant) -> (u16, String) {
        let state = self.state();
        health_answer(
            state.last_push.map(|(at, _)| at),
            state.consecutive_failures,
            self.stale_after,
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::Settled;
    use super::*;

    #[test]
    fn steps_and_landings_are_counted_and_health_follows_the_pushes() {
        let metrics = QuoterMetrics::new("Pool1", "binance", Duration::from_secs(2));
        let start = Instant::now();
        assert_eq!(metrics.health(start).0, 503, "starting");
        metrics.failed();
        metrics.step(&Report {
            slot: 9,
            outcome: Outcome::Stale {
                age: Some(Duration::from_millis(1_500)),
                venue_error: None,
            },
            settled: Settled::default(),
        });
        assert_eq!(metrics.health(Instant::now()).0, 503, "nothing pushed yet");
        metrics.step(&Report {
            slot: 10,
            outcome: Outcome::Pushed {
                sequence: 42,
                valid_until: 14,
                price: homeostat_math::LotPrice::new(homeostat_math::Fixed::ONE),
                book_age: Duration::from_millis(250),
                signature: "s".into(),
            },
            settled: Settled {
                landed: 2,
                refused: vec![(41, "QuoteExpired".into())],
                lost: 1,
            },
        });
        let text = metrics.exposition();
        for line in [
            "homeostat_quoter_info{pool=\"Pool1\",venue=\"binance\"} 1",
            "homeostat_quoter_steps_total{pool=\"Pool1\",outcome=\"pushed\"} 1",
            "homeostat_quoter_steps_total{pool=\"Pool1\",outcome=\"stale\"} 1",
            "homeostat_quoter_steps_total{pool=\"Pool1\",outcome=\"failed\"} 1",
            "homeostat_quoter_landings_total{pool=\"Pool1\",result=\"landed\"} 2",
            "homeostat_quoter_landings_total{pool=\"Pool1\",result=\"refused\"} 1",
            "homeostat_quoter_landings_total{pool=\"Pool1\",result=\"lost\"} 1",
            "homeostat_quoter_consecutive_failures{pool=\"Pool1\"} 0",
            "homeostat_quoter_last_sequence{pool=\"Pool1\"} 42",
            "homeostat_quoter_book_age_seconds{pool=\"Pool1\"} 0.250",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert_eq!(metrics.health(Instant::now()).0, 200);
        let later = Instant::now() + Duration::from_secs(3);
        assert_eq!(metrics.health(later).0, 503, "no push for 3 s");
    }
}
