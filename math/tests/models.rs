//! Inventory models: the papers' numbers, both unit systems, the ordering of quotes, and
//! the parameter domain.

mod common;

use common::{f, fx, paper_params, reference_half_spread_and_skew, rel_err};
use homeostat_math::transcendental::{exp, ln, ln_1p};
use homeostat_math::{
    BaseAtoms, Curve, Fixed, InventoryModel, LinearCurve, MarketState, MathErrorKind, ModelKind,
    ModelParams, PoolModel, QuoteAtoms, Reserves, Rounding, SpreadConfig, Units,
};
use proptest::prelude::*;

const NO_WIDENING: SpreadConfig = SpreadConfig {
    min_half_spread: Fixed::ZERO,
    confidence_multiplier: Fixed::ZERO,
    age_multiplier: Fixed::ZERO,
    depth_slope: Fixed::ZERO,
    mid_guard: false,
};

fn linear(model: &PoolModel, market: MarketState, spread: SpreadConfig) -> LinearCurve {
    match model
        .curve(&market, &spread, Reserves::default(), 1)
        .unwrap()
    {
        Curve::Linear(curve) => curve,
        other => panic!("expected a linear curve, got {other:?}"),
    }
}

fn paper_market() -> MarketState {
    MarketState {
        mid: Fixed::from_int(100),
        confidence: Fixed::ZERO,
        variance: Fixed::from_int(4),
        age: 0,
    }
}

#[test]
fn avellaneda_stoikov_reproduces_the_papers_spread() {
    // s = 100, σ = 2, γ = 0.1, k = 1.5, T − t = 1. The marginal half-spread is
    // c1 = ln(1+γ/k)/γ = 0.645385211375712 and the skew γσ²τ = 0.4; the papers' one-unit
    // spread, γσ²τ + (2/γ)ln(1+γ/k) = 1.690770422751423, is what one lot pays over its path
    // (tests/unit_quotes.rs).
    let model = PoolModel::new(paper_params(ModelKind::AvellanedaStoikov)).unwrap();
    assert!(rel_err(f(model.coefficients.c1), 0.645_385_211_375_711_7) < 1e-12);
    let curve = linear(&model, paper_market(), NO_WIDENING);
    assert_eq!(curve.half_spread, model.coefficients.c1);
    assert!(rel_err(f(curve.skew), 0.4) < 1e-12);
    assert!(curve.skew_low <= curve.skew);
    // At q = 0 the marginal quotes are symmetric around the mid.
    let bid = curve.bid_at(0, Rounding::Down).unwrap();
    let ask = curve.ask_at(0, Rounding::Up).unwrap();
    assert!(rel_err(f(bid), 99.354_614_788_624_29) < 1e-13);
    assert!(rel_err(f(ask), 100.645_385_211_375_71) < 1e-13);
    // Long 2 units: r = s − qγσ²τ = 100 − 0.8.
    let reservation = curve.reservation_at(2, Rounding::Down).unwrap();
    assert!(rel_err(f(reservation), 99.2) < 1e-13);
}

#[test]
fn glft_reproduces_hand_computed_coefficients() {
    // c1 = ln(1 + 1/15)/0.1, c2 = √(0.1/(2·140·1.5) · (1+1/15)^16)
    let model = PoolModel::new(paper_params(ModelKind::Glft)).unwrap();
    assert!(rel_err(f(model.coefficients.c1), 0.645_385_211_375_711_7) < 1e-12);
    assert!(rel_err(f(model.coefficients.c2), 0.025_858_608_060_983) < 1e-9);
    let curve = linear(&model, paper_market(), NO_WIDENING);
    assert_eq!(curve.half_spread, model.coefficients.c1);
    assert!(rel_err(f(curve.skew), 0.051_717_216_121_966) < 1e-9);
    // ask = s + (half − skew·q): at q = −3 the ask rises by 3·skew.
    let ask = curve.ask_at(-3, Rounding::Up).unwrap();
    assert!(
        rel_err(
            f(ask),
            100.0 + 0.645_385_211_375_711_7 + 3.0 * 0.051_717_216_121_966
        ) < 1e-11
    );
}

#[test]
fn relative_units_give_the_same_quotes_as_absolute_units() {
    // s = 100: σ_rel = σ/s, k_rel = k·s, γ_rel = γ·s.
    for kind in [ModelKind::AvellanedaStoikov, ModelKind::Glft] {
        let absolute = PoolModel::new(paper_params(kind)).unwrap();
        let relative = PoolModel::new(ModelParams {
            units: Units::Relative,
            risk_aversion: Fixed::from_int(10),
            order_decay: Fixed::from_int(150),
            ..paper_params(kind)
        })
        .unwrap();
        let absolute_curve = linear(&absolute, paper_market(), NO_WIDENING);
        let relative_market = MarketState {
            variance: fx(0.0004),
            ..paper_market()
        };
        let relative_curve = linear(&relative, relative_market, NO_WIDENING);
        assert!(
            rel_err(f(relative_curve.half_spread), f(absolute_curve.half_spread)) < 1e-9,
            "{kind:?}"
        );
        assert!(
            rel_err(f(relative_curve.skew), f(absolute_curve.skew)) < 1e-9,
            "{kind:?}"
        );
    }
}

#[test]
fn spread_widens_with_confidence_and_respects_its_floor() {
    let model = PoolModel::new(paper_params(ModelKind::AvellanedaStoikov)).unwrap();
    let base = linear(&model, paper_market(), NO_WIDENING);
    let widened = linear(
        &model,
        MarketState {
            confidence: fx(0.5),
            ..paper_market()
        },
        SpreadConfig {
            min_half_spread: Fixed::ZERO,
            confidence_multiplier: Fixed::from_int(2),
            age_multiplier: Fixed::ZERO,
            depth_slope: Fixed::ZERO,
            mid_guard: false,
        },
    );
    assert_eq!(
        widened.half_spread,
        base.half_spread.checked_add(Fixed::ONE).unwrap()
    );
    let floored = linear(
        &model,
        paper_market(),
        SpreadConfig {
            min_half_spread: Fixed::from_int(3),
            confidence_multiplier: Fixed::ZERO,
            age_multiplier: Fixed::ZERO,
            depth_slope: Fixed::ZERO,
            mid_guard: false,
        },
    );
    assert_eq!(floored.half_spread, Fixed::from_int(3));
    assert_eq!(
        floored.skew, base.skew,
        "the floor widens the spread, not the skew"
    );
}

#[test]
fn volatility_moves_the_skew_and_the_age_widening_not_the_marginal_half_spread() {
    let with_age = SpreadConfig {
        age_multiplier: Fixed::from_int(2),
        ..NO_WIDENING
    };
    for kind in [ModelKind::AvellanedaStoikov, ModelKind::Glft] {
        let model = PoolModel::new(paper_params(kind)).unwrap();
        let at = |variance: i64, age: u64, spread: SpreadConfig| {
            linear(
                &model,
                MarketState {
                    variance: Fixed::from_int(variance),
                    age,
                    ..paper_market()
                },
                spread,
            )
        };
        let (calm, wild) = (at(1, 0, NO_WIDENING), at(9, 0, NO_WIDENING));
        assert!(wild.skew > calm.skew, "{kind:?}");
        assert_eq!(
            wild.half_spread, calm.half_spread,
            "{kind:?}: no double count"
        );
        assert_eq!(calm.half_spread, model.coefficients.c1);
        // A print 4 s old with σ² = 9: the half-spread widens by 2·√(9·4) = 12.
        let aged = at(9, 4, with_age);
        assert_eq!(
            aged.half_spread,
            model
                .coefficients
                .c1
                .checked_add(Fixed::from_int(12))
                .unwrap(),
            "{kind:?}"
        );
        assert_eq!(
            at(9, 0, with_age).half_spread,
            calm.half_spread,
            "a fresh print"
        );
        assert_eq!(aged.skew, wild.skew, "age widens, it does not skew");
    }
}

#[test]
fn constant_product_model_prices_from_reserves_only() {
    let model = PoolModel::new(ModelParams {
        kind: ModelKind::ConstantProduct,
        ..paper_params(ModelKind::Glft)
    })
    .unwrap();
    let reserves = Reserves {
        base: BaseAtoms::new(1_000),
        quote: QuoteAtoms::new(100_000),
    };
    let bad_market = MarketState {
        mid: Fixed::ZERO,
        ..paper_market()
    };
    let curve = model.curve(&bad_market, &NO_WIDENING, reserves, 1).unwrap();
    assert!(matches!(curve, Curve::ConstantProduct(c) if c.reserves == reserves));
}

#[test]
fn curve_rejects_a_bad_market() {
    let model = PoolModel::new(paper_params(ModelKind::Glft)).unwrap();
    let cases = [
        (
            MarketState {
                mid: Fixed::ZERO,
                ..paper_market()
            },
            MathErrorKind::NonPositivePrice,
        ),
        (
            MarketState {
                mid: Fixed::from_int(-5),
                ..paper_market()
            },
            MathErrorKind::NonPositivePrice,
        ),
        (
            MarketState {
                mid: Fixed::from_int(1 << 45),
                ..paper_market()
            },
            MathErrorKind::OutOfDomain,
        ),
        (
            MarketState {
                variance: Fixed::from_int(-1),
                ..paper_market()
            },
            MathErrorKind::OutOfDomain,
        ),
        (
            MarketState {
                confidence: Fixed::from_int(-1),
                ..paper_market()
            },
            MathErrorKind::OutOfDomain,
        ),
    ];
    for (market, kind) in cases {
        let error = model
            .curve(&market, &NO_WIDENING, Reserves::default(), 1)
            .unwrap_err();
        assert_eq!(error.kind, kind, "{market:?}");
    }
    let error = model
        .curve(&paper_market(), &NO_WIDENING, Reserves::default(), 0)
        .unwrap_err();
    assert_eq!(error.kind, MathErrorKind::InvalidParameter);
}

#[test]
fn parameters_outside_their_bounds_are_rejected() {
    let good = paper_params(ModelKind::Glft);
    let tiny = Fixed::from_bits(1);
    let cases = [
        ModelParams {
            risk_aversion: Fixed::ZERO,
            ..good
        },
        ModelParams {
            risk_aversion: Fixed::from_int(-1),
            ..good
        },
        ModelParams {
            risk_aversion: Fixed::from_int(1 << 21),
            ..good
        },
        ModelParams {
            order_decay: tiny,
            ..good
        },
        // γ/k = 2^-17 is below the ratio bound even though both are in range
        ModelParams {
            risk_aversion: Fixed::ONE,
            order_decay: Fixed::from_int(1 << 17),
            ..good
        },
        ModelParams {
            arrival_intensity: Fixed::ZERO,
            ..good
        },
        ModelParams {
            arrival_intensity: Fixed::from_int(1 << 33),
            ..good
        },
        ModelParams {
            kind: ModelKind::AvellanedaStoikov,
            horizon: Fixed::from_int(-1),
            ..good
        },
        ModelParams {
            kind: ModelKind::AvellanedaStoikov,
            horizon: Fixed::from_int(1 << 33),
            ..good
        },
    ];
    for params in cases {
        assert_eq!(
            PoolModel::new(params).unwrap_err().kind,
            MathErrorKind::InvalidParameter,
            "{params:?}"
        );
    }
    // A is irrelevant to AS, τ to GLFT.
    assert!(PoolModel::new(ModelParams {
        kind: ModelKind::AvellanedaStoikov,
        arrival_intensity: Fixed::ZERO,
        ..good
    })
    .is_ok());
    assert!(PoolModel::new(ModelParams {
        horizon: Fixed::from_int(-1),
        ..good
    })
    .is_ok());
    assert_eq!(
        ModelKind::try_from(3).unwrap_err().kind,
        MathErrorKind::InvalidParameter
    );
    assert_eq!(Units::try_from(1).unwrap(), Units::Relative);
}

fn model_strategy() -> impl Strategy<Value = (ModelKind, f64, f64, f64, f64)> {
    (
        prop_oneof![Just(ModelKind::AvellanedaStoikov), Just(ModelKind::Glft)],
        -12.0f64..12.0, // log2 γ
        -12.0f64..12.0, // log2 k
        -10.0f64..20.0, // log2 A
        0.0f64..1000.0, // τ
    )
        .prop_filter("γ/k within bounds", |(_, g, k, _, _)| (g - k).abs() < 15.5)
}

/// Absolute-unit parameters from the strategy's logs: γ = 2^log_gamma, k = 2^log_k,
/// A = 2^log_a, τ.
fn absolute_params(
    kind: ModelKind,
    log_gamma: f64,
    log_k: f64,
    log_a: f64,
    tau: f64,
) -> ModelParams {
    ModelParams {
        kind,
        units: Units::Absolute,
        risk_aversion: fx(log_gamma.exp2()),
        order_decay: fx(log_k.exp2()),
        arrival_intensity: fx(log_a.exp2()),
        horizon: fx(tau),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Against the f64 reference over the whole domain: c1, c2 and the resulting spread and
    /// skew are within 1e-8 relative (γ/k ≥ 2^-16 leaves ~32 bits for the ratio).
    #[test]
    fn quotes_match_the_float_reference((kind, log_gamma, log_k, log_a, tau) in model_strategy(), sigma in 0.0f64..50.0) {
        let params = absolute_params(kind, log_gamma, log_k, log_a, tau);
        let model = PoolModel::new(params).unwrap();
        let variance = fx(sigma * sigma);
        let curve = linear(&model, MarketState { variance, ..paper_market() }, NO_WIDENING);
        let (half, skew) = reference_half_spread_and_skew(
            kind, f(params.risk_aversion), f(params.order_decay), f(params.arrival_intensity), f(params.horizon), f(variance));
        prop_assert!(rel_err(f(curve.half_spread), half) < 1e-8 || (f(curve.half_spread) - half).abs() < 1e-12,
            "half {} vs {}", curve.half_spread, half);
        prop_assert!(rel_err(f(curve.skew), skew) < 1e-8 || (f(curve.skew) - skew).abs() < 1e-12,
            "skew {} vs {}", curve.skew, skew);
        // Rounded in the pool's favour: never narrower than 1e-12 below the reference.
        prop_assert!(f(curve.half_spread) >= half * (1.0 - 1e-8));
    }

    /// bid < reservation < ask at every inventory, and all three fall as inventory rises.
    #[test]
    fn quotes_are_ordered_and_move_against_inventory((kind, log_gamma, log_k, log_a, tau) in model_strategy(), q in -1000i128..1000, step in 1i128..100) {
        let params = absolute_params(kind, log_gamma, log_k, log_a, tau);
        let curve = linear(&PoolModel::new(params).unwrap(), paper_market(), NO_WIDENING);
        let bid = curve.bid_at(q, Rounding::Down).unwrap();
        let reservation = curve.reservation_at(q, Rounding::Down).unwrap();
        let ask = curve.ask_at(q, Rounding::Up).unwrap();
        prop_assert!(bid < reservation && reservation < ask);
        let next_bid = curve.bid_at(q + step, Rounding::Down).unwrap();
        let next_ask = curve.ask_at(q + step, Rounding::Up).unwrap();
        prop_assert!(next_bid <= bid && next_ask <= ask);
        if !curve.skew.is_zero() {
            prop_assert!(next_bid < bid && next_ask < ask);
        }
    }

    /// ln, ln(1+x) and exp against f64: within 2 units in the last place plus 1e-15 relative.
    #[test]
    fn transcendentals_match_the_float_reference(x in 1e-12f64..1e20, small in 0.0f64..1.0, e in -34.0f64..54.0) {
        let lx = ln(fx(x)).unwrap();
        prop_assert!((f(lx) - f(fx(x)).ln()).abs() < 2.0 * 2f64.powi(-48) + 1e-15 * f(fx(x)).ln().abs());
        let l1 = ln_1p(fx(small)).unwrap();
        prop_assert!((f(l1) - f(fx(small)).ln_1p()).abs() < 2.0 * 2f64.powi(-48));
        let ex = exp(fx(e)).unwrap();
        let expected = f(fx(e)).exp();
        prop_assert!((f(ex) - expected).abs() < 2.0 * 2f64.powi(-48) + 1e-14 * expected);
    }
}

/// The SOL/USDC example of docs/math.md, so the document stays true.
#[test]
fn docs_worked_example_sol_usdc() {
    let model = PoolModel::new(ModelParams {
        kind: ModelKind::Glft,
        units: Units::Relative,
        risk_aversion: Fixed::from_int(50),
        order_decay: Fixed::from_int(2_000),
        arrival_intensity: Fixed::ONE,
        horizon: Fixed::ZERO,
    })
    .unwrap();
    assert!(rel_err(f(model.coefficients.c1), 4.938_522_518_074e-4) < 1e-9);
    assert!(rel_err(f(model.coefficients.c2), 0.185_478_787_006_416) < 1e-9);
    let lot = 1_000_000_000; // 1 SOL
    let market = MarketState {
        mid: Fixed::from_int(150_000_000), // 150 USDC per SOL, in USDC atoms
        confidence: Fixed::ZERO,
        variance: Fixed::ratio(2, 100_000_000, Rounding::Down).unwrap(),
        age: 0,
    };
    let curve = match model
        .curve(&market, &NO_WIDENING, Reserves::default(), lot)
        .unwrap()
    {
        Curve::Linear(curve) => curve,
        other => panic!("{other:?}"),
    };
    // A per-second variance of 2e-8 holds ~7 significant digits at 2^-48 resolution, so σ
    // (and the skew) is good to ~1e-7 relative: far below any estimation noise.
    assert!(rel_err(f(curve.half_spread), 74_077.837_771_114) < 1e-6);
    assert!(
        rel_err(f(curve.skew), 3_934.599_241_755) < 1e-6,
        "{}",
        curve.skew
    );
    // Pool long 20 SOL; a trader sells 5 SOL: 5 · (s − c1·s − K·22.5) = 749.186968 USDC.
    let out = curve
        .sell_base_exact_in(20 * i128::from(lot), BaseAtoms::new(5 * lot))
        .unwrap();
    assert!((i128::from(out.get()) - 749_186_968).abs() <= 1, "{out}");
}

#[test]
fn book_gamma_is_the_constant_product_derivative_and_zero_for_oracle_pools() {
    let base = 1_000_000_000_000u64; // 1 000 SOL
    let gamma = ModelKind::ConstantProduct.book_gamma_per_percent(BaseAtoms::new(base));
    assert_eq!(gamma, -5_000_000_000, "−B/200: 5 SOL per 1 % rise");
    // Against the invariant itself: at a price 1 % higher, x·y = k holds B/√1.01.
    let after = base as f64 / 1.01f64.sqrt();
    let moved = after - base as f64;
    assert!(
        (gamma as f64 - moved).abs() / moved.abs() < 0.01,
        "first order: {gamma} vs {moved}"
    );
    assert_eq!(
        ModelKind::ConstantProduct.book_gamma_per_percent(BaseAtoms::new(199)),
        0,
        "toward zero"
    );
    assert_eq!(
        ModelKind::ConstantProduct.book_gamma_per_percent(BaseAtoms::MAX),
        -((u64::MAX / 200) as i64)
    );
    for oracle in [ModelKind::AvellanedaStoikov, ModelKind::Glft] {
        assert_eq!(
            oracle.book_gamma_per_percent(BaseAtoms::new(base)),
            0,
            "{oracle:?}"
        );
    }
}
