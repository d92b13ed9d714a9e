//! 256-bit intermediates for 128-bit fixed-point products and quotients.
//!
//! Only two primitives are needed: the full product of two `u128`s, and the quotient and
//! remainder of a 256-bit number by a `u128`. Both are exact; rounding is decided by the
//! callers from the remainder.

use crate::ops::{record, Op};

const LOW_64: u128 = u64::MAX as u128;

/// The full product `a · b` as `(high, low)` 128-bit halves.
pub(crate) fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    record(Op::WideProduct);
    let (a_hi, a_lo) = (a >> 64, a & LOW_64);
    let (b_hi, b_lo) = (b >> 64, b & LOW_64);
    // Each partial product multiplies two 64-bit halves, so it fits in 128 bits.
    let lo_lo = a_lo.wrapping_mul(b_lo);
    let lo_hi = a_lo.wrapping_mul(b_hi);
    let hi_lo = a_hi.wrapping_mul(b_lo);
    let hi_hi = a_hi.wrapping_mul(b_hi);

    let (middle, middle_carry) = lo_hi.overflowing_add(hi_lo);
    let (low, low_carry) = lo_lo.overflowing_add(middle << 64);
    // The true product is below 2^256, so the high half cannot wrap.
    let high = hi_hi
        .wrapping_add(middle >> 64)
        .wrapping_add(u128::from(middle_carry) << 64)
        .wrapping_add(u128::from(low_carry));
    (high, low)
}

/// `(high·2^128 + low) / divisor` as `(quotient, remainder)`.
///
/// `None` when the divisor is zero or the quotient does not fit in 128 bits.
pub(crate) fn div_rem_wide(high: u128, low: u128, divisor: u128) -> Option<(u128, u128)> {
    if divisor == 0 || high >= divisor {
        return None;
    }
    if high == 0 {
        record(Op::Division128);
        return Some((low.checked_div(divisor)?, low.checked_rem(divisor)?));
    }
    record(Op::WideQuotient);
    // Schoolbook long division, as many bits per step as the divisor's leading zeros allow:
    // the running remainder is below the divisor, so shifting it by that many bits cannot
    // overflow. A divisor with its top bit set falls back to one bit per step with a carry.
    let step = divisor.leading_zeros();
    let mut remainder = high;
    let mut pending = low;
    let mut quotient: u128 = 0;
    let mut bits_left: u32 = 128;
    while bits_left > 0 {
        if step == 0 {
            let carry = remainder >> 127;
            remainder = (remainder << 1) | (pending >> 127);
            pending <<= 1;
            quotient <<= 1;
            if carry == 1 || remainder >= divisor {
                remainder = remainder.wrapping_sub(divisor);
                quotient |= 1;
            }
            bits_left = bits_left.saturating_sub(1);
        } else {
            let k = step.min(bits_left);
            remainder = (remainder << k) | (pending >> 128u32.saturating_sub(k));
            pending = pending.checked_shl(k).unwrap_or(0);
            record(Op::Division128);
            quotient = (quotient << k) | remainder.checked_div(divisor)?;
            remainder = remainder.checked_rem(divisor)?;
            bits_left = bits_left.saturating_sub(k);
        }
    }
    Some((quotient, remainder))
}

/// `(high·2^128 + low) >> shift` for `0 < shift < 128`, with whether any bit was dropped.
///
/// `None` when the result does not fit in 128 bits.
pub(crate) fn shr_wide(high: u128, low: u128, shift: u32) -> Option<(u128, bool)> {
    debug_assert!(shift > 0 && shift < 128);
    if high >> shift != 0 {
        return None;
    }
    let result = (high << 128u32.saturating_sub(shift)) | (low >> shift);
    let dropped = low & (1u128 << shift).wrapping_sub(1) != 0;
    Some((result, dropped))
}

/// `a + b` on `(high, low)` pairs; `None` past 2^256.
pub(crate) fn add_wide(a: (u128, u128), b: (u128, u128)) -> Option<(u128, u128)> {
    let (low, carry) = a.1.overflowing_add(b.1);
    let high = a.0.checked_add(b.0)?.checked_add(u128::from(carry))?;
    Some((high, low))
}

/// `a − b` on `(high, low)` pairs; `None` when `b > a`.
pub(crate) fn sub_wide(a: (u128, u128), b: (u128, u128)) -> Option<(u128, u128)> {
    let (low, borrow) = a.1.overflowing_sub(b.1);
    let high = a.0.checked_sub(b.0)?.checked_sub(u128::from(borrow))?;
    Some((high, low))
}

/// `⌊√(high·2^128 + low)⌋`, and whether the root is exact.
///
/// The top 128 significant bits (an even shift) give a first guess within about 2^-63 of
/// the root, from above; integer Newton steps from above then reach the floor in one or
/// two divisions.
pub(crate) fn isqrt_wide(high: u128, low: u128) -> (u128, bool) {
    if high == 0 {
        record(Op::Root128);
        let root = low.isqrt();
        return (root, root.wrapping_mul(root) == low);
    }
    // Shift so the value's top bits fill a u128, by an even amount.
    let shift = 128u32
        .saturating_sub(high.leading_zeros())
        .saturating_add(1)
        & !1;
    let top = match shift {
        128 => high,
        _ => (high << 128u32.saturating_sub(shift)) | (low >> shift),
    };
    // The root of the shifted value, one above so the guess starts above the true root.
    let half_shift = shift >> 1;
    record(Op::Root128);
    let top_root = top.isqrt().saturating_add(1);
    let guess = if top_root.leading_zeros() < half_shift {
        u128::MAX
    } else {
        top_root << half_shift
    };
    let mut root = guess;
    // The quotient exists while `root` is at or above the true root, which Newton from
    // above never leaves.
    while let Some((quotient, _)) = div_rem_wide(high, low, root) {
        record(Op::RootIteration);
        // (root + quotient) / 2 without overflow.
        let next = (root >> 1)
            .saturating_add(quotient >> 1)
            .saturating_add(root & quotient & 1);
        if next >= root {
            break;
        }
        root = next;
    }
    let exact = widening_mul(root, root) == (high, low);
    (root, exact)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::integer_division)]
mod tests {
    use super::*;

    #[test]
    fn widening_mul_matches_small_products_and_the_extremes() {
        assert_eq!(widening_mul(7, 6), (0, 42));
        assert_eq!(widening_mul(1 << 64, 1 << 64), (1, 0));
        // (2^128 - 1)^2 = 2^256 - 2^129 + 1
        assert_eq!(widening_mul(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
    }

    #[test]
    fn div_rem_wide_inverts_widening_mul() {
        let cases = [
            (u128::MAX, u128::MAX - 3, 5u128),
            (
                12_345_678_901_234_567_890_123,
                98_765_432_109_876_543_210,
                3,
            ),
            (1 << 127, (1 << 127) + 1, 0),
            (u128::MAX / 3, 1 << 100, (1 << 99) + 17),
        ];
        for (a, b, extra) in cases {
            let (hi, lo) = widening_mul(a, b);
            let (lo, carry) = lo.overflowing_add(extra);
            let hi = hi + u128::from(carry);
            assert_eq!(div_rem_wide(hi, lo, a), Some((b, extra)), "a={a} b={b}");
        }
        assert_eq!(div_rem_wide(0, 10, 0), None);
        assert_eq!(div_rem_wide(5, 0, 5), None, "quotient would need 129 bits");
    }

    #[test]
    fn isqrt_wide_is_the_floor_root_and_reports_exactness() {
        let roots = [
            1u128 << 64,
            (1 << 100) + 12_345,
            u128::MAX >> 1,
            u128::MAX,
            987_654_321_987_654_321_987_654_321,
            (1 << 64) + 1,
        ];
        for root in roots {
            let square = widening_mul(root, root);
            assert_eq!(isqrt_wide(square.0, square.1), (root, true), "{root}");
            // One below the next square: still `root`, not exact.
            if root < u128::MAX {
                let next = widening_mul(root + 1, root + 1);
                let below = sub_wide(next, (0, 1)).unwrap();
                assert_eq!(isqrt_wide(below.0, below.1), (root, false), "{root}");
            }
            let above = add_wide(square, (0, 1)).unwrap();
            assert_eq!(isqrt_wide(above.0, above.1), (root, false), "{root}");
        }
        assert_eq!(isqrt_wide(0, 99), (9, false));
        assert_eq!(isqrt_wide(0, 0), (0, true));
    }

    #[test]
    fn add_and_sub_wide_carry_and_refuse_negatives() {
        assert_eq!(add_wide((0, u128::MAX), (0, 1)), Some((1, 0)));
        assert_eq!(add_wide((u128::MAX, 0), (1, 0)), None);
        assert_eq!(sub_wide((1, 0), (0, 1)), Some((0, u128::MAX)));
        assert_eq!(sub_wide((0, 1), (0, 2)), None);
    }

    #[test]
    fn shr_wide_reports_dropped_bits_and_overflow() {
        assert_eq!(shr_wide(0, 0b1011, 2), Some((0b10, true)));
        assert_eq!(shr_wide(0, 0b1000, 2), Some((0b10, false)));
        assert_eq!(shr_wide(1, 0, 1), Some((1 << 127, false)));
        assert_eq!(shr_wide(2, 0, 1), None);
    }
}
