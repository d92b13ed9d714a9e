//! Swap-path costs of homeostat-math: one quote, one exact-in and one exact-out swap
//! computation, one EWMA update. Run with `cargo bench -p homeostat-math`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use homeostat_math::{
    BaseAtoms, Direction, FeeSchedule, Fixed, InventoryModel, Limits, MarketState, ModelKind,
    ModelParams, PoolModel, QuoteAtoms, Reserves, Rounding, SpreadConfig, SwapContext, Units,
    VolatilityConfig, VolatilityState,
};

fn ratio(numerator: i128, denominator: i128) -> Fixed {
    Fixed::ratio(numerator, denominator, Rounding::Down).expect("constant")
}

/// A SOL/USDC-like pool in relative units: lot = 1 SOL (1e9 atoms), mid 150 USDC per lot
/// (150e6 quote atoms), GLFT with γ = 10, k = 150, A = 140.
fn setup() -> (PoolModel, MarketState, SpreadConfig, SwapContext) {
    let model = PoolModel::new(ModelParams {
        kind: ModelKind::Glft,
        units: Units::Relative,
        risk_aversion: Fixed::from_int(10),
        order_decay: Fixed::from_int(150),
        arrival_intensity: Fixed::from_int(140),
        horizon: Fixed::ZERO,
    })
    .expect("valid parameters");
    let market = MarketState {
        mid: Fixed::from_int(150_000_000),
        confidence: Fixed::from_int(50_000),
        variance: ratio(2, 100_000_000),
        age: 2,
    };
    let spread = SpreadConfig {
        min_half_spread: ratio(5, 10_000),
        confidence_multiplier: Fixed::ONE,
        age_multiplier: Fixed::ONE,
        depth_slope: Fixed::ZERO,
        mid_guard: true,
    };
    let reserves = Reserves {
        base: BaseAtoms::new(10_000_000_000_000),
        quote: QuoteAtoms::new(1_500_000_000_000),
    };
    let curve = model
        .curve(&market, &spread, reserves, 1_000_000_000)
        .expect("curve");
    let context = SwapContext {
        curve,
        risk_position: 250_000_000_000,
        position: 250_000_000_000,
        limits: Limits {
            inventory_cap: BaseAtoms::new(5_000_000_000_000),
            max_trade_base: BaseAtoms::new(1_000_000_000_000),
        },
        fees: FeeSchedule {
            fee_bps: 5,
            protocol_share_bps: 2_000,
        },
        reserves,
    };
    (model, market, spread, context)
}

fn benches(c: &mut Criterion) {
    let (model, market, spread, context) = setup();
    let reserves = context.reserves;
    c.bench_function("quote (GLFT curve from oracle state, one sqrt)", |b| {
        b.iter(|| model.curve(black_box(&market), &spread, reserves, 1_000_000_000))
    });
    c.bench_function("swap exact-in (quote -> base, closed-form solve)", |b| {
        b.iter(|| context.quote_exact_in(Direction::QuoteToBase, black_box(1_500_000_000)))
    });
    c.bench_function(
        "swap exact-out (quote out, base in, closed-form solve)",
        |b| b.iter(|| context.quote_exact_out(Direction::BaseToQuote, black_box(1_500_000_000))),
    );
    let config = VolatilityConfig {
        window: 3_600,
        grid: 60,
        floor: ratio(1, 1_000_000_000),
        ceiling: ratio(1, 10_000),
    };
    let state = VolatilityState::start(
        &config,
        ratio(2, 100_000_000),
        Fixed::from_int(150_000_000),
        1_699_999_980,
    )
    .expect("valid configuration");
    // The next grid cell's first second: a sample (any other print costs a comparison).
    c.bench_function("variance update (a grid sample)", |b| {
        b.iter(|| {
            state.observe(
                &config,
                Units::Relative,
                black_box(Fixed::from_int(150_120_000)),
                1_700_000_040,
            )
        })
    });
}

criterion_group!(math, benches);
criterion_main!(math);
