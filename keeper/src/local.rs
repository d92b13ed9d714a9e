//! The keeper's chain connection to a pool of the in-process runtime
//! (`homeostat-localnet`, feature `localnet`), and its event source: the program's events
//! from the transactions the keeper sends, in order. Tests and the simulator drive the
//! keeper through it.

use homeostat_localnet::{Harness, PoolAddresses};
use homeostat_math::LotPrice;
use homeostat_sdk::events::PoolEvent;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::events::{EventSource, SourcedEvent};
use crate::keeper::{Chain, PoolView, Request};
use crate::{KeeperError, Result};

/// `pool` of `harness`, driven by the `keeper` key.
pub struct LocalChain<'a> {
    /// The runtime.
    pub harness: &'a mut Harness,
    /// The pool.
    pub pool: PoolAddresses,
    /// The pool's keeper authority.
    pub keeper: Keypair,
    /// Events of the transactions sent, not yet polled.
    emitted: Vec<SourcedEvent>,
    sent: u64,
}

impl<'a> LocalChain<'a> {
    /// The connection to `pool` of `harness` as `keeper`.
    pub fn new(harness: &'a mut Harness, pool: PoolAddresses, keeper: Keypair) -> Self {
        Self {
            harness,
            pool,
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
            return Err(refused(what, format!("{error:?}")));
        }
        self.harness
            .send(&[instruction], &[&keeper])
            .await
            .map_err(|error| refused(what, format!("{error:?}")))?;
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
        self.pool.pool.to_string()
    }

    async fn view(&mut self) -> Result<PoolView> {
        let update = self.harness.oracle_update().await;
        PoolView::from_snapshot(&self.harness.snapshot(&self.pool, &update).await)
    }

    async fn rebalance(&mut self) -> Result<Request> {
        let instruction = self.harness.rebalance_ix(&self.pool, &self.keeper.pubkey());
        Request::from_events(self.send("rebalance", instruction).await?).ok_or_else(|| {
            KeeperError::ChainState("rebalance emitted no RebalanceRequested".into())
        })
    }

    async fn record_hedge(
        &mut self,
        seq: u64,
        filled_base: i64,
        avg_price: LotPrice,
    ) -> Result<()> {
        let instruction = homeostat_sdk::instructions::record_hedge(
            self.pool.pool,
            self.keeper.pubkey(),
            seq,
            filled_base,
            avg_price,
        );
        self.send("record_hedge", instruction).await.map(drop)
    }
}

/// The in-process runtime's refusal of `what`, as the chain's.
fn refused(what: &str, error: String) -> KeeperError {
    KeeperError::Chain {
        context: what.to_string(),
        source: homeostat_sdk::SdkError::Failed {
            what: "the transaction".into(),
            error,
        },
    }
}
