//! The fixed-point type: exact rounding in the asked direction, errors instead of panics.

mod common;

use common::{f, fx};
use homeostat_math::{Fixed, MathErrorKind, Rounding};
use proptest::prelude::*;

#[test]
fn multiplication_rounds_in_the_asked_direction_for_both_signs() {
    let third = Fixed::ratio(1, 3, Rounding::Down).unwrap();
    let three = Fixed::from_int(3);
    // 3 · ⌊1/3⌋ is just below one: down stays below, up reaches 1 - 2^-48 + ... exactly.
    assert!(third.mul(three, Rounding::Down).unwrap() < Fixed::ONE);
    let epsilon = Fixed::EPSILON;
    let half = Fixed::ratio(1, 2, Rounding::Down).unwrap();
    assert_eq!(epsilon.mul(half, Rounding::Down).unwrap(), Fixed::ZERO);
    assert_eq!(epsilon.mul(half, Rounding::Up).unwrap(), Fixed::EPSILON);
    assert_eq!(
        epsilon.neg().mul(half, Rounding::Down).unwrap(),
        Fixed::EPSILON.neg()
    );
    assert_eq!(epsilon.neg().mul(half, Rounding::Up).unwrap(), Fixed::ZERO);
}

#[test]
fn division_rounds_in_the_asked_direction_and_rejects_zero() {
    let one = Fixed::ONE;
    let three = Fixed::from_int(3);
    let down = one.div(three, Rounding::Down).unwrap();
    let up = one.div(three, Rounding::Up).unwrap();
    assert_eq!(up.to_bits() - down.to_bits(), 1);
    assert_eq!(down.to_bits(), (1i128 << 48) / 3);
    let negative_down = one.neg().div(three, Rounding::Down).unwrap();
    assert_eq!(negative_down, up.neg());
    assert_eq!(
        Fixed::from_int(6).div(three, Rounding::Up).unwrap(),
        Fixed::from_int(2)
    );
    let error = one.div(Fixed::ZERO, Rounding::Down).unwrap_err();
    assert_eq!(error.kind, MathErrorKind::DivisionByZero);
    assert!(error.location.file().ends_with("fixed_point.rs"), "{error}");
}

#[test]
fn overflow_is_an_error_with_the_callers_location() {
    let big = Fixed::from_int(1 << 40);
    let error = big.mul(big, Rounding::Down).unwrap_err();
    assert_eq!(error.kind, MathErrorKind::Overflow);
    assert!(error.to_string().contains("fixed_point.rs"), "{error}");
    assert_eq!(
        Fixed::MAX.checked_add(Fixed::EPSILON).unwrap_err().kind,
        MathErrorKind::Overflow
    );
    assert_eq!(
        Fixed::MIN.checked_sub(Fixed::EPSILON).unwrap_err().kind,
        MathErrorKind::Overflow
    );
    assert_eq!(
        Fixed::from_i128(1 << 80).unwrap_err().kind,
        MathErrorKind::Overflow
    );
    assert_eq!(
        Fixed::from_i128(-(1 << 78)).unwrap(),
        Fixed::from_int(-(1 << 62))
            .mul(Fixed::from_int(1 << 16), Rounding::Down)
            .unwrap()
    );
}

#[test]
fn sqrt_brackets_the_exact_root() {
    assert_eq!(
        Fixed::from_int(9).sqrt(Rounding::Down).unwrap(),
        Fixed::from_int(3)
    );
    assert_eq!(
        Fixed::from_int(9).sqrt(Rounding::Up).unwrap(),
        Fixed::from_int(3)
    );
    let two = Fixed::from_int(2);
    let down = two.sqrt(Rounding::Down).unwrap();
    let up = two.sqrt(Rounding::Up).unwrap();
    assert_eq!(up.to_bits() - down.to_bits(), 1);
    assert!(down.mul(down, Rounding::Up).unwrap() <= two);
    assert!(up.mul(up, Rounding::Down).unwrap() >= two);
    assert_eq!(
        Fixed::from_int(-1).sqrt(Rounding::Down).unwrap_err().kind,
        MathErrorKind::OutOfDomain
    );
    // Large values take the reduced-headroom path.
    let huge = Fixed::from_int(1 << 62);
    assert_eq!(huge.sqrt(Rounding::Down).unwrap(), Fixed::from_int(1 << 31));
}

#[test]
fn conversion_to_token_amounts_rounds_and_rejects_out_of_range() {
    let value = Fixed::ratio(7, 2, Rounding::Down).unwrap();
    assert_eq!(value.to_u64(Rounding::Down).unwrap(), 3);
    assert_eq!(value.to_u64(Rounding::Up).unwrap(), 4);
    assert_eq!(Fixed::from_int(5).to_u64(Rounding::Up).unwrap(), 5);
    assert_eq!(
        Fixed::from_int(-1).to_u64(Rounding::Down).unwrap_err().kind,
        MathErrorKind::OutOfDomain
    );
    let too_big = Fixed::from_u64(u64::MAX).checked_add(Fixed::ONE).unwrap();
    assert_eq!(
        too_big.to_u64(Rounding::Down).unwrap_err().kind,
        MathErrorKind::Overflow
    );
}

#[test]
fn display_prints_exact_decimals() {
    assert_eq!(
        Fixed::ratio(15, 10, Rounding::Down).unwrap().to_string(),
        "1.5"
    );
    assert_eq!(Fixed::from_int(-42).to_string(), "-42");
    assert_eq!(
        Fixed::ratio(-1, 4, Rounding::Down).unwrap().to_string(),
        "-0.25"
    );
    assert_eq!(
        format!("{:.3}", Fixed::ratio(1, 3, Rounding::Down).unwrap()),
        "0.333"
    );
    assert_eq!(format!("{:?}", Fixed::ONE), "Fixed(1)");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// mul and div are exact up to one final rounding step, in the asked direction:
    /// checked against i128/f64 where the exact value is known.
    #[test]
    fn mul_div_brackets_the_exact_result(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000i64..1_000_000, c in 1i64..1_000_000_000) {
        // Integers: a·b/c exactly as a rational; Fixed results must bracket it.
        let down = Fixed::from_int(a).mul_div(Fixed::from_int(b), Fixed::from_int(c), Rounding::Down).unwrap();
        let up = Fixed::from_int(a).mul_div(Fixed::from_int(b), Fixed::from_int(c), Rounding::Up).unwrap();
        let numerator = (i128::from(a) * i128::from(b)) << 48;
        let denominator = i128::from(c);
        let floor = numerator.div_euclid(denominator);
        let exact = numerator.rem_euclid(denominator) == 0;
        prop_assert_eq!(down.to_bits(), floor);
        prop_assert_eq!(up.to_bits(), if exact { floor } else { floor + 1 });
    }

    #[test]
    fn products_match_a_float_reference(a in -1.0e9f64..1.0e9, b in -1.0e6f64..1.0e6) {
        let (fa, fb) = (fx(a), fx(b));
        let down = fa.mul(fb, Rounding::Down).unwrap();
        let up = fa.mul(fb, Rounding::Up).unwrap();
        prop_assert!(down <= up && up.to_bits() - down.to_bits() <= 1);
        let expected = f(fa) * f(fb);
        prop_assert!((f(down) - expected).abs() <= expected.abs() * 1e-15 + 1e-14);
    }

    #[test]
    fn sqrt_matches_a_float_reference(x in 0.0f64..1.0e20) {
        let root = fx(x).sqrt(Rounding::Down).unwrap();
        let up = fx(x).sqrt(Rounding::Up).unwrap();
        prop_assert!(root <= up);
        let expected = f(fx(x)).sqrt();
        prop_assert!((f(root) - expected).abs() <= expected * 1e-15 + 1e-14);
        prop_assert!(root.mul(root, Rounding::Down).unwrap() <= fx(x));
        prop_assert!(up.mul(up, Rounding::Up).unwrap() >= fx(x));
    }

    #[test]
    fn no_operation_panics_on_arbitrary_bits(a in any::<i128>(), b in any::<i128>(), c in any::<i128>()) {
        let (a, b, c) = (Fixed::from_bits(a), Fixed::from_bits(b), Fixed::from_bits(c));
        for rounding in [Rounding::Down, Rounding::Up] {
            let _ = a.mul(b, rounding);
            let _ = a.div(b, rounding);
            let _ = a.mul_div(b, c, rounding);
            let _ = a.sqrt(rounding);
            let _ = a.to_u64(rounding);
        }
        let _ = a.checked_add(b);
        let _ = a.checked_sub(b);
        let _ = a.neg().abs().to_string();
    }
}

/// `ln_1p` and `exp` against exact references (80 digits, `tools/gen_transcendental.py`):
/// the measured error is at most 1 unit in the last place plus 2⁻⁹⁰ relative — the
/// relative part matters only where the value is large (`exp` near its top, where a
/// 2⁻⁴⁸ resolution holds more digits than the internal Q31.96 series carries).
#[test]
fn transcendental_functions_are_within_one_ulp_of_exact_references() {
    use homeostat_math::transcendental::{exp, ln_1p};
    let data = include_str!("data/transcendental.txt");
    let mut worst = [(0i128, 0.0f64); 2];
    let mut cases = 0;
    for line in data.lines().filter(|line| !line.starts_with('#')) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let input = Fixed::from_bits(fields[1].parse().unwrap());
        let expected: i128 = fields[2].parse().unwrap();
        let (slot, actual) = match fields[0] {
            "ln_1p" => (0, ln_1p(input).unwrap()),
            "exp" => (1, exp(input).unwrap()),
            other => panic!("unknown function {other}"),
        };
        let error = (actual.to_bits() - expected).abs();
        let allowed = 1 + (expected.abs() >> 90);
        assert!(
            error <= allowed,
            "{line}: got {} ({error} ulp, allowed {allowed})",
            actual.to_bits()
        );
        let relative = error as f64 / (expected.abs().max(1) as f64);
        worst[slot] = (worst[slot].0.max(error), worst[slot].1.max(relative));
        cases += 1;
    }
    assert!(cases >= 200, "{cases} reference values");
    // What docs/math.md reports.
    println!(
        "ln_1p: worst {} ulp; exp: worst {} ulp, {:.1e} relative",
        worst[0].0, worst[1].0, worst[1].1
    );
}
