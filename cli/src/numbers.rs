//! Off-chain numeric helpers for reports: fixed point to and from floats (display and
//! simulation inputs only — never for amounts), and summary statistics.

use homeostat_math::Fixed;

const ONE: f64 = (1u64 << 48) as f64;

/// Raw I80F48 bits as a float.
pub fn bits_to_f64(bits: i128) -> f64 {
    bits as f64 / ONE
}

/// A `Fixed` as a float.
pub fn to_f64(value: Fixed) -> f64 {
    bits_to_f64(value.to_bits())
}

/// The nearest `Fixed` to a float.
pub fn to_fixed(value: f64) -> Fixed {
    Fixed::from_bits((value * ONE).round() as i128)
}

/// Mean and (population) standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, variance.sqrt())
}

/// Raw I80F48 bits of a decimal parameter, rounded down (toward −∞).
pub fn bits_from_f64_down(value: f64) -> Result<i128, String> {
    let scaled = (value * ONE).floor();
    if !scaled.is_finite() || scaled.abs() >= 2f64.powi(126) {
        return Err(format!("{value} is outside the fixed-point range"));
    }
    Ok(scaled as i128)
}
