//! The keeper's fault campaign: random schedules that combine crashes (a restart on the
//! same journal after any failed step, and the fault-injected stop after the venue fill),
//! RPC faults (time-outs before a transaction is sent, 5xx on reads, a response lost
//! after the transaction landed, events duplicated and reordered on replay) and venue
//! faults (time-out after the fill, rate limits, an unreachable lookup).
//!
//! After each schedule, with the faults lifted until the keeper is idle: every request is
//! recorded exactly once on chain, every non-zero hedge traded exactly once on the venue
//! (its executions equal the journal's non-zero records), the journal has nothing left
//! and agrees with the pool, and the venue position is what the pool's record implies.
//!
//! `cargo test --workspace --test keeper faults` runs a bounded number of schedules;
//! `HOMEOSTAT_KEEPER_SCHEDULES=1000 cargo test --workspace --test keeper faults -- --nocapture`
//! the campaign reported in docs/security.md and docs/keeper.md.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use homeostat_keeper::events::{catch_up, EventSource, SourcedEvent};
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, PoolView, Request, Step, StopPoint};
use homeostat_keeper::local::LocalChain;
use homeostat_keeper::planner::{HedgeOrder, PlannerConfig};
use homeostat_keeper::venue::{Fill, PaperVenue, Venue};
use homeostat_keeper::{KeeperError, Result};
use homeostat_localnet::{
    default_params, pyth_price, Harness, PoolAddresses, SwapIn, XorShift, BUY, ONE_BASE, ONE_QUOTE,
    SELL,
};
use homeostat_math::Direction;
use solana_keypair::Keypair;
use solana_signer::Signer;

const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 20 * ONE_BASE,
};

/// Shared fault dice and what they injected (the quoter's campaign rolls them too).
pub(crate) struct Faults {
    pub(crate) rng: XorShift,
    /// Percent chance of a fault at each faultable call; 0 lifts them.
    pub(crate) rate: u64,
    pub(crate) injected: BTreeMap<&'static str, u64>,
}

impl Faults {
    pub(crate) fn roll(&mut self, what: &'static str) -> bool {
        let hit = self.rate > 0 && self.rng.below(100) < self.rate;
        if hit {
            *self.injected.entry(what).or_default() += 1;
        }
        hit
    }
}

pub(crate) type Dice = Rc<RefCell<Faults>>;

/// The chain behind a flaky RPC node. Events it has emitted stay in its history, which a
/// restarted keeper replays with duplicates and in a shuffled order.
struct FlakyChain<'a> {
    inner: LocalChain<'a>,
    dice: Dice,
    history: Vec<SourcedEvent>,
}

impl FlakyChain<'_> {
    fn collect(&mut self, events: Vec<SourcedEvent>) {
        self.history.extend(events);
    }
}

impl EventSource for FlakyChain<'_> {
    async fn poll(&mut self) -> Result<Vec<SourcedEvent>> {
        let fresh = self.inner.poll().await?;
        self.collect(fresh);
        let mut events = self.history.clone();
        let mut dice = self.dice.borrow_mut();
        if !events.is_empty() && dice.roll("duplicated events") {
            let index = dice.rng.below(events.len() as u64) as usize;
            events.push(events[index].clone());
        }
        if dice.roll("reordered events") {
            for index in (1..events.len()).rev() {
                let other = dice.rng.below(index as u64 + 1) as usize;
                events.swap(index, other);
            }
        }
        Ok(events)
    }
}

/// A read or send the node failed, as the chain reports it.
fn flaky_node(what: &str) -> KeeperError {
    KeeperError::Chain {
        context: "flaky node".into(),
        source: homeostat_sdk::SdkError::Failed {
            what: "the request".into(),
            error: what.into(),
        },
    }
}

impl Chain for FlakyChain<'_> {
    fn pool_id(&self) -> String {
        self.inner.pool_id()
    }

    async fn view(&mut self) -> Result<PoolView> {
        if self.dice.borrow_mut().roll("RPC 503 on a read") {
            return Err(flaky_node("503 Service Unavailable"));
        }
        self.inner.view().await
    }

    async fn rebalance(&mut self) -> Result<Request> {
        if self.dice.borrow_mut().roll("RPC time-out before rebalance") {
            return Err(flaky_node("timed out"));
        }
        let request = self.inner.rebalance().await?;
        if self
            .dice
            .borrow_mut()
            .roll("rebalance landed, response lost")
        {
            return Err(flaky_node("connection reset"));
        }
        Ok(request)
    }

    async fn record_hedge(
        &mut self,
        seq: u64,
        filled_base: i64,
        avg_price: homeostat_math::LotPrice,
    ) -> Result<()> {
        if self
            .dice
            .borrow_mut()
            .roll("RPC time-out before record_hedge")
        {
            return Err(flaky_node("timed out"));
        }
        self.inner.record_hedge(seq, filled_base, avg_price).await?;
        if self
            .dice
            .borrow_mut()
            .roll("record_hedge landed, response lost")
        {
            return Err(flaky_node("connection reset"));
        }
        Ok(())
    }
}

/// A venue with rate limits, time-outs after a fill and unreachable lookups.
struct FlakyVenue {
    inner: PaperVenue,
    dice: Dice,
}

impl Venue for FlakyVenue {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: homeostat_math::LotPrice,
        lot: u64,
    ) -> Result<Fill> {
        if self.dice.borrow_mut().roll("venue rate limit (429)") {
            return Err(KeeperError::Venue("429 Too Many Requests".into()));
        }
        let fill = self.inner.execute(order, reference_price, lot).await?;
        if self.dice.borrow_mut().roll("venue time-out after the fill") {
            return Err(KeeperError::Venue("timed out".into()));
        }
        Ok(fill)
    }

    async fn find(&mut self, client_id: &str, lot: u64) -> Result<Option<Fill>> {
        if self.dice.borrow_mut().roll("venue lookup unreachable") {
            return Err(KeeperError::Venue("unreachable".into()));
        }
        self.inner.find(client_id, lot).await
    }

    async fn position(&mut self) -> Result<i128> {
        self.inner.position().await
    }
}

/// One schedule on pool `index`. Returns the number of steps taken.
async fn schedule(harness: &mut Harness, index: u16, dice: &Dice) -> u64 {
    // Each pool's rent comes from the admin: top it up so long runs do not run dry.
    let admin = harness.admin.pubkey();
    harness.airdrop(&admin, 100_000_000).await;
    let pool = harness.pool_at(index);
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    harness.seeded_pool(&pool, default_params()).await;
    let trader = harness.new_user(500 * ONE_BASE, 100_000 * ONE_QUOTE).await;
    let pool_key = pool.pool;
    let keeper_key = harness.keeper.insecure_clone();
    let mut journal = Journal::in_memory().unwrap();
    let mut venue = FlakyVenue {
        inner: PaperVenue::new(5, 2),
        dice: dice.clone(),
    };
    let mut steps = 0;
    // The chain's event history across restarts (a real node keeps it).
    let mut history: Vec<SourcedEvent> = Vec::new();
    // Flow between steps keeps pushing the pool out of band: several requests per schedule.
    let flows = random_flows(dice);
    for (phase, (direction, amount)) in flows.into_iter().enumerate() {
        harness.set_time(harness.now + 31);
        harness.set_price(pyth_price(150.0), pyth_price(0.05));
        harness
            .swap_exact_in(
                &pool,
                &trader,
                SwapIn {
                    direction,
                    amount_in: amount,
                    min_amount_out: 1,
                },
            )
            .await
            .expect("flow");
        // With faults, then (last phase) lifted until idle.
        let rates = if phase == 2 { [30, 0] } else { [30, 30] };
        for rate in rates {
            dice.borrow_mut().rate = rate;
            for _ in 0..25 {
                steps += 1;
                // A restart: replay the chain's history (duplicated, reordered) into the
                // journal, then one step.
                let mut chain = FlakyChain {
                    inner: LocalChain::new(harness, pool, keeper_key.insecure_clone()),
                    dice: dice.clone(),
                    history: std::mem::take(&mut history),
                };
                if catch_up(&mut chain, &journal, &pool_key).await.is_err() {
                    history = std::mem::take(&mut chain.history);
                    continue;
                }
                let mut keeper = Keeper::new(chain, venue, journal, PLANNER);
                if dice.borrow_mut().roll("crash after the fill") {
                    keeper.stop_at(StopPoint::AfterFill);
                }
                let result = keeper.step().await;
                let (mut chain, returned_venue, returned_journal) = keeper.into_parts();
                let fresh = chain.inner.poll().await.unwrap();
                chain.collect(fresh);
                history = std::mem::take(&mut chain.history);
                venue = returned_venue;
                journal = returned_journal;
                if rate == 0 && matches!(result, Ok(Step::Idle)) {
                    break;
                }
            }
        }
    }

    assert_settled(harness, pool, &keeper_key, &journal, &mut venue).await;
    steps
}

/// Three bursts of flow in random directions and sizes.
fn random_flows(dice: &Dice) -> Vec<(Direction, u64)> {
    let mut flows = Vec::new();
    for _ in 0..3 {
        let mut dice = dice.borrow_mut();
        let direction = if dice.rng.below(2) == 0 { SELL } else { BUY };
        // Out of band (10 SOL) every burst, and within the ±100 SOL gross cap however
        // the three bursts line up (the hedge does not lift the cap).
        let amount = if direction == SELL {
            (12 + dice.rng.below(20)) * ONE_BASE
        } else {
            (2_000 + dice.rng.below(2_500)) * ONE_QUOTE
        };
        flows.push((direction, amount));
    }
    flows
}

/// What must hold once the faults are lifted: every request recorded once, the journal,
/// the pool and the venue agreeing.
async fn assert_settled(
    harness: &mut Harness,
    pool: PoolAddresses,
    keeper_key: &Keypair,
    journal: &Journal,
    venue: &mut FlakyVenue,
) {
    let mut chain = LocalChain::new(harness, pool, keeper_key.insecure_clone());
    let view = chain.view().await.unwrap();
    assert_eq!(
        view.rebalance_seq, view.recorded_seq,
        "every request recorded"
    );
    assert!(view.rebalance_seq >= 1, "the schedule hedged something");
    assert!(
        journal.unfinished().unwrap().is_empty(),
        "nothing left in the journal"
    );
    let records = journal.records().unwrap();
    let recorded: Vec<u64> = records.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        recorded,
        (1..=view.rebalance_seq).collect::<Vec<_>>(),
        "one record per request"
    );
    let journal_hedge: i64 = records.iter().map(|(_, filled)| filled).sum();
    assert_eq!(
        journal_hedge, view.hedge_position,
        "the journal agrees with the pool"
    );
    let traded = records.iter().filter(|(_, filled)| *filled != 0).count();
    assert_eq!(
        venue.inner.executions(),
        traded,
        "one venue order per non-zero hedge"
    );
    assert_eq!(
        venue.inner.position().await.unwrap(),
        -i128::from(view.hedge_position),
        "venue position is what the pool's record implies"
    );
}

#[tokio::test]
async fn exactly_once_under_crashes_rpc_and_venue_faults() {
    let schedules: u64 = std::env::var("HOMEOSTAT_KEEPER_SCHEDULES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(8);
    let started = std::time::Instant::now();
    let dice: Dice = Rc::new(RefCell::new(Faults {
        rng: XorShift(0x5eed_1234_abcd_0001),
        rate: 0,
        injected: BTreeMap::new(),
    }));
    let mut harness = Harness::start().await;
    let mut steps = 0;
    for index in 0..schedules {
        if index > 0 && index % 65_536 == 0 {
            harness = Harness::start().await;
        }
        steps += schedule(&mut harness, (index % 65_536) as u16, &dice).await;
    }
    let injected = &dice.borrow().injected;
    eprintln!(
        "keeper faults: {schedules} schedules, {steps} keeper steps in {:.1} s; injected: {injected:?}",
        started.elapsed().as_secs_f64()
    );
    for fault in [
        "RPC 503 on a read",
        "rebalance landed, response lost",
        "record_hedge landed, response lost",
        "venue time-out after the fill",
        "crash after the fill",
        "duplicated events",
        "reordered events",
    ] {
        assert!(
            injected.get(fault).copied().unwrap_or(0) > 0,
            "{fault} never injected"
        );
    }
}
