//! `Fixed`: a signed 128-bit fixed-point number with 48 fractional bits (I80F48 layout).
//!
//! Every operation that can lose precision takes an explicit [`Rounding`]; every operation
//! that can fail returns a [`MathError`] located at its caller. Products and quotients go
//! through exact 256-bit intermediates, so the only error is the one final rounding step,
//! in the direction the caller asked for.

use core::fmt;

use crate::error::{ensure, MathError, MathErrorKind, OrMathError, Result};
use crate::wide::{add_wide, div_rem_wide, isqrt_wide, shr_wide, sub_wide, widening_mul};

/// Number of fractional bits: one unit in the last place is `2^-48 ≈ 3.55e-15`.
pub const FRACTION_BITS: u32 = 48;
const ONE_BITS: i128 = 1 << FRACTION_BITS;
const FRACTION_MASK: u128 = (1 << FRACTION_BITS) - 1;

/// Direction of a rounding step.
///
/// `Down` is toward negative infinity and `Up` toward positive infinity, for negative
/// values too: "down" always means "the smaller representable neighbour".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Toward negative infinity (floor).
    Down,
    /// Toward positive infinity (ceiling).
    Up,
}

impl Rounding {
    /// The other direction: a quantity subtracted from a result rounded `Up` must itself
    /// be rounded `Down`, and vice versa.
    pub const fn opposite(self) -> Self {
        match self {
            Self::Down => Self::Up,
            Self::Up => Self::Down,
        }
    }
}

/// A signed fixed-point number, value = `bits / 2^48`.
///
/// Range: `±(2^79 - 2^-48) ≈ ±6.0e23`; resolution `2^-48`. The representable range is
/// symmetric: `i128::MIN` bits are never produced.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed(i128);

impl Fixed {
    /// 0.
    pub const ZERO: Self = Self(0);
    /// 1.
    pub const ONE: Self = Self(ONE_BITS);
    /// The smallest positive value, `2^-48`.
    pub const EPSILON: Self = Self(1);
    /// The largest value.
    pub const MAX: Self = Self(i128::MAX);
    /// The most negative value (`-MAX`).
    pub const MIN: Self = Self(-i128::MAX);

    /// From raw bits (`value · 2^48`). The one bit pattern outside the symmetric range,
    /// `i128::MIN`, reads as [`Fixed::MIN`], so negation can never overflow.
    pub const fn from_bits(bits: i128) -> Self {
        if bits == i128::MIN {
            Self::MIN
        } else {
            Self(bits)
        }
    }

    /// The raw bits (`value · 2^48`).
    pub const fn to_bits(self) -> i128 {
        self.0
    }

    /// An exact integer. Every `i64` fits.
    pub const fn from_int(value: i64) -> Self {
        Self((value as i128) << FRACTION_BITS)
    }

    /// An exact unsigned integer. Every `u64` fits.
    pub const fn from_u64(value: u64) -> Self {
        Self((value as i128) << FRACTION_BITS)
    }

    /// An exact integer from an `i128`, if it fits (`|value| < 2^79`).
    #[track_caller]
    pub fn from_i128(value: i128) -> Result<Self> {
        let bits = value
            .checked_mul(ONE_BITS)
            .or_math(MathErrorKind::Overflow)?;
        ensure(bits != i128::MIN, MathErrorKind::Overflow)?;
        Ok(Self(bits))
    }

    /// `numerator / denominator`, rounded as asked. Handy for decimal constants:
    /// `Fixed::ratio(15, 10, Rounding::Down)` is 1.5.
    #[track_caller]
    pub fn ratio(numerator: i128, denominator: i128, rounding: Rounding) -> Result<Self> {
        let bits = mul_div_bits(numerator, ONE_BITS, denominator, rounding)?;
        Ok(Self(bits))
    }

    /// `self + rhs`.
    #[track_caller]
    pub fn checked_add(self, rhs: Self) -> Result<Self> {
        from_checked_bits(self.0.checked_add(rhs.0))
    }

    /// `self - rhs`.
    #[track_caller]
    pub fn checked_sub(self, rhs: Self) -> Result<Self> {
        from_checked_bits(self.0.checked_sub(rhs.0))
    }

    /// `-self` (always exact: the range is symmetric).
    pub const fn neg(self) -> Self {
        // Never `i128::MIN` (see `from_bits`), so this cannot wrap.
        Self(self.0.wrapping_neg())
    }

    /// `|self|` (always exact: the range is symmetric).
    pub const fn abs(self) -> Self {
        Self(self.0.abs())
    }

    /// `self · rhs`, rounded as asked.
    #[track_caller]
    pub fn mul(self, rhs: Self, rounding: Rounding) -> Result<Self> {
        let negative = (self.0 < 0) != (rhs.0 < 0);
        let (high, low) = widening_mul(self.0.unsigned_abs(), rhs.0.unsigned_abs());
        let (magnitude, inexact) =
            shr_wide(high, low, FRACTION_BITS).or_math(MathErrorKind::Overflow)?;
        Ok(Self(apply_sign(magnitude, inexact, negative, rounding)?))
    }

    /// `self / rhs`, rounded as asked.
    #[track_caller]
    pub fn div(self, rhs: Self, rounding: Rounding) -> Result<Self> {
        Ok(Self(mul_div_bits(self.0, ONE_BITS, rhs.0, rounding)?))
    }

    /// `self · multiplier / divisor` with one rounding step (exact 256-bit intermediate).
    #[track_caller]
    pub fn mul_div(self, multiplier: Self, divisor: Self, rounding: Rounding) -> Result<Self> {
        Ok(Self(mul_div_bits(
            self.0,
            multiplier.0,
            divisor.0,
            rounding,
        )?))
    }

    /// `√self`, rounded as asked. Error for a negative input.
    ///
    /// Correctly rounded: the floor (`Down`) or the ceiling (`Up`) of the exact root, in
    /// units of 2⁻⁴⁸ — the root of the exact 256-bit radicand `bits · 2⁴⁸`.
    #[track_caller]
    pub fn sqrt(self, rounding: Rounding) -> Result<Self> {
        let (floor, exact) = self.floor_root()?;
        let root = match rounding {
            Rounding::Up if !exact => floor.saturating_add(1),
            _ => floor,
        };
        to_signed(root).map(Self)
    }

    /// `(√self rounded down, √self rounded up)`: an interval holding the exact root, from
    /// one root (the ceiling is the floor, plus one unless the root is exact).
    #[track_caller]
    pub fn sqrt_bounds(self) -> Result<(Self, Self)> {
        let (floor, exact) = self.floor_root()?;
        let ceiling = if exact {
            floor
        } else {
            floor.saturating_add(1)
        };
        Ok((to_signed(floor).map(Self)?, to_signed(ceiling).map(Self)?))
    }

    /// `⌊√self⌋` in units of 2⁻⁴⁸ and whether it is exact. Error for a negative input.
    #[track_caller]
    fn floor_root(self) -> Result<(u128, bool)> {
        ensure(self.0 >= 0, MathErrorKind::OutOfDomain)?;
        let bits = self.0.unsigned_abs();
        // √(bits/2^48) · 2^48 = √(bits · 2^48).
        let high = bits >> 128u32.saturating_sub(FRACTION_BITS);
        let low = bits << FRACTION_BITS;
        Ok(isqrt_wide(high, low))
    }

    /// `√(a² + b·c)` (`subtract = false`) or `√(a² − b·c)` (`subtract = true`), rounded as
    /// asked, from an exact 256-bit radicand: nothing is squared into the 128-bit range, so
    /// the root exists for every `a` the type holds (an ask of 2^40 quote atoms per lot
    /// squares to 2^80, past `Fixed::MAX`). `b` and `c` must not be negative; the root of a
    /// negative radicand is `OutOfDomain`.
    #[track_caller]
    pub fn root_of_square_with_product(
        a: Self,
        b: Self,
        c: Self,
        subtract: bool,
        rounding: Rounding,
    ) -> Result<Self> {
        ensure(b.0 >= 0 && c.0 >= 0, MathErrorKind::OutOfDomain)?;
        // Both terms are at scale 2^96; the root of a 2^96-scaled value is 2^48-scaled.
        let square = widening_mul(a.0.unsigned_abs(), a.0.unsigned_abs());
        let product = widening_mul(b.0.unsigned_abs(), c.0.unsigned_abs());
        let radicand = if subtract {
            sub_wide(square, product).or_math(MathErrorKind::OutOfDomain)?
        } else {
            add_wide(square, product).or_math(MathErrorKind::Overflow)?
        };
        let (root, exact) = isqrt_wide(radicand.0, radicand.1);
        let root = match rounding {
            Rounding::Up if !exact => root.checked_add(1).or_math(MathErrorKind::Overflow)?,
            _ => root,
        };
        to_signed(root).map(Self)
    }

    /// The value as an integer number of token units, rounded as asked.
    /// Error if it is negative or above `u64::MAX`.
    #[track_caller]
    pub fn to_u64(self, rounding: Rounding) -> Result<u64> {
        ensure(self.0 >= 0, MathErrorKind::OutOfDomain)?;
        let bits = self.0.unsigned_abs();
        let whole = bits >> FRACTION_BITS;
        let whole = match rounding {
            Rounding::Up if bits & FRACTION_MASK != 0 => whole.saturating_add(1),
            _ => whole,
        };
        u64::try_from(whole).or_math(MathErrorKind::Overflow)
    }

    /// True if strictly above zero.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// True if strictly below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// True if zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

/// `a · b / c` on raw bits, one rounding step.
#[track_caller]
fn mul_div_bits(a: i128, b: i128, c: i128, rounding: Rounding) -> Result<i128> {
    ensure(c != 0, MathErrorKind::DivisionByZero)?;
    let negative = ((a < 0) != (b < 0)) != (c < 0);
    let (high, low) = widening_mul(a.unsigned_abs(), b.unsigned_abs());
    let (quotient, remainder) =
        div_rem_wide(high, low, c.unsigned_abs()).or_math(MathErrorKind::Overflow)?;
    apply_sign(quotient, remainder != 0, negative, rounding)
}

/// Signs a truncated magnitude and applies the rounding the caller asked for: truncation
/// already rounded a positive value down and a negative value up.
#[track_caller]
fn apply_sign(magnitude: u128, inexact: bool, negative: bool, rounding: Rounding) -> Result<i128> {
    let away_from_zero = inexact
        && match rounding {
            Rounding::Down => negative,
            Rounding::Up => !negative,
        };
    let magnitude = if away_from_zero {
        magnitude.checked_add(1).or_math(MathErrorKind::Overflow)?
    } else {
        magnitude
    };
    let value = to_signed(magnitude)?;
    // `value ≤ i128::MAX`, so its negation cannot wrap.
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

#[track_caller]
fn to_signed(magnitude: u128) -> Result<i128> {
    i128::try_from(magnitude).or_math(MathErrorKind::Overflow)
}

#[track_caller]
fn from_checked_bits(bits: Option<i128>) -> Result<Fixed> {
    match bits {
        Some(bits) if bits != i128::MIN => Ok(Fixed(bits)),
        _ => Err(MathError::new(MathErrorKind::Overflow)),
    }
}

impl fmt::Display for Fixed {
    /// Exact decimal expansion, truncated to 15 fractional digits (or the precision asked
    /// for with `{:.N}`), trailing zeros removed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        write!(f, "{}", magnitude >> FRACTION_BITS)?;
        let mut fraction = magnitude & FRACTION_MASK;
        let digits = f.precision().unwrap_or(15);
        if fraction == 0 || digits == 0 {
            return Ok(());
        }
        f.write_str(".")?;
        let mut written: usize = 0;
        let mut pending_zeros: usize = 0;
        while fraction != 0 && written < digits {
            // fraction < 2^48, so ten times it fits easily.
            fraction = fraction.wrapping_mul(10);
            let digit = fraction >> FRACTION_BITS;
            fraction &= FRACTION_MASK;
            written = written.saturating_add(1);
            if digit == 0 {
                pending_zeros = pending_zeros.saturating_add(1);
            } else {
                for _ in 0..pending_zeros {
                    f.write_str("0")?;
                }
                pending_zeros = 0;
                write!(f, "{digit}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fixed({self})")
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]

        /// `sqrt` is the exact floor / ceiling of the root at 2⁻⁴⁸ resolution, over the
        /// whole non-negative range: `down² ≤ x·2⁴⁸ < (down+1)²` in exact integers.
        #[test]
        fn sqrt_is_correctly_rounded(bits in 0i128..i128::MAX, shift in 0u32..127) {
            let x = Fixed(bits >> shift);
            let down = x.sqrt(Rounding::Down).unwrap().0.unsigned_abs();
            let up = x.sqrt(Rounding::Up).unwrap().0.unsigned_abs();
            let radicand = {
                let value = x.0.unsigned_abs();
                (value >> 80, value << 48)
            };
            prop_assert!(widening_mul(down, down) <= radicand);
            prop_assert!(widening_mul(down + 1, down + 1) > radicand);
            let exact = widening_mul(down, down) == radicand;
            prop_assert_eq!(up, if exact { down } else { down + 1 });
        }
    }
}
