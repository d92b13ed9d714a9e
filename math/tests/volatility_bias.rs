//! The on-chain volatility estimate's bias, measured: the table of docs/math.md
//! ("Volatility: its bias, measured"), printed by
//! `cargo test --workspace --test volatility_bias -- --nocapture`. Each row runs the
//! estimator (`VolatilityState::observe`, the program's code) over simulated prices and
//! reports the mean estimate against the variance the path really had. The asserted bands
//! hold today's estimator to its measured behaviour — the baseline issue #26's
//! jump-robust, noise-robust estimator is to improve on.

mod common;

use common::{f, fx};
use homeostat_math::{Units, VolatilityConfig, VolatilityState};

/// σ² per second of the diffusion, relative units (≈ 56 % annualised).
const VARIANCE: f64 = 1e-8;
/// The EWMA window, seconds (the default pool's).
const WINDOW: u64 = 600;
/// Simulated seconds per row, after a burn-in of ten windows.
const SECONDS: u64 = 200_000;
const BURN_IN: u64 = 10 * WINDOW;

/// xorshift64* with Box–Muller: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (1.0 - self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn config() -> VolatilityConfig {
    VolatilityConfig {
        window: WINDOW,
        floor: fx(1e-14),
        ceiling: fx(1e-2),
    }
}

/// One path: the true price each second, and the true variance it accrued per second.
struct Path {
    prices: Vec<f64>,
    variance_per_second: f64,
}

/// A diffusion with σ² = `VARIANCE` per second plus jumps of `jump` (a fraction, either
/// sign) at `jumps_per_second`.
fn path(seed: u64, jump: f64, jumps_per_second: f64) -> Path {
    let mut rng = Rng(seed);
    let mut price = 150.0;
    let mut prices = Vec::with_capacity(SECONDS as usize + 1);
    prices.push(price);
    for _ in 0..SECONDS {
        let mut r = VARIANCE.sqrt() * rng.normal();
        if rng.uniform() < jumps_per_second {
            r += if rng.uniform() < 0.5 { jump } else { -jump };
        }
        price *= 1.0 + r;
        prices.push(price);
    }
    Path {
        prices,
        variance_per_second: VARIANCE + jumps_per_second * jump * jump,
    }
}

/// The mean estimate after the burn-in, over the path, observing at the seconds `at`
/// yields, each the price `observed(second)` returns.
fn mean_estimate(
    path: &Path,
    every: u64,
    mut observed: impl FnMut(u64, &VolatilityState) -> f64,
) -> f64 {
    let config = config();
    let mut state =
        VolatilityState::start(&config, fx(VARIANCE), fx(path.prices[0]), 0).expect("start");
    let (mut sum, mut count) = (0.0, 0u64);
    let mut second = every;
    while second <= SECONDS {
        let price = observed(second, &state);
        state = state
            .observe(&config, Units::Relative, fx(price), second as i64)
            .expect("observe");
        if second > BURN_IN {
            sum += f(state.variance);
            count += 1;
        }
        second += every;
    }
    sum / count as f64
}

/// Mean estimate / true variance over four seeds.
fn ratio(jump: f64, jumps_per_second: f64, every: u64, noise: f64) -> f64 {
    let mut total = 0.0;
    for seed in 1..=4u64 {
        let path = path(seed * 7_919, jump, jumps_per_second);
        let mut rng = Rng(seed * 104_729);
        let estimate = mean_estimate(&path, every, |second, _| {
            path.prices[second as usize] * (1.0 + noise * rng.normal())
        });
        total += estimate / path.variance_per_second;
    }
    total / 4.0
}

/// A trader chooses, per observation, which of the last `choice` seconds' prints (all newer
/// than the previous observation) the pool observes: the one whose squared return is the
/// smallest (`low`) or the largest. Mean estimate / true variance.
fn chosen(choice: u64, low: bool) -> f64 {
    let mut total = 0.0;
    for seed in 1..=4u64 {
        let path = path(seed * 7_919, 0.0, 0.0);
        let estimate = mean_estimate(&path, choice, |second, state| {
            let last = f(state.last_price);
            let candidates = (second + 1 - choice..=second).map(|s| path.prices[s as usize]);
            let score = |price: &f64| (price / last - 1.0).powi(2);
            let pick = if low {
                candidates.min_by(|a, b| score(a).total_cmp(&score(b)))
            } else {
                candidates.max_by(|a, b| score(a).total_cmp(&score(b)))
            };
            pick.expect("a print")
        });
        total += estimate / path.variance_per_second;
    }
    total / 4.0
}

/// Seconds until the estimate covers half the way from σ² to 4σ² after the diffusion's
/// variance quadruples (1 s sampling, mean of four seeds).
fn half_life() -> f64 {
    let config = config();
    let mut total = 0.0;
    for seed in 1..=4u64 {
        let mut rng = Rng(seed * 31_337);
        let mut price = 150.0;
        let mut state = VolatilityState::start(&config, fx(VARIANCE), fx(price), 0).expect("start");
        let mut crossed = None;
        for second in 1..=20 * WINDOW {
            price *= 1.0 + (4.0 * VARIANCE).sqrt() * rng.normal();
            state = state
                .observe(&config, Units::Relative, fx(price), second as i64)
                .expect("observe");
            if f(state.variance) >= 2.5 * VARIANCE {
                crossed = Some(second);
                break;
            }
        }
        total += crossed.expect("the estimate reaches half way") as f64;
    }
    total / 4.0
}

#[test]
fn the_estimators_bias_is_measured_and_held_to_its_baseline() {
    let rows: Vec<(&str, f64, (f64, f64))> = vec![
        (
            "diffusion, a print every 1 s",
            ratio(0.0, 0.0, 1, 0.0),
            (0.95, 1.05),
        ),
        (
            "diffusion, a print every 30 s",
            ratio(0.0, 0.0, 30, 0.0),
            (0.9, 1.1),
        ),
        (
            "diffusion + 1 % jumps, half the variance (1 s)",
            ratio(0.01, 1e-4, 1, 0.0),
            (0.45, 0.6),
        ),
        (
            "diffusion, 1 bp print noise (1 s)",
            ratio(0.0, 0.0, 1, 1e-4),
            (2.8, 3.2),
        ),
        (
            "diffusion, 2 bp print noise (1 s)",
            ratio(0.0, 0.0, 1, 2e-4),
            (8.5, 9.5),
        ),
        (
            "a trader picks the calmest of 5 prints",
            chosen(5, true),
            (0.4, 0.56),
        ),
        (
            "a trader picks the wildest of 5 prints",
            chosen(5, false),
            (1.5, 1.95),
        ),
    ];
    eprintln!("| sampling | mean estimate / true variance |");
    eprintln!("|---|---:|");
    for (name, value, _) in &rows {
        eprintln!("| {name} | {value:.2} |");
    }
    let half = half_life();
    eprintln!("| σ² × 4: seconds to half way (window {WINDOW} s) | {half:.0} |");
    for (name, value, (low, high)) in &rows {
        assert!(
            (*low..=*high).contains(value),
            "{name}: {value:.3} outside [{low}, {high}]"
        );
    }
    assert!((350.0..=480.0).contains(&half), "half-life {half:.0} s");
}
