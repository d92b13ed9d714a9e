//! The SDK's off-chain quote equals what the program executes, bit for bit: two thousand
//! random trades (both directions, exact-in and exact-out, moving oracle), each quoted by
//! `homeostat_sdk::quote::PoolSnapshot` from the account data and then executed with the
//! quote as its own slippage limit. Refusals must match too.

use homeostat_localnet::{
    custom_error, price_update, pyth_price, Harness, SwapIn, SwapOut, TransactionError, User,
    XorShift, ONE_BASE, ONE_QUOTE,
};
use homeostat_math::{Direction, SwapQuote};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::SdkError;

#[tokio::test]
async fn sdk_quotes_equal_executed_amounts_over_thousands_of_random_trades() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness
        .new_user(100_000 * ONE_BASE, 15_000_000 * ONE_QUOTE)
        .await;
    let mut rng = XorShift(0x5eed_1234_abcd_ef01);
    let mut price = 150.0f64;
    let mut update = price_update(pyth_price(price), pyth_price(0.05), harness.now);
    let (mut executed, mut refused) = (0, 0);
    for step in 0..2_000u32 {
        if step % 25 == 0 {
            // A new oracle print every 25 trades: ±0.5%, one second later.
            price *= 1.0 + (rng.below(1_001) as f64 - 500.0) / 100_000.0;
            let now = harness.now + 1;
            harness.set_time(now);
            update = price_update(pyth_price(price), pyth_price(0.05), now);
            harness.set_oracle(&update);
        }
        let direction = if rng.below(2) == 0 {
            Direction::BaseToQuote
        } else {
            Direction::QuoteToBase
        };
        let exact_in = rng.below(2) == 0;
        let base_size = 1 + rng.below(30 * ONE_BASE);
        let amount = match (direction, exact_in) {
            (Direction::BaseToQuote, true) | (Direction::QuoteToBase, false) => base_size,
            _ => (base_size / 1_000).max(1) * 150,
        };
        let snapshot = harness.snapshot(&pool, &update).await;
        let quote = if exact_in {
            snapshot.quote_exact_in(direction, amount)
        } else {
            snapshot.quote_exact_out(direction, amount)
        };
        let (base_before, quote_before) = (
            harness.balance(&trader.base).await,
            harness.balance(&trader.quote).await,
        );
        let result = execute(
            &mut harness,
            &pool,
            &trader,
            direction,
            exact_in,
            amount,
            &quote,
        )
        .await;
        match quote {
            Ok(quote) => {
                result.unwrap_or_else(|error| {
                    panic!("step {step}: SDK quoted {quote:?}, program failed {error:?}")
                });
                let (base_after, quote_after) = (
                    harness.balance(&trader.base).await,
                    harness.balance(&trader.quote).await,
                );
                let (paid, received) = match direction {
                    Direction::BaseToQuote => {
                        (base_before - base_after, quote_after - quote_before)
                    }
                    Direction::QuoteToBase => {
                        (quote_before - quote_after, base_after - base_before)
                    }
                };
                assert_eq!(
                    (paid, received),
                    (quote.amount_in, quote.amount_out),
                    "step {step}"
                );
                executed += 1;
            }
            Err(error) => {
                let code = custom_error(&result);
                assert!(
                    code.is_some(),
                    "step {step}: SDK refused ({error}), program said {result:?}"
                );
                if let SdkError::Math(math) = error {
                    assert_eq!(code, Some(6_000 + math.kind as u32), "step {step}: {math}");
                }
                refused += 1;
            }
        }
    }
    assert!(executed > 1_500, "executed {executed}, refused {refused}");
}

/// Executes the trade with the SDK's quote as its slippage limit — or, where the SDK
/// refused, with no limit, so that the program's own refusal shows.
async fn execute(
    harness: &mut Harness,
    pool: &PoolAddresses,
    trader: &User,
    direction: Direction,
    exact_in: bool,
    amount: u64,
    quote: &Result<SwapQuote, SdkError>,
) -> Result<(), TransactionError> {
    if exact_in {
        let args = SwapIn {
            direction,
            amount_in: amount,
            min_amount_out: quote.as_ref().map_or(0, |quote| quote.amount_out),
        };
        harness.swap_exact_in(pool, trader, args).await
    } else {
        let args = SwapOut {
            direction,
            amount_out: amount,
            max_amount_in: quote.as_ref().map_or(u64::MAX, |quote| quote.amount_in),
        };
        harness.swap_exact_out(pool, trader, args).await
    }
}
