//! Every documented bound of every `PoolParams` field (docs/instructions.md, "PoolParams
//! bounds"), on both sides: the value at the bound is accepted, the value just past it is
//! refused with `InvalidParameter` — by `PoolParams::validate`, and by `initialize_pool`
//! and `update_params` alike.

use homeostat::constants::{
    MAX_AGE_MULTIPLIER, MAX_CONFIDENCE_BPS_LIMIT, MAX_CONFIDENCE_MULTIPLIER, MAX_DEPTH_SLOPE,
    MAX_EMA_DEVIATION_BPS_LIMIT, MAX_HEDGE_COST_BPS, MAX_LOT, MAX_LOT_PRICE, MAX_ORACLE_AGE_LIMIT,
    MAX_QUOTE_BAND_BPS, MAX_REBALANCE_INTERVAL, MAX_VOLATILITY_WINDOW,
};
use homeostat::errors::HomeostatError;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_program_error, bits, default_params, fixed, pyth_price, Exact, Harness, BUY, ONE_BASE,
    ONE_QUOTE, SELL,
};
use homeostat_math::fees::{BPS_DENOMINATOR, MAX_FEE_BPS};
use homeostat_math::model::bounds::MAX_PRICE;
use homeostat_math::{Fixed, ModelKind, Rounding};

type Edit = fn(&mut PoolParams);

/// `(what, at the bound, just past it)`.
type Case = (&'static str, Edit, Edit);

/// Every bound, group by group.
fn cases() -> Vec<Case> {
    [
        kinds_flags_and_shares(),
        spread_and_widening(),
        volatility(),
        sizes_and_fees(),
        oracle(),
        hedging(),
        model_coefficients(),
    ]
    .concat()
}

/// Kinds, flags, reserved bytes and shares in basis points.
fn kinds_flags_and_shares() -> Vec<Case> {
    vec![
        ("model_kind ≤ 2", |p| p.model_kind = 2, |p| p.model_kind = 3),
        ("units ≤ 1", |p| p.units = 1, |p| p.units = 2),
        (
            "reserved = 0",
            |p| p.reserved = [0; 2],
            |p| p.reserved[1] = 1,
        ),
        ("lp_access ≤ 1", |p| p.lp_access = 1, |p| p.lp_access = 2),
        (
            "depth_relief_bps ≤ 10 000",
            |p| p.depth_relief_bps = 10_000,
            |p| p.depth_relief_bps = 10_001,
        ),
        (
            "quote_band_bps ≤ 1 000",
            |p| p.quote_band_bps = 1_000,
            |p| p.quote_band_bps = 1_001,
        ),
        (
            "quote_fallback ≤ 1",
            |p| p.quote_fallback = 1,
            |p| p.quote_fallback = 2,
        ),
        (
            "age_shrink_bps ≤ 10 000",
            |p| p.age_shrink_bps = 10_000,
            |p| p.age_shrink_bps = 10_001,
        ),
        (
            "hedge_credit_bps ≤ 10 000 (operator pool)",
            |p| {
                p.lp_access = 1;
                p.hedge_credit_bps = 10_000;
            },
            |p| {
                p.lp_access = 1;
                p.hedge_credit_bps = 10_001;
            },
        ),
        (
            "hedge_credit_bps = 0 in a public pool",
            |p| p.hedge_credit_bps = 0,
            |p| p.hedge_credit_bps = 1,
        ),
    ]
}

/// The spread floor and the widening multipliers (fixed point).
fn spread_and_widening() -> Vec<Case> {
    vec![
        (
            "min_half_spread ≥ 0",
            |p| p.min_half_spread = StoredFixed::from_bits(0),
            |p| p.min_half_spread = StoredFixed::from_bits(-1),
        ),
        (
            "confidence_multiplier ≥ 0",
            |p| p.confidence_multiplier = StoredFixed::from_bits(0),
            |p| p.confidence_multiplier = StoredFixed::from_bits(-1),
        ),
        (
            "confidence_multiplier ≤ 100",
            |p| p.confidence_multiplier = fixed(100, 1),
            |p| p.confidence_multiplier = StoredFixed::from_bits(bits(100, 1) + 1),
        ),
        (
            "age_multiplier ≥ 0",
            |p| p.age_multiplier = StoredFixed::from_bits(0),
            |p| p.age_multiplier = StoredFixed::from_bits(-1),
        ),
        (
            "age_multiplier ≤ 10",
            |p| p.age_multiplier = fixed(10, 1),
            |p| p.age_multiplier = StoredFixed::from_bits(bits(10, 1) + 1),
        ),
    ]
}

/// The volatility estimate: its window, grid and variance bounds.
fn volatility() -> Vec<Case> {
    vec![
        (
            "volatility_window ≥ 1",
            |p| (p.volatility_window, p.volatility_grid) = (1, 1),
            |p| (p.volatility_window, p.volatility_grid) = (0, 1),
        ),
        (
            "volatility_grid ≥ 1",
            |p| p.volatility_grid = 1,
            |p| p.volatility_grid = 0,
        ),
        (
            "volatility_grid ≤ volatility_window",
            |p| p.volatility_grid = p.volatility_window,
            |p| p.volatility_grid = p.volatility_window + 1,
        ),
        (
            "volatility_window ≤ 30 days",
            |p| p.volatility_window = 2_592_000,
            |p| p.volatility_window = 2_592_001,
        ),
        (
            "variance_floor ≥ 0",
            |p| p.variance_floor = StoredFixed::from_bits(0),
            |p| p.variance_floor = StoredFixed::from_bits(-1),
        ),
        (
            "variance_floor ≤ variance_ceiling",
            |p| p.variance_floor = p.variance_ceiling,
            |p| p.variance_floor = StoredFixed::from_bits(p.variance_ceiling.to_bits() + 1),
        ),
    ]
}

/// Lot, limits on size, fees.
fn sizes_and_fees() -> Vec<Case> {
    vec![
        ("lot > 0", |p| p.lot = 1, |p| p.lot = 0),
        ("lot ≤ 2^40", |p| p.lot = MAX_LOT, |p| p.lot = MAX_LOT + 1),
        (
            "inventory_cap > 0",
            |p| p.inventory_cap = 1,
            |p| p.inventory_cap = 0,
        ),
        (
            "max_trade_base > 0",
            |p| p.max_trade_base = 1,
            |p| p.max_trade_base = 0,
        ),
        (
            "fee_bps ≤ 1000",
            |p| p.fee_bps = 1_000,
            |p| p.fee_bps = 1_001,
        ),
        (
            "protocol_share_bps ≤ 10000",
            |p| p.protocol_share_bps = 10_000,
            |p| p.protocol_share_bps = 10_001,
        ),
    ]
}

/// The oracle checks.
fn oracle() -> Vec<Case> {
    vec![
        (
            "max_oracle_age ≥ 1",
            |p| p.max_oracle_age = 1,
            |p| p.max_oracle_age = 0,
        ),
        (
            "max_oracle_age ≤ 60",
            |p| p.max_oracle_age = 60,
            |p| p.max_oracle_age = 61,
        ),
        (
            "max_confidence_bps ≥ 1",
            |p| p.max_confidence_bps = 1,
            |p| p.max_confidence_bps = 0,
        ),
        (
            "max_confidence_bps ≤ 1000",
            |p| p.max_confidence_bps = 1_000,
            |p| p.max_confidence_bps = 1_001,
        ),
        (
            "max_ema_deviation_bps ≤ 1000",
            |p| p.max_ema_deviation_bps = 1_000,
            |p| p.max_ema_deviation_bps = 1_001,
        ),
    ]
}

/// The hedge loop.
fn hedging() -> Vec<Case> {
    vec![
        (
            "rebalance_band > 0",
            |p| p.rebalance_band = 1,
            |p| p.rebalance_band = 0,
        ),
        (
            "min_rebalance_interval ≤ 1 day",
            |p| p.min_rebalance_interval = 86_400,
            |p| p.min_rebalance_interval = 86_401,
        ),
        (
            "max_hedge_position ≤ i64::MAX",
            |p| p.max_hedge_position = i64::MAX as u64,
            |p| p.max_hedge_position = i64::MAX as u64 + 1,
        ),
    ]
}

/// The model's coefficients: γ/k must stay within [2^-16, 2^16], so the other
/// coefficient moves along.
fn model_coefficients() -> Vec<Case> {
    vec![
        (
            "γ ≥ 2^-20",
            |p| {
                p.order_decay = StoredFixed::from_bits(1 << 28);
                p.risk_aversion = StoredFixed::from_bits(1 << 28);
            },
            |p| {
                p.order_decay = StoredFixed::from_bits(1 << 28);
                p.risk_aversion = StoredFixed::from_bits((1 << 28) - 1);
            },
        ),
        (
            "k ≤ 2^20",
            |p| {
                p.risk_aversion = StoredFixed::from_bits(1 << 68);
                p.order_decay = StoredFixed::from_bits(1 << 68);
            },
            |p| {
                p.risk_aversion = StoredFixed::from_bits(1 << 68);
                p.order_decay = StoredFixed::from_bits((1 << 68) + 1);
            },
        ),
        (
            "A ≥ 2^-20 (GLFT)",
            |p| p.arrival_intensity = StoredFixed::from_bits(1 << 28),
            |p| p.arrival_intensity = StoredFixed::from_bits((1 << 28) - 1),
        ),
        (
            "τ ≤ 2^32 (AS)",
            |p| {
                p.model_kind = ModelKind::AvellanedaStoikov.into();
                p.horizon = StoredFixed::from_bits(1 << 80);
            },
            |p| {
                p.model_kind = ModelKind::AvellanedaStoikov.into();
                p.horizon = StoredFixed::from_bits((1 << 80) + 1);
            },
        ),
    ]
}

fn edited(edit: Edit) -> PoolParams {
    let mut params = default_params();
    edit(&mut params);
    params
}

#[test]
fn every_bound_holds_on_both_sides_in_validate() {
    for (what, inside, outside) in cases() {
        assert!(edited(inside).validate().is_ok(), "{what}: at the bound");
        let error = edited(outside).validate().unwrap_err();
        assert_eq!(
            error,
            anchor_lang::error!(HomeostatError::InvalidParameter),
            "{what}: past the bound"
        );
    }
}

#[tokio::test]
async fn initialize_pool_and_update_params_enforce_every_bound() {
    let mut harness = Harness::start().await;
    // A print with no confidence interval, so the tightest confidence bound still prices.
    harness.set_price(pyth_price(150.0), 0);
    for (index, (what, inside, outside)) in cases().into_iter().enumerate() {
        let pool = harness.pool_at(u16::try_from(index).unwrap());
        assert_program_error(
            harness.initialize_pool(&pool, edited(outside)).await,
            HomeostatError::InvalidParameter,
        );
        harness
            .initialize_pool(&pool, edited(inside))
            .await
            .unwrap_or_else(|error| panic!("{what}: initialize at the bound: {error:?}"));
        let admin = harness.admin.insecure_clone();
        assert_program_error(
            harness.update_params(&pool, &admin, edited(outside)).await,
            HomeostatError::InvalidParameter,
        );
        harness
            .update_params(&pool, &admin, edited(inside))
            .await
            .unwrap_or_else(|error| panic!("{what}: update at the bound: {error:?}"));
    }
}

#[test]
fn a_lot_priced_at_the_limit_leaves_the_curve_room_to_rise_four_times() {
    let limit = Fixed::from_u64(MAX_LOT_PRICE);
    assert_eq!(
        limit.mul(Fixed::from_int(4), Rounding::Down).ok(),
        Some(MAX_PRICE),
        "MAX_LOT_PRICE is a quarter of the curve's bound"
    );
}

#[tokio::test]
async fn the_largest_lot_still_swaps_and_a_larger_one_is_refused() {
    // `update_params` accepted `lot = u64::MAX`, after which every swap failed: the price of
    // a lot no longer fit. At the bound (2^40 atoms, 165 000 USDC a lot at 150) the pool
    // still trades both ways.
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    let largest = PoolParams {
        lot: MAX_LOT,
        ..default_params()
    };
    harness.update_params(&pool, &admin, largest).await.unwrap();
    let trader = harness.new_user(10 * ONE_BASE, 1_500 * ONE_QUOTE).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(ONE_BASE))
        .await
        .unwrap();
    harness
        .swap(&pool, &trader, BUY, Exact::In(150 * ONE_QUOTE))
        .await
        .unwrap();
    for lot in [MAX_LOT + 1, u64::MAX] {
        assert_program_error(
            harness
                .update_params(
                    &pool,
                    &admin,
                    PoolParams {
                        lot,
                        ..default_params()
                    },
                )
                .await,
            HomeostatError::InvalidParameter,
        );
    }
}

/// `n` grouped by thousands as the docs and the messages write it ("2 592 000").
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

/// A whole number as a fixed-point parameter.
fn whole(value: i64) -> StoredFixed {
    StoredFixed::from(Fixed::from_int(value))
}

/// `(parameter, the numbers of its bound, parameters just past it)`.
type DocumentedBound = (&'static str, Vec<u64>, PoolParams);

/// The bounds docs/instructions.md states with their numbers, each with parameters just
/// past it.
fn documented_bounds() -> Vec<DocumentedBound> {
    vec![
        (
            "fee_bps",
            vec![MAX_FEE_BPS.into()],
            edited(|p| p.fee_bps = MAX_FEE_BPS + 1),
        ),
        (
            "max_oracle_age",
            vec![1, MAX_ORACLE_AGE_LIMIT],
            edited(|p| p.max_oracle_age = MAX_ORACLE_AGE_LIMIT + 1),
        ),
        (
            "max_confidence_bps",
            vec![1, MAX_CONFIDENCE_BPS_LIMIT.into()],
            edited(|p| p.max_confidence_bps = MAX_CONFIDENCE_BPS_LIMIT + 1),
        ),
        (
            "max_ema_deviation_bps",
            vec![MAX_EMA_DEVIATION_BPS_LIMIT.into()],
            edited(|p| p.max_ema_deviation_bps = MAX_EMA_DEVIATION_BPS_LIMIT + 1),
        ),
        (
            "min_rebalance_interval",
            vec![MAX_REBALANCE_INTERVAL],
            edited(|p| p.min_rebalance_interval = MAX_REBALANCE_INTERVAL + 1),
        ),
        (
            "volatility_window",
            vec![MAX_VOLATILITY_WINDOW],
            edited(|p| p.volatility_window = MAX_VOLATILITY_WINDOW + 1),
        ),
        (
            "quote_band_bps",
            vec![MAX_QUOTE_BAND_BPS.into()],
            edited(|p| p.quote_band_bps = MAX_QUOTE_BAND_BPS + 1),
        ),
        (
            "hedge_cost_bps",
            vec![MAX_HEDGE_COST_BPS.into()],
            edited(|p| p.hedge_cost_bps = MAX_HEDGE_COST_BPS + 1),
        ),
        (
            "confidence_multiplier",
            vec![MAX_CONFIDENCE_MULTIPLIER.unsigned_abs()],
            edited(|p| p.confidence_multiplier = whole(MAX_CONFIDENCE_MULTIPLIER + 1)),
        ),
        (
            "age_multiplier",
            vec![MAX_AGE_MULTIPLIER.unsigned_abs()],
            edited(|p| p.age_multiplier = whole(MAX_AGE_MULTIPLIER + 1)),
        ),
        (
            "depth_slope",
            vec![MAX_DEPTH_SLOPE.unsigned_abs()],
            edited(|p| p.depth_slope = whole(MAX_DEPTH_SLOPE + 1)),
        ),
        (
            "depth_relief_bps",
            vec![BPS_DENOMINATOR],
            edited(|p| p.depth_relief_bps = 10_001),
        ),
        (
            "age_shrink_bps",
            vec![BPS_DENOMINATOR],
            edited(|p| p.age_shrink_bps = 10_001),
        ),
        (
            "hedge_credit_bps",
            vec![BPS_DENOMINATOR],
            edited(|p| {
                p.lp_access = 1;
                p.hedge_credit_bps = 10_001;
            }),
        ),
    ]
}

/// The row of docs/instructions.md's bounds `table` for the parameter `name`.
fn documented_row<'a>(table: &'a str, name: &str) -> &'a str {
    table
        .lines()
        .find(|line| {
            line.starts_with('|')
                && line
                    .split('|')
                    .nth(1)
                    .is_some_and(|cell| cell.contains(&format!("`{name}`")))
        })
        .unwrap_or_else(|| panic!("docs/instructions.md lists no bound for {name}"))
}

#[test]
fn the_documented_bounds_and_the_messages_are_the_constants() {
    let docs = include_str!("../../../docs/instructions.md");
    let table = &docs[docs
        .find("## `PoolParams` bounds")
        .expect("the bounds table")..];
    for (name, numbers, past) in documented_bounds() {
        let row = documented_row(table, name);
        let message = past
            .violation()
            .unwrap_or_else(|| panic!("{name}: past its bound, accepted"));
        assert!(
            message.starts_with(name),
            "{name}: the violation names another bound: {message}"
        );
        for number in numbers {
            let written = grouped(number);
            assert!(
                row.contains(&written),
                "docs/instructions.md's bound for {name} is not {written}: {row}"
            );
            assert!(
                message.contains(&written),
                "the message for {name} is not {written}: {message}"
            );
        }
    }
    // The lot's bound is a power of two.
    assert_eq!(MAX_LOT, 1 << 40);
    let lot = PoolParams {
        lot: MAX_LOT + 1,
        ..default_params()
    }
    .violation()
    .unwrap();
    assert!(
        lot.contains("2^40") && table.contains("| `lot` | [1, 2^40]"),
        "{lot}"
    );
}
