//! One calibration round: the estimates, the bounded (and maybe explored) proposal, and
//! how they are printed — a table, or one JSON object.

use homeostat::PoolParams;
use homeostat_sdk::calibrate::{self, Calibration, History, Intensity, Settings, Step};
use serde_json::{json, Value};

use super::CalibrateArgs;

/// One calibration: the estimates and the bounded proposal.
pub(super) struct Round {
    calibration: Calibration,
    current: PoolParams,
    pub(super) proposed: PoolParams,
    steps: Vec<Step>,
    /// With `--explore`: the k it centred on and the factor drawn.
    pub(super) explored: Option<(f64, f64)>,
    max_step: f64,
    grid_secs: f64,
    fills: usize,
    hours: f64,
}

impl Round {
    /// Estimates from `history` and proposes the bounded change to `current`, explored
    /// with `--explore` (`last_center`: the previous round's centre; `draw` uniform in
    /// `[0, 1)`).
    pub(super) fn new(
        history: &History,
        current: &PoolParams,
        settings: &Settings,
        args: &CalibrateArgs,
        (last_center, draw): (Option<f64>, f64),
    ) -> Result<Self, calibrate::CalibrationError> {
        let calibration = calibrate::calibrate(history, settings, args.target_inventory);
        let proposal = calibrate::propose(current, &calibration, args.max_step)?;
        let (proposed, steps, explored) = match args.explore {
            Some(size) => {
                let explored =
                    calibrate::explore(current, proposal, last_center, size, draw, args.max_step)?;
                let drawn = Some((explored.center_k, explored.factor));
                (explored.params, explored.steps, drawn)
            }
            None => (proposal.0, proposal.1, None),
        };
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
            explored,
            max_step: args.max_step,
            grid_secs: settings.grid_secs,
        })
    }

    /// The calibrated fields as the pool has them after the round: proposed when
    /// `applied`, else current.
    pub(super) fn fields(&self, applied: bool) -> Vec<(&'static str, f64)> {
        self.steps
            .iter()
            .map(|step| {
                let value = if applied { step.proposed } else { step.current };
                (step.name, value)
            })
            .collect()
    }

    /// Whether any parameter changes.
    pub(super) fn moves(&self) -> bool {
        self.steps
            .iter()
            .any(|step| (step.proposed / step.current - 1.0).abs() > 1e-9)
    }

    pub(super) fn json(&self) -> Value {
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
            "explored": self.explored.map(|(center, factor)| json!({
                "center_k": center, "factor": factor,
            })),
            "proposal": self.steps.iter().map(|step| json!({
                "field": step.name, "current": step.current,
                "estimate": step.target, "proposed": step.proposed,
            })).collect::<Vec<_>>(),
            "params": { "current": crate::admin::params_json(&self.current),
                "proposed": crate::admin::params_json(&self.proposed) },
        })
    }

    pub(super) fn render(&self, as_json: bool) -> String {
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
        if let Some((center, factor)) = self.explored {
            text += &format!(
                "exploring: order_decay is {center:.6e} × {factor:.4} (then within the step)\n"
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
