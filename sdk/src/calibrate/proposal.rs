//! The bounded `update_params` change a calibration implies: each parameter toward its
//! estimate by at most one step.

use homeostat::PoolParams;
use homeostat_math::{Fixed, FloatRounding, ModelKind, Units};

use super::{Calibration, CalibrationError};

/// One parameter's move.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The `PoolParams` field.
    pub name: &'static str,
    /// Its value now.
    pub current: f64,
    /// The estimate (`None`: nothing estimated, it stays).
    pub target: Option<f64>,
    /// The value proposed: toward the target by at most the step.
    pub proposed: f64,
}

/// `target` reached from `current` by at most a factor `1 + max_step` either way.
pub fn bounded(current: f64, target: f64, max_step: f64) -> f64 {
    let factor = 1.0 + max_step;
    target.clamp(current / factor, current * factor)
}

/// Rounded down to the nearest fixed-point value at or below `value` (positive; at least
/// the smallest positive value).
fn to_stored(value: f64) -> homeostat::StoredFixed {
    let fixed = Fixed::from_f64(value, FloatRounding::Down).unwrap_or(Fixed::MAX);
    homeostat::StoredFixed::from(fixed.max(Fixed::EPSILON))
}

/// The `update_params` change `calibration` implies for a pool with `current`
/// parameters: A, k (the pooled fit), γ (when a target was given) and — when the pool
/// pins its variance (floor = ceiling) — σ², each moved toward its estimate by at most a
/// factor `1 + max_step`. A parameter without an estimate stays. Fails if the pool is not
/// a relative-units GLFT pool, or the result is outside the program's bounds.
pub fn propose(
    current: &PoolParams,
    calibration: &Calibration,
    max_step: f64,
) -> Result<(PoolParams, Vec<Step>), CalibrationError> {
    if current.model_kind != u8::from(ModelKind::Glft) || current.units != u8::from(Units::Relative)
    {
        return Err(CalibrationError::OutOfDomain(
            "calibration sets a relative-units GLFT pool's parameters; this pool is another \
             model or unit system"
                .into(),
        ));
    }
    if max_step.is_nan() || max_step <= 0.0 {
        return Err(CalibrationError::OutOfDomain(format!(
            "the largest step must be positive, not {max_step}"
        )));
    }
    let pooled = calibration.pooled.as_ref().ok();
    let gamma = calibration
        .risk_aversion
        .as_ref()
        .and_then(|gamma| gamma.as_ref().ok().copied());
    let pinned = current.variance_floor == current.variance_ceiling;
    let sigma2 = calibration
        .volatility
        .as_ref()
        .ok()
        .filter(|_| pinned)
        .map(|v| v.sigma2.estimate);
    let mut next = *current;
    let mut steps = Vec::new();
    let mut step = |name, field: &mut homeostat::StoredFixed, target: Option<f64>| {
        let now = field.get().to_f64();
        let proposed = target.map_or(now, |target| bounded(now, target, max_step));
        if target.is_some() {
            *field = to_stored(proposed);
        }
        steps.push(Step {
            name,
            current: now,
            target,
            proposed,
        });
    };
    step(
        "arrival_intensity",
        &mut next.arrival_intensity,
        pooled.map(|i| i.a.estimate),
    );
    step(
        "order_decay",
        &mut next.order_decay,
        pooled.map(|i| i.k.estimate),
    );
    step("risk_aversion", &mut next.risk_aversion, gamma);
    step("variance_floor", &mut next.variance_floor, sigma2);
    if pinned {
        next.variance_ceiling = next.variance_floor;
    }
    if let Some(violation) = next.violation() {
        return Err(CalibrationError::OutOfDomain(format!(
            "the proposed parameters break a bound: {violation}"
        )));
    }
    Ok((next, steps))
}

/// A proposal explored ([`explore`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Explored {
    /// The parameters to set.
    pub params: PoolParams,
    /// Each parameter's move, k's as explored.
    pub steps: Vec<Step>,
    /// The k exploration centred on: pass it back as `last_center` next time.
    pub center_k: f64,
    /// The factor drawn, `(1 + size)^(2·draw − 1)`, before the step bound.
    pub factor: f64,
}

/// Exploration (issue #29 item 4): `proposal` with its k set to a centre times
/// `(1 + size)^(2·draw − 1)` — a factor log-uniform over `[1/(1 + size), 1 + size]` for
/// `draw` uniform in `[0, 1)` — then held within one step of `current`'s k, so exploring
/// never breaks the step bound. k sets the half-spread (`c1 ≈ 1/k`), so the pool quotes
/// at a distance that varies from one calibration to the next, which separates A from k
/// when the fills would otherwise sit at one distance; the cost is quoting away from the
/// model's optimum (docs/calibration.md, "Exploration"). The centre is the k the
/// proposal sets when k was estimated; without an estimate, `last_center` (else the
/// pool's k), so that the pool's k does not wander from one draw to the next.
pub fn explore(
    current: &PoolParams,
    proposal: (PoolParams, Vec<Step>),
    last_center: Option<f64>,
    size: f64,
    draw: f64,
    max_step: f64,
) -> Result<Explored, CalibrationError> {
    if !(size.is_finite() && size > 0.0 && (0.0..1.0).contains(&draw)) {
        return Err(CalibrationError::OutOfDomain(format!(
            "exploration needs a positive size and a draw in [0, 1), not {size} and {draw}"
        )));
    }
    let (mut params, mut steps) = proposal;
    let now = current.order_decay.get().to_f64();
    let estimated = steps
        .iter()
        .find(|step| step.name == "order_decay" && step.target.is_some())
        .map(|step| step.proposed);
    let center_k = estimated.or(last_center).unwrap_or(now);
    let factor = (1.0 + size).powf(2.0 * draw - 1.0);
    let explored = bounded(now, center_k * factor, max_step);
    params.order_decay = to_stored(explored);
    for step in steps.iter_mut().filter(|step| step.name == "order_decay") {
        step.proposed = explored;
    }
    if let Some(violation) = params.violation() {
        return Err(CalibrationError::OutOfDomain(format!(
            "the explored parameters break a bound: {violation}"
        )));
    }
    Ok(Explored {
        params,
        steps,
        center_k,
        factor,
    })
}
