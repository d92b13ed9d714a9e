//! Economic invariants over random swap sequences at a fixed oracle price: LP share value
//! never falls, vaults always equal the pool's accounting, and the trader never ends up
//! richer than they started (every round trip costs).

use homeostat::math::lp::LOCKED_SHARES;
use homeostat_localnet::{custom_error, Exact, Harness, XorShift, BUY, ONE_BASE, ONE_QUOTE, SELL};

async fn random_session(seed: u64) {
    let (mut harness, pool, lp) = Harness::with_liquidity().await;
    let shares = u128::from(harness.balance(&lp.lp(&pool)).await + LOCKED_SHARES);
    let trader = harness.new_user(300 * ONE_BASE, 45_000 * ONE_QUOTE).await;
    let trader_start = Harness::value_at_150(300 * ONE_BASE, 45_000 * ONE_QUOTE);
    let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
    let mut rng = XorShift(seed);
    let mut previous = 0u128;
    let mut executed = 0;
    for _ in 0..25 {
        let direction = if rng.below(2) == 0 { SELL } else { BUY };
        let exact_in = rng.below(2) == 0;
        let base_size = 1 + rng.below(40 * ONE_BASE);
        let amount = match (direction, exact_in) {
            (SELL, true) | (BUY, false) => base_size,
            _ => base_size / 1_000 * 150, // the same size in quote atoms
        };
        let size = if exact_in {
            Exact::In(amount)
        } else {
            Exact::Out(amount)
        };
        let result = harness.swap(&pool, &trader, direction, size).await;
        if result.is_err() {
            // Limits (cap, size) may refuse a trade; they must refuse it with a program error.
            assert!(custom_error(&result).is_some(), "seed {seed}: {result:?}");
            continue;
        }
        executed += 1;
        let state = harness.pool_state(&pool).await;
        let base = harness.balance(&base_vault).await;
        let quote = harness.balance(&quote_vault).await;
        assert!(
            base >= state.protocol_fees_base && quote >= state.protocol_fees_quote,
            "seed {seed}"
        );
        let value = Harness::value_at_150(
            base - state.protocol_fees_base,
            quote - state.protocol_fees_quote,
        ) * 1_000_000_000
            / shares;
        assert!(
            value >= previous,
            "seed {seed}: LP share value fell {previous} -> {value}"
        );
        previous = value;
    }
    assert!(
        executed > 5,
        "seed {seed}: too few trades executed ({executed})"
    );
    let trader_end = Harness::value_at_150(
        harness.balance(&trader.base).await,
        harness.balance(&trader.quote).await,
    );
    assert!(
        trader_end < trader_start,
        "seed {seed}: the trader gained at a fixed price"
    );
}

#[tokio::test]
async fn random_swap_sequences_keep_the_invariants() {
    for seed in [0x9e37_79b9_7f4a_7c15, 42, 7_777_777, 0xdead_beef] {
        random_session(seed).await;
    }
}
