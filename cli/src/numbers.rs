//! Off-chain numeric helpers for reports: fixed point to and from floats (display and
//! simulation inputs only — never for amounts), and summary statistics.

use homeostat_math::{Fixed, FloatRounding};

/// The nearest `Fixed` to a float (saturated at the range's ends; a NaN reads as 0).
pub fn to_fixed(value: f64) -> Fixed {
    Fixed::from_f64(value, FloatRounding::Nearest).unwrap_or(if value.is_nan() {
        Fixed::ZERO
    } else if value > 0.0 {
        Fixed::MAX
    } else {
        Fixed::MIN
    })
}

/// Mean and (population) standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

/// A decimal parameter no I80F48 holds.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("{0} is outside the fixed-point range")]
pub struct OutOfRange(pub f64);

/// Raw I80F48 bits of a decimal parameter, rounded down (toward −∞).
pub fn bits_from_f64_down(value: f64) -> Result<i128, OutOfRange> {
    Fixed::from_f64(value, FloatRounding::Down)
        .map(Fixed::to_bits)
        .ok_or(OutOfRange(value))
}
