//! Native benchmark of the swap instruction: a full `swap_exact_in` transaction through the
//! in-process runtime (account loading, Anchor validation, oracle read, volatility update,
//! pricing, two token CPIs into the SPL Token program, event CPI, invariant).
//! Run with `cargo bench -p homeostat-tests --bench swap`.
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use homeostat_math::Direction;
use homeostat_tests::{price_update, pyth_price, Harness, ONE_BASE, ONE_QUOTE};

fn swap(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (mut harness, trader) = runtime.block_on(async {
        let (mut harness, _) = Harness::with_liquidity().await;
        let trader = harness
            .new_user(1_000_000 * ONE_BASE, 1_000_000_000 * ONE_QUOTE)
            .await;
        (harness, trader)
    });
    // The handler's own work, without the runtime: oracle checks and conversion, the
    // volatility update, the pool's swap context and the priced quote.
    let (pool, update, vaults, now) = runtime.block_on(async {
        let pool = harness.pool_state().await;
        let (base_vault, quote_vault) = (harness.base_vault(), harness.quote_vault());
        let vaults = (
            harness.balance(&base_vault).await,
            harness.balance(&quote_vault).await,
        );
        let update = price_update(pyth_price(150.1), pyth_price(0.05), harness.now + 1);
        (pool, update, vaults, harness.now + 1)
    });
    c.bench_function(
        "swap handler pricing (oracle, volatility, context, quote)",
        |b| {
            b.iter(|| {
                let mut pool = pool;
                let oracle = pool
                    .price_from_update(black_box(&update), now)
                    .expect("oracle");
                pool.observe_oracle(&oracle).expect("volatility");
                let reserves = pool.lp_reserves(vaults.0, vaults.1).expect("reserves");
                let context = pool.swap_context(&oracle, reserves).expect("context");
                context
                    .quote_exact_in(Direction::QuoteToBase, black_box(150 * ONE_QUOTE))
                    .expect("quote")
            })
        },
    );

    let mut direction = 0u8;
    c.bench_function("swap_exact_in transaction (in-process runtime)", |b| {
        b.iter(|| {
            // Alternate sides so inventory stays near zero however long criterion runs.
            let amount = if direction == 0 {
                ONE_BASE
            } else {
                150 * ONE_QUOTE
            };
            runtime
                .block_on(harness.swap_exact_in(&trader, direction, amount, 1))
                .expect("swap");
            direction ^= 1;
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = swap
}
criterion_main!(benches);
