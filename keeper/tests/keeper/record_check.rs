//! The keeper runs `record_hedge`'s checks (`Pool::prepare_record_hedge`, the program's
//! own) on the pool it read before it sends: a fill the program would refuse as the hedge
//! of its request is never sent, the error names the program's reason, and the fill stays
//! in the journal, unrecorded, for the next step.

use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, PoolView, Request};
use homeostat_keeper::local::LocalChain;
use homeostat_keeper::planner::{HedgeOrder, PlannerConfig, Side};
use homeostat_keeper::venue::{Fill, PaperVenue, Venue};
use homeostat_keeper::{KeeperError, Result};
use homeostat_localnet::{Harness, ONE_BASE};
use homeostat_math::LotPrice;
use homeostat_sdk::SdkError;

const PLANNER: PlannerConfig = PlannerConfig {
    min_order_base: ONE_BASE / 10,
    max_order_base: 100 * ONE_BASE,
};

/// The keeper's chain, counting the `record_hedge` transactions it was asked to send.
struct CountingChain<'a> {
    inner: LocalChain<'a>,
    records_sent: u64,
}

impl Chain for CountingChain<'_> {
    fn pool_id(&self) -> String {
        self.inner.pool_id()
    }

    async fn view(&mut self) -> Result<PoolView> {
        self.inner.view().await
    }

    async fn rebalance(&mut self) -> Result<Request> {
        self.inner.rebalance().await
    }

    async fn record_hedge(
        &mut self,
        seq: u64,
        filled_base: i64,
        avg_price: LotPrice,
    ) -> Result<()> {
        self.records_sent += 1;
        self.inner.record_hedge(seq, filled_base, avg_price).await
    }
}

/// How a venue reports a fill it made.
type Report = fn(Fill) -> Fill;

/// A paper venue that reports its fills through `report` (twice the base filled, say).
struct MisreportingVenue {
    inner: PaperVenue,
    report: Report,
}

impl Venue for MisreportingVenue {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: LotPrice,
        lot: u64,
    ) -> Result<Fill> {
        let fill = self.inner.execute(order, reference_price, lot).await?;
        Ok((self.report)(fill))
    }

    async fn find(&mut self, client_id: &str, lot: u64) -> Result<Option<Fill>> {
        let fill = self.inner.find(client_id, lot).await?;
        Ok(fill.map(self.report))
    }

    async fn position(&mut self) -> Result<i128> {
        self.inner.position().await
    }
}

fn as_filled(fill: Fill) -> Fill {
    fill
}

fn twice_the_base(fill: Fill) -> Fill {
    Fill {
        base: 2 * fill.base,
        ..fill
    }
}

#[tokio::test]
async fn a_record_the_program_would_refuse_is_not_sent_and_its_fill_stays_journaled() {
    // What the venue does, its slippage (bps) and how it reports the fill, and the
    // program's reason to refuse the record.
    let cases: [(&str, u32, Report, &str); 2] = [
        (
            "filled 20 % below the request's price (the band is 10 %)",
            2_000,
            as_filled,
            "HedgePriceImplausible",
        ),
        (
            "reported twice the base ordered",
            2,
            twice_the_base,
            "HedgeExceedsRequest",
        ),
    ];
    for (what, slippage_bps, report, reason) in cases {
        let (mut harness, pool, _) = Harness::skewed_pool().await;
        let key = harness.keeper.insecure_clone();
        let chain = CountingChain {
            inner: LocalChain::new(&mut harness, pool, key),
            records_sent: 0,
        };
        let venue = MisreportingVenue {
            inner: PaperVenue::new(5, slippage_bps),
            report,
        };
        let mut keeper = Keeper::new(chain, venue, Journal::in_memory().unwrap(), PLANNER);
        // Refused again next step: the journaled fill is retried, never dropped.
        for _ in 0..2 {
            let error = keeper.step().await.expect_err(what);
            let KeeperError::RecordRefused {
                seq: 1,
                source: SdkError::Program { name, .. },
                ..
            } = &error
            else {
                panic!("{what}: expected the record refused, got {error:?}")
            };
            assert_eq!(name, reason, "{what}");
            assert!(error.to_string().contains(reason), "{what}: {error}");
        }
        assert_eq!(keeper.chain.records_sent, 0, "{what}: no record_hedge sent");
        assert_eq!(keeper.venue.inner.executions(), 1, "{what}: traded once");
        let state = keeper.chain.inner.harness.pool_state(&pool).await;
        assert_eq!(
            (
                state.rebalance_seq,
                state.recorded_seq,
                state.hedge_position
            ),
            (1, 0, 0),
            "{what}: the request still pending, no hedge recorded"
        );
        // The fill stays in the journal, unrecorded, and counts as on its way to the chain.
        let unfinished = keeper.journal().unfinished().unwrap();
        assert_eq!(unfinished.len(), 1, "{what}");
        let order = unfinished[0].order.clone().expect("planned");
        let fill = unfinished[0].fill.expect("the fill journaled");
        assert_eq!(
            (unfinished[0].seq, order.side),
            (1, Side::SellBase),
            "{what}"
        );
        assert_eq!(
            keeper.expected_venue_position().await.unwrap(),
            -i128::from(fill.base),
            "{what}: the fill is in flight"
        );
    }
}
