//! Native benchmark of the swap instruction: a full `swap_exact_in` transaction through the
//! in-process runtime (account loading, Anchor validation, oracle read, volatility update,
//! pricing, two token CPIs into the SPL Token program, event CPI, invariant).
//! Run with `cargo bench -p homeostat-tests --bench swap`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use homeostat::state::SwapClock;
use homeostat_localnet::{
    price_update, pyth_price, Harness, SwapIn, BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::{BaseAtoms, Direction, QuoteAtoms, Reserves};

fn swap(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (mut harness, pool, trader) = runtime.block_on(async {
        let (mut harness, pool, _) = Harness::with_liquidity().await;
        let trader = harness
            .new_user(1_000_000 * ONE_BASE, 1_000_000_000 * ONE_QUOTE)
            .await;
        (harness, pool, trader)
    });
    // The handler's own work, without the runtime: oracle checks and conversion, the
    // volatility update, the pool's swap context and the priced quote.
    let (state, update, vaults, now) = runtime.block_on(async {
        let state = harness.pool_state(&pool).await;
        let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
        let vaults = Reserves {
            base: BaseAtoms::new(harness.balance(&base_vault).await),
            quote: QuoteAtoms::new(harness.balance(&quote_vault).await),
        };
        let update = price_update(pyth_price(150.1), pyth_price(0.05), harness.now + 1);
        (state, update, vaults, harness.now + 1)
    });
    c.bench_function(
        "swap handler pricing (oracle, volatility, context, quote)",
        |b| {
            b.iter(|| {
                let mut state = state;
                let prepared = state
                    .prepare_swap(black_box(&update), None, vaults, SwapClock { now, slot: 0 })
                    .expect("prepare");
                prepared
                    .context
                    .quote_exact_in(Direction::QuoteToBase, black_box(150 * ONE_QUOTE))
                    .expect("quote")
            })
        },
    );

    let mut direction = SELL;
    c.bench_function("swap_exact_in transaction (in-process runtime)", |b| {
        b.iter(|| {
            // Alternate sides so inventory stays near zero however long criterion runs.
            let amount = if direction == SELL {
                ONE_BASE
            } else {
                150 * ONE_QUOTE
            };
            runtime
                .block_on(harness.swap_exact_in(
                    &pool,
                    &trader,
                    SwapIn {
                        direction,
                        amount_in: amount,
                        min_amount_out: 1,
                    },
                ))
                .expect("swap");
            direction = if direction == SELL { BUY } else { SELL };
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = swap
}
criterion_main!(benches);
