//! The keeper loop.

use homeostat::state::Pool;
use homeostat_math::LotPrice;
use homeostat_sdk::SdkError;

use crate::journal::{Journal, Unfinished};
use crate::planner::{plan, HedgeRoom, PlannerConfig};
use crate::venue::Venue;
use crate::{KeeperError, Result};

/// What the keeper needs to know about its pool.
#[derive(Clone, Debug)]
pub struct PoolView {
    /// `gross_position − hedge_position`, base atoms: the exposure nobody has hedged yet.
    pub net_delta: i128,
    /// Why the pool cannot be priced now (paused, or an oracle a swap would refuse), if
    /// it cannot: pending requests still finish — `record_hedge` needs neither — but no
    /// new request opens.
    pub unpriced: Option<String>,
    /// The band the net delta may wander in, base atoms (`PoolSnapshot::hedge_band`, the
    /// program's rule; `rebalance_band` when the pool cannot be priced).
    pub band: u64,
    /// Last request emitted.
    pub rebalance_seq: u64,
    /// Last request answered.
    pub recorded_seq: u64,
    /// Inventory unit (the unit of prices), base atoms.
    pub lot: u64,
    /// Seconds until the pool accepts another request (its `min_rebalance_interval`).
    pub seconds_until_rebalance: u64,
    /// The hedge a request opened now would ask for, base atoms (positive: sell base) —
    /// the program's own plan (`PoolSnapshot::rebalance_plan`); `None` when `rebalance`
    /// would be refused (pending, too soon, within the band, unpriced).
    pub next_request: Option<i128>,
    /// Hedge recorded so far, base atoms.
    pub hedge_position: i64,
    /// The pool's limit on |hedge_position|, base atoms.
    pub max_hedge_position: u64,
    /// The hedge the pending request asks for, base atoms (0 when none is pending).
    pub pending_request_base: i64,
    /// P&L the recorded hedge has realised, quote atoms (the pool's hedge ledger).
    pub hedge_realized_pnl: i128,
    /// The open hedge marked at the oracle mid, quote atoms; `None` when the pool cannot
    /// be priced.
    pub hedge_unrealized_pnl: Option<i128>,
    /// The pool account as read: the program's own checks run on it before the keeper
    /// sends (`PoolView::check_record_hedge`).
    pub pool: Pool,
}

impl PoolView {
    /// The view of a pool snapshot (what the program would see now).
    pub fn from_snapshot(snapshot: &homeostat_sdk::quote::PoolSnapshot) -> Result<Self> {
        let net_delta = snapshot.net_delta().map_err(|error| KeeperError::Chain {
            context: "net delta".into(),
            source: error,
        })?;
        let unpriced = snapshot.context().err().map(|error| error.to_string());
        let pool = &snapshot.pool;
        let ledger = pool.hedge_ledger();
        let hedge_unrealized_pnl = pool
            .price_from_updates(
                &snapshot.oracle,
                snapshot.quote_oracle.as_ref(),
                snapshot.now,
            )
            .ok()
            .and_then(|price| {
                ledger
                    .unrealized_pnl(LotPrice::new(price.mid), pool.params.lot)
                    .ok()
            });
        let seconds_until_rebalance =
            u64::try_from(pool.next_rebalance_at().saturating_sub(snapshot.now)).unwrap_or(0);
        let next_request = snapshot
            .rebalance_plan()
            .ok()
            .map(|plan| plan.target_hedge_delta);
        Ok(Self {
            net_delta,
            unpriced,
            band: snapshot.hedge_band().unwrap_or(pool.params.rebalance_band),
            rebalance_seq: pool.rebalance_seq,
            recorded_seq: pool.recorded_seq,
            lot: pool.params.lot,
            seconds_until_rebalance,
            next_request,
            hedge_position: pool.hedge_position,
            max_hedge_position: pool.params.max_hedge_position,
            pending_request_base: if pool.rebalance_seq > pool.recorded_seq {
                i64::from_le_bytes(pool.pending_request_base)
            } else {
                0
            },
            hedge_realized_pnl: ledger.realized_pnl,
            hedge_unrealized_pnl,
            pool: *pool,
        })
    }

    /// `record_hedge`'s checks (`Pool::prepare_record_hedge`, the program's own) on the pool
    /// as read: a record the program would refuse is [`KeeperError::RecordRefused`],
    /// naming the program's error, and is not sent.
    pub fn check_record_hedge(
        &self,
        seq: u64,
        filled_base: i64,
        avg_price: LotPrice,
    ) -> Result<()> {
        match self.pool.prepare_record_hedge(seq, filled_base, avg_price) {
            Ok(_) => Ok(()),
            Err(error) => Err(KeeperError::RecordRefused {
                seq,
                filled_base,
                source: SdkError::from(error),
            }),
        }
    }
}

/// A `RebalanceRequested` event, as the keeper uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Sequence number.
    pub seq: u64,
    /// Hedge change that brings the net delta to zero, base atoms.
    pub target_hedge_delta: i128,
    /// Oracle mid, quote atoms per lot.
    pub oracle_price: LotPrice,
}

impl Request {
    /// The request among a transaction's events, if it emitted one.
    pub fn from_events(events: Vec<homeostat_sdk::events::PoolEvent>) -> Option<Self> {
        events.into_iter().find_map(|event| match event {
            homeostat_sdk::events::PoolEvent::RebalanceRequested(event) => Some(Self {
                seq: event.seq,
                target_hedge_delta: event.target_hedge_delta,
                oracle_price: LotPrice::new(event.oracle_price.get()),
            }),
            _ => None,
        })
    }
}

/// The keeper's connection to its pool: an RPC client on a cluster, or the in-process
/// runtime in tests and the simulator.
// The keeper drives one pool from one task; the futures need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// A stable name for the pool (venue client ids are derived from it).
    fn pool_id(&self) -> String;
    /// The pool's state now.
    async fn view(&mut self) -> Result<PoolView>;
    /// Sends `rebalance` and returns the `RebalanceRequested` it emitted.
    async fn rebalance(&mut self) -> Result<Request>;
    /// Sends `record_hedge`.
    async fn record_hedge(&mut self, seq: u64, filled_base: i64, avg_price: LotPrice)
        -> Result<()>;
}

/// Where a keeper may be stopped on purpose (fault injection for crash tests and drills).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopPoint {
    /// After the venue fill is journaled, before `record_hedge` is sent.
    AfterFill,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Net delta within the band, nothing pending.
    Idle,
    /// Out of band, but the pool's rate limit allows the next request only in `seconds`.
    Waiting {
        /// Seconds to wait.
        seconds: u64,
    },
    /// A request was seen through: hedged `filled_base` (0 when below the minimum order)
    /// and recorded on chain.
    Recorded {
        /// The request.
        seq: u64,
        /// Signed hedge change recorded.
        filled_base: i64,
    },
}

/// The venue account's position against the pool's record of its hedge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reconciliation {
    /// The venue account's net position, base atoms, long positive.
    pub venue_position: i128,
    /// What the pool's record implies: `−hedge_position`, less the fills journaled but not
    /// yet recorded on chain.
    pub expected_position: i128,
}

impl Reconciliation {
    /// `venue − expected`, base atoms: positive when the account is longer than the record.
    pub fn difference(&self) -> i128 {
        self.venue_position - self.expected_position
    }
}

/// The keeper.
pub struct Keeper<C: Chain, V: Venue> {
    /// Chain connection.
    pub chain: C,
    /// Venue.
    pub venue: V,
    journal: Journal,
    planner: PlannerConfig,
    stop_at: Option<StopPoint>,
}

impl<C: Chain, V: Venue> Keeper<C, V> {
    /// A keeper over `journal` (which may hold a previous run's unfinished work).
    pub fn new(chain: C, venue: V, journal: Journal, planner: PlannerConfig) -> Self {
        Self {
            chain,
            venue,
            journal,
            planner,
            stop_at: None,
        }
    }

    /// Makes the next step stop at `point` with an error, as if the process were killed.
    pub fn stop_at(&mut self, point: StopPoint) {
        self.stop_at = Some(point);
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Compares the venue's position with the pool's `hedge_position` (and the journal's
    /// fills still on their way to the chain). They differ when something else trades the
    /// account, or a fill was never recorded.
    pub async fn reconcile(&mut self) -> Result<Reconciliation> {
        let expected_position = self.expected_venue_position().await?;
        let venue_position = self.venue.position().await?;
        Ok(Reconciliation {
            venue_position,
            expected_position,
        })
    }

    /// The venue position the pool's record implies: `−hedge_position`, less the fills
    /// journaled but not yet recorded on chain.
    pub async fn expected_venue_position(&mut self) -> Result<i128> {
        let view = self.chain.view().await?;
        let in_flight: i128 = self
            .journal
            .unfinished()?
            .iter()
            .filter_map(|work| match (&work.order, work.fill) {
                (Some(order), Some(fill)) => Some(i128::from(order.side.signed(fill.base))),
                _ => None,
            })
            .sum();
        Ok(-(i128::from(view.hedge_position) + in_flight))
    }

    /// Takes the keeper apart: its chain connection, venue and journal.
    pub fn into_parts(self) -> (C, V, Journal) {
        (self.chain, self.venue, self.journal)
    }

    /// One step: finish the oldest unfinished request if there is one; otherwise, if the
    /// net delta is out of its band, open a request and see it through.
    ///
    /// A journaled request is checked against the pool before anything is traded: only
    /// the pool's latest request (`seq == rebalance_seq`) can be pending, and one the pool
    /// has already recorded (`seq ≤ recorded_seq`) is only closed — never traded unless this
    /// journal holds its fill (then the record is this run's). Anything else — a
    /// sequence number the pool never reached, or an older one it never recorded — did
    /// not come from the pool: it is rejected in the journal, logged, and never traded.
    pub async fn step(&mut self) -> Result<Step> {
        let view = self.chain.view().await?;
        for unfinished in self.journal.unfinished()? {
            let genuine =
                unfinished.seq == view.rebalance_seq || unfinished.seq <= view.recorded_seq;
            if unfinished.seq == 0 || !genuine {
                tracing::warn!(
                    seq = unfinished.seq,
                    pool_seq = view.rebalance_seq,
                    recorded = view.recorded_seq,
                    "journaled request is not one the pool made: rejected, not traded"
                );
                self.journal
                    .reject(unfinished.seq, "not a pending request of the pool")?;
                continue;
            }
            let would_trade = !unfinished.planned || unfinished.order.is_some();
            if unfinished.seq <= view.recorded_seq && unfinished.fill.is_none() && would_trade {
                // Recorded on chain by another run of the keeper (a journal rebuilt from
                // events whose record is not visible yet): trading now would hedge twice.
                // Its `HedgeRecorded` event closes it.
                tracing::info!(
                    seq = unfinished.seq,
                    "request already recorded on chain by another run; waiting for its event"
                );
                continue;
            }
            return self.finish(unfinished, Some(view)).await;
        }
        if view.rebalance_seq > view.recorded_seq && self.journal.is_recorded(view.rebalance_seq)? {
            // The journal says recorded, the pool says pending: the record did not come
            // from the pool. Forget it and see the request through.
            tracing::warn!(
                seq = view.rebalance_seq,
                "journal records a hedge the pool has not: forgotten, the request is finished now"
            );
            self.journal.forget_record(view.rebalance_seq)?;
            if let Some(unfinished) = self
                .journal
                .unfinished()?
                .into_iter()
                .find(|work| work.seq == view.rebalance_seq)
            {
                return self.finish(unfinished, Some(view)).await;
            }
        }
        if view.rebalance_seq > view.recorded_seq {
            return Err(KeeperError::ChainState(format!(
                "request {} is pending on chain but not in this journal: replay the pool's events into the journal first",
                view.rebalance_seq
            )));
        }
        if let Some(reason) = &view.unpriced {
            return Err(KeeperError::ChainState(format!(
                "nothing pending, and the pool cannot be priced now: {reason}"
            )));
        }
        if view.net_delta.unsigned_abs() <= u128::from(view.band) {
            return Ok(Step::Idle);
        }
        if view.seconds_until_rebalance > 0 {
            return Ok(Step::Waiting {
                seconds: view.seconds_until_rebalance,
            });
        }
        // The venue first: a request opened while the venue cannot trade would stay
        // pending on chain until it can.
        self.venue.position().await?;
        let request = self.chain.rebalance().await?;
        self.journal.request_from_pool(
            request.seq,
            request.target_hedge_delta,
            request.oracle_price,
        )?;
        let unfinished = self
            .journal
            .unfinished()?
            .into_iter()
            .next()
            .ok_or_else(|| KeeperError::ChainState("request vanished from the journal".into()))?;
        // `rebalance` changes neither the hedge position, its limit nor the lot: the view
        // read before it still serves planning and execution.
        self.finish(unfinished, Some(view)).await
    }

    /// `view` if given, else the pool read now.
    async fn view_or_read(&mut self, view: Option<PoolView>) -> Result<PoolView> {
        match view {
            Some(view) => Ok(view),
            None => self.chain.view().await,
        }
    }

    /// Carries one request through plan, fill and record. `known` is a view of the pool
    /// taken since the request was opened, if the caller has one.
    async fn finish(&mut self, work: Unfinished, known: Option<PoolView>) -> Result<Step> {
        let order = if work.planned {
            work.order
        } else {
            let view = self.view_or_read(known.clone()).await?;
            let room = HedgeRoom::new(view.hedge_position, view.max_hedge_position);
            let order = plan(
                &self.chain.pool_id(),
                work.seq,
                work.target_hedge_delta,
                room,
                &self.planner,
            );
            self.journal.plan(work.seq, order.as_ref())?;
            order
        };
        let fill = match (&order, work.fill) {
            (_, Some(fill)) => Some(fill),
            (Some(order), None) => {
                // The venue is asked for the client id first: an order sent just before a
                // crash has executed, and must not execute again.
                let lot = self.view_or_read(known).await?.lot;
                let fill = match self.venue.find(&order.client_id, lot).await? {
                    Some(fill) => fill,
                    None => self.venue.execute(order, work.oracle_price, lot).await?,
                };
                self.journal.fill(work.seq, &fill)?;
                Some(fill)
            }
            (None, None) => None,
        };
        if self.stop_at.take() == Some(StopPoint::AfterFill) {
            return Err(KeeperError::ChainState(
                "stopped after the fill (fault injection)".into(),
            ));
        }
        let filled_base = match (&order, fill) {
            (Some(order), Some(fill)) => order.side.signed(fill.base),
            _ => 0,
        };
        let avg_price = fill.map_or(LotPrice::ZERO, |fill| fill.avg_price);
        // A record sent just before a crash may have landed: the chain says so (read fresh,
        // never from `known`). One the program would refuse is not sent; its fill stays
        // journaled, unrecorded, and is tried again next step.
        let fresh = self.chain.view().await?;
        if fresh.recorded_seq < work.seq {
            fresh.check_record_hedge(work.seq, filled_base, avg_price)?;
            self.chain
                .record_hedge(work.seq, filled_base, avg_price)
                .await?;
        }
        self.journal.recorded(work.seq, filled_base)?;
        Ok(Step::Recorded {
            seq: work.seq,
            filled_base,
        })
    }
}
