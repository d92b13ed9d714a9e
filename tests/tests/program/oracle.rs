//! The oracle as an attacker sees it: Pyth is a pull oracle, so anyone can post any
//! verified print into an account of their own and pass it to a swap. These tests try to
//! pick, per swap, the print that favours the trader, and check the pool's rules make it
//! unprofitable: prints only move forward, stale prints are refused, and an aged print's
//! quote is widened by the move the price can have made since.

use anchor_lang::prelude::Pubkey;
use homeostat::errors::HomeostatError;
use homeostat::instructions::DepositArgs;
use homeostat::oracle::PriceUpdate;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_program_error, bits, default_params, fee_params, fixed, next_volatility_sample,
    oracle_account, price_update, pyth_price, quote_price_update, Exact, Harness, SwapIn, User,
    BUY, ONE_BASE, ONE_QUOTE, QUOTE_FEED_ID, SELL,
};
use homeostat_sdk::pda::PoolAddresses;
use solana_transaction::TransactionError;

/// A second oracle account, owned by the Pyth receiver, holding `update`: the attacker's.
fn post_print(harness: &mut Harness, update: &PriceUpdate) -> Pubkey {
    let address = Pubkey::new_unique();
    harness
        .context
        .set_account(&address, &oracle_account(update).into());
    address
}

/// Buys `quote` worth of base against the oracle at `oracle`; returns the base received.
async fn buy(
    harness: &mut Harness,
    pool: &PoolAddresses,
    trader: &User,
    oracle: Pubkey,
    quote: u64,
) -> Result<u64, homeostat_localnet::TransactionError> {
    let before = harness.balance(&trader.base).await;
    let mut accounts = harness.swap_accounts(pool, trader);
    accounts.oracle = oracle;
    harness
        .swap_exact_in_with(
            pool,
            trader,
            accounts,
            SwapIn {
                direction: BUY,
                amount_in: quote,
                min_amount_out: 1,
            },
        )
        .await?;
    Ok(harness.balance(&trader.base).await - before)
}

/// Sells `base` against the oracle at `oracle`.
async fn sell(
    harness: &mut Harness,
    pool: &PoolAddresses,
    trader: &User,
    oracle: Pubkey,
    base: u64,
) -> Result<(), homeostat_localnet::TransactionError> {
    let mut accounts = harness.swap_accounts(pool, trader);
    accounts.oracle = oracle;
    harness
        .swap_exact_in_with(
            pool,
            trader,
            accounts,
            SwapIn {
                direction: SELL,
                amount_in: base,
                min_amount_out: 1,
            },
        )
        .await
}

/// A seeded pool, a trader holding 10 000 USDC, and a second account holding the print the
/// pool was initialised with (150.00, now).
async fn trader_and_the_pools_print() -> (Harness, PoolAddresses, User, Pubkey) {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(0, 10_000 * ONE_QUOTE).await;
    let print = price_update(pyth_price(150.0), pyth_price(0.05), harness.now);
    let account = post_print(&mut harness, &print);
    (harness, pool, trader, account)
}

#[tokio::test]
async fn buying_at_a_fresh_low_print_and_selling_at_the_older_high_one_is_refused() {
    // The pool last used 150 (at initialisation); 10 s later the market is 1 % lower.
    let (mut harness, pool, trader, old_account) = trader_and_the_pools_print().await;
    harness.set_time(harness.now + 10);
    let fresh = price_update(pyth_price(148.5), pyth_price(0.05), harness.now);
    let fresh_account = post_print(&mut harness, &fresh);

    let bought = buy(
        &mut harness,
        &pool,
        &trader,
        fresh_account,
        6_000 * ONE_QUOTE,
    )
    .await
    .unwrap();
    // Selling at the older, higher print: refused, the pool has used a newer one.
    assert_program_error(
        sell(&mut harness, &pool, &trader, old_account, bought).await,
        HomeostatError::OracleOlderThanLastUsed,
    );
    // All the attacker can do is sell at the fresh print: a loss.
    sell(&mut harness, &pool, &trader, fresh_account, bought)
        .await
        .unwrap();
    let quote = harness.balance(&trader.quote).await;
    assert!(quote < 10_000 * ONE_QUOTE, "the round trip lost {quote}");
    assert_eq!(harness.balance(&trader.base).await, 0);
}

#[tokio::test]
async fn a_print_older_than_the_age_limit_cannot_be_played_at_all() {
    // The review's reproduction: a 30-second-old print against the fresh one. The limit
    // is now 20 s (at most 60 s), so the old print does not price.
    let (mut harness, pool, trader, old_account) = trader_and_the_pools_print().await;
    harness.set_time(harness.now + 30);
    assert_program_error(
        buy(&mut harness, &pool, &trader, old_account, 6_000 * ONE_QUOTE)
            .await
            .map(|_| ()),
        HomeostatError::StaleOracle,
    );
}

/// Buys 6 000 USDC of SOL at the pool's older print (10 s old) and sells it at a fresh
/// print `move_bps` higher; returns the attacker's quote after the round trip.
async fn round_trip_on_an_up_move(age_multiplier: i128, move_bps: f64) -> u64 {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness
        .seeded_pool(
            &pool,
            PoolParams {
                age_multiplier: StoredFixed::from_bits(age_multiplier),
                // The model and fee of the costs below (c1 = 4.9 bp, 1 bp), and no print
                // depth, whole at any age: the age term alone prices this attack.
                risk_aversion: fixed(50, 1),
                order_decay: fixed(2_000, 1),
                depth_slope: StoredFixed::ZERO,
                age_shrink_bps: 0,
                ..fee_params()
            },
        )
        .await;
    let trader = harness.new_user(0, 10_000 * ONE_QUOTE).await;
    // Prints without confidence, so the spread is the model's and the age term alone.
    let old = price_update(pyth_price(150.0), 0, harness.now);
    let old_account = post_print(&mut harness, &old);
    harness.set_time(harness.now + 10);
    let fresh = price_update(
        pyth_price(150.0 * (1.0 + move_bps / 10_000.0)),
        0,
        harness.now,
    );
    let fresh_account = post_print(&mut harness, &fresh);
    let bought = buy(&mut harness, &pool, &trader, old_account, 6_000 * ONE_QUOTE)
        .await
        .unwrap();
    sell(&mut harness, &pool, &trader, fresh_account, bought)
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.base).await, 0);
    harness.balance(&trader.quote).await
}

#[tokio::test]
async fn the_age_widening_charges_the_move_an_aged_print_allows() {
    // The forward direction stays open: buy at the pool's 10 s-old print, sell at a fresh
    // one. A round trip costs 2·(c1 + fee) ≈ 11.9 bp; a 13 bp move in 10 s would pay the
    // attacker without the age term. With it (one σ·√age ≈ 3.2 bp at σ² = 1e-8/s) the same
    // move loses.
    let start = 10_000 * ONE_QUOTE;
    let unwidened = round_trip_on_an_up_move(0, 13.0).await;
    assert!(
        unwidened > start,
        "without the age term the attack pays: {unwidened}"
    );
    let widened = round_trip_on_an_up_move(bits(1, 1), 13.0).await;
    assert!(widened < start, "with it, it loses: {widened}");
}

#[tokio::test]
async fn a_new_lot_does_not_read_as_a_price_move() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let before = harness.pool_state(&pool).await.volatility_state();
    let admin = harness.admin.insecure_clone();
    harness
        .update_params(
            &pool,
            &admin,
            PoolParams {
                lot: 2 * ONE_BASE,
                ..default_params()
            },
        )
        .await
        .unwrap();
    let rescaled = harness.pool_state(&pool).await.volatility_state();
    assert_eq!(
        rescaled.variance, before.variance,
        "relative variance is lot-free"
    );
    // The next sample, same market: the estimate decays instead of jumping to its ceiling.
    harness.set_time(next_volatility_sample(harness.now));
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    harness
        .swap(&pool, &trader, SELL, Exact::In(ONE_BASE))
        .await
        .unwrap();
    let after = harness.pool_state(&pool).await.volatility_state();
    assert_eq!(after.sample_time, harness.now);
    assert!(after.variance <= before.variance, "{before:?} → {after:?}");
}

/// A two-feed pool: SOL/USD ÷ USDC/USD, with USDC at `usdc` dollars.
async fn two_feed_pool(usdc: f64) -> (Harness, PoolAddresses, User) {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    let quote_usd = quote_price_update(pyth_price(usdc), pyth_price(0.0002), harness.now);
    harness.use_quote_feed(&quote_usd);
    harness
        .initialize_pool(&pool, default_params())
        .await
        .unwrap();
    let lp = harness
        .admin_user(1_000 * ONE_BASE, 160_000 * ONE_QUOTE)
        .await;
    harness
        .deposit(
            &pool,
            &lp,
            DepositArgs {
                max_base: 1_000 * ONE_BASE,
                max_quote: 153_000 * ONE_QUOTE,
                min_shares: 1,
            },
        )
        .await
        .unwrap();
    (harness, pool, lp)
}

#[tokio::test]
async fn a_two_feed_pool_prices_base_in_quote_as_the_ratio_of_its_usd_feeds() {
    // USDC depegs to 0.98: a SOL/USDC pool on SOL/USD alone would sell SOL at 150 USDC;
    // priced by both feeds it asks about 150 / 0.98 = 153.06.
    let (mut harness, pool, _) = two_feed_pool(0.98).await;
    let state = harness.pool_state(&pool).await;
    assert!(state.has_quote_feed());
    assert_eq!(state.quote_feed_id, QUOTE_FEED_ID);
    let update = harness.oracle_update().await;
    let snapshot = harness.snapshot(&pool, &update).await;
    let oracle = snapshot.context().unwrap().1.oracle;
    let mid = oracle.mid.to_f64() / ONE_QUOTE as f64;
    assert!((mid - 150.0 / 0.98).abs() < 1e-6, "mid {mid}");
    // Confidence adds relatively: 0.05/150 + 0.0002/0.98 of the mid.
    let confidence = oracle.confidence.to_f64() / ONE_QUOTE as f64;
    let expected = mid * (0.05 / 150.0 + 0.0002 / 0.98);
    assert!(
        (confidence - expected).abs() < 1e-6,
        "{confidence} vs {expected}"
    );
    // The program executes exactly the SDK's quote.
    let trader = harness.new_user(0, 2_000 * ONE_QUOTE).await;
    let quote = harness
        .expected_swap(
            &pool,
            &update,
            homeostat_math::Direction::QuoteToBase,
            Exact::In(1_540 * ONE_QUOTE),
        )
        .await
        .unwrap();
    harness
        .swap_exact_in(
            &pool,
            &trader,
            SwapIn {
                direction: BUY,
                amount_in: 1_540 * ONE_QUOTE,
                min_amount_out: quote.amount_out,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.base).await, quote.amount_out);
    // About 1540 / 153.06 = 10.06 SOL less the spread — not the 10.27 of a 150 price.
    let bought = quote.amount_out as f64 / ONE_BASE as f64;
    assert!((bought - 1_540.0 / mid).abs() < 0.005 * bought, "{bought}");
}

#[tokio::test]
async fn both_feeds_of_a_two_feed_pool_are_checked() {
    let (mut harness, pool, _) = two_feed_pool(1.0).await;
    let trader = harness.new_user(ONE_BASE, 0).await;
    // Without the quote feed's account.
    let quote_oracle = None;
    assert_program_error(
        sell_with_quote_oracle(&mut harness, &pool, &trader, quote_oracle).await,
        HomeostatError::QuoteOracleMismatch,
    );
    // The base feed's account in the quote slot: another feed.
    let quote_oracle = Some(harness.oracle);
    assert_program_error(
        sell_with_quote_oracle(&mut harness, &pool, &trader, quote_oracle).await,
        HomeostatError::WrongOracleFeed,
    );
    // A fresh base print with a quote print that is stale.
    let start = harness.now;
    harness.set_time(start + 21);
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    assert_program_error(
        harness
            .swap(&pool, &trader, SELL, Exact::In(ONE_BASE / 10))
            .await,
        HomeostatError::StaleOracle,
    );
    // Both fresh: the swap goes through and the pool records the quote print it used ...
    let mut quote_usd = quote_price_update(pyth_price(1.0), pyth_price(0.0002), start + 21);
    harness.set_quote_oracle(&quote_usd);
    harness
        .swap(&pool, &trader, SELL, Exact::In(ONE_BASE / 10))
        .await
        .unwrap();
    assert_eq!(
        harness.pool_state(&pool).await.last_quote_oracle_time,
        start + 21
    );
    // ... and refuses an older quote print afterwards, even with a fresh base print.
    quote_usd.publish_time = start + 20;
    harness.set_quote_oracle(&quote_usd);
    assert_program_error(
        harness
            .swap(&pool, &trader, SELL, Exact::In(ONE_BASE / 10))
            .await,
        HomeostatError::OracleOlderThanLastUsed,
    );
}

/// Sells 0.1 SOL passing `quote_oracle` in the quote-oracle slot.
async fn sell_with_quote_oracle(
    harness: &mut Harness,
    pool: &PoolAddresses,
    trader: &User,
    quote_oracle: Option<Pubkey>,
) -> Result<(), TransactionError> {
    let mut accounts = harness.swap_accounts(pool, trader);
    accounts.quote_oracle = quote_oracle;
    harness
        .swap_exact_in_with(
            pool,
            trader,
            accounts,
            SwapIn {
                direction: SELL,
                amount_in: ONE_BASE / 10,
                min_amount_out: 1,
            },
        )
        .await
}

#[tokio::test]
async fn a_single_feed_pool_refuses_a_quote_oracle() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(ONE_BASE, 0).await;
    let quote_oracle = Some(harness.oracle);
    assert_program_error(
        sell_with_quote_oracle(&mut harness, &pool, &trader, quote_oracle).await,
        HomeostatError::QuoteOracleMismatch,
    );
}
