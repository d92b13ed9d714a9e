//! The keeper's throughput and latency on the in-process runtime behind JSON-RPC
//! (`homeostat_localnet::rpc`, loopback), with the paper venue:
//!
//! * event catch-up: every transaction of a pool's history read back over RPC
//!   (`getSignaturesForAddress`, one `getTransaction` each), its events decoded and
//!   applied to a SQLite journal on disk (`synchronous = FULL`) — events per second;
//! * event-to-record: one keeper step on a pool pushed 30 SOL out of its band —
//!   `rebalance` sent and confirmed, its `RebalanceRequested` read back, the hedge planned,
//!   filled on the paper venue, journaled, and `record_hedge` sent and confirmed.
//!
//! Run with `cargo bench -p homeostat-tests --bench keeper`.

use std::path::Path;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use homeostat_keeper::events::catch_up;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Keeper, Step};
use homeostat_keeper::planner::PlannerConfig;
use homeostat_keeper::retry::Backoff;
use homeostat_keeper::rpc::{RpcChain, RpcEvents};
use homeostat_keeper::venue::PaperVenue;
use homeostat_localnet::{pyth_price, rpc, Harness, SwapIn, User, BUY, ONE_BASE, ONE_QUOTE, SELL};
use homeostat_math::Direction;
use homeostat_sdk::instructions;
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::rpc::PoolClient;
use tokio::runtime::Runtime;

/// Transactions in the history the catch-up benchmark replays.
const HISTORY: u64 = 100;

/// A pool whose history holds `HISTORY` swaps sent through the RPC endpoint: the harness,
/// the pool, the trader and the endpoint's URL.
async fn pool_with_history() -> (Harness, PoolAddresses, User, String) {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness
        .new_user(10_000 * ONE_BASE, 10_000_000 * ONE_QUOTE)
        .await;
    let url = rpc::serve(&harness.context).await;
    let client = PoolClient::new(&url, pool, harness.oracle);
    for index in 0..HISTORY {
        // Distinct amounts: distinct transactions under one blockhash.
        let (direction, amount) = if index % 2 == 0 {
            (Direction::BaseToQuote, ONE_BASE + index)
        } else {
            (Direction::QuoteToBase, 150 * ONE_QUOTE + index)
        };
        let swap = instructions::swap_exact_in(
            &client.addresses,
            client.oracles,
            &trader.accounts(&pool),
            SwapIn {
                direction,
                amount_in: amount,
                min_amount_out: 1,
            },
        );
        client
            .send(&[swap], &[&trader.keypair])
            .await
            .expect("swap");
    }
    (harness, pool, trader, url)
}

/// Event catch-up: the pool's whole history read over `url` into a fresh journal in
/// `folder` each iteration.
fn bench_catch_up(
    c: &mut Criterion,
    runtime: &Runtime,
    folder: &Path,
    url: &str,
    chain: &RpcChain,
    pool_key: Pubkey,
) {
    let mut group = c.benchmark_group("keeper");
    group.sample_size(10);
    group.throughput(Throughput::Elements(HISTORY));
    let mut run = 0u32;
    group.bench_function(
        "event catch-up over RPC into the journal (per event)",
        |b| {
            b.iter(|| {
                run += 1;
                let journal =
                    Journal::open(&folder.join(format!("catch-up-{run}.sqlite"))).expect("journal");
                let mut events = RpcEvents::new(url, chain, None);
                runtime
                    .block_on(catch_up(&mut events, &journal, &pool_key))
                    .expect("catch up")
            })
        },
    );
    group.finish();
}

/// Untimed: the pool's rate limit passes, the oracle is fresh, and a trade pushes the pool
/// 30 SOL out of band (a sale if `sell`, else a purchase).
async fn push_out_of_band(harness: &mut Harness, pool: &PoolAddresses, trader: &User, sell: bool) {
    let now = harness.now + 31;
    harness.set_time(now);
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    let (direction, amount) = if sell {
        (SELL, 30 * ONE_BASE)
    } else {
        (BUY, 30 * 150 * ONE_QUOTE)
    };
    harness
        .swap_exact_in(
            pool,
            trader,
            SwapIn {
                direction,
                amount_in: amount,
                min_amount_out: 1,
            },
        )
        .await
        .expect("skew");
}

/// Event to record: one keeper step, timed, after each push out of band (alternating
/// sides).
fn bench_event_to_record(
    c: &mut Criterion,
    runtime: &Runtime,
    (harness, pool, trader): (&mut Harness, &PoolAddresses, &User),
    hedger: &mut Keeper<RpcChain, PaperVenue>,
) {
    let mut group = c.benchmark_group("keeper");
    group.sample_size(10);
    let mut sell = true;
    group.bench_function(
        "event to record: rebalance, paper hedge, record_hedge",
        |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        push_out_of_band(harness, pool, trader, sell).await;
                        sell = !sell;
                        let started = Instant::now();
                        let step = hedger.step().await.expect("step");
                        total += started.elapsed();
                        assert!(matches!(step, Step::Recorded { .. }), "{step:?}");
                    }
                    total
                })
            })
        },
    );
    group.finish();
}

fn keeper(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let folder =
        std::env::temp_dir().join(format!("homeostat-keeper-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("folder");
    let (mut harness, pool, trader, url) = runtime.block_on(pool_with_history());
    let pool_key = pool.pool;
    let backoff = Backoff::default();
    let chain = runtime.block_on(async {
        RpcChain::connect(
            &url,
            pool_key,
            harness.oracles(),
            harness.keeper.insecure_clone(),
            backoff,
        )
        .await
        .expect("connect")
    });
    bench_catch_up(c, &runtime, &folder, &url, &chain, pool_key);

    let planner = PlannerConfig {
        min_order_base: 0,
        max_order_base: u64::MAX,
    };
    let journal = Journal::open(&folder.join("latency.sqlite")).expect("journal");
    let mut hedger = Keeper::new(chain, PaperVenue::new(5, 2), journal, planner);
    bench_event_to_record(c, &runtime, (&mut harness, &pool, &trader), &mut hedger);
    let _ = std::fs::remove_dir_all(&folder);
}

criterion_group!(benches, keeper);
criterion_main!(benches);
