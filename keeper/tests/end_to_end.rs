//! The whole loop in-process: swaps skew the pool → the keeper sends `rebalance` → plans
//! and hedges on the paper venue → `record_hedge` → net delta back in band, quotes relaxed.
//! And the crash drill: killed between the venue fill and the on-chain record, a restarted
//! keeper records exactly once and never trades twice.
#![allow(deprecated)] // solana-program-test 3.x: see crates/localnet/src/lib.rs

use homeostat::events::RebalanceRequested;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, PoolView, Request, Step, StopPoint};
use homeostat_keeper::planner::PlannerConfig;
use homeostat_keeper::venue::PaperVenue;
use homeostat_keeper::{KeeperError, Result};
use homeostat_localnet::*;
use homeostat_math::Direction;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The keeper's view of a pool in the in-process runtime.
struct LocalChain {
    harness: Harness,
    keeper: Keypair,
}

impl Chain for LocalChain {
    fn pool_id(&self) -> String {
        self.harness.pool().to_string()
    }

    async fn view(&mut self) -> Result<PoolView> {
        let update = self.harness.oracle_update().await;
        let snapshot = self.harness.snapshot(&update).await;
        let net_delta = snapshot
            .inventory()
            .map_err(|error| KeeperError::Chain(error.to_string()))?;
        let pool = snapshot.pool;
        Ok(PoolView {
            net_delta,
            band: pool.rebalance_band,
            rebalance_seq: pool.rebalance_seq,
            recorded_seq: pool.recorded_seq,
            lot: pool.lot,
        })
    }

    async fn rebalance(&mut self) -> Result<Request> {
        let ix = self.harness.rebalance_ix(&self.keeper.pubkey());
        let keeper = self.keeper.insecure_clone();
        let (events, error) = self.harness.simulate_events(&[ix], &[&keeper]).await;
        if let Some(error) = error {
            return Err(KeeperError::Chain(format!("rebalance: {error:?}")));
        }
        let event = decode_events::<RebalanceRequested>(&events)
            .pop()
            .ok_or_else(|| KeeperError::Chain("no RebalanceRequested".into()))?;
        self.harness
            .rebalance(&keeper)
            .await
            .map_err(|error| KeeperError::Chain(format!("{error:?}")))?;
        Ok(Request {
            seq: event.seq,
            target_hedge_delta: event.target_hedge_delta,
            oracle_price: event.oracle_price,
        })
    }

    async fn record_hedge(&mut self, seq: u64, filled_base: i64, avg_price: i128) -> Result<()> {
        let keeper = self.keeper.insecure_clone();
        self.harness
            .record_hedge(&keeper, seq, filled_base, avg_price)
            .await
            .map_err(|error| KeeperError::Chain(format!("record_hedge: {error:?}")))
    }
}

const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 100 * ONE_BASE,
};

/// A pool pushed ~30 SOL long, and the keeper's chain connection to it.
async fn skewed() -> LocalChain {
    let (mut harness, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(100 * ONE_BASE, 0).await;
    harness
        .swap_exact_in(&trader, 0, 30 * ONE_BASE, 1)
        .await
        .unwrap();
    let keeper = harness.keeper.insecure_clone();
    LocalChain { harness, keeper }
}

async fn sell_quote(chain: &mut LocalChain) -> u64 {
    let update = chain.harness.oracle_update().await;
    let snapshot = chain.harness.snapshot(&update).await;
    snapshot
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap()
        .amount_out
}

#[tokio::test]
async fn swaps_skew_the_pool_and_the_keeper_brings_it_back_in_band() {
    let mut chain = skewed().await;
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
}

#[tokio::test]
async fn a_keeper_killed_between_fill_and_record_hedges_exactly_once() {
    let path = std::env::temp_dir().join(format!(
        "homeostat-keeper-crash-{}.sqlite",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let chain = skewed().await;
    let mut keeper = Keeper::new(
        chain,
        PaperVenue::new(5, 2),
        Journal::open(&path).unwrap(),
        PLANNER,
    );
    keeper.stop_at(StopPoint::AfterFill);
    assert!(keeper.step().await.is_err(), "killed after the fill");
    assert_eq!(keeper.venue.executions(), 1);
    let pool = keeper.chain.harness.pool_state().await;
    assert_eq!(
        (pool.hedge_position, pool.recorded_seq),
        (0, 0),
        "nothing recorded yet"
    );

    // Restart: a new keeper on the same journal file; the venue and chain are the world's.
    let Keeper { chain, venue, .. } = keeper;
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
    let _ = std::fs::remove_file(&path);
}
