use homeostat::errors::HomeostatError;
use homeostat_localnet::{
    assert_program_error, price_update, pyth_price, Exact, Harness, SwapOut, BUY, ONE_BASE,
    ONE_QUOTE, SELL,
};
use homeostat_math::Direction;

fn oracle_now(harness: &Harness) -> homeostat::oracle::PriceUpdate {
    price_update(pyth_price(150.0), pyth_price(0.05), harness.now)
}

#[tokio::test]
async fn buying_an_exact_amount_of_base_charges_the_quoted_input() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(0, 5_000 * ONE_QUOTE).await;
    let update = oracle_now(&harness);
    let expected = harness
        .expected_swap(
            &pool,
            &update,
            Direction::QuoteToBase,
            Exact::Out(3 * ONE_BASE),
        )
        .await
        .unwrap();
    harness
        .swap_exact_out(
            &pool,
            &trader,
            SwapOut {
                direction: BUY,
                amount_out: 3 * ONE_BASE,
                max_amount_in: expected.amount_in,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.base).await, 3 * ONE_BASE);
    assert_eq!(
        harness.balance(&trader.quote).await,
        5_000 * ONE_QUOTE - expected.amount_in
    );
    assert!(
        expected.amount_in > 450 * ONE_QUOTE && expected.amount_in < 451 * ONE_QUOTE,
        "{}",
        expected.amount_in
    );
}

#[tokio::test]
async fn selling_for_an_exact_amount_of_quote_charges_the_quoted_base() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let update = oracle_now(&harness);
    let expected = harness
        .expected_swap(
            &pool,
            &update,
            Direction::BaseToQuote,
            Exact::Out(300 * ONE_QUOTE),
        )
        .await
        .unwrap();
    harness
        .swap_exact_out(
            &pool,
            &trader,
            SwapOut {
                direction: SELL,
                amount_out: 300 * ONE_QUOTE,
                max_amount_in: expected.amount_in,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.quote).await, 300 * ONE_QUOTE);
    assert_eq!(
        harness.balance(&trader.base).await,
        10 * ONE_BASE - expected.amount_in
    );
    assert!(expected.amount_in > 2 * ONE_BASE);
}

#[tokio::test]
async fn max_in_is_enforced() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(0, 5_000 * ONE_QUOTE).await;
    let update = oracle_now(&harness);
    let expected = harness
        .expected_swap(&pool, &update, Direction::QuoteToBase, Exact::Out(ONE_BASE))
        .await
        .unwrap();
    let result = harness
        .swap_exact_out(
            &pool,
            &trader,
            SwapOut {
                direction: BUY,
                amount_out: ONE_BASE,
                max_amount_in: expected.amount_in - 1,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::SlippageExceeded);
}

#[tokio::test]
async fn more_than_the_pool_holds_is_refused() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(1_000 * ONE_BASE, 0).await;
    // The pool holds 150 000 USDC.
    let result = harness
        .swap(&pool, &trader, SELL, Exact::Out(150_001 * ONE_QUOTE))
        .await;
    assert_program_error(result, HomeostatError::InsufficientLiquidity);
    assert_program_error(
        harness.swap(&pool, &trader, SELL, Exact::Out(0)).await,
        HomeostatError::ZeroAmount,
    );
}

#[tokio::test]
async fn a_round_trip_never_profits_the_trader() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(20 * ONE_BASE, 5_000 * ONE_QUOTE).await;
    for size in [ONE_BASE / 7, 3 * ONE_BASE, 20 * ONE_BASE] {
        let (base_before, quote_before) = (
            harness.balance(&trader.base).await,
            harness.balance(&trader.quote).await,
        );
        harness
            .swap(&pool, &trader, SELL, Exact::In(size))
            .await
            .unwrap();
        harness
            .swap(&pool, &trader, BUY, Exact::Out(size))
            .await
            .unwrap();
        assert_eq!(
            harness.balance(&trader.base).await,
            base_before,
            "base back where it was"
        );
        assert!(
            harness.balance(&trader.quote).await < quote_before,
            "size {size}: the round trip must cost"
        );
    }
}
