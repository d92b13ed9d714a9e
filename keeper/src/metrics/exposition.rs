//! The Prometheus text exposition (format 0.0.4) of the keeper's series.

use std::fmt::Write as _;
use std::time::UNIX_EPOCH;

use super::{Metrics, PoolGauges, State};

impl Metrics {
    /// Every series of this pool: name, type, help and the samples (labels, value), each
    /// labelled with the pool.
    fn families(&self) -> Vec<Family> {
        let state = self.state();
        let labels = PoolLabel(format!("pool=\"{}\"", escape(&self.pool)));
        let mut families = self.step_families(&state, &labels);
        if let Some(gauges) = state.pool {
            families.extend(pool_families(gauges, &labels));
        }
        families
    }

    /// The loop's own series: what it did and when it last succeeded.
    fn step_families(&self, state: &State, labels: &PoolLabel) -> Vec<Family> {
        let labelled = |extra: &str| labels.with(extra);
        let plain = |value: String| labels.plain(value);
        vec![
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
        ]
    }
}

/// The pool's series as last read: its position, band, hedge and the hedge's P&L.
fn pool_families(gauges: PoolGauges, labels: &PoolLabel) -> Vec<Family> {
    let mut families = Vec::new();
    {
        let mut gauge = |name, help, value: String| {
            families.push(Family {
                name,
                kind: "gauge",
                help,
                samples: labels.plain(value),
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

/// The `pool` label every sample carries, alone or before others.
struct PoolLabel(String);

impl PoolLabel {
    fn with(&self, extra: &str) -> String {
        if extra.is_empty() {
            self.0.clone()
        } else {
            format!("{},{extra}", self.0)
        }
    }

    fn plain(&self, value: String) -> Vec<(String, String)> {
        vec![(self.0.clone(), value)]
    }
}

/// One metric family of one pool (or of the quoter, `crate::quoter::metrics`).
pub(crate) struct Family {
    /// Its name.
    pub(crate) name: &'static str,
    /// `counter` or `gauge`.
    pub(crate) kind: &'static str,
    /// Its `HELP` text.
    pub(crate) help: &'static str,
    /// Each sample's labels (without braces) and value.
    pub(crate) samples: Vec<(String, String)>,
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
    write_families(merged)
}

/// The text exposition of `families`, each with its `HELP` and `TYPE`.
pub(crate) fn write_families(families: Vec<Family>) -> String {
    let mut out = String::new();
    for family in families {
        let _ = writeln!(out, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind);
        for (labels, value) in family.samples {
            let _ = writeln!(out, "{}{{{labels}}} {value}", family.name);
        }
    }
    out
}

/// A label value as the exposition format quotes it.
pub(crate) fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
