//! The on-chain volatility estimate's bias, measured: the table of docs/math.md
//! ("Volatility: its bias, measured"), printed by
//! `cargo test --workspace --test volatility_bias -- --nocapture`. Each row runs the
//! estimator (`VolatilityState::observe`, the program's code) over simulated prices and
//! reports the mean estimate against the variance the path really had. The asserted bands
//! are the estimator's promises: unbiased (±5 %) on a diffusion however often it is
//! sampled, jumps seen whole, print noise of 1–2 bp costing at most 20 %, a trader who
//! picks the print of every sample moving σ² by at most ±20 %.

mod common;

use common::{f, fx};
use homeostat_math::volatility::{FRESHNESS_DIVISOR, JUMP_WINDOW};
use homeostat_math::{Units, VolatilityConfig, VolatilityState};

/// σ² per second of the diffusion, relative units (≈ 56 % annualised).
const VARIANCE: f64 = 1e-8;
/// The continuous part's window and the sampling grid, seconds (the default pool's).
const WINDOW: u64 = 600;
const GRID: u64 = 60;
/// Simulated seconds per row, after a burn-in of two jump windows (the jump part starts
/// empty and remembers a day).
const SECONDS: u64 = 700_000;
const BURN_IN: u64 = 2 * JUMP_WINDOW;

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
        grid: GRID,
        floor: fx(1e-14),
        ceiling: fx(1e-2),
    }
}

/// One path: the true price each second, and the true variance it accrued per second
/// (the diffusion's, and the jumps').
struct Path {
    prices: Vec<f64>,
    diffusion_per_second: f64,
    jumps_per_second: f64,
}

impl Path {
    fn variance_per_second(&self) -> f64 {
        self.diffusion_per_second + self.jumps_per_second
    }
}

/// Mean estimates over a path: the variance prices read, and its two parts.
#[derive(Default)]
struct Means {
    total: f64,
    continuous: f64,
    jumps: f64,
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
        diffusion_per_second: VARIANCE,
        jumps_per_second: jumps_per_second * jump * jump,
    }
}

/// The mean estimates after the burn-in, over the path, a swap every `every` seconds
/// carrying the print `observed(second)` returns as (its publish time, its price).
fn mean_estimate(
    path: &Path,
    every: u64,
    mut observed: impl FnMut(u64, &VolatilityState) -> (u64, f64),
) -> Means {
    let config = config();
    let mut state =
        VolatilityState::start(&config, fx(VARIANCE), fx(path.prices[0]), 0).expect("start");
    let (mut sum, mut count) = (Means::default(), 0u64);
    let mut second = every;
    while second <= SECONDS {
        let (published, price) = observed(second, &state);
        state = state
            .observe(&config, Units::Relative, fx(price), published as i64)
            .expect("observe");
        if second > BURN_IN {
            sum.total += f(state.variance);
            sum.continuous += f(state.window_variance) / WINDOW as f64;
            sum.jumps += f(state.jump_variance) / JUMP_WINDOW as f64;
            count += 1;
        }
        second += every;
    }
    let n = count as f64;
    Means {
        total: sum.total / n,
        continuous: sum.continuous / n,
        jumps: sum.jumps / n,
    }
}

/// Mean estimates / true variances over four seeds: the total against the path's
/// variance, each part against its own.
fn ratios(jump: f64, jumps_per_second: f64, every: u64, noise: f64) -> Means {
    let mut mean = Means::default();
    for seed in 1..=4u64 {
        let path = path(seed * 7_919, jump, jumps_per_second);
        let mut rng = Rng(seed * 104_729);
        let estimate = mean_estimate(&path, every, |second, _| {
            (
                second,
                path.prices[second as usize] * (1.0 + noise * rng.normal()),
            )
        });
        mean.total += estimate.total / path.variance_per_second() / 4.0;
        mean.continuous += estimate.continuous / path.diffusion_per_second / 4.0;
        if path.jumps_per_second > 0.0 {
            mean.jumps += estimate.jumps / path.jumps_per_second / 4.0;
        }
    }
    mean
}

fn ratio(jump: f64, jumps_per_second: f64, every: u64, noise: f64) -> f64 {
    ratios(jump, jumps_per_second, every, noise).total
}

/// A trader sends the first swap after every grid cell's freshness window and chooses
/// which of the cell's fresh prints it carries (one per second, all newer than the last
/// sample): the one whose squared return is the smallest (`low`) or the largest. Mean
/// estimate / true variance.
fn chosen(low: bool) -> f64 {
    let fresh = GRID / FRESHNESS_DIVISOR;
    let mut total = 0.0;
    for seed in 1..=4u64 {
        let path = path(seed * 7_919, 0.0, 0.0);
        let estimate = mean_estimate(&path, 1, |second, state| {
            let cell = second - second % GRID;
            if second != cell + fresh {
                // The trader waits for the whole choice; nobody else samples.
                return (state.sample_time as u64, f(state.sample_price));
            }
            let last = f(state.sample_price);
            let score = |s: &u64| (path.prices[*s as usize] / last - 1.0).powi(2);
            let candidates = cell..=cell + fresh;
            let pick = if low {
                candidates.min_by(|a, b| score(a).total_cmp(&score(b)))
            } else {
                candidates.max_by(|a, b| score(a).total_cmp(&score(b)))
            }
            .expect("a print");
            (pick, path.prices[pick as usize])
        });
        total += estimate.total / path.variance_per_second() / 4.0;
    }
    total
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
fn the_estimators_bias_is_measured_and_held_to_its_promises() {
    let jumps = ratios(0.01, 1e-4, 1, 0.0);
    let rows: Vec<(&str, f64, (f64, f64))> = vec![
        (
            "diffusion, a print every 1 s",
            ratio(0.0, 0.0, 1, 0.0),
            (0.95, 1.05),
        ),
        (
            "diffusion, a swap every 30 s",
            ratio(0.0, 0.0, 30, 0.0),
            (0.95, 1.05),
        ),
        (
            "diffusion, a swap every 45 s (one cell in three sampled)",
            ratio(0.0, 0.0, 45, 0.0),
            (0.9, 1.1),
        ),
        (
            "diffusion + 1 % jumps, half the variance (1 s)",
            jumps.total,
            (0.9, 1.1),
        ),
        (
            "… its continuous part / the diffusion's variance",
            jumps.continuous,
            (0.95, 1.3),
        ),
        (
            "… its jump part / the jumps' variance",
            jumps.jumps,
            (0.7, 1.05),
        ),
        (
            "diffusion, 1 bp print noise (1 s)",
            ratio(0.0, 0.0, 1, 1e-4),
            (1.0, 1.1),
        ),
        (
            "diffusion, 2 bp print noise (1 s)",
            ratio(0.0, 0.0, 1, 2e-4),
            (1.0, 1.2),
        ),
        (
            "a trader picks the calmest fresh print of every sample",
            chosen(true),
            (0.8, 1.0),
        ),
        (
            "a trader picks the wildest fresh print of every sample",
            chosen(false),
            (1.0, 1.2),
        ),
    ];
    eprintln!("| sampling | mean estimate / true variance |");
    eprintln!("|---|---:|");
    for (name, value, _) in &rows {
        eprintln!("| {name} | {value:.2} |");
    }
    let half = half_life();
    eprintln!("| σ² × 4: seconds to half way (window {WINDOW} s, grid {GRID} s) | {half:.0} |");
    for (name, value, (low, high)) in &rows {
        assert!(
            (*low..=*high).contains(value),
            "{name}: {value:.3} outside [{low}, {high}]"
        );
    }
    assert!((500.0..=900.0).contains(&half), "half-life {half:.0} s");
}
