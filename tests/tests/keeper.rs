//! The whole loop in-process: swaps skew the pool → the keeper sends `rebalance` → plans
//! and hedges on the paper venue → `record_hedge` → net delta back in band, quotes relaxed.
//! And the crash drill: killed between the venue fill and the on-chain record, a restarted
//! keeper records exactly once and never trades twice.
#![allow(deprecated)] // solana-program-test 3.x: see crates/localnet/src/lib.rs

use homeostat_keeper::events::EventSource;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, Step, StopPoint};
use homeostat_keeper::planner::{HedgeOrder, PlannerConfig, Side};
use homeostat_keeper::venue::{PaperVenue, Venue};
use homeostat_localnet::keeper_chain::LocalChain;
use homeostat_localnet::*;
use homeostat_math::{Direction, Fixed};
use homeostat_sdk::events::PoolEvent;

const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 100 * ONE_BASE,
};

/// A pool pushed ~30 SOL long.
async fn skewed() -> Harness {
    let (mut harness, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(100 * ONE_BASE, 0).await;
    harness
        .swap_exact_in(&trader, 0, 30 * ONE_BASE, 1)
        .await
        .unwrap();
    harness
}

/// The keeper's connection to pool 0.
fn connect(harness: &mut Harness) -> LocalChain<'_> {
    let keeper = harness.keeper.insecure_clone();
    LocalChain::new(harness, 0, keeper)
}

async fn sell_quote(chain: &mut LocalChain<'_>) -> u64 {
    let update = chain.harness.oracle_update().await;
    let snapshot = chain.harness.snapshot(&update).await;
    snapshot
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap()
        .amount_out
}

#[tokio::test]
async fn swaps_skew_the_pool_and_the_keeper_brings_it_back_in_band() {
    let mut harness = skewed().await;
    let mut chain = connect(&mut harness);
    let before = chain.view().await.unwrap();
    assert!(before.net_delta > i128::from(before.band), "{before:?}");
    let quote_before = sell_quote(&mut chain).await;

    let mut keeper = Keeper::new(
        chain,
        PaperVenue::new(5, 2),
        Journal::in_memory().unwrap(),
        PLANNER,
    );
    let step = keeper.step().await.unwrap();
    let Step::Recorded { seq, filled_base } = step else {
        panic!("expected a hedge, got {step:?}")
    };
    assert_eq!(seq, 1);
    assert_eq!(
        i128::from(filled_base),
        before.net_delta,
        "the whole net delta hedged"
    );
    assert_eq!(keeper.venue.executions(), 1);

    let after = keeper.chain.view().await.unwrap();
    assert_eq!(after.net_delta, 0);
    assert_eq!((after.rebalance_seq, after.recorded_seq), (1, 1));
    assert_eq!(
        keeper.chain.harness.pool_state().await.hedge_position,
        filled_base
    );
    assert!(
        sell_quote(&mut keeper.chain).await > quote_before,
        "quotes relaxed once hedged"
    );
    assert_eq!(
        keeper.step().await.unwrap(),
        Step::Idle,
        "back in band: nothing to do"
    );

    // The venue account mirrors the record: sold what the pool recorded as its hedge.
    let check = keeper.reconcile().await.unwrap();
    assert_eq!(check.venue_position, -i128::from(filled_base));
    assert_eq!(check.difference(), 0);
    // Someone else buys 1 SOL on the same account: the check says by how much it is off.
    let manual = HedgeOrder {
        seq: 0,
        client_id: "manual".into(),
        side: Side::BuyBase,
        base: ONE_BASE,
    };
    let price = Fixed::from_int(150_000_000).to_bits();
    keeper
        .venue
        .execute(&manual, price, ONE_BASE)
        .await
        .unwrap();
    assert_eq!(
        keeper.reconcile().await.unwrap().difference(),
        i128::from(ONE_BASE)
    );

    // The in-process event source saw the request and the record, in order.
    let events = keeper.chain.poll().await.unwrap();
    let seen: Vec<(u64, bool)> = events
        .iter()
        .filter_map(|sourced| match &sourced.event {
            PoolEvent::RebalanceRequested(event) => Some((event.seq, false)),
            PoolEvent::HedgeRecorded(event) => {
                assert_eq!(event.filled_base, filled_base);
                Some((event.seq, true))
            }
            _ => None,
        })
        .collect();
    assert_eq!(seen, [(1, false), (1, true)]);
    assert!(keeper.chain.poll().await.unwrap().is_empty(), "polled once");
}

#[tokio::test]
async fn a_keeper_killed_between_fill_and_record_hedges_exactly_once() {
    let path = std::env::temp_dir().join(format!(
        "homeostat-keeper-crash-{}.sqlite",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let mut harness = skewed().await;
    let mut keeper = Keeper::new(
        connect(&mut harness),
        PaperVenue::new(5, 2),
        Journal::open(&path).unwrap(),
        PLANNER,
    );
    keeper.stop_at(StopPoint::AfterFill);
    assert!(keeper.step().await.is_err(), "killed after the fill");
    assert_eq!(keeper.venue.executions(), 1);
    // Traded but not recorded: the journal's fill accounts for the difference.
    let check = keeper.reconcile().await.unwrap();
    assert!(check.venue_position < 0, "{check:?}");
    assert_eq!(check.difference(), 0, "{check:?}");
    let pool = keeper.chain.harness.pool_state().await;
    assert_eq!(
        (pool.hedge_position, pool.recorded_seq),
        (0, 0),
        "nothing recorded yet"
    );

    // Restart: a new keeper on the same journal file; the venue and chain are the world's.
    let (chain, venue, journal) = keeper.into_parts();
    drop(journal);
    let mut restarted = Keeper::new(chain, venue, Journal::open(&path).unwrap(), PLANNER);
    let step = restarted.step().await.unwrap();
    let Step::Recorded {
        seq: 1,
        filled_base,
    } = step
    else {
        panic!("expected the pending record, got {step:?}")
    };
    assert_eq!(restarted.venue.executions(), 1, "no second trade");
    let pool = restarted.chain.harness.pool_state().await;
    assert_eq!(
        (pool.hedge_position, pool.recorded_seq, pool.rebalance_seq),
        (filled_base, 1, 1),
        "exactly one record"
    );
    assert!(restarted.journal().unfinished().unwrap().is_empty());
    assert_eq!(restarted.step().await.unwrap(), Step::Idle);
    assert_eq!(restarted.reconcile().await.unwrap().difference(), 0);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn the_keeper_stops_at_the_pools_hedge_limit_instead_of_failing() {
    let mut harness = skewed().await;
    let admin = harness.admin.insecure_clone();
    let params = PoolParams {
        max_hedge_position: 5 * ONE_BASE,
        ..default_params()
    };
    harness.update_params(&admin, params).await.unwrap();
    let mut keeper = Keeper::new(
        connect(&mut harness),
        PaperVenue::new(5, 2),
        Journal::in_memory().unwrap(),
        PLANNER,
    );
    assert_eq!(
        keeper.step().await.unwrap(),
        Step::Recorded {
            seq: 1,
            filled_base: 5 * ONE_BASE as i64
        }
    );
    // Still out of band, but no room left: the next request closes with a zero fill.
    let later = keeper.chain.harness.now + 31;
    keeper.chain.harness.set_time(later);
    keeper
        .chain
        .harness
        .set_price(pyth_price(150.0), pyth_price(0.05));
    assert_eq!(
        keeper.step().await.unwrap(),
        Step::Recorded {
            seq: 2,
            filled_base: 0
        }
    );
    assert_eq!(keeper.venue.executions(), 1);
    assert_eq!(
        keeper.chain.harness.pool_state().await.hedge_position,
        5 * ONE_BASE as i64
    );
}
