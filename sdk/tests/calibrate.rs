//! The calibration estimators against data drawn from known parameters: each recovers
//! them within its own interval, refuses what it cannot estimate by name, and no history
//! moves a parameter more than one step.

use anchor_lang::prelude::Pubkey;
use homeostat::constants::QUOTE_FALLBACK_PYTH;
use homeostat::events::Swapped;
use homeostat::{PoolParams, StoredFixed};
use homeostat_math::{Fixed, ModelKind, Rounding, Units};
use homeostat_sdk::calibrate::{
    bounded, c2, calibrate, estimate_volatility, explore, fit_intensity, from_swaps, propose,
    risk_aversion_for, CalibrationError, Fill, History, Print, QuoteSample, Settings, Side,
};

/// SplitMix64: the tests' randomness, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Flow of intensity `A·e^(−kδ)` per side (`[bid, ask]`) against a pool whose distances
/// wander over `[0, spread_max]`, around a fair price of 100 printed every half second.
fn intensity_history(
    seed: u64,
    seconds: usize,
    truth: [(f64, f64); 2],
    spread_max: f64,
) -> History {
    moving_history(seed, seconds, truth, spread_max, 0.0)
}

/// The same around a fair price that diffuses at `sigma` per √s.
fn moving_history(
    seed: u64,
    seconds: usize,
    truth: [(f64, f64); 2],
    spread_max: f64,
    sigma: f64,
) -> History {
    let mut rng = Rng(seed);
    let mut history = History::default();
    let dt = 0.5;
    let mut fair = 100.0;
    for step in 0..=(seconds * 2 + 40) {
        let t = step as f64 * dt;
        fair *= (sigma * dt.sqrt() * rng.normal()).exp();
        history.prints.push(Print { t, price: fair });
        if step > seconds * 2 {
            continue;
        }
        let (bid, ask) = (rng.uniform() * spread_max, rng.uniform() * spread_max);
        history.quotes.push(QuoteSample {
            t,
            duration: dt,
            bid: Some(fair * (1.0 - bid)),
            ask: Some(fair * (1.0 + ask)),
        });
        for (side, delta, (a, k)) in [(Side::Bid, bid, truth[0]), (Side::Ask, ask, truth[1])] {
            if rng.uniform() < a * (-k * delta).exp() * dt {
                let price = match side {
                    Side::Bid => fair * (1.0 - delta),
                    Side::Ask => fair * (1.0 + delta),
                };
                history.fills.push(Fill {
                    t,
                    side,
                    price,
                    size: 1.0,
                });
            }
        }
    }
    history
}

#[test]
fn intensity_per_side_is_recovered_within_its_interval() {
    let truth = [(1.5, 1_000.0), (0.8, 2_000.0)];
    let settings = Settings::default();
    for seed in 1..=4 {
        let history = intensity_history(seed, 6 * 3_600, truth, 0.002);
        let calibration = calibrate(&history, &settings, None);
        for (side, &(a, k)) in truth.iter().enumerate() {
            let fit = calibration.sides[side].as_ref().expect("an estimate");
            assert!(
                fit.k.low < k && k < fit.k.high,
                "seed {seed} side {side}: k {k} outside {:?}",
                fit.k
            );
            assert!(
                fit.a.low < a && a < fit.a.high,
                "seed {seed} side {side}: A {a} outside {:?}",
                fit.a
            );
            assert!((fit.k.estimate / k - 1.0).abs() < 0.2);
        }
    }
}

#[test]
fn the_interval_covers_the_truth_about_as_often_as_it_says() {
    // 95 % intervals over 40 histories: at most a few misses.
    let (a, k) = (1.0, 1_500.0);
    let settings = Settings::default();
    let mut misses = 0;
    for seed in 100..140 {
        let history = intensity_history(seed, 3_600, [(a, k), (a, k)], 0.002);
        let fit = calibrate(&history, &settings, None)
            .pooled
            .expect("an estimate");
        if !(fit.k.low < k && k < fit.k.high) {
            misses += 1;
        }
    }
    assert!(misses <= 6, "{misses} of 40 intervals miss k");
}

#[test]
fn fills_at_one_distance_cannot_tell_a_from_k() {
    let exposure = vec![(0.001, 1.0); 5_000];
    let fills = vec![0.001; 500];
    let error = fit_intensity("bid", &exposure, &fills, &Settings::default()).unwrap_err();
    assert!(
        matches!(error, CalibrationError::NotIdentifiable { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("vary the quoted spread"));
}

#[test]
fn too_few_fills_are_refused_by_name() {
    let history = intensity_history(7, 60, [(1.0, 1_000.0); 2], 0.002);
    let calibration = calibrate(&history, &Settings::default(), None);
    for side in &calibration.sides {
        let error = side.as_ref().unwrap_err();
        assert!(
            matches!(error, CalibrationError::TooFewFills { .. }),
            "{error}"
        );
    }
}

#[test]
fn fills_through_the_fair_price_and_informed_fills_are_kept_out() {
    let truth = (1.0, 1_000.0);
    let mut history = moving_history(3, 4 * 3_600, [truth; 2], 0.002, 1.4e-4);
    // Beyond 50 bp is outside the model here, so the jumps' 1 % moves censor the quotes
    // and fills that stand during them (both together: no bias).
    let settings = Settings {
        distance_max: 0.005,
        ..Settings::default()
    };
    let clean = calibrate(&history, &settings, None)
        .pooled
        .expect("an estimate");
    // An arbitrageur buys 50 times just before a 1 % jump (its fill looks fine at the
    // time, 5 bp above fair, and the price then runs away), and 50 times through fair.
    let end = history.prints.last().expect("prints").t;
    for i in 0..100 {
        let t = 100.0 + 140.0 * i as f64;
        let jump = i < 50;
        let fair = history.fair(t).expect("a fair price");
        history.fills.push(Fill {
            t,
            side: Side::Ask,
            price: fair * if jump { 1.000_5 } else { 0.999 },
            size: 1.0,
        });
        if jump {
            for print in history.prints.iter_mut() {
                if print.t > t + 1.0 && print.t < t + 60.0 && print.t < end {
                    print.price *= 1.01;
                }
            }
        }
    }
    history.fills.sort_by(|a, b| a.t.total_cmp(&b.t));
    let calibration = calibrate(&history, &settings, None);
    assert!(calibration.informed >= 50, "{}", calibration.informed);
    assert!(calibration.censored >= 50, "{}", calibration.censored);
    let fit = calibration.pooled.expect("an estimate");
    assert!((fit.k.estimate / clean.k.estimate - 1.0).abs() < 0.05);
}

/// Prints every `interval` s of a diffusion at `sigma` per √s with jumps of `jump` (log)
/// every `jump_every` s.
fn diffusion(seed: u64, hours: f64, sigma: f64, jump: f64, jump_every: f64) -> Vec<Print> {
    let mut rng = Rng(seed);
    let interval = 1.0;
    let steps = (hours * 3_600.0 / interval) as usize;
    let mut log_price = 150f64.ln();
    let mut prints = Vec::with_capacity(steps);
    for step in 0..steps {
        let t = step as f64 * interval;
        log_price += sigma * interval.sqrt() * rng.normal();
        if step > 0 && (t % jump_every) == 0.0 {
            log_price += if rng.uniform() < 0.5 { jump } else { -jump };
        }
        prints.push(Print {
            t,
            price: log_price.exp(),
        });
    }
    prints
}

#[test]
fn bipower_variation_sees_through_jumps_where_realised_variance_does_not() {
    let sigma = 0.8 / (365.25f64 * 86_400.0).sqrt();
    let prints = diffusion(11, 24.0, sigma, 0.01, 1_800.0);
    let volatility = estimate_volatility(&prints, &Settings::default()).expect("an estimate");
    let estimate = volatility.sigma();
    assert!(
        (estimate.estimate / sigma - 1.0).abs() < 0.06,
        "σ {} vs {sigma}",
        estimate.estimate
    );
    assert!(
        estimate.low < sigma && sigma < estimate.high,
        "{estimate:?}"
    );
    // 48 jumps of 1 % (nine of a minute's standard deviations) add ≈ 2.7 times the
    // diffusion's variance; realised variance counts them.
    assert!(volatility.realised > 2.5 * sigma * sigma);
    assert!(volatility.jump_share > 0.2, "{}", volatility.jump_share);
}

#[test]
fn a_short_print_history_is_refused_by_name() {
    let prints = diffusion(1, 0.25, 1e-4, 0.0, 1e9);
    let error = estimate_volatility(&prints, &Settings::default()).unwrap_err();
    assert_eq!(
        error,
        CalibrationError::TooFewPrints {
            returns: 14,
            needed: 30
        }
    );
}

#[test]
fn prints_sparser_than_the_grid_are_refused_by_name() {
    // A print every 10 s read on a 2 s grid: four steps in five see nothing new.
    let prints: Vec<Print> = diffusion(2, 2.0, 1e-4, 0.0, 1e9)
        .into_iter()
        .step_by(10)
        .collect();
    let settings = Settings {
        grid_secs: 2.0,
        ..Settings::default()
    };
    let error = estimate_volatility(&prints, &settings).unwrap_err();
    assert!(
        matches!(error, CalibrationError::SparsePrints { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("--grid-secs"));
}

#[test]
fn gamma_holds_the_inventory_at_the_operators_target() {
    let (a, k, sigma) = (1.5, 1_000.0, 1.4e-4);
    let sizes = (1.0, 1.0);
    let target = 10.0;
    let gamma = risk_aversion_for(target, sizes, a, k, sigma).expect("a γ");
    // The skew it gives is the one the target needs, std(q) = √(E[s²]/(2·E[s]·k·K)).
    let skew = sigma * c2(gamma, a, k).expect("c2");
    let std = (sizes.1 / (2.0 * sizes.0 * k * skew)).sqrt();
    assert!((std / target - 1.0).abs() < 1e-3, "γ {gamma}: std {std}");
    // A tighter target needs more risk aversion.
    assert!(risk_aversion_for(5.0, sizes, a, k, sigma).expect("a γ") > gamma);
    let error = risk_aversion_for(1e-9, sizes, a, k, sigma).unwrap_err();
    assert!(
        error.to_string().contains("choose another target"),
        "{error}"
    );
}

fn fixed(numerator: i128, denominator: i128) -> StoredFixed {
    StoredFixed::from(Fixed::ratio(numerator, denominator, Rounding::Down).expect("a ratio"))
}

/// The localnet's `default_params()` (a dev-dependency on it would build the SDK twice).
fn params() -> PoolParams {
    const SOL: u64 = 1_000_000_000;
    PoolParams {
        model_kind: ModelKind::Glft.into(),
        units: Units::Relative.into(),
        risk_aversion: fixed(250, 1),
        order_decay: fixed(10_000, 1),
        arrival_intensity: fixed(1, 1),
        horizon: StoredFixed::ZERO,
        min_half_spread: fixed(1, 10_000),
        confidence_multiplier: StoredFixed::ZERO,
        age_multiplier: fixed(5, 4),
        depth_slope: fixed(1, 1_000),
        print_depth: 3 * SOL,
        volatility_window: 600,
        volatility_grid: 60,
        variance_floor: fixed(1, 1_000_000_000),
        variance_ceiling: fixed(1, 10_000),
        lot: SOL,
        inventory_cap: 100 * SOL,
        max_trade_base: 50 * SOL,
        fee_bps: 0,
        protocol_share_bps: 2_000,
        max_oracle_age: 20,
        max_confidence_bps: 100,
        max_ema_deviation_bps: 500,
        hedge_credit_bps: 0,
        hedge_cost_bps: 0,
        rebalance_band: 10 * SOL,
        min_rebalance_interval: 30,
        max_hedge_position: 200 * SOL,
        lp_access: 0,
        depth_relief_bps: 0,
        age_shrink_bps: 0,
        quote_band_bps: 0,
        quote_fallback: QUOTE_FALLBACK_PYTH,
        reserved: [0; 2],
    }
}

fn value(stored: StoredFixed) -> f64 {
    stored.get().to_f64()
}

#[test]
fn a_proposal_moves_each_parameter_at_most_one_step() {
    let truth = (1.5, 1_000.0);
    let history = moving_history(5, 4 * 3_600, [truth; 2], 0.002, 1.4e-4);
    let calibration = calibrate(&history, &Settings::default(), Some(10.0));
    let mut current = params();
    current.variance_floor = fixed(1, 100_000_000);
    current.variance_ceiling = current.variance_floor;
    let (next, steps) = propose(&current, &calibration, 0.5).expect("a proposal");
    // k from 10 000 toward 1 000: one step is ÷1.5; A from 1 toward 1.5: reached.
    assert!((value(next.order_decay) - 10_000.0 / 1.5).abs() < 1e-6);
    assert!((value(next.arrival_intensity) / 1.5 - 1.0).abs() < 0.2);
    assert_eq!(next.variance_floor, next.variance_ceiling);
    for step in &steps {
        let ratio = step.proposed / step.current;
        assert!((1.0 / 1.5 - 1e-9..=1.5 + 1e-9).contains(&ratio), "{step:?}");
        assert!(step.target.is_some(), "{step:?} has no estimate");
    }
    // A pool whose variance the program estimates keeps its bounds.
    let (next, _) = propose(&params(), &calibration, 0.5).expect("a proposal");
    assert_eq!(next.variance_floor, params().variance_floor);
    assert_eq!(next.variance_ceiling, params().variance_ceiling);
}

#[test]
fn a_trader_filling_at_chosen_distances_moves_nothing_beyond_one_step() {
    // Honest flow at k = 1 000, plus a trader who fills the ask about 10 times a minute,
    // only when it stands beyond 15 bp, to drag k down and A up.
    let truth = (1.5, 1_000.0);
    let mut history = intensity_history(9, 4 * 3_600, [truth; 2], 0.002);
    let fair = 100.0;
    let wide: Vec<Fill> = history
        .quotes
        .iter()
        .filter(|q| q.ask.is_some_and(|ask| ask > fair * 1.0015))
        .step_by(3)
        .map(|q| Fill {
            t: q.t + 0.2,
            side: Side::Ask,
            price: q.ask.unwrap_or(fair),
            size: 1.0,
        })
        .collect();
    history.fills.extend(wide);
    history.fills.sort_by(|a, b| a.t.total_cmp(&b.t));
    let calibration = calibrate(&history, &Settings::default(), None);
    let ask = calibration.sides[1].as_ref().expect("an estimate");
    assert!(
        ask.k.estimate < 0.5 * truth.1,
        "the trader did move the estimate"
    );
    let current = params();
    for max_step in [0.1, 0.25, 0.5] {
        let (_, steps) = propose(&current, &calibration, max_step).expect("a proposal");
        for step in steps {
            let ratio = step.proposed / step.current;
            assert!(
                ratio <= 1.0 + max_step + 1e-9 && ratio >= 1.0 / (1.0 + max_step) - 1e-9,
                "{step:?} beyond one step of {max_step}"
            );
        }
    }
    assert_eq!(bounded(100.0, 1e9, 0.5), 150.0);
    assert_eq!(bounded(100.0, 0.0, 0.5), 100.0 / 1.5);
}

/// Fills of `A·e^(−kδ)` against a pool that quotes at `distances[i]` for an hour each
/// (exposure in 1 s pieces): `(exposure, fill distances)`.
fn hourly_levels(seed: u64, (a, k): (f64, f64), distances: &[f64]) -> (Vec<(f64, f64)>, Vec<f64>) {
    let mut rng = Rng(seed);
    let (mut exposure, mut fills) = (Vec::new(), Vec::new());
    for &delta in distances {
        for _ in 0..3_600 {
            exposure.push((delta, 1.0));
            if rng.uniform() < a * (-k * delta).exp() {
                fills.push(delta);
            }
        }
    }
    (exposure, fills)
}

#[test]
fn exploring_the_spread_tells_a_from_k_within_one_step() {
    // A pool at one distance for 6 h cannot tell A from k; the same pool whose k (so its
    // half-spread, ≈ 1/k) is explored ±20 % from one hour to the next can.
    let truth = (1.5, 1_000.0);
    let settings = Settings::default();
    let (exposure, fills) = hourly_levels(11, truth, &[0.001; 6]);
    let error = fit_intensity("both", &exposure, &fills, &settings).unwrap_err();
    assert!(
        matches!(error, CalibrationError::NotIdentifiable { .. }),
        "{error}"
    );
    let mut rng = Rng(12);
    let levels: Vec<f64> = (0..6)
        .map(|_| 0.001 / 1.2f64.powf(2.0 * rng.uniform() - 1.0))
        .collect();
    let (exposure, fills) = hourly_levels(11, truth, &levels);
    let fit = fit_intensity("both", &exposure, &fills, &settings).expect("identified");
    assert!((fit.k.estimate / truth.1 - 1.0).abs() < 0.2, "{:?}", fit.k);
    assert!((fit.a.estimate / truth.0 - 1.0).abs() < 0.2, "{:?}", fit.a);

    // `explore` moves k from its centre — the proposal's k when k was estimated, else the
    // last centre — by at most the exploration's factor, never beyond one step of the
    // pool's k, and says so in the proposal's steps.
    let history = moving_history(5, 4 * 3_600, [truth; 2], 0.002, 1.4e-4);
    let calibration = calibrate(&history, &settings, None);
    let current = params();
    let now = value(current.order_decay);
    let proposal = || propose(&current, &calibration, 0.5).expect("a proposal");
    let estimated = proposal().1[1].proposed;
    for (last, draw) in [(None, 0.0), (Some(1.0), 0.5), (None, 0.999)] {
        let explored = explore(&current, proposal(), last, 0.2, draw, 0.5).expect("explored");
        assert_eq!(explored.center_k, estimated, "an estimate centres it");
        let k = value(explored.params.order_decay);
        let expected = bounded(now, estimated * 1.2f64.powf(2.0 * draw - 1.0), 0.5);
        assert!((k / expected - 1.0).abs() < 1e-9, "{k} vs {expected}");
        assert!(k <= now * 1.5 + 1e-6 && k >= now / 1.5 - 1e-6);
        let step = explored
            .steps
            .iter()
            .find(|s| s.name == "order_decay")
            .expect("k's step");
        assert_eq!(step.proposed, k);
    }
    // Without an estimate of k: the last centre, else the pool's own k.
    let refused = calibrate(&History::default(), &settings, None);
    let unestimated = || propose(&current, &refused, 0.5).expect("a proposal");
    let kept = explore(&current, unestimated(), Some(9_000.0), 0.2, 0.5, 0.5).expect("explored");
    assert_eq!(kept.center_k, 9_000.0);
    assert!((value(kept.params.order_decay) / 9_000.0 - 1.0).abs() < 1e-9);
    let first = explore(&current, unestimated(), None, 0.2, 0.5, 0.5).expect("explored");
    assert_eq!(first.center_k, now);
    let error = explore(&current, proposal(), None, 0.2, 1.0, 0.5).unwrap_err();
    assert!(error.to_string().contains("a draw in [0, 1)"), "{error}");
}

#[test]
fn swap_events_become_prints_fills_and_the_quotes_between_them() {
    // SOL/USDC, lot 1 SOL: 150 USDC = 150·10⁶ quote atoms per lot; 1 bp half-spread, a
    // skew of 0.1 bp per lot.
    let bits = |atoms: f64| {
        homeostat::StoredFixed::from(
            homeostat_math::Fixed::from_f64(atoms, homeostat_math::FloatRounding::Down).unwrap(),
        )
    };
    let swap =
        |direction: u8, amount_in: u64, amount_out: u64, gross_position_after: i128, time: i64| {
            Swapped {
                pool: Pubkey::default(),
                trader: Pubkey::default(),
                direction,
                exact_in: true,
                amount_in,
                amount_out,
                fee: 0,
                protocol_fee: 0,
                gross_position_before: 0,
                gross_position_after,
                oracle_price: bits(150e6),
                oracle_confidence: homeostat::StoredFixed::ZERO,
                oracle_publish_time: time,
                half_spread: bits(15_000.0),
                skew: bits(1_500.0),
                variance: homeostat::StoredFixed::ZERO,
            }
        };
    let lot = 1_000_000_000;
    let swaps = vec![
        // The trader sells 2 SOL for 299.9 USDC: the pool's bid filled at 149.95.
        (10.0, swap(0, 2 * lot, 299_900_000, 2 * lot as i128, 9)),
        // The trader pays 150.1 USDC for 1 SOL: the ask at 150.1.
        (15.0, swap(1, 150_100_000, lot, lot as i128, 14)),
    ];
    let history = from_swaps(&swaps, lot, 9, 6, 1.0);
    assert_eq!(history.prints.len(), 2);
    assert!((history.prints[0].price - 150.0).abs() < 1e-9);
    assert_eq!(history.fills.len(), 2);
    assert_eq!(history.fills[0].side, Side::Bid);
    assert!((history.fills[0].price - 149.95).abs() < 1e-9);
    assert!((history.fills[0].size - 2.0).abs() < 1e-12);
    assert_eq!(history.fills[1].side, Side::Ask);
    assert!((history.fills[1].price - 150.1).abs() < 1e-9);
    // Between the swaps (10 → 15 s): five one-second quotes at q = 2 lots, one lot each
    // way — the bid 1 bp + 2.5 × 0.1 bp out, the ask 1 bp − 1.5 × 0.1 bp.
    let between: Vec<&QuoteSample> = history.quotes.iter().filter(|q| q.t < 15.0).collect();
    assert_eq!(between.len(), 5);
    let fair = 150.0;
    let bid = between[0].bid.expect("a bid");
    let ask = between[0].ask.expect("an ask");
    assert!(((fair - bid) / fair - 1.25e-4).abs() < 1e-12, "{bid}");
    assert!(((ask - fair) / fair - 0.85e-4).abs() < 1e-12, "{ask}");
}
