//! The keeper's chain connection to a pool of this runtime, and its event source: the
//! program's events from the transactions the keeper sends, in order.

use anchor_lang::prelude::Pubkey;
use homeostat_keeper::events::{EventSource, SourcedEvent};
use homeostat_keeper::keeper::{Chain, PoolView, Request};
use homeostat_keeper::{KeeperError, Result};
use homeostat_sdk::events::PoolEvent;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::Harness;

/// Pool `pool_index` of `harness`, driven by the `keeper` key.
pub struct LocalChain<'a> {
    /// The runtime.
    pub harness: &'a mut Harness,
    /// Which pool on the harness's pair.
    pub pool_index: u16,
    /// The pool's keeper authority.
    pub keeper: Keypair,
    /// Events of the transactions sent, not yet polled.
    emitted: Vec<SourcedEvent>,
    sent: u64,
}

impl<'a> LocalChain<'a> {
    /// The connection to pool `pool_index` of `harness` as `keeper`.
    pub fn new(harness: &'a mut Harness, pool_index: u16, keeper: Keypair) -> Self {
        Self {
            harness,
            pool_index,
            keeper,
            emitted: Vec::new(),
            sent: 0,
        }
    }

    /// Sends `instruction` signed by the keeper and keeps the events it emitted (read from a
    /// simulation of the same transaction just before it executes).
    async fn send(
        &mut self,
        what: &str,
        instruction: anchor_lang::solana_program::instruction::Instruction,
    ) -> Result<Vec<PoolEvent>> {
        let keeper = self.keeper.insecure_clone();
        let (payloads, error) = self
            .harness
            .simulate_events(std::slice::from_ref(&instruction), &[&keeper])
            .await;
        if let Some(error) = error {
            return Err(KeeperError::Chain(format!("{what}: {error:?}")));
        }
        self.harness
            .send(&[instruction], &[&keeper])
            .await
            .map_err(|error| KeeperError::Chain(format!("{what}: {error:?}")))?;
        self.sent += 1;
        let events: Vec<PoolEvent> = payloads
            .iter()
            .filter_map(|payload| homeostat_sdk::events::decode(payload))
            .collect();
        let transaction = format!("local-{}", self.sent);
        self.emitted
            .extend(events.iter().cloned().map(|event| SourcedEvent {
                transaction: transaction.clone(),
                event,
            }));
        Ok(events)
    }
}

impl EventSource for LocalChain<'_> {
    async fn poll(&mut self) -> Result<Vec<SourcedEvent>> {
        Ok(std::mem::take(&mut self.emitted))
    }
}

impl Chain for LocalChain<'_> {
    fn pool_id(&self) -> String {
        homeostat_sdk::pda::pool(
            &self.harness.config,
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
        let instruction = self.harness.rebalance_ix(&self.keeper.pubkey());
        Request::from_events(self.send("rebalance", instruction).await?)
            .ok_or_else(|| KeeperError::Chain("rebalance emitted no RebalanceRequested".into()))
    }

    async fn record_hedge(&mut self, seq: u64, filled_base: i64, avg_price: i128) -> Result<()> {
        self.harness.pool_index = self.pool_index;
        let pool: Pubkey = self.harness.pool();
        let instruction = homeostat_sdk::instructions::record_hedge(
            pool,
            self.keeper.pubkey(),
            seq,
            filled_base,
            avg_price,
        );
        self.send("record_hedge", instruction).await.map(drop)
    }
}
