//! The whole loop in-process: swaps skew the pool → the keeper sends `rebalance` → plans
//! and hedges on the paper venue → `record_hedge` → net delta back in band, quotes relaxed.
//! And the crash drill: killed between the venue fill and the on-chain record, a restarted
//! keeper records exactly once and never trades twice.

use anchor_lang::prelude::Pubkey;
use homeostat_keeper::events::{EventSource, SourcedEvent};
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, Step, StopPoint};
use homeostat_keeper::local::LocalChain;
use homeostat_keeper::planner::{HedgeOrder, PlannerConfig, Side};
use homeostat_keeper::venue::{PaperVenue, Venue};
use homeostat_localnet::*;
use homeostat_math::{Direction, Fixed, LotPrice};
use homeostat_sdk::events::PoolEvent;

const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 100 * ONE_BASE,
};

/// The keeper's connection to `pool`.
fn connect(harness: &mut Harness, pool: PoolAddresses) -> LocalChain<'_> {
    let keeper = harness.keeper.insecure_clone();
    LocalChain::new(harness, pool, keeper)
}

/// `step` recorded request 1 with a non-zero hedge.
#[track_caller]
fn assert_first_request_hedged(step: Step) {
    match step {
        Step::Recorded {
            seq: 1,
            filled_base,
        } => assert!(filled_base > 0, "request 1 recorded with no hedge"),
        other => panic!("expected request 1 recorded, got {other:?}"),
    }
}

/// A keeper on `pool` with a paper venue and a fresh in-memory journal.
fn paper_keeper(harness: &mut Harness, pool: PoolAddresses) -> Keeper<LocalChain<'_>, PaperVenue> {
    Keeper::new(
        connect(harness, pool),
        PaperVenue::new(5, 2),
        Journal::in_memory().unwrap(),
        PLANNER,
    )
}

async fn sell_quote(chain: &mut LocalChain<'_>) -> u64 {
    let update = chain.harness.oracle_update().await;
    let snapshot = chain.harness.snapshot(&chain.pool, &update).await;
    snapshot
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap()
        .amount_out
}

#[tokio::test]
async fn swaps_skew_the_pool_and_the_keeper_brings_it_back_in_band() {
    hedge_back_in_band(default_params(), false).await;
}

#[tokio::test]
async fn an_operator_pool_that_credits_its_hedge_relaxes_its_quotes() {
    hedge_back_in_band(operator_params(), true).await;
}

/// A pool pushed ~30 SOL long; the keeper hedges the whole net delta. Its quotes relax
/// only when they credit the hedge (`hedge_credit_bps`): a public pool's LPs still hold
/// the gross position, and its quotes say so.
async fn hedge_back_in_band(params: PoolParams, relaxes: bool) {
    let (mut harness, pool, _) = Harness::skewed_pool_with(params).await;
    let mut chain = connect(&mut harness, pool);
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
        before.net_delta - i128::from(before.band),
        "hedged back to the band's edge"
    );
    assert_eq!(keeper.venue.executions(), 1);

    let after = keeper.chain.view().await.unwrap();
    assert_eq!(after.net_delta, i128::from(before.band));
    assert_eq!((after.rebalance_seq, after.recorded_seq), (1, 1));
    assert_eq!(
        keeper.chain.harness.pool_state(&pool).await.hedge_position,
        filled_base
    );
    let quote_after = sell_quote(&mut keeper.chain).await;
    if relaxes {
        assert!(quote_after > quote_before, "quotes relaxed once hedged");
    } else {
        assert_eq!(quote_after, quote_before, "the quotes credit no hedge");
    }
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
    let price = LotPrice::new(Fixed::from_int(150_000_000));
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
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let mut keeper = Keeper::new(
        connect(&mut harness, pool),
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
    let state = keeper.chain.harness.pool_state(&pool).await;
    assert_eq!(
        (state.hedge_position, state.recorded_seq),
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
    let state = restarted.chain.harness.pool_state(&pool).await;
    assert_eq!(
        (
            state.hedge_position,
            state.recorded_seq,
            state.rebalance_seq
        ),
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
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let admin = harness.admin.insecure_clone();
    let params = PoolParams {
        max_hedge_position: 5 * ONE_BASE,
        ..default_params()
    };
    harness.update_params(&pool, &admin, params).await.unwrap();
    let mut keeper = paper_keeper(&mut harness, pool);
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
        keeper.chain.harness.pool_state(&pool).await.hedge_position,
        5 * ONE_BASE as i64
    );
}

/// An event source that serves forged events, as a hostile program's transactions would
/// have before events were read only from Homeostat's signed event-CPI.
struct Forged(Vec<SourcedEvent>);

/// `events` (forged or not) for `pool` replayed into `journal`; how many it applied.
async fn replay(journal: &Journal, pool: Pubkey, events: Vec<SourcedEvent>) -> usize {
    homeostat_keeper::events::catch_up(&mut Forged(events), journal, &pool)
        .await
        .unwrap()
}

impl EventSource for Forged {
    async fn poll(&mut self) -> homeostat_keeper::Result<Vec<SourcedEvent>> {
        Ok(std::mem::take(&mut self.0))
    }
}

fn forged_request(pool: Pubkey, seq: u64) -> SourcedEvent {
    SourcedEvent {
        transaction: format!("forged-{seq}"),
        event: PoolEvent::RebalanceRequested(homeostat::events::RebalanceRequested {
            pool,
            seq,
            slot: 1,
            unix_timestamp: 1,
            oracle_price: Fixed::from_int(150_000_000).into(),
            oracle_publish_time: 1,
            gross_delta: 1_000 * ONE_BASE,
            gross_position: 0,
            hedge_position: 0,
            net_delta: 0,
            gamma_per_percent: 0,
            band: 10 * ONE_BASE,
            target_hedge_delta: -100 * i128::from(ONE_BASE),
        }),
    }
}

#[tokio::test]
async fn requests_the_pool_never_made_are_rejected_not_traded() {
    // A balanced pool: nothing to hedge. Forged requests — the next sequence number, one
    // far ahead, and one past i64::MAX — reach the journal through the event source.
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let pool_key = pool.pool;
    let journal = Journal::in_memory().unwrap();
    let forged = vec![
        forged_request(pool_key, 1),
        forged_request(pool_key, 57),
        forged_request(pool_key, u64::MAX),
    ];
    let applied = replay(&journal, pool_key, forged).await;
    assert_eq!(
        applied, 3,
        "every u64 the program can emit fits in the journal"
    );
    let chain = connect(&mut harness, pool);
    let mut keeper = Keeper::new(chain, PaperVenue::new(5, 2), journal, PLANNER);
    // The pool made no request: all three are rejected, nothing trades, and the keeper is
    // not stuck — the pool is in band, so the step is idle.
    assert_eq!(keeper.step().await.unwrap(), Step::Idle);
    assert_eq!(keeper.venue.executions(), 0);
    assert!(keeper.journal().unfinished().unwrap().is_empty());
    let view = keeper.chain.view().await.unwrap();
    assert_eq!(
        (view.rebalance_seq, view.recorded_seq, view.hedge_position),
        (0, 0, 0)
    );
}

#[tokio::test]
async fn a_genuine_request_is_still_hedged_after_forged_ones() {
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let pool_key = pool.pool;
    let journal = Journal::in_memory().unwrap();
    let forged = vec![forged_request(pool_key, 9), forged_request(pool_key, 1)];
    replay(&journal, pool_key, forged).await;
    let chain = connect(&mut harness, pool);
    let mut keeper = Keeper::new(chain, PaperVenue::new(5, 2), journal, PLANNER);
    // The forged seq 1 is journaled before the pool's own first request: the keeper
    // rejects it (the pool's rebalance_seq is 0), then opens and hedges the real one.
    match keeper.step().await.unwrap() {
        Step::Recorded { seq, filled_base } => {
            assert_eq!(seq, 1);
            // The pool is ~30 SOL long: the hedge brings it back to the 10 SOL edge.
            assert!(filled_base > 15 * ONE_BASE as i64, "{filled_base}");
        }
        other => panic!("expected a recorded hedge, got {other:?}"),
    }
    assert_eq!(
        keeper.venue.executions(),
        1,
        "one order: the genuine request's"
    );
}

#[tokio::test]
async fn a_record_the_pool_does_not_have_does_not_close_its_request() {
    // The pool's request 1 is pending (a keeper crashed after `rebalance`); a forged
    // `HedgeRecorded` for it reaches the journal. The keeper still hedges and records it.
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let pool_key = pool.pool;
    let journal = Journal::in_memory().unwrap();
    let request = connect(&mut harness, pool).rebalance().await.unwrap();
    journal
        .request(
            request.seq,
            request.target_hedge_delta,
            request.oracle_price,
        )
        .unwrap();
    let forged = vec![SourcedEvent {
        transaction: "forged-record".into(),
        event: PoolEvent::HedgeRecorded(homeostat::events::HedgeRecorded {
            pool: pool_key,
            seq: 1,
            filled_base: 0,
            avg_price: homeostat::StoredFixed::ZERO,
            hedge_position: 0,
            entry_price: homeostat::StoredFixed::ZERO,
            realized_pnl: 0,
        }),
    }];
    replay(&journal, pool_key, forged).await;
    assert!(
        journal.is_recorded(1).unwrap(),
        "the forged record is in the journal"
    );
    let chain = connect(&mut harness, pool);
    let mut keeper = Keeper::new(chain, PaperVenue::new(5, 2), journal, PLANNER);
    assert_first_request_hedged(keeper.step().await.unwrap());
    let view = keeper.chain.view().await.unwrap();
    assert_eq!((view.rebalance_seq, view.recorded_seq), (1, 1));
    assert_eq!(keeper.venue.executions(), 1);
}

#[tokio::test]
async fn a_pending_hedge_is_recorded_while_the_pool_is_paused_or_its_oracle_stale() {
    // The keeper filled request 1 on the venue, then crashed; meanwhile the admin paused
    // the pool and the oracle went stale. `record_hedge` needs neither, so the restarted
    // keeper closes what it has filled.
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let mut keeper = paper_keeper(&mut harness, pool);
    keeper.stop_at(StopPoint::AfterFill);
    assert!(keeper.step().await.is_err(), "stopped after the fill");
    let (_, venue, journal) = keeper.into_parts();
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    harness.set_time(harness.now + 120);
    let mut keeper = Keeper::new(connect(&mut harness, pool), venue, journal, PLANNER);
    assert!(keeper.chain.view().await.unwrap().unpriced.is_some());
    assert_first_request_hedged(keeper.step().await.unwrap());
    assert_eq!(keeper.venue.executions(), 1, "never traded twice");
    // Nothing pending now, and the pool cannot be priced: the step says why.
    let error = keeper.step().await.unwrap_err().to_string();
    assert!(error.contains("cannot be priced"), "{error}");
}

#[tokio::test]
async fn a_request_another_run_recorded_is_not_hedged_again() {
    // Keeper A hedges and records request 1. Keeper B's journal, rebuilt from events, has
    // the request but not yet its record (the node has not shown it): B must not trade.
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let mut first = paper_keeper(&mut harness, pool);
    let step = first.step().await.unwrap();
    assert!(matches!(step, Step::Recorded { seq: 1, .. }), "{step:?}");
    let request = first
        .journal()
        .records()
        .unwrap()
        .first()
        .copied()
        .expect("recorded");
    drop(first);
    let journal = Journal::in_memory().unwrap();
    journal
        .request(
            request.0,
            30 * i128::from(ONE_BASE),
            LotPrice::new(Fixed::from_int(150_000_000)),
        )
        .unwrap();
    let mut second = Keeper::new(
        connect(&mut harness, pool),
        PaperVenue::new(5, 2),
        journal,
        PLANNER,
    );
    assert_eq!(second.step().await.unwrap(), Step::Idle);
    assert_eq!(second.venue.executions(), 0, "no second hedge");
    assert_eq!(
        second.journal().unfinished().unwrap().len(),
        1,
        "closed by its event later"
    );
}

#[tokio::test]
async fn the_keepers_band_edge_is_the_programs_request() {
    // The plan the keeper reads (`PoolView::next_request`, what --dry-run prints: the
    // program's `Pool::prepare_rebalance` through the SDK) against the `RebalanceRequested`
    // the program emits, long and short, with the derived band (ψ) and without.
    for (params, sell) in [
        (default_params(), true),
        (default_params(), false),
        (
            PoolParams {
                hedge_cost_bps: 3,
                ..default_params()
            },
            true,
        ),
    ] {
        let (mut harness, pool, _) = Harness::skewed_pool_with(params).await;
        if !sell {
            // From 30 SOL long to about 15 short (50 SOL is the largest trade).
            let buyer = harness.new_user(0, 20_000 * ONE_QUOTE).await;
            harness
                .swap_exact_out(
                    &pool,
                    &buyer,
                    SwapOut {
                        direction: Direction::QuoteToBase,
                        amount_out: 45 * ONE_BASE,
                        max_amount_in: 20_000 * ONE_QUOTE,
                    },
                )
                .await
                .unwrap();
        }
        let mut chain = connect(&mut harness, pool);
        let view = chain.view().await.unwrap();
        if params.hedge_cost_bps > 0 {
            assert!(
                view.band > params.rebalance_band,
                "the band is derived: {view:?}"
            );
        }
        let expected = view
            .next_request
            .expect("out of band: a request would open");
        let request = chain.rebalance().await.unwrap();
        assert_eq!(request.target_hedge_delta, expected, "{view:?}");
        assert_eq!(expected > 0, sell);
        // And the pool holds it as the pending request's size.
        assert_eq!(
            chain.view().await.unwrap().pending_request_base,
            expected as i64
        );
    }
}

/// A venue that cannot be reached at all.
struct DownVenue;

impl Venue for DownVenue {
    async fn execute(
        &mut self,
        _: &HedgeOrder,
        _: LotPrice,
        _: u64,
    ) -> homeostat_keeper::Result<homeostat_keeper::venue::Fill> {
        Err(homeostat_keeper::KeeperError::Venue("unreachable".into()))
    }

    async fn find(
        &mut self,
        _: &str,
        _: u64,
    ) -> homeostat_keeper::Result<Option<homeostat_keeper::venue::Fill>> {
        Err(homeostat_keeper::KeeperError::Venue("unreachable".into()))
    }

    async fn position(&mut self) -> homeostat_keeper::Result<i128> {
        Err(homeostat_keeper::KeeperError::Venue("unreachable".into()))
    }
}

#[tokio::test]
async fn no_request_is_opened_while_the_venue_is_unreachable() {
    // The review found `rebalance` sent before the venue was checked, leaving a request
    // pending on chain that nothing could hedge.
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let mut keeper = Keeper::new(
        connect(&mut harness, pool),
        DownVenue,
        Journal::in_memory().unwrap(),
        PLANNER,
    );
    let error = keeper.step().await.expect_err("the venue is down");
    assert!(error.to_string().contains("unreachable"), "{error}");
    let (chain, _, journal) = keeper.into_parts();
    assert_eq!(chain.harness.pool_state(&pool).await.rebalance_seq, 0);
    // With the venue back, the same journal opens and hedges the request.
    let mut keeper = Keeper::new(chain, PaperVenue::new(5, 2), journal, PLANNER);
    assert_first_request_hedged(keeper.step().await.unwrap());
}
