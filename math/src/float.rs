//! Fixed point to and from floats (feature `std`): the one conversion the off-chain crates
//! use for reports, fits and simulation inputs — never for amounts or anything the program
//! computes.

extern crate std;

use crate::fixed::{Fixed, FRACTION_BITS};

/// How a float is brought to the nearest representable fixed-point value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatRounding {
    /// Toward negative infinity.
    Down,
    /// To the nearest value, halves away from zero.
    Nearest,
}

/// `2^48` as a float: one in fixed-point bits.
const ONE: f64 = (1u64 << FRACTION_BITS) as f64;
/// `2^127`: bits at or beyond it do not fit an `i128`.
const BITS_LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;

impl Fixed {
    /// The value as a float (to within its 53-bit mantissa).
    pub fn to_f64(self) -> f64 {
        // i128 → f64 rounds to the nearest float: the only loss, and a documented one.
        #[allow(clippy::cast_precision_loss)]
        let bits = self.to_bits() as f64;
        bits / ONE
    }

    /// `value` in fixed point, rounded as `rounding` says; `None` when it is not finite
    /// or beyond the range.
    pub fn from_f64(value: f64, rounding: FloatRounding) -> Option<Self> {
        let scaled = value * ONE;
        let bits = match rounding {
            FloatRounding::Down => scaled.floor(),
            FloatRounding::Nearest => scaled.round(),
        };
        if !bits.is_finite() || bits.abs() >= BITS_LIMIT {
            return None;
        }
        // Finite and within ±2^127: the cast is exact (the value is already an integer).
        #[allow(clippy::cast_possible_truncation)]
        let bits = bits as i128;
        Some(Self::from_bits(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_as_named_and_refuse_what_does_not_fit() {
        assert_eq!(Fixed::from_int(150).to_f64(), 150.0);
        assert_eq!(Fixed::from_bits(-3).to_f64(), -3.0 / ONE);
        let third = 1.0 / 3.0;
        let down = Fixed::from_f64(third, FloatRounding::Down).unwrap();
        let nearest = Fixed::from_f64(third, FloatRounding::Nearest).unwrap();
        assert_eq!(down.to_bits(), (third * ONE).floor() as i128);
        assert_eq!(nearest.to_bits(), (third * ONE).round() as i128);
        assert_eq!(
            Fixed::from_f64(-1.5 / ONE, FloatRounding::Down).map(Fixed::to_bits),
            Some(-2)
        );
        assert_eq!(
            Fixed::from_f64(-1.5 / ONE, FloatRounding::Nearest).map(Fixed::to_bits),
            Some(-2)
        );
        assert_eq!(Fixed::from_f64(f64::NAN, FloatRounding::Down), None);
        assert_eq!(Fixed::from_f64(f64::INFINITY, FloatRounding::Nearest), None);
        assert_eq!(Fixed::from_f64(1e30, FloatRounding::Down), None);
        assert!(Fixed::from_f64(1e23, FloatRounding::Down).is_some());
    }
}
