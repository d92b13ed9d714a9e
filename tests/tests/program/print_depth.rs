//! What a stale print is worth to someone who knows the true price, tried on the program:
//! the oldest print the pool accepts is charged its age (`age_multiplier·σ·√age`), and
//! beyond a print's depth every further lot costs `depth_slope` more — whether taken in one
//! swap or many — until a newer print restores the depth (docs/math.md, "Pricing
//! informed flow").

use homeostat::errors::HomeostatError;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_program_error, default_params, Exact, Harness, BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::Fixed;
use solana_transaction::TransactionError;

/// The reference venue's cost of the other leg, a fraction (the adversarial market's
/// default: a ±2 bp venue).
const REFERENCE_COST: f64 = 2e-4;

fn f64_of(value: Fixed) -> f64 {
    value.to_f64()
}

/// The documented one-sided break-even move for a print `age` seconds old, a fraction of
/// the print: the half-spread `max(c1 + age_multiplier·√(σ̂²·age), min_half_spread)` plus
/// the fee, at the pool's own variance estimate σ̂².
fn break_even(pool: &homeostat::state::Pool, age: u64) -> f64 {
    let params = &pool.params;
    let c1 = f64_of(pool.c1.get());
    let widened = c1
        + f64_of(params.age_multiplier.get()) * (f64_of(pool.variance.get()) * age as f64).sqrt();
    widened.max(f64_of(params.min_half_spread.get())) + f64::from(params.fee_bps) / 10_000.0
}

#[tokio::test]
async fn the_oldest_accepted_print_pays_nobody_below_its_documented_move() {
    // For each age the pool accepts: a fresh pool whose only print is `age` seconds old.
    // The true price has moved by every δ up to the documented break-even; buying one SOL
    // (or selling one) on the old print and unwinding at the reference venue never pays.
    let max_age = default_params().max_oracle_age;
    for age in [0, 1, 2, 3, 5, 8, 13, max_age] {
        for direction in [BUY, SELL] {
            let (mut harness, pool, _) = Harness::with_liquidity().await;
            harness.set_time(harness.now + age as i64);
            let state = harness.pool_state(&pool).await;
            let bound = break_even(&state, age);
            let trader = harness.new_user(10 * ONE_BASE, 10_000 * ONE_QUOTE).await;
            let (base_before, quote_before) = (
                harness.balance(&trader.base).await,
                harness.balance(&trader.quote).await,
            );
            // One SOL each way: sold exactly, or bought exactly.
            let size = if direction == SELL {
                Exact::In(ONE_BASE)
            } else {
                Exact::Out(ONE_BASE)
            };
            harness
                .swap(&pool, &trader, direction, size)
                .await
                .unwrap_or_else(|error| panic!("age {age}: {error:?}"));
            let quote_paid = quote_before as f64 - harness.balance(&trader.quote).await as f64;
            let base_got = harness.balance(&trader.base).await as f64 - base_before as f64;
            assert_eq!(base_got.abs(), ONE_BASE as f64, "one SOL either way");
            let print = 150.0 * ONE_QUOTE as f64;
            let mut move_bps = 0.0;
            while move_bps <= bound * 10_000.0 {
                let delta = move_bps / 10_000.0;
                // The trader's gain at the true price, after the reference venue's cost.
                let gain = if direction == BUY {
                    print * (1.0 + delta) * (1.0 - REFERENCE_COST) - quote_paid
                } else {
                    -quote_paid - print * (1.0 - delta) * (1.0 + REFERENCE_COST)
                };
                assert!(
                    gain <= 0.0,
                    "age {age} s, {direction:?}, a {move_bps:.1} bp move (bound {:.2} bp) pays {gain}",
                    bound * 10_000.0
                );
                move_bps += 0.1;
            }
        }
    }
    // One second older than the limit: refused.
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    harness.set_time(harness.now + max_age as i64 + 1);
    let trader = harness.new_user(0, 1_000 * ONE_QUOTE).await;
    assert_program_error(
        harness
            .swap(&pool, &trader, BUY, Exact::Out(ONE_BASE))
            .await,
        HomeostatError::StaleOracle,
    );
}

/// Quote paid for `pieces` purchases of `total / pieces` base each on one print, in a
/// pool with `params`.
async fn cost_of_buying(params: PoolParams, total: u64, pieces: u64) -> u64 {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, params).await;
    let trader = harness.new_user(0, 10_000 * ONE_QUOTE).await;
    for _ in 0..pieces {
        harness
            .swap(&pool, &trader, BUY, Exact::Out(total / pieces))
            .await
            .expect("a purchase");
    }
    10_000 * ONE_QUOTE - harness.balance(&trader.quote).await
}

#[tokio::test]
async fn splitting_a_take_across_swaps_on_one_print_saves_nothing() {
    // 20 SOL bought at once and in 20 swaps of 1 SOL on the same print: the depth counts
    // what the side took since the print, not what one swap moves.
    let at_once = cost_of_buying(default_params(), 20 * ONE_BASE, 1).await;
    let split = cost_of_buying(default_params(), 20 * ONE_BASE, 20).await;
    assert!(split >= at_once, "split {split} < at once {at_once}");
    // The premium over the same purchase without one is the documented
    // slope·mid·(20 − 3)²/2 lots, 0.001 × 150 USDC × 144.5 = 21.675 USDC, grossed up by
    // the 1 bp fee the trader pays on everything they send.
    let flat = PoolParams {
        depth_slope: StoredFixed::ZERO,
        ..default_params()
    };
    let premium = at_once - cost_of_buying(flat, 20 * ONE_BASE, 1).await;
    let fee = f64::from(default_params().fee_bps) / 10_000.0;
    let expected = 21_675_000.0 / (1.0 - fee);
    assert!(
        (premium as f64 - expected).abs() <= 2.0,
        "premium {premium}, documented {expected}"
    );
}

#[tokio::test]
async fn a_newer_print_restores_the_depth() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(0, 10_000 * ONE_QUOTE).await;
    let paid = |before: u64, after: u64| before - after;
    // Take 10 SOL on the pool's print: the buy side is 7 SOL past its depth.
    harness
        .swap(&pool, &trader, BUY, Exact::Out(10 * ONE_BASE))
        .await
        .unwrap();
    assert_eq!(
        harness.pool_state(&pool).await.print_flow,
        [0, 10 * ONE_BASE]
    );
    let before = harness.balance(&trader.quote).await;
    harness
        .swap(&pool, &trader, BUY, Exact::Out(ONE_BASE))
        .await
        .unwrap();
    let on_the_same_print = paid(before, harness.balance(&trader.quote).await);
    // One second later the oracle publishes again: the depth is whole.
    harness.set_time(harness.now + 1);
    harness.set_price(15_000_000_000, 0);
    let before = harness.balance(&trader.quote).await;
    harness
        .swap(&pool, &trader, BUY, Exact::Out(ONE_BASE))
        .await
        .unwrap();
    let on_a_newer_print = paid(before, harness.balance(&trader.quote).await);
    assert_eq!(harness.pool_state(&pool).await.print_flow, [0, ONE_BASE]);
    // Past the depth by 7–8 lots, a lot costs slope·mid·7.5 = 1.125 USDC more.
    assert!(
        on_the_same_print > on_a_newer_print + 1_100_000,
        "same print {on_the_same_print}, newer print {on_a_newer_print}"
    );
}

/// Quote paid to buy back, on the same print, the 10 SOL a trader has just sold to a pool
/// with `params` (the pool 10 SOL long).
async fn cost_of_buying_back(params: PoolParams) -> u64 {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, params).await;
    let trader = harness.new_user(10 * ONE_BASE, 10_000 * ONE_QUOTE).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(10 * ONE_BASE))
        .await
        .expect("a sale");
    let before = harness.balance(&trader.quote).await;
    harness
        .swap(&pool, &trader, BUY, Exact::Out(10 * ONE_BASE))
        .await
        .expect("a purchase");
    before - harness.balance(&trader.quote).await
}

#[tokio::test]
async fn a_trade_that_reduces_the_position_takes_its_relief_at_the_curves_quotes() {
    // Without relief (the default) the purchase that takes the pool back to flat pays the
    // premium on the 7 SOL beyond the buy side's 3 SOL depth: slope·mid·7²/2 lots,
    // 0.001 × 150 USDC × 24.5 = 3.675 USDC. With the whole position as relief it pays the
    // curve's quotes, as a pool without a premium would charge.
    let default = cost_of_buying_back(default_params()).await;
    let relieved = cost_of_buying_back(PoolParams {
        depth_relief_bps: 10_000,
        ..default_params()
    })
    .await;
    let flat = cost_of_buying_back(PoolParams {
        depth_slope: StoredFixed::ZERO,
        ..default_params()
    })
    .await;
    let premium = default as f64 - relieved as f64;
    assert!(
        (premium - 3_675_000.0).abs() <= 2.0,
        "premium {premium}, documented 3 675 000"
    );
    assert!(
        relieved.abs_diff(flat) <= 1,
        "relieved {relieved}, flat {flat}"
    );
}

/// Quote paid for `base` atoms bought on the pool's only print, `age` seconds old, from a
/// pool with `params`; or the program's error.
async fn cost_on_an_aged_print(
    params: PoolParams,
    age: u64,
    base: u64,
) -> Result<u64, TransactionError> {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, params).await;
    harness.set_time(harness.now + age as i64);
    let trader = harness.new_user(0, 100_000 * ONE_QUOTE).await;
    let before = harness.balance(&trader.quote).await;
    harness.swap(&pool, &trader, BUY, Exact::Out(base)).await?;
    Ok(before - harness.balance(&trader.quote).await)
}

#[tokio::test]
async fn an_aged_print_fills_less_before_its_limits_bind() {
    // With half of the size shrunk away at the oldest accepted age, a print 20 s old may
    // fill 25 of the 50 SOL a trade may take, and 10 s old 37.5 SOL.
    let shrunk = PoolParams {
        age_shrink_bps: 5_000,
        ..default_params()
    };
    let max_age = shrunk.max_oracle_age;
    for (age, largest) in [(max_age, 25 * ONE_BASE), (max_age / 2, 37_500_000_000)] {
        cost_on_an_aged_print(shrunk, age, largest)
            .await
            .unwrap_or_else(|error| panic!("age {age}: {error:?}"));
        assert_program_error(
            cost_on_an_aged_print(shrunk, age, largest + 1)
                .await
                .map(drop),
            HomeostatError::TradeTooLarge,
        );
    }
    let whole_at_any_age = PoolParams {
        age_shrink_bps: 0,
        ..default_params()
    };
    cost_on_an_aged_print(whole_at_any_age, max_age, 50 * ONE_BASE)
        .await
        .expect("without the shrink the whole size, at any accepted age");
    // The depth shrinks too: of the 3 SOL a fresh print fills at the curve's quotes, 1.5
    // are left at 20 s, and the other 1.5 pay the slope, slope·mid·1.5²/2 lots =
    // 0.001 × 150 USDC × 1.125 = 0.16875 USDC.
    let whole = cost_on_an_aged_print(whole_at_any_age, max_age, 3 * ONE_BASE)
        .await
        .unwrap();
    let aged = cost_on_an_aged_print(shrunk, max_age, 3 * ONE_BASE)
        .await
        .unwrap();
    let premium = aged as f64 - whole as f64;
    assert!(
        (premium - 168_750.0).abs() <= 2.0,
        "premium {premium}, documented 168 750"
    );
}
