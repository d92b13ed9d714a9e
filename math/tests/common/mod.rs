//! Shared helpers for the math crate's tests: conversions to and from `f64`, the float
//! reference the fixed-point code is checked against, and paper parameter sets.
#![allow(dead_code)]

use homeostat_math::{Fixed, ModelKind, ModelParams, Units};

/// `Fixed` as `f64` (tests only).
pub fn f(value: Fixed) -> f64 {
    value.to_bits() as f64 / 2f64.powi(48)
}

/// Nearest `Fixed` to an `f64` (tests only).
pub fn fx(value: f64) -> Fixed {
    Fixed::from_bits((value * 2f64.powi(48)).round() as i128)
}

/// Relative error `|actual − expected| / |expected|` (absolute below `1e-300`).
pub fn rel_err(actual: f64, expected: f64) -> f64 {
    let diff = (actual - expected).abs();
    if expected.abs() < 1e-300 {
        diff
    } else {
        diff / expected.abs()
    }
}

/// Avellaneda & Stoikov (2008) section 4, in absolute units: γ = 0.1, k = 1.5, A = 140,
/// horizon T − t = 1.
pub fn paper_params(kind: ModelKind) -> ModelParams {
    ModelParams {
        kind,
        units: Units::Absolute,
        risk_aversion: fx(0.1),
        order_decay: fx(1.5),
        arrival_intensity: Fixed::from_int(140),
        horizon: Fixed::ONE,
    }
}

/// The float reference: (half_spread, skew) of a linear-skew model, in its own units.
pub fn reference_half_spread_and_skew(
    kind: ModelKind,
    gamma: f64,
    k: f64,
    a: f64,
    tau: f64,
    variance: f64,
) -> (f64, f64) {
    let c1 = (1.0 + gamma / k).ln() / gamma;
    match kind {
        ModelKind::AvellanedaStoikov => (c1, gamma * tau * variance),
        _ => {
            let c2 = (gamma / (2.0 * a * k) * (1.0 + gamma / k).powf(k / gamma + 1.0)).sqrt();
            (c1, variance.sqrt() * c2)
        }
    }
}
