//! Deterministic `ln`, `ln(1+x)` and `exp` on [`Fixed`].
//!
//! These run only where parameters are set (never on the swap path). They evaluate their
//! series in an internal Q31.96 format (96 fractional bits, 48 more than `Fixed`) and round
//! the result to nearest once at the end, so each result is within one unit in the last
//! place (`2^-48`) of the exact value, plus a relative `2^-80` for large `exp` results —
//! the series' own truncation error is below `2^-90`.

use crate::error::{ensure, MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, FRACTION_BITS};
use crate::wide::{div_i128, div_rem_wide, widening_mul};

const HP_BITS: u32 = 96;
const HP_ONE: i128 = 1 << HP_BITS;
/// `round(ln 2 · 2^96)`.
const LN2_HP: i128 = 54_916_777_467_707_473_351_141_471_128;
/// Bits between the internal format and `Fixed`.
const EXTRA_BITS: u32 = HP_BITS - FRACTION_BITS;
/// Below this `exp` rounds to zero: `e^-34 < 2^-49`.
const EXP_UNDERFLOW: Fixed = Fixed::from_int(-34);
/// Above this `exp` exceeds the `Fixed` range (`e^55 > 2^79`).
const EXP_OVERFLOW: Fixed = Fixed::from_int(55);

/// `a · b` in the internal format, truncated toward zero.
#[track_caller]
fn hp_mul(a: i128, b: i128) -> Result<i128> {
    let negative = (a < 0) != (b < 0);
    let (high, low) = widening_mul(a.unsigned_abs(), b.unsigned_abs());
    let (magnitude, _) =
        div_rem_wide(high, low, HP_ONE.unsigned_abs()).or_math(MathErrorKind::Overflow)?;
    let value = i128::try_from(magnitude).or_math(MathErrorKind::Overflow)?;
    // `value ≤ i128::MAX`, so its negation cannot wrap.
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// `ln(1 + x)` for `0 ≤ x ≤ 1` in the internal format, as `2·atanh(x / (2 + x))`:
/// the argument is at most 1/3, so each term of the series shrinks ninefold.
#[track_caller]
fn ln_1p_hp(x: i128) -> Result<i128> {
    debug_assert!((0..=HP_ONE).contains(&x));
    let denominator = x.saturating_add(HP_ONE.saturating_mul(2));
    let (high, low) = widening_mul(x.unsigned_abs(), HP_ONE.unsigned_abs());
    let (z, _) =
        div_rem_wide(high, low, denominator.unsigned_abs()).or_math(MathErrorKind::Overflow)?;
    let z = i128::try_from(z).or_math(MathErrorKind::Overflow)?;
    let z_squared = hp_mul(z, z)?;
    let mut power = z;
    let mut sum = z;
    let mut odd: i128 = 1;
    loop {
        power = hp_mul(power, z_squared)?;
        if power == 0 {
            break;
        }
        odd = odd.saturating_add(2);
        sum = sum.saturating_add(div_i128(power, odd).unwrap_or(0));
    }
    Ok(sum.saturating_mul(2))
}

/// Rounds an internal-format value to the nearest `Fixed` (ties upward).
#[track_caller]
fn hp_to_fixed(value: i128) -> Result<Fixed> {
    let half = 1i128 << (EXTRA_BITS - 1);
    let rounded = value.checked_add(half).or_math(MathErrorKind::Overflow)? >> EXTRA_BITS;
    Ok(Fixed::from_bits(rounded))
}

/// Natural logarithm. Error unless `x > 0`.
#[track_caller]
pub fn ln(x: Fixed) -> Result<Fixed> {
    ensure(x.is_positive(), MathErrorKind::OutOfDomain)?;
    let bits = x.to_bits().unsigned_abs();
    // x = 2^exponent · (1 + fraction) with 0 ≤ fraction < 1.
    let top_bit = 127u32.saturating_sub(bits.leading_zeros());
    let exponent = i128::from(top_bit).saturating_sub(i128::from(FRACTION_BITS));
    let below_top = bits ^ (1u128 << top_bit);
    let fraction = if top_bit <= HP_BITS {
        below_top << HP_BITS.saturating_sub(top_bit)
    } else {
        // Only for x ≥ 2^48; the dropped bits are below 2^-96 relative.
        below_top >> top_bit.saturating_sub(HP_BITS)
    };
    let fraction = i128::try_from(fraction).or_math(MathErrorKind::Overflow)?;
    let logarithm = exponent
        .saturating_mul(LN2_HP)
        .saturating_add(ln_1p_hp(fraction)?);
    hp_to_fixed(logarithm)
}

/// `ln(1 + x)`, accurate to one unit in the last place also for tiny `x` (where computing
/// `1 + x` first would lose digits). Error unless `x > -1`.
#[track_caller]
pub fn ln_1p(x: Fixed) -> Result<Fixed> {
    if x.is_negative() || x > Fixed::ONE {
        return ln(Fixed::ONE.checked_add(x)?);
    }
    // 0 ≤ x ≤ 1, so the shifted bits stay below 2^97.
    hp_to_fixed(ln_1p_hp(x.to_bits() << EXTRA_BITS)?)
}

/// `e^x`. Rounds to zero below `-34`; error above the `Fixed` range (`x ≳ 54.8`).
#[track_caller]
pub fn exp(x: Fixed) -> Result<Fixed> {
    if x < EXP_UNDERFLOW {
        return Ok(Fixed::ZERO);
    }
    ensure(x < EXP_OVERFLOW, MathErrorKind::Overflow)?;
    let x_hp = x.to_bits() << EXTRA_BITS;
    // x = n·ln2 + r with |r| ≤ ln2/2; e^x = 2^n · e^r.
    let half_ln2 = LN2_HP >> 1;
    let shifted = if x_hp >= 0 {
        x_hp.saturating_add(half_ln2)
    } else {
        x_hp.saturating_sub(half_ln2)
    };
    let n = div_i128(shifted, LN2_HP).unwrap_or(0);
    let r = x_hp.saturating_sub(n.saturating_mul(LN2_HP));
    let mut term = HP_ONE;
    let mut sum = HP_ONE;
    let mut index: i128 = 0;
    loop {
        index = index.saturating_add(1);
        term = div_i128(hp_mul(term, r)?, index).unwrap_or(0);
        if term == 0 {
            break;
        }
        sum = sum.saturating_add(term);
    }
    // value = sum · 2^n / 2^96, in Fixed bits: sum · 2^(n - 48).
    let shift = n.saturating_sub(i128::from(EXTRA_BITS));
    let bits = if shift >= 0 {
        let shift = u32::try_from(shift).or_math(MathErrorKind::Overflow)?;
        ensure(sum.leading_zeros() > shift, MathErrorKind::Overflow)?;
        sum << shift
    } else {
        let shift = u32::try_from(shift.saturating_neg()).or_math(MathErrorKind::Overflow)?;
        if shift >= 127 {
            0
        } else {
            sum.saturating_add(1i128 << shift.saturating_sub(1)) >> shift
        }
    };
    Ok(Fixed::from_bits(bits))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::integer_division)]
mod tests {
    use super::*;

    fn close(actual: Fixed, expected: Fixed, ulps: i128) -> bool {
        (actual.to_bits() - expected.to_bits()).abs() <= ulps
    }

    #[test]
    fn ln_of_one_is_zero_and_ln_of_two_is_ln2() {
        assert_eq!(ln(Fixed::ONE), Ok(Fixed::ZERO));
        let ln2 = hp_to_fixed(LN2_HP).unwrap();
        assert!(close(ln(Fixed::from_int(2)).unwrap(), ln2, 1));
        assert!(close(
            ln(Fixed::from_int(1024))
                .unwrap()
                .div(ln2, crate::Rounding::Down)
                .unwrap(),
            Fixed::from_int(10),
            8
        ));
    }

    #[test]
    fn ln_rejects_zero_and_negatives() {
        assert_eq!(
            ln(Fixed::ZERO).unwrap_err().kind,
            MathErrorKind::OutOfDomain
        );
        assert_eq!(
            ln(Fixed::from_int(-3)).unwrap_err().kind,
            MathErrorKind::OutOfDomain
        );
        assert_eq!(
            ln_1p(Fixed::from_int(-1)).unwrap_err().kind,
            MathErrorKind::OutOfDomain
        );
    }

    #[test]
    fn exp_inverts_ln_and_handles_the_range_edges() {
        assert_eq!(exp(Fixed::ZERO), Ok(Fixed::ONE));
        let two = exp(ln(Fixed::from_int(2)).unwrap()).unwrap();
        assert!(close(two, Fixed::from_int(2), 2), "{two}");
        assert_eq!(exp(Fixed::from_int(-40)), Ok(Fixed::ZERO));
        assert_eq!(
            exp(Fixed::from_int(60)).unwrap_err().kind,
            MathErrorKind::Overflow
        );
        assert!(exp(Fixed::from_int(54)).is_ok());
    }
}
