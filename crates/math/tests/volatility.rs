//! The EWMA variance estimator.

mod common;

use common::{f, fx, rel_err};
use homeostat_math::{Fixed, MathErrorKind, Units, VolatilityConfig, VolatilityState};

const CONFIG: VolatilityConfig = VolatilityConfig {
    window: 100,
    floor: Fixed::from_bits(0),
    ceiling: Fixed::ONE,
};

fn state(variance: f64, price: i64, time: i64) -> VolatilityState {
    VolatilityState {
        variance: fx(variance),
        last_price: Fixed::from_int(price),
        last_time: time,
    }
}

#[test]
fn update_is_the_closed_form_ewma() {
    // 100 → 101 after 10 s: r = 1%, v' = (100·1e-4 + 1e-4) / 110.
    let next = state(1e-4, 100, 0)
        .observe(&CONFIG, Units::Relative, Fixed::from_int(101), 10)
        .unwrap();
    // Variances per second are small numbers: the error bound is absolute (a few 2^-48).
    assert!((f(next.variance) - 0.0101 / 110.0).abs() < 4.0 * 2f64.powi(-48));
    assert_eq!(
        (next.last_price, next.last_time),
        (Fixed::from_int(101), 10)
    );
    // Absolute units: r = Δprice = 1.
    let next = state(0.5, 100, 0)
        .observe(&CONFIG, Units::Absolute, Fixed::from_int(101), 100)
        .unwrap();
    assert!(rel_err(f(next.variance), (100.0 * 0.5 + 1.0) / 200.0) < 1e-12);
}

#[test]
fn only_a_strictly_newer_observation_updates() {
    let current = state(1e-4, 100, 50);
    for time in [50, 49, -7] {
        let next = current
            .observe(&CONFIG, Units::Relative, Fixed::from_int(120), time)
            .unwrap();
        assert_eq!(next, current, "time {time}");
    }
}

#[test]
fn a_quiet_market_decays_toward_the_floor_and_a_jump_is_capped() {
    let config = VolatilityConfig {
        floor: fx(1e-6),
        ceiling: fx(1e-3),
        ..CONFIG
    };
    let mut current = state(1e-4, 100, 0);
    for step in 1..=200 {
        let next = current
            .observe(&config, Units::Relative, Fixed::from_int(100), step * 10)
            .unwrap();
        assert!(next.variance <= current.variance);
        current = next;
    }
    assert_eq!(current.variance, config.floor);
    let jumped = current
        .observe(&config, Units::Relative, Fixed::from_int(200), 2_010)
        .unwrap();
    assert_eq!(jumped.variance, config.ceiling);
}

#[test]
fn the_first_observation_only_records_the_price() {
    let config = VolatilityConfig {
        floor: fx(1e-6),
        ..CONFIG
    };
    let fresh = VolatilityState {
        variance: Fixed::ZERO,
        last_price: Fixed::ZERO,
        last_time: 0,
    };
    let next = fresh
        .observe(&config, Units::Relative, Fixed::from_int(42), 1_000)
        .unwrap();
    assert_eq!(
        next,
        VolatilityState {
            variance: config.floor,
            last_price: Fixed::from_int(42),
            last_time: 1_000
        }
    );
}

#[test]
fn bad_prices_and_configs_are_rejected() {
    let current = state(1e-4, 100, 0);
    for price in [Fixed::ZERO, Fixed::from_int(-1)] {
        let error = current
            .observe(&CONFIG, Units::Relative, price, 10)
            .unwrap_err();
        assert_eq!(error.kind, MathErrorKind::NonPositivePrice);
    }
    let bad = [
        VolatilityConfig {
            window: 0,
            ..CONFIG
        },
        VolatilityConfig {
            floor: Fixed::from_int(-1),
            ..CONFIG
        },
        VolatilityConfig {
            floor: Fixed::from_int(2),
            ceiling: Fixed::ONE,
            ..CONFIG
        },
    ];
    for config in bad {
        let error = current
            .observe(&config, Units::Relative, Fixed::from_int(100), 10)
            .unwrap_err();
        assert_eq!(error.kind, MathErrorKind::InvalidParameter, "{config:?}");
    }
}
