//! γ from the operator's inventory tolerance, through the model's own `c2` (from
//! `homeostat-math`, never a second formula).

use homeostat_math::{Fixed, FloatRounding, ModelKind, ModelParams, Units};

use super::CalibrationError;

/// The model's `c2(γ, A, k)` (GLFT, relative units), from `homeostat-math` — the value
/// the program would store.
pub fn c2(gamma: f64, a: f64, k: f64) -> Result<f64, CalibrationError> {
    let fixed = |value: f64, name: &str| match Fixed::from_f64(value, FloatRounding::Down) {
        Some(fixed) if fixed.is_positive() => Ok(fixed),
        _ => Err(CalibrationError::OutOfDomain(format!(
            "{name} = {value} is not a positive number the model can hold"
        ))),
    };
    let params = ModelParams {
        kind: ModelKind::Glft,
        units: Units::Relative,
        risk_aversion: fixed(gamma, "γ")?,
        order_decay: fixed(k, "k")?,
        arrival_intensity: fixed(a, "A")?,
        horizon: Fixed::ZERO,
    };
    let coefficients = params.coefficients().map_err(|_| {
        CalibrationError::OutOfDomain(format!(
            "γ = {gamma}, A = {a}, k = {k} is outside the model's domain (docs/math.md, \
             \"Parameter domain\")"
        ))
    })?;
    Ok(coefficients.c2.to_f64())
}

/// The first two moments of fill sizes, lots: `(E[s], E[s²])`.
pub fn size_moments(sizes: &[f64]) -> Option<(f64, f64)> {
    let n = sizes.len() as f64;
    (n > 0.0).then(|| {
        (
            sizes.iter().sum::<f64>() / n,
            sizes.iter().map(|s| s * s).sum::<f64>() / n,
        )
    })
}

/// The γ that holds the inventory's standard deviation at `target_lots` against flow of
/// intensity `(a, k)` and sizes `(E[s], E[s²])` lots, at volatility `sigma` (per
/// √second): the skew `K* = E[s²]/(2·E[s]·k·target²)` solved for `σ·c2(γ, A, k) = K*` by
/// bisection (c2 rises with γ), within the model's domain.
pub fn risk_aversion_for(
    target_lots: f64,
    (mean_size, mean_square): (f64, f64),
    a: f64,
    k: f64,
    sigma: f64,
) -> Result<f64, CalibrationError> {
    if !(target_lots > 0.0 && mean_size > 0.0 && sigma > 0.0 && k > 0.0 && a > 0.0) {
        return Err(CalibrationError::OutOfDomain(format!(
            "the inventory target ({target_lots} lots), mean fill size ({mean_size}), σ \
             ({sigma}), A ({a}) and k ({k}) must be positive"
        )));
    }
    let skew = mean_square / (2.0 * mean_size * k * target_lots * target_lots);
    let wanted = skew / sigma;
    // γ's domain: [2^-20, 2^20] and γ/k in [2^-16, 2^16].
    let (mut low, mut high) = (
        (k * 2f64.powi(-16)).max(2f64.powi(-20)) * 1.001,
        (k * 2f64.powi(16)).min(2f64.powi(20)) * 0.999,
    );
    let (at_low, at_high) = (c2(low, a, k)?, c2(high, a, k)?);
    if !(at_low..=at_high).contains(&wanted) {
        return Err(CalibrationError::OutOfDomain(format!(
            "no γ in the model's domain gives an inventory standard deviation of \
             {target_lots} lots here (the skew it needs, {skew:.3e} per lot, is outside \
             {:.3e}…{:.3e}) — choose another target",
            at_low * sigma,
            at_high * sigma
        )));
    }
    // Geometric bisection: γ spans many orders of magnitude.
    for _ in 0..100 {
        let middle = (low * high).sqrt();
        if c2(middle, a, k)? < wanted {
            low = middle;
        } else {
            high = middle;
        }
    }
    Ok((low * high).sqrt())
}
