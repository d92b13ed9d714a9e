//! 256-bit intermediates for 128-bit fixed-point products and quotients.
//!
//! Three primitives: the full product of two `u128`s, the quotient and remainder of a
//! `u128` by a `u128` (`div_rem`, the crate's one division), and of a 256-bit number by a
//! `u128`. All exact; rounding is decided by the callers from the remainder.
//!
//! SBF has 64-bit division and multiplication only: a `u128` division compiles to the
//! compiler runtime's `__udivti3`, a shift-and-subtract loop of thousands of compute units.
//! `div_rem` instead divides in 64-bit words — one `u64` division when both operands fit
//! 64 bits, Knuth's algorithm D on 32-bit digits (Hacker's Delight, 2nd ed., §9-4,
//! `divlu`) when the divisor fits, and the normalised estimate of §9-5 otherwise — about
//! a hundred instructions at worst, bit-identical to `/` and `%` (proptests).

use crate::ops::{record, Op};

const LOW_64: u128 = u64::MAX as u128;
const LOW_32: u64 = u32::MAX as u64;
const DIGIT: u64 = 1 << 32;

/// `n / d` and `n % d`; `None` when `d` is zero.
// The `/` and `%` here divide by a divisor checked non-zero (and its normalised digits,
// whose top one is non-zero): the lints' division by zero cannot happen.
#[allow(clippy::integer_division, clippy::arithmetic_side_effects)]
pub(crate) fn div_rem(n: u128, d: u128) -> Option<(u128, u128)> {
    if d == 0 {
        return None;
    }
    let (n_hi, n_lo) = ((n >> 64) as u64, n as u64);
    if d >> 64 == 0 {
        let d = d as u64;
        if n_hi == 0 {
            record(Op::Division64);
            return Some((u128::from(n_lo / d), u128::from(n_lo % d)));
        }
        record(Op::Division128By64);
        // Two 64-bit quotient digits: the high word alone, then the rest by `divlu`.
        let (q_hi, r_hi) = (n_hi / d, n_hi % d);
        let (q_lo, r) = divlu(r_hi, n_lo, d);
        return Some(((u128::from(q_hi) << 64) | u128::from(q_lo), u128::from(r)));
    }
    record(Op::Division128By128);
    if n < d {
        return Some((0, n));
    }
    // §9-5: `n/2` divided by the divisor's top 64 bits (normalised) and scaled back
    // estimates the quotient at most one too high; one less is the quotient or one below
    // it, which the remainder check settles.
    let shift = ((d >> 64) as u64).leading_zeros();
    let d_top = ((d << shift) >> 64) as u64;
    let half = n >> 1;
    let (q1, _) = divlu((half >> 64) as u64, half as u64, d_top);
    let mut q = (u128::from(q1) << shift) >> 63;
    q = q.saturating_sub(1);
    // `q ≤ n / d`, so `q · d ≤ n` neither overflows nor underflows.
    let mut r = n.wrapping_sub(q.wrapping_mul(d));
    if r >= d {
        q = q.wrapping_add(1);
        r = r.wrapping_sub(d);
    }
    Some((q, r))
}

/// `n / d` truncated toward zero, as `i128::checked_div` — through [`div_rem`]: the
/// compiled division of two 128-bit integers is a bit-by-bit loop on SBF (thousands of
/// units), this is one or two 64-bit divisions. `None` when `d` is zero or the quotient
/// does not fit (`i128::MIN / -1`).
pub(crate) fn div_i128(n: i128, d: i128) -> Option<i128> {
    let (quotient, _) = div_rem(n.unsigned_abs(), d.unsigned_abs())?;
    if (n < 0) != (d < 0) {
        0i128.checked_sub_unsigned(quotient)
    } else {
        i128::try_from(quotient).ok()
    }
}

/// `(u1·2^64 + u0) / v` and its remainder, for `u1 < v` (so the quotient fits 64 bits):
/// Hacker's Delight's `divlu` on 32-bit digits, whose every product fits a `u64`.
#[allow(clippy::arithmetic_side_effects)] // `64 − shift` with `0 < shift < 64`
fn divlu(u1: u64, u0: u64, v: u64) -> (u64, u64) {
    debug_assert!(u1 < v);
    // Normalise: the divisor's top bit set, so each digit estimate is off by at most 2.
    let shift = v.leading_zeros();
    let v = v << shift;
    let (v1, v0) = (v >> 32, v & LOW_32);
    let high_word = match shift {
        0 => u1,
        _ => (u1 << shift) | (u0 >> (64 - shift)),
    };
    let low_word = u0 << shift;
    let (u1_digit, u0_digit) = (low_word >> 32, low_word & LOW_32);
    let q1 = quotient_digit(high_word, u1_digit, v1, v0);
    // The partial remainder `high_word·2^32 + u1_digit − q1·v` fits 64 bits (it is below `v`).
    let u21 = high_word
        .wrapping_mul(DIGIT)
        .wrapping_add(u1_digit)
        .wrapping_sub(q1.wrapping_mul(v));
    let q0 = quotient_digit(u21, u0_digit, v1, v0);
    let remainder = u21
        .wrapping_mul(DIGIT)
        .wrapping_add(u0_digit)
        .wrapping_sub(q0.wrapping_mul(v))
        >> shift;
    (q1.wrapping_mul(DIGIT).wrapping_add(q0), remainder)
}

/// One 32-bit quotient digit of `(top·2^32 + next) / (v1·2^32 + v0)`: estimated from the
/// divisor's top digit and corrected (at most twice) against the next one.
#[allow(clippy::integer_division, clippy::arithmetic_side_effects)] // `v1 ≥ 2^31`
fn quotient_digit(top: u64, next: u64, v1: u64, v0: u64) -> u64 {
    let mut q = top / v1;
    let mut rhat = top % v1;
    // `q < DIGIT` is checked first, so `q · v0 < 2^64`; `rhat < DIGIT` keeps
    // `rhat · 2^32 + next < 2^64`.
    while q >= DIGIT || q.wrapping_mul(v0) > rhat.wrapping_mul(DIGIT).wrapping_add(next) {
        q = q.wrapping_sub(1);
        rhat = rhat.wrapping_add(v1);
        if rhat >= DIGIT {
            break;
        }
    }
    q
}

/// The full product `a · b` as `(high, low)` 128-bit halves.
pub(crate) fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    let (a_hi, a_lo) = (a >> 64, a & LOW_64);
    let (b_hi, b_lo) = (b >> 64, b & LOW_64);
    if a_hi == 0 && b_hi == 0 {
        // One 64 × 64 → 128-bit product.
        record(Op::Product128);
        return (0, a_lo.wrapping_mul(b_lo));
    }
    if a_hi == 0 || b_hi == 0 {
        // One factor fits 64 bits: two partial products.
        record(Op::HalfWideProduct);
        let (narrow, wide_hi, wide_lo) = if a_hi == 0 {
            (a_lo, b_hi, b_lo)
        } else {
            (b_lo, a_hi, a_lo)
        };
        let lo = narrow.wrapping_mul(wide_lo);
        let hi = narrow.wrapping_mul(wide_hi);
        let (low, carry) = lo.overflowing_add(hi << 64);
        return ((hi >> 64).wrapping_add(u128::from(carry)), low);
    }
    record(Op::WideProduct);
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
    // A divisor's factors of two divide out as a shift: a fixed-point integer (a lot, a
    // window) is `n·2^48`, and `n` alone usually fits 64 bits — the cheaper division, in
    // fewer schoolbook steps. The dropped bits rejoin the remainder.
    let shift = divisor.trailing_zeros();
    if shift > 0 {
        let dropped = low & ((1u128 << shift).wrapping_sub(1));
        let (high, low) = (
            high >> shift,
            (high << 128u32.saturating_sub(shift)) | (low >> shift),
        );
        let (quotient, remainder) = div_rem_wide_schoolbook(high, low, divisor >> shift)?;
        return Some((quotient, (remainder << shift) | dropped));
    }
    div_rem_wide_schoolbook(high, low, divisor)
}

/// The schoolbook quotient behind `div_rem_wide`, for `high < divisor` (the divisor odd
/// by then, unless it had no factor of two to take out).
fn div_rem_wide_schoolbook(high: u128, low: u128, divisor: u128) -> Option<(u128, u128)> {
    if high == 0 {
        return div_rem(low, divisor);
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
            let (digit, rest) = div_rem(remainder, divisor)?;
            quotient = (quotient << k) | digit;
            remainder = rest;
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

/// `⌊√n⌋` in 64-bit words — `u128::isqrt` divides in `u128`, which on SBF is the
/// compiler runtime's `__udivti3`. See [`isqrt_rem_128`].
pub(crate) fn isqrt_128(n: u128) -> u128 {
    isqrt_rem_128(n).0
}

/// `(⌊√n⌋, n − ⌊√n⌋²)` in 64-bit words. The root of the top 64 bits (an even shift), plus
/// one, is within 2⁻³¹ of the root and above it; one integer Newton step (one word-wise
/// division) from there lands on the floor or one above it, which one product settles.
fn isqrt_rem_128(n: u128) -> (u128, u128) {
    record(Op::Root64);
    if let Ok(small) = u64::try_from(n) {
        let root = small.isqrt();
        // Both below 2^64: a native product and difference.
        return (
            u128::from(root),
            u128::from(small.saturating_sub(root.saturating_mul(root))),
        );
    }
    // 65 to 128 significant bits: an even shift leaves 63 or 64.
    let shift = (128u32.saturating_sub(n.leading_zeros()).saturating_sub(63)) & !1;
    let top = u64::try_from(n >> shift).unwrap_or(u64::MAX);
    // (⌊√top⌋ + 1)² > top, so the guess is above √n; at most 2^64.
    let guess = u128::from(top.isqrt()).saturating_add(1) << (shift >> 1);
    record(Op::RootIteration);
    let quotient = div_rem(n, guess).map_or(0, |(quotient, _)| quotient);
    let next = average_floor(guess, quotient);
    record(Op::Product128);
    match next.checked_mul(next) {
        Some(square) if square <= n => (next, n.saturating_sub(square)),
        // One too high: (next − 1)² = next² − 2·next + 1 (next is below 2^64, as n/guess
        // is: its square fits).
        square => {
            let root = next.saturating_sub(1);
            let below = square
                .unwrap_or(u128::MAX)
                .saturating_sub(next << 1)
                .saturating_add(1);
            (root, n.saturating_sub(below))
        }
    }
}

/// `⌊(a + b) / 2⌋` without overflow.
fn average_floor(a: u128, b: u128) -> u128 {
    (a >> 1).saturating_add(b >> 1).saturating_add(a & b & 1)
}

/// `⌊√(high·2^128 + low)⌋`, and whether the root is exact.
///
/// One step of Zimmermann's Karatsuba square root: with `n = top·2^(2h) + a₁·2^h + a₀`
/// (`top` the top 127–128 bits, `a₁`, `a₀` below `2^h`), `s, r = ⌊√top⌋, top − s²`,
/// `q, u = divmod(r·2^h + a₁, 2s)`, the root is `s·2^h + q`, one too high when
/// `u·2^h + a₀ − q²` is negative; that is also the remainder, zero when exact. One
/// word-wise division by `s` (below 2^64) and two products. When `h` is above 62 (a
/// radicand of 2^254 or more) the numbers leave 128 bits and one Newton step from above —
/// a wide quotient — takes its place.
pub(crate) fn isqrt_wide(high: u128, low: u128) -> (u128, bool) {
    if high == 0 {
        let (root, remainder) = isqrt_rem_128(low);
        return (root, remainder == 0);
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
    let half_shift = shift >> 1;
    let (top_root, top_remainder) = isqrt_rem_128(top);
    if half_shift <= 62 {
        let digit_mask = (1u128 << half_shift).saturating_sub(1);
        let (a1, a0) = ((low >> half_shift) & digit_mask, low & digit_mask);
        // r·2^h + a₁ < 2^(65 + h) and (that / 2) ÷ s = that ÷ 2s: s is in [2^63, 2^64).
        let numerator = (top_remainder << half_shift) | a1;
        let (quotient, half_remainder) = div_rem(numerator >> 1, top_root).unwrap_or((0, 0));
        let remainder = (half_remainder << 1) | (numerator & 1);
        let root = (top_root << half_shift).saturating_add(quotient);
        record(Op::Product128);
        let square = quotient.saturating_mul(quotient);
        let held = (remainder << half_shift) | a0;
        if held >= square {
            return (root, held == square);
        }
        // One too high: the remainder of root − 1 is held − q² + 2·root − 1, zero when
        // exact (root < 2^126, so 2·root fits).
        let lower = root.saturating_sub(1);
        return (
            lower,
            square.saturating_sub(held) == (root << 1).saturating_sub(1),
        );
    }
    // The root of the shifted value, one above so the guess starts above the true root;
    // the quotient by it is below 2^128.
    let top_root = top_root.saturating_add(1);
    let guess = if top_root.leading_zeros() < half_shift {
        u128::MAX
    } else {
        top_root << half_shift
    };
    record(Op::RootIteration);
    let quotient = div_rem_wide(high, low, guess).map_or(0, |(quotient, _)| quotient);
    let next = average_floor(guess, quotient);
    let square = widening_mul(next, next);
    if square <= (high, low) {
        return (next, square == (high, low));
    }
    // (next − 1)² = next² − (2·next − 1).
    let root = next.saturating_sub(1);
    let twice_less_one = sub_wide((next >> 127, next << 1), (0, 1)).unwrap_or((0, 0));
    let below = sub_wide(square, twice_less_one).unwrap_or((0, 0));
    (root, below == (high, low))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::integer_division)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn widening_mul_matches_small_products_and_the_extremes() {
        assert_eq!(widening_mul(7, 6), (0, 42));
        assert_eq!(widening_mul(1 << 64, 1 << 64), (1, 0));
        // (2^128 - 1)^2 = 2^256 - 2^129 + 1
        assert_eq!(widening_mul(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
    }

    /// Values at every digit boundary the word-wise division branches on.
    fn boundary_values() -> Vec<u128> {
        let mut values = vec![0, 1, 2, 3, u128::MAX, u128::MAX - 1];
        for bit in [31u32, 32, 33, 63, 64, 65, 95, 96, 97, 126, 127] {
            let power = 1u128 << bit;
            values.extend([power - 1, power, power + 1, power | (power >> 1)]);
        }
        values.extend([
            u128::from(u64::MAX),
            u128::from(u64::MAX) << 64,
            0xFFFF_FFFF_0000_0001,
        ]);
        values
    }

    #[test]
    fn div_rem_equals_native_division_at_every_boundary() {
        let values = boundary_values();
        for &n in &values {
            for &d in &values {
                let expected = (d != 0).then(|| (n / d, n % d));
                assert_eq!(div_rem(n, d), expected, "{n} / {d}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Operands of every size: a random `u128` shifted right by a random amount, so
        /// each tier (64-bit, by-64, by-128) and each normalisation shift is exercised.
        #[test]
        fn div_rem_equals_native_division(
            n in proptest::prelude::any::<u128>(),
            n_shift in 0u32..128,
            d in proptest::prelude::any::<u128>(),
            d_shift in 0u32..128,
        ) {
            let (n, d) = (n >> n_shift, (d >> d_shift).max(1));
            proptest::prop_assert_eq!(div_rem(n, d), Some((n / d, n % d)));
        }

        #[test]
        fn widening_mul_equals_the_four_partial_products(
            a in proptest::prelude::any::<u128>(),
            a_shift in 0u32..128,
            b in proptest::prelude::any::<u128>(),
            b_shift in 0u32..128,
        ) {
            let (a, b) = (a >> a_shift, b >> b_shift);
            let (high, low) = widening_mul(a, b);
            // The low half is the wrapping product; dividing back recovers the factor.
            proptest::prop_assert_eq!(low, a.wrapping_mul(b));
            if a != 0 {
                proptest::prop_assert_eq!(div_rem_wide(high, low, a), Some((b, 0)));
            }
        }

        /// Every size of radicand: a random `u128` shifted right by a random amount.
        #[test]
        fn isqrt_128_equals_the_native_root(n in proptest::prelude::any::<u128>(), shift in 0u32..128) {
            let n = n >> shift;
            let root = n.isqrt();
            proptest::prop_assert_eq!(isqrt_rem_128(n), (root, n - root * root));
        }

        /// Every size of 256-bit radicand: r² ≤ n < (r + 1)², and exact iff r² = n.
        #[test]
        fn isqrt_wide_brackets_the_root(
            high in proptest::prelude::any::<u128>(),
            high_shift in 0u32..129,
            low in proptest::prelude::any::<u128>(),
        ) {
            let high = high.checked_shr(high_shift).unwrap_or(0);
            let (root, exact) = isqrt_wide(high, low);
            let square = widening_mul(root, root);
            proptest::prop_assert!(square <= (high, low));
            proptest::prop_assert_eq!(exact, square == (high, low));
            if root < u128::MAX {
                proptest::prop_assert!(widening_mul(root + 1, root + 1) > (high, low));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn div_i128_is_checked_div(n in proptest::prelude::any::<i128>(), d in proptest::prelude::any::<i128>(), shift in 0u32..127) {
            let d = d >> shift;
            proptest::prop_assert_eq!(div_i128(n, d), n.checked_div(d));
        }
    }

    #[test]
    fn div_i128_at_the_edges() {
        for (n, d) in [
            (i128::MIN, 1),
            (i128::MIN, -1),
            (i128::MAX, -1),
            (-7, 2),
            (7, -2),
            (0, 5),
            (5, 0),
        ] {
            assert_eq!(div_i128(n, d), n.checked_div(d), "{n} / {d}");
        }
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
    fn isqrt_128_is_the_floor_root_at_every_boundary() {
        for n in boundary_values() {
            let root = n.isqrt();
            assert_eq!(isqrt_rem_128(n), (root, n - root * root), "√{n}");
        }
        for root in [
            1u128 << 32,
            (1 << 64) - 1,
            u128::from(u64::MAX) - 7,
            3_037_000_499,
        ] {
            let square = root * root;
            for n in [square - 1, square, square + 1, square + 2 * root] {
                assert_eq!(isqrt_128(n), n.isqrt(), "√{n}");
            }
        }
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
