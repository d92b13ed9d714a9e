//! The keeper's chain connection to a pool of this runtime.

use homeostat::events::RebalanceRequested;
use homeostat_keeper::keeper::{Chain, PoolView, Request};
use homeostat_keeper::{KeeperError, Result};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{decode_events, Harness};

/// Pool `pool_index` of `harness`, driven by the `keeper` key.
pub struct LocalChain<'a> {
    /// The runtime.
    pub harness: &'a mut Harness,
    /// Which pool on the harness's pair.
    pub pool_index: u16,
    /// The pool's keeper authority.
    pub keeper: Keypair,
}

impl Chain for LocalChain<'_> {
    fn pool_id(&self) -> String {
        homeostat_sdk::pda::pool(
            &self.harness.base_mint,
            &self.harness.quote_mint,
            self.pool_index,
        )
        .to_string()
    }

    async fn view(&mut self) -> Result<PoolView> {
        self.harness.pool_index = self.pool_index;
        let update = self.harness.oracle_update().await;
        PoolView::from_snapshot(&self.harness.snapshot(&update).await)
    }

    async fn rebalance(&mut self) -> Result<Request> {
        self.harness.pool_index = self.pool_index;
        let keeper = self.keeper.insecure_clone();
        let ix = self.harness.rebalance_ix(&keeper.pubkey());
        let (events, error) = self.harness.simulate_events(&[ix], &[&keeper]).await;
        if let Some(error) = error {
            return Err(KeeperError::Chain(format!("rebalance: {error:?}")));
        }
        let event = decode_events::<RebalanceRequested>(&events)
            .pop()
            .ok_or_else(|| KeeperError::Chain("rebalance emitted no RebalanceRequested".into()))?;
        self.harness
            .rebalance(&keeper)
            .await
            .map_err(|error| KeeperError::Chain(format!("rebalance: {error:?}")))?;
        Ok(Request {
            seq: event.seq,
            target_hedge_delta: event.target_hedge_delta,
            oracle_price: event.oracle_price,
        })
    }

    async fn record_hedge(&mut self, seq: u64, filled_base: i64, avg_price: i128) -> Result<()> {
        self.harness.pool_index = self.pool_index;
        let keeper = self.keeper.insecure_clone();
        self.harness
            .record_hedge(&keeper, seq, filled_base, avg_price)
            .await
            .map_err(|error| KeeperError::Chain(format!("record_hedge: {error:?}")))
    }
}
