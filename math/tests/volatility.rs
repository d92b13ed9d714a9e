//! The variance estimator: grid samples, a continuous and a jump part.

mod common;

use common::{f, fx, rel_err};
use homeostat_math::volatility::JUMP_WINDOW;
use homeostat_math::{
    Fixed, MathErrorKind, Rounding, Units, VolatilityConfig, VolatilityScale, VolatilityState,
};

/// A 10 s grid: a print is fresh only on the grid point itself (10 / 30 = 0 s late).
const CONFIG: VolatilityConfig = VolatilityConfig {
    window: 100,
    grid: 10,
    floor: Fixed::from_bits(0),
    ceiling: Fixed::ONE,
};

fn state(variance: f64, price: i64, time: i64) -> VolatilityState {
    VolatilityState::start(&CONFIG, fx(variance), Fixed::from_int(price), time).unwrap()
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
        (next.sample_price, next.sample_time),
        (Fixed::from_int(101), 10)
    );
    // Absolute units: r = Δprice = 1.
    let next = state(0.5, 100, 0)
        .observe(&CONFIG, Units::Absolute, Fixed::from_int(101), 100)
        .unwrap();
    assert!(rel_err(f(next.variance), (100.0 * 0.5 + 1.0) / 200.0) < 1e-12);
}

#[test]
fn only_the_first_fresh_print_of_a_later_grid_cell_is_a_sample() {
    let current = state(1e-4, 100, 50);
    // The same cell, older cells, and a later cell's print published after its start.
    for time in [50, 49, -7, 55, 61, 69] {
        let next = current
            .observe(&CONFIG, Units::Relative, Fixed::from_int(120), time)
            .unwrap();
        assert_eq!(next, current, "time {time}");
    }
    // A later cell's first second samples.
    let next = current
        .observe(&CONFIG, Units::Relative, Fixed::from_int(101), 60)
        .unwrap();
    assert_eq!(
        (next.sample_price, next.sample_time),
        (Fixed::from_int(101), 60)
    );
    // A 60 s grid is fresh for 2 s after each minute; a skipped cell is no loss: the next
    // sample's return spans both cells and counts for their whole time, as one sample.
    let minute = VolatilityConfig {
        window: 600,
        grid: 60,
        ..CONFIG
    };
    let start = VolatilityState::start(&minute, fx(1e-6), Fixed::from_int(100), 0).unwrap();
    let two_cells = start
        .observe(&minute, Units::Relative, Fixed::from_int(101), 122)
        .unwrap();
    // A second print in the same cell (fresh or not) is no sample.
    for time in [121, 122, 123] {
        let again = two_cells
            .observe(&minute, Units::Relative, Fixed::from_int(105), time)
            .unwrap();
        assert_eq!(again, two_cells, "time {time}");
    }
    // v' = (600·1e-6 + 1e-4) / (600 + 122)
    assert!((f(two_cells.variance) - 7e-4 / 722.0).abs() < 4.0 * 2f64.powi(-48));
    assert_eq!(
        start
            .observe(&minute, Units::Relative, Fixed::from_int(101), 63)
            .unwrap(),
        start
    );
}

#[test]
fn a_quiet_market_decays_toward_the_floor_and_a_jump_goes_to_the_jump_part() {
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
    // A doubling 10 s later: the continuous part takes it up to 4 σ, 16·v·dt, and the
    // jump part (a day's window) the rest: r² = 1.
    let jumped = current
        .observe(&config, Units::Relative, Fixed::from_int(200), 2_010)
        .unwrap();
    let continuous = (100.0 * 1e-6 + 16.0 * 1e-6 * 10.0) / 110.0;
    let day = JUMP_WINDOW as f64;
    let jumps = (1.0 - 16.0 * 1e-6 * 10.0) / (day + 10.0);
    assert!(
        (f(jumped.variance) - (continuous + jumps)).abs() < 1e-12,
        "{jumped:?}"
    );
    assert!((f(jumped.window_variance) - 100.0 * continuous).abs() < 1e-12);
    assert!((f(jumped.jump_variance) - day * jumps).abs() < 1e-9);
    // A market that keeps jumping still reaches the ceiling.
    let mut current = jumped;
    for step in 1..=400i64 {
        let price = if step % 2 == 0 { 200 } else { 100 };
        current = current
            .observe(
                &config,
                Units::Relative,
                Fixed::from_int(price),
                2_010 + step * 10,
            )
            .unwrap();
    }
    assert_eq!(current.variance, config.ceiling);
}

/// A calm pair priced every second over a 30-day window: at 2^-48 an average rounded up
/// at each step would stick ~(T + dt)/dt units in the last place above the truth (54 %
/// annual volatility here); the window variance keeps the estimate on the true 1 %.
#[test]
fn a_calm_pair_with_a_long_window_keeps_its_true_variance() {
    const YEAR: f64 = 365.0 * 24.0 * 3600.0;
    let config = VolatilityConfig {
        window: 30 * 24 * 3_600,
        grid: 1,
        floor: Fixed::ZERO,
        ceiling: Fixed::ONE,
    };
    let per_second = 0.01f64.powi(2) / YEAR; // 1 % annual volatility
    let base = 100_000_000.0; // 100 USDC per lot, in atoms
    let step = (base * per_second.sqrt()).round();
    let mut current = VolatilityState::start(&config, fx(per_second), fx(base), 0).unwrap();
    let mut squared_returns = 0.0;
    for second in 1..=20_000i64 {
        let (from, to) = if second % 2 == 1 {
            (base, base + step)
        } else {
            (base + step, base)
        };
        squared_returns += ((to - from) / from).powi(2);
        current = current
            .observe(&config, Units::Relative, fx(to), second)
            .unwrap();
    }
    let sample = squared_returns / 20_000.0;
    assert!(
        (f(current.variance) - sample).abs() < 0.01 * sample,
        "estimate {} vs sample {sample}",
        current.variance
    );
}

#[test]
fn one_jump_counts_for_its_share_of_a_day() {
    let config = VolatilityConfig {
        window: 600,
        grid: 60,
        floor: Fixed::ZERO,
        ceiling: Fixed::ONE,
    };
    let normal = 1e-8; // per second: a 1-minute return of 7.7 bp is one σ
    let start = VolatilityState::start(&config, fx(normal), Fixed::from_int(100), 0).unwrap();
    // A 1 % jump (13 σ), then a calm minute.
    let jumped = start
        .observe(&config, Units::Relative, Fixed::from_int(101), 60)
        .unwrap();
    let calm = jumped
        .observe(&config, Units::Relative, Fixed::from_int(101), 120)
        .unwrap();
    // The continuous part took 16 σ²·dt: ×(600 + 16·60)/660 = ×2.36 at most, then decays;
    // the jump part holds the rest for a day: (1e-4 − 16σ²·60 s) / 86 400 s ≈ 0.105 σ².
    let continuous = f(jumped.window_variance) / 600.0 / normal;
    assert!((continuous - 1560.0 / 660.0).abs() < 1e-6, "×{continuous}");
    let jumps = f(calm.jump_variance) / JUMP_WINDOW as f64 / normal;
    assert!((0.10..0.11).contains(&jumps), "jump part ×{jumps}");
    assert!(f(calm.window_variance) < f(jumped.window_variance));
}

#[test]
fn after_a_long_gap_one_return_weighs_at_most_half() {
    let start = VolatilityState::start(&CONFIG, fx(1e-4), Fixed::from_int(100), 0).unwrap();
    // 10 windows later, a 10 % move (1 σ over the gap): per-second sample 0.01 / 1000 =
    // 1e-5. Its weight is capped at ½: v' = (1e-4 + 1e-5) / 2, not ≈ 1e-5.
    let next = start
        .observe(&CONFIG, Units::Relative, Fixed::from_int(110), 1_000)
        .unwrap();
    assert!((f(next.variance) - 5.5e-5).abs() < 1e-12, "{next:?}");
}

#[test]
fn a_new_lot_units_or_window_carries_the_estimate_over() {
    let config = VolatilityConfig {
        window: 600,
        grid: 1,
        floor: Fixed::ZERO,
        ceiling: Fixed::from_int(1_000_000),
    };
    let scale = |units, lot, window| VolatilityScale { units, lot, window };
    let absolute = VolatilityState::start(&config, fx(4.0), Fixed::from_int(100), 7).unwrap();
    // Doubling the lot doubles the price per lot and quadruples an absolute variance.
    let doubled = absolute
        .rescaled(
            scale(Units::Absolute, 10, 600),
            scale(Units::Absolute, 20, 600),
            &config,
        )
        .unwrap();
    assert_eq!(doubled.sample_price, Fixed::from_int(200));
    assert_eq!(doubled.variance, Fixed::from_int(16));
    assert_eq!(doubled.sample_time, 7);
    // ... so the next print at the same market is no return at all.
    let next = doubled
        .observe(&config, Units::Absolute, Fixed::from_int(200), 8)
        .unwrap();
    assert!(next.variance <= doubled.variance);
    // Absolute → relative at price 100: 4 / 100² = 4e-4; a new window keeps it.
    let short = VolatilityConfig {
        window: 60,
        grid: 1,
        ..config
    };
    let relative = absolute
        .rescaled(
            scale(Units::Absolute, 10, 600),
            scale(Units::Relative, 10, 60),
            &short,
        )
        .unwrap();
    assert!((f(relative.variance) - 4e-4).abs() < 1e-12, "{relative:?}");
    assert!((f(relative.window_variance) - 60.0 * 4e-4).abs() < 1e-10);
    // And back.
    let round_trip = relative
        .rescaled(
            scale(Units::Relative, 10, 60),
            scale(Units::Absolute, 10, 600),
            &config,
        )
        .unwrap();
    assert!(
        (f(round_trip.variance) - 4.0).abs() < 1e-9,
        "{round_trip:?}"
    );
    // The same measure with other bounds: the estimate is only re-clamped, and repeating
    // it changes nothing.
    let same = scale(Units::Absolute, 10, 600);
    let tighter = VolatilityConfig {
        ceiling: Fixed::from_int(3),
        ..config
    };
    let clamped = absolute.rescaled(same, same, &tighter).unwrap();
    assert_eq!(clamped.variance, Fixed::from_int(3));
    assert_eq!(clamped.rescaled(same, same, &tighter).unwrap(), clamped);
    // The configuration must be the one of the new measure.
    let error = absolute
        .rescaled(
            scale(Units::Absolute, 10, 600),
            scale(Units::Absolute, 10, 60),
            &config,
        )
        .unwrap_err();
    assert_eq!(error.kind, MathErrorKind::InvalidParameter);
}

#[test]
fn the_first_observation_only_records_the_price() {
    let config = VolatilityConfig {
        floor: fx(1e-6),
        ..CONFIG
    };
    let fresh = VolatilityState {
        variance: Fixed::ZERO,
        window_variance: Fixed::ZERO,
        jump_variance: Fixed::ZERO,
        sample_price: Fixed::ZERO,
        sample_time: 0,
    };
    let next = fresh
        .observe(&config, Units::Relative, Fixed::from_int(42), 1_000)
        .unwrap();
    assert_eq!(
        next,
        VolatilityState {
            variance: config.floor,
            window_variance: config
                .floor
                .mul(Fixed::from_int(100), Rounding::Up)
                .unwrap(),
            jump_variance: Fixed::ZERO,
            sample_price: Fixed::from_int(42),
            sample_time: 1_000
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
        VolatilityConfig { grid: 0, ..CONFIG },
        VolatilityConfig {
            grid: 101,
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
