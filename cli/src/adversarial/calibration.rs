//! Issue #29's benchmark in the adversarial market: a Homeostat pool recalibrated
//! periodically from its own history (prints, one-lot quotes, fills) by the SDK's
//! estimators, each `update_params` bounded per step; the trace of every calibration, and
//! over seeds how close the estimates came to the model flow's true A and k per side and
//! σ, charted. docs/calibration.md has the commands and the results.

use std::fmt::Write as _;
use std::path::Path;

use homeostat_sdk::calibrate::{self, Fill, History, Print, QuoteSample, Settings, Side};
use serde::Serialize;

use super::price::SECONDS_PER_YEAR;
use super::report::{Estimate, SeedReport};
use super::{AdversarialError, Scenario};
use crate::charts::{Chart, Line};
use crate::rng::Rng;

/// One pool's recorded history and its calibrations so far.
pub struct Calibrator {
    history: History,
    settings: Settings,
    /// Exploration's draws (a stream of their own: runs without it are unchanged).
    rng: Rng,
    /// The k calibration last set before exploring: where the next exploration centres
    /// when there is no new estimate.
    center_k: Option<f64>,
    /// Calibrations so far.
    pub trace: Vec<TracePoint>,
}

/// One calibration: the estimates (`None` where the estimator declined) and the
/// parameters the pool then had.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TracePoint {
    /// When, hours.
    pub hours: f64,
    /// A at the bid, per second.
    pub bid_a: Option<f64>,
    /// k at the bid.
    pub bid_k: Option<f64>,
    /// A at the ask.
    pub ask_a: Option<f64>,
    /// k at the ask.
    pub ask_k: Option<f64>,
    /// σ, per √second.
    pub sigma: Option<f64>,
    /// γ for the inventory target.
    pub gamma: Option<f64>,
    /// The pool's A after the update.
    pub pool_a: f64,
    /// The pool's k after the update.
    pub pool_k: f64,
    /// The pool's γ after the update.
    pub pool_gamma: f64,
    /// The pool's σ (its pinned variance's root) after the update.
    pub pool_sigma: f64,
    /// The largest factor any parameter moved by in this update.
    pub largest_move: f64,
    /// The LPs' result against holding so far, USDC.
    pub lp_vs_hold_usdc: f64,
}

impl Calibrator {
    /// An empty history, read with the SDK's default settings; `rng` draws the
    /// exploration.
    pub fn new(rng: Rng) -> Self {
        Self {
            history: History::default(),
            settings: Settings::default(),
            rng,
            center_k: None,
            trace: Vec::new(),
        }
    }

    /// An oracle print observed at `t` seconds.
    pub fn print(&mut self, t: f64, price: f64) {
        self.history.prints.push(Print { t, price });
    }

    /// What the pool quoted for one lot for `duration` seconds from `t`.
    pub fn quote(&mut self, t: f64, duration: f64, bid: Option<f64>, ask: Option<f64>) {
        self.history.quotes.push(QuoteSample {
            t,
            duration,
            bid,
            ask,
        });
    }

    /// A fill at `t`: `base` SOL into the pool for `quote` USDC out of it (signs as
    /// `venues::Fill`), `lot_sol` SOL per lot.
    pub fn fill(&mut self, t: f64, base: f64, quote: f64, lot_sol: f64) {
        if base == 0.0 {
            return;
        }
        let side = if base > 0.0 { Side::Bid } else { Side::Ask };
        self.history.fills.push(Fill {
            t,
            side,
            price: (quote / base).abs(),
            size: base.abs() / lot_sol,
        });
    }

    /// Estimates from the whole history and the bounded change to `current`; records the
    /// point and returns the new parameters (`None`: no change is possible).
    pub fn calibrate(
        &mut self,
        hours: f64,
        lp_vs_hold_usdc: f64,
        current: &homeostat::PoolParams,
        scenario: &Scenario,
    ) -> Option<homeostat::PoolParams> {
        let target = (scenario.calibrate_target_inventory_sol > 0.0)
            .then(|| scenario.calibrate_target_inventory_sol / lot_sol(current));
        let calibration = calibrate::calibrate(&self.history, &self.settings, target);
        let side = |index: usize| calibration.sides[index].as_ref().ok();
        let proposal = calibrate::propose(current, &calibration, scenario.calibrate_max_step);
        let (next, largest_move) = match self.explored(current, proposal, scenario) {
            Ok((next, steps)) => {
                let largest = steps
                    .iter()
                    .map(|step| {
                        let ratio = step.proposed / step.current;
                        ratio.max(1.0 / ratio)
                    })
                    .fold(1.0, f64::max);
                (Some(next), largest)
            }
            Err(_) => (None, 1.0),
        };
        let pool = next
            .as_ref()
            .filter(|_| scenario.calibrate_apply)
            .unwrap_or(current);
        let largest_move = if scenario.calibrate_apply {
            largest_move
        } else {
            1.0
        };
        self.trace.push(TracePoint {
            hours,
            bid_a: side(0).map(|fit| fit.a.estimate),
            bid_k: side(0).map(|fit| fit.k.estimate),
            ask_a: side(1).map(|fit| fit.a.estimate),
            ask_k: side(1).map(|fit| fit.k.estimate),
            sigma: calibration
                .volatility
                .as_ref()
                .ok()
                .map(|v| v.sigma().estimate),
            gamma: calibration
                .risk_aversion
                .as_ref()
                .and_then(|gamma| gamma.as_ref().ok().copied()),
            pool_a: value(pool.arrival_intensity),
            pool_k: value(pool.order_decay),
            pool_gamma: value(pool.risk_aversion),
            pool_sigma: value(pool.variance_floor).sqrt(),
            largest_move,
            lp_vs_hold_usdc,
        });
        next
    }

    /// `proposal` explored when the scenario asks for it (`calibrate::explore`).
    fn explored(
        &mut self,
        current: &homeostat::PoolParams,
        proposal: Result<
            (homeostat::PoolParams, Vec<calibrate::Step>),
            calibrate::CalibrationError,
        >,
        scenario: &Scenario,
    ) -> Result<(homeostat::PoolParams, Vec<calibrate::Step>), calibrate::CalibrationError> {
        let proposal = proposal?;
        if scenario.calibrate_explore == 0.0 {
            return Ok(proposal);
        }
        let explored = calibrate::explore(
            current,
            proposal,
            self.center_k,
            scenario.calibrate_explore,
            self.rng.uniform(),
            scenario.calibrate_max_step,
        )?;
        self.center_k = Some(explored.center_k);
        Ok((explored.params, explored.steps))
    }

    /// The program refused the last proposal: the pool kept `current`.
    pub fn refused(&mut self, current: &homeostat::PoolParams) {
        if let Some(point) = self.trace.last_mut() {
            point.largest_move = 1.0;
            point.pool_a = value(current.arrival_intensity);
            point.pool_k = value(current.order_decay);
            point.pool_gamma = value(current.risk_aversion);
            point.pool_sigma = value(current.variance_floor).sqrt();
        }
    }
}

fn value(stored: homeostat::StoredFixed) -> f64 {
    stored.get().to_f64()
}

fn lot_sol(params: &homeostat::PoolParams) -> f64 {
    params.lot as f64 / homeostat_localnet::ONE_BASE as f64
}

/// The model flow's true parameters, as the pool's units: A per side, k per side, σ (the
/// diffusion's, when both regimes share it), and the γ the inventory target implies at
/// the truth (symmetric flow only).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Truth {
    /// A at the bid, per second (in lots: the flow's orders are one size).
    pub bid_a: f64,
    /// k at the bid.
    pub bid_k: f64,
    /// A at the ask.
    pub ask_a: f64,
    /// k at the ask.
    pub ask_k: f64,
    /// σ per √second (`None` when the regimes differ: no single truth).
    pub sigma: Option<f64>,
    /// γ for the target at the truth.
    pub gamma: Option<f64>,
}

impl Truth {
    /// The truth of `scenario`.
    pub fn of(scenario: &Scenario) -> Self {
        let sigma = (scenario.calm_volatility == scenario.stressed_volatility)
            .then(|| scenario.calm_volatility / SECONDS_PER_YEAR.sqrt());
        let lots = scenario.model_flow_size_sol; // the benchmark's lot is 1 SOL
        let symmetric = scenario.model_flow_bid_per_sec == scenario.model_flow_ask_per_sec
            && scenario.model_flow_bid_decay == scenario.model_flow_ask_decay;
        let gamma = sigma
            .filter(|_| symmetric && scenario.calibrate_target_inventory_sol > 0.0)
            .and_then(|sigma| {
                calibrate::risk_aversion_for(
                    scenario.calibrate_target_inventory_sol,
                    (lots, lots * lots),
                    scenario.model_flow_bid_per_sec,
                    scenario.model_flow_bid_decay,
                    sigma,
                )
                .ok()
            });
        Self {
            bid_a: scenario.model_flow_bid_per_sec,
            bid_k: scenario.model_flow_bid_decay,
            ask_a: scenario.model_flow_ask_per_sec,
            ask_k: scenario.model_flow_ask_decay,
            sigma,
            gamma,
        }
    }
}

/// Each seed's trace of the first calibrated pool.
fn traces(reports: &[SeedReport]) -> Vec<&[TracePoint]> {
    reports
        .iter()
        .filter_map(|report| {
            report
                .calibration
                .first()
                .map(|(_, trace)| trace.as_slice())
        })
        .collect()
}

/// Over seeds, the first calibrated pool's LP result from calibration `index` to the end
/// (its final LP vs hold minus that at the calibration), USDC.
fn lp_from(reports: &[SeedReport], index: usize) -> Estimate {
    let values: Vec<f64> = reports
        .iter()
        .filter_map(|report| {
            let (name, trace) = report.calibration.first()?;
            let point = trace.get(index)?;
            let pool = report.pools.iter().find(|pool| pool.pool == name)?;
            Some(pool.lp_vs_hold_usdc - point.lp_vs_hold_usdc)
        })
        .collect();
    Estimate::of(&values)
}

/// Per calibration time: over seeds, the share within `band` of the truth and the mean
/// ratio estimate / truth, for `get` (a missing estimate counts as outside).
fn across(
    traces: &[&[TracePoint]],
    index: usize,
    truth: f64,
    band: f64,
    get: impl Fn(&TracePoint) -> Option<f64>,
) -> (f64, f64) {
    let ratios: Vec<Option<f64>> = traces
        .iter()
        .map(|trace| trace.get(index).and_then(&get).map(|v| v / truth))
        .collect();
    let within = ratios
        .iter()
        .filter(|r| r.is_some_and(|r| (r - 1.0).abs() <= band))
        .count();
    let present: Vec<f64> = ratios.iter().flatten().copied().collect();
    let mean = if present.is_empty() {
        f64::NAN
    } else {
        present.iter().sum::<f64>() / present.len() as f64
    };
    (within as f64 / traces.len().max(1) as f64, mean)
}

/// The convergence table: per calibration, over seeds, the share of seeds whose estimate
/// is within ±20 % (A, k per side) or ±10 % (σ) of the truth, and the mean ratio; then the
/// pool's parameters over the truth; and the largest step any update took.
pub fn table(scenario: &Scenario, reports: &[SeedReport]) -> String {
    let traces = traces(reports);
    let truth = Truth::of(scenario);
    let Some(first) = traces.first() else {
        return "calibration: no calibrated pool in this run\n".into();
    };
    let exploring = if scenario.calibrate_explore > 0.0 {
        format!(", k explored ×{}^±1", 1.0 + scenario.calibrate_explore)
    } else {
        String::new()
    };
    let mut text = format!(
        "\nCalibration every {} s (steps of at most ×{}{exploring}), {} seeds: share of seeds \
         within ±20 % (A, k) / ±10 % (σ) of the truth, mean estimate / truth\n",
        scenario.calibrate_every_secs,
        1.0 + scenario.calibrate_max_step,
        traces.len()
    );
    let _ = writeln!(
        text,
        "truth: bid A {} k {}, ask A {} k {}, σ {}, γ {}",
        truth.bid_a,
        truth.bid_k,
        truth.ask_a,
        truth.ask_k,
        truth
            .sigma
            .map_or("— (regimes differ)".into(), |s| format!("{s:.4e}")),
        truth.gamma.map_or("—".into(), |g| format!("{g:.4}")),
    );
    let _ = writeln!(
        text,
        "{:>6} {:>13} {:>13} {:>13} {:>13} {:>13} | {:>6} {:>6} {:>6} {:>6} {:>9} | {:>17}",
        "hours",
        "bid A",
        "bid k",
        "ask A",
        "ask k",
        "σ",
        "pool A",
        "pool k",
        "pool σ",
        "pool γ",
        "max step",
        "LP from here, USDC"
    );
    let sigma = truth.sigma.unwrap_or(f64::NAN);
    for (index, point) in first.iter().enumerate() {
        let cell = |(share, mean): (f64, f64)| format!("{:>3.0} % ×{mean:.3}", share * 100.0);
        let mean_of = |get: &dyn Fn(&TracePoint) -> f64, truth: f64| {
            traces
                .iter()
                .filter_map(|trace| trace.get(index).map(get))
                .sum::<f64>()
                / traces.len() as f64
                / truth
        };
        let largest = traces
            .iter()
            .filter_map(|trace| trace.get(index).map(|p| p.largest_move))
            .fold(1.0, f64::max);
        let _ = writeln!(
            text,
            "{:>6.1} {:>13} {:>13} {:>13} {:>13} {:>13} | {:>6.3} {:>6.3} {:>6.3} {:>6.3} {:>9.3} | {:>17}",
            point.hours,
            cell(across(&traces, index, truth.bid_a, 0.2, |p| p.bid_a)),
            cell(across(&traces, index, truth.bid_k, 0.2, |p| p.bid_k)),
            cell(across(&traces, index, truth.ask_a, 0.2, |p| p.ask_a)),
            cell(across(&traces, index, truth.ask_k, 0.2, |p| p.ask_k)),
            cell(across(&traces, index, sigma, 0.1, |p| p.sigma)),
            mean_of(&|p| p.pool_a, 0.5 * (truth.bid_a + truth.ask_a)),
            mean_of(&|p| p.pool_k, 0.5 * (truth.bid_k + truth.ask_k)),
            mean_of(&|p| p.pool_sigma, sigma),
            truth
                .gamma
                .map_or(f64::NAN, |gamma| mean_of(&|p| p.pool_gamma, gamma)),
            largest,
            {
                let lp = lp_from(reports, index);
                format!("{:.1} ± {:.1}", lp.mean, lp.se)
            },
        );
    }
    text + &spread_line(&traces, &truth)
}

/// The estimates' spread over seeds at the last calibration: the root-mean-square
/// relative error of each (a missing estimate named), what exploration should shrink.
fn spread_line(traces: &[&[TracePoint]], truth: &Truth) -> String {
    type Getter = fn(&TracePoint) -> Option<f64>;
    let fields: [(&str, f64, Getter); 4] = [
        ("bid A", truth.bid_a, |p| p.bid_a),
        ("bid k", truth.bid_k, |p| p.bid_k),
        ("ask A", truth.ask_a, |p| p.ask_a),
        ("ask k", truth.ask_k, |p| p.ask_k),
    ];
    let cells: Vec<String> = fields
        .iter()
        .map(|(name, truth, get)| {
            let errors: Vec<f64> = traces
                .iter()
                .filter_map(|trace| trace.last().and_then(get))
                .map(|estimate| (estimate / truth - 1.0).powi(2))
                .collect();
            let missing = traces.len() - errors.len();
            let rms = (errors.iter().sum::<f64>() / errors.len().max(1) as f64).sqrt();
            match missing {
                0 => format!("{name} {:.1} %", 100.0 * rms),
                _ => format!("{name} {:.1} % ({missing} without)", 100.0 * rms),
            }
        })
        .collect();
    format!(
        "rms error of the last estimates over seeds: {}\n",
        cells.join(", ")
    )
}

/// The convergence chart: the mean over seeds of each estimate and of the pool's
/// parameters, as a ratio to the truth, by hour; the ±20 % band dashed.
pub fn chart(
    scenario: &Scenario,
    reports: &[SeedReport],
    dir: &Path,
) -> Result<String, AdversarialError> {
    let traces = traces(reports);
    let truth = Truth::of(scenario);
    let Some(first) = traces.first() else {
        return Err(AdversarialError::NoCalibratedPool);
    };
    let series = |get: &dyn Fn(&TracePoint) -> Option<f64>, truth: f64| -> Vec<(f64, f64)> {
        first
            .iter()
            .enumerate()
            .map(|(index, point)| (point.hours, across(&traces, index, truth, 0.2, get).1))
            .collect()
    };
    // The pool's lines start where it started (`calibrate_start_factor`), at hour 0.
    let start = scenario.calibrate_start_factor;
    let pool_series = |get: &dyn Fn(&TracePoint) -> Option<f64>, truth: f64| {
        let mut points = series(get, truth);
        if start > 0.0 {
            points.insert(0, (0.0, start));
        }
        points
    };
    let hours = first.last().map_or(1.0, |p| p.hours);
    let sigma = truth.sigma.unwrap_or(f64::NAN);
    let mut lines = vec![
        Line::new(
            "bid A (estimate)",
            plotters::style::RGBColor(31, 119, 180),
            series(&|p| p.bid_a, truth.bid_a),
        ),
        Line::new(
            "bid k (estimate)",
            plotters::style::RGBColor(255, 127, 14),
            series(&|p| p.bid_k, truth.bid_k),
        ),
        Line::new(
            "ask A (estimate)",
            plotters::style::RGBColor(44, 160, 44),
            series(&|p| p.ask_a, truth.ask_a),
        ),
        Line::new(
            "ask k (estimate)",
            plotters::style::RGBColor(214, 39, 40),
            series(&|p| p.ask_k, truth.ask_k),
        ),
        Line::new(
            "σ (estimate)",
            plotters::style::RGBColor(148, 103, 189),
            series(&|p| p.sigma, sigma),
        ),
        Line::new(
            "pool A",
            plotters::style::RGBColor(31, 119, 180),
            pool_series(&|p| Some(p.pool_a), 0.5 * (truth.bid_a + truth.ask_a)),
        )
        .bold(),
        Line::new(
            "pool k",
            plotters::style::RGBColor(255, 127, 14),
            pool_series(&|p| Some(p.pool_k), 0.5 * (truth.bid_k + truth.ask_k)),
        )
        .bold(),
        Line::new(
            "pool σ",
            plotters::style::RGBColor(148, 103, 189),
            pool_series(&|p| Some(p.pool_sigma), sigma),
        )
        .bold(),
    ];
    if let Some(gamma) = truth.gamma {
        lines.push(
            Line::new(
                "pool γ",
                plotters::style::RGBColor(140, 86, 75),
                pool_series(&|p| Some(p.pool_gamma), gamma),
            )
            .bold(),
        );
    }
    lines.extend(band(hours));
    let chart = Chart {
        title: format!(
            "Calibration from the pool's own fills: mean over {} seeds, ratio to the truth",
            traces.len()
        ),
        x_desc: "simulated hours".into(),
        y_desc: "estimate or parameter / truth".into(),
        lines,
        points: Vec::new(),
    };
    let [svg, png] = crate::charts::write(&chart, dir, "calibration")?;
    Ok(format!("{svg}, {png}"))
}

/// The ±20 % band around the truth over `hours`, dashed.
fn band(hours: f64) -> [Line; 2] {
    [0.8, 1.2].map(|level| {
        Line::new(
            "",
            plotters::style::RGBColor(120, 120, 120),
            vec![(0.0, level), (hours, level)],
        )
        .dashed()
    })
}

/// One seed (`scenario.seed`) run as the benchmark runs it: the first calibrated pool's
/// recorded history and its parameters at the end — what `homeostat calibrate --history
/// --config` reads.
pub fn record(scenario: &Scenario) -> Result<(History, homeostat::PoolParams), AdversarialError> {
    let mut market = super::Market::new(scenario, scenario.seed, super::Engine::Math)?;
    let blocks = u64::from(scenario.duration_secs) * 1_000 / market.slot_ms;
    for _ in 0..blocks {
        market.step();
    }
    market
        .venues
        .iter()
        .find_map(|venue| match (&venue.calibrator, &venue.pool) {
            (Some(calibrator), super::VenuePool::Homeostat(pool)) => {
                Some((calibrator.history.clone(), pool.pool().params))
            }
            _ => None,
        })
        .ok_or(AdversarialError::NoHistory)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn benchmark(hours: u32) -> Scenario {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scenarios/calibration.toml"
        ))
        .expect("scenarios/calibration.toml");
        Scenario {
            duration_secs: hours * 3_600,
            ..Scenario::from_toml_checked(&text).expect("a valid scenario")
        }
    }

    fn run(scenario: &Scenario) -> Vec<TracePoint> {
        let report = super::super::Market::new(scenario, scenario.seed, super::super::Engine::Math)
            .and_then(super::super::Market::run)
            .expect("a run");
        report.calibration[0].1.clone()
    }

    #[test]
    fn a_pool_three_times_off_converges_to_the_flow() {
        let scenario = benchmark(8);
        let truth = Truth::of(&scenario);
        let trace = run(&scenario);
        assert_eq!(trace.len(), 8);
        let last = trace.last().expect("a calibration");
        let near = |value: Option<f64>, truth: f64, band: f64| {
            value.is_some_and(|value| (value / truth - 1.0).abs() <= band)
        };
        assert!(near(last.bid_a, truth.bid_a, 0.2), "{last:?}");
        assert!(near(last.bid_k, truth.bid_k, 0.2), "{last:?}");
        assert!(near(last.ask_a, truth.ask_a, 0.2), "{last:?}");
        assert!(near(last.ask_k, truth.ask_k, 0.2), "{last:?}");
        let sigma = truth.sigma.expect("one volatility");
        assert!(near(last.sigma, sigma, 0.1), "{last:?}");
        assert!(near(Some(last.pool_a), truth.bid_a, 0.2), "{last:?}");
        assert!(near(Some(last.pool_k), truth.bid_k, 0.2), "{last:?}");
        assert!(near(Some(last.pool_sigma), sigma, 0.1), "{last:?}");
        // It started three times off, so the first hours moved by whole steps.
        assert!((trace[0].largest_move - 1.5).abs() < 1e-9, "{:?}", trace[0]);
    }

    #[test]
    fn a_trader_filling_only_far_out_moves_no_parameter_beyond_one_step() {
        // The manipulator buys one SOL whenever the ask stands 12 bp or more from the true
        // price — fills the model flow (k = 1 000) would rarely make there — to drag k
        // down and A up. The pool starts at the truth.
        let honest = Scenario {
            calibrate_start_factor: 1.0,
            ..benchmark(6)
        };
        let attacked = Scenario {
            manipulator_ask_bps: 12.0,
            ..honest.clone()
        };
        let truth = Truth::of(&honest);
        let (honest, attacked) = (run(&honest), run(&attacked));
        let bound = 1.0 + benchmark(1).calibrate_max_step + 1e-9;
        let mut previous = (truth.bid_a, truth.bid_k, truth.gamma.expect("a γ"));
        for point in &attacked {
            assert!(point.largest_move <= bound, "{point:?}");
            for (now, before) in [
                (point.pool_a, previous.0),
                (point.pool_k, previous.1),
                (point.pool_gamma, previous.2),
            ] {
                let ratio = now / before;
                assert!(ratio <= bound && ratio >= 1.0 / bound, "{point:?}");
            }
            previous = (point.pool_a, point.pool_k, point.pool_gamma);
        }
        // The attack is real: the ask's fills no longer thin out with distance, so its
        // estimate is refused (an honest history gives one at every calibration).
        assert!(honest.iter().all(|point| point.ask_k.is_some()));
        assert!(attacked.iter().any(|point| point.ask_k.is_none()));
    }
}
