//! The keeper on a real cluster: its pool over JSON-RPC ([`RpcChain`]) and the program's
//! events read back from confirmed transactions ([`RpcEvents`]). Reads are retried with
//! backoff; sends are not (a send that timed out may have landed — the next step's event
//! catch-up and the chain's sequence numbers settle it).

use anchor_lang::prelude::Pubkey;
use homeostat_math::LotPrice;
use homeostat_sdk::events::PoolEvent;
use homeostat_sdk::instructions::{self, Oracles};
use homeostat_sdk::landing::Landing;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::events::{EventSource, SourcedEvent};
use crate::keeper::{Chain, PoolView, Request};
use crate::retry::{retry, Backoff};
use crate::{KeeperError, Result};

/// An SDK error as the keeper treats it: a failed exchange with the node is transient,
/// anything else (the program's refusal, a wrong account) is not.
pub fn chain_error(context: &str, error: SdkError) -> KeeperError {
    if error.is_rpc_failure() {
        KeeperError::Node {
            context: context.to_string(),
            source: error,
        }
    } else {
        KeeperError::Chain {
            context: context.to_string(),
            source: error,
        }
    }
}

/// A pool on a cluster, driven by its keeper key.
pub struct RpcChain {
    client: PoolClient,
    keeper: Keypair,
    backoff: Backoff,
}

impl RpcChain {
    /// Connects to `pool` on `url`; `oracle` is the PriceUpdateV2 account `rebalance` reads.
    pub async fn connect(
        url: &str,
        pool: Pubkey,
        oracles: Oracles,
        keeper: Keypair,
        backoff: Backoff,
    ) -> Result<Self> {
        let client = retry(&backoff, "connect", || async {
            PoolClient::connect(url, pool, oracles)
                .await
                .map_err(|error| chain_error("connect", error))
        })
        .await?;
        Ok(Self {
            client,
            keeper,
            backoff,
        })
    }

    /// This chain sending its transactions with `landing`.
    pub fn with_landing(mut self, landing: Landing) -> Self {
        self.client = self.client.with_landing(landing);
        self
    }

    /// The pool's client.
    pub fn client(&self) -> &PoolClient {
        &self.client
    }

    /// Fails unless this keeper key is the pool's keeper: a key that is not cannot
    /// rebalance or record hedges, so a keeper started with it could only fail.
    pub async fn check_authority(&self) -> Result<()> {
        let pool = retry(&self.backoff, "read the pool", || async {
            self.client
                .liquidity()
                .await
                .map_err(|error| chain_error("read the pool", error))
        })
        .await?
        .pool;
        let key = self.keeper.pubkey();
        if pool.keeper == key {
            return Ok(());
        }
        Err(KeeperError::NotThePoolsKeeper {
            key: key.to_string(),
            keeper: pool.keeper.to_string(),
        })
    }

    async fn events_of(&self, signature: &str) -> Result<Vec<PoolEvent>> {
        retry(&self.backoff, "getTransaction", || async {
            self.client
                .transaction_events(signature)
                .await
                .map_err(|error| match error {
                    // Not yet visible at `confirmed` on the node we asked: try again.
                    SdkError::NotFound { .. } => KeeperError::Transient {
                        message: format!("transaction {signature} not visible yet"),
                        retry_after: None,
                    },
                    other => chain_error("getTransaction", other),
                })
        })
        .await
    }
}

impl Chain for RpcChain {
    fn pool_id(&self) -> String {
        self.client.addresses.pool.to_string()
    }

    async fn view(&mut self) -> Result<PoolView> {
        let snapshot = retry(&self.backoff, "snapshot", || async {
            self.client
                .snapshot()
                .await
                .map_err(|error| chain_error("snapshot", error))
        })
        .await?;
        PoolView::from_snapshot(&snapshot)
    }

    async fn rebalance(&mut self) -> Result<Request> {
        let instruction = instructions::rebalance(
            &self.client.addresses,
            self.client.oracles,
            self.keeper.pubkey(),
        );
        let signature = self
            .client
            .send(&[instruction], &[&self.keeper])
            .await
            .map_err(|error| chain_error("rebalance", error))?;
        tracing::info!(%signature, "rebalance sent");
        Request::from_events(self.events_of(&signature).await?).ok_or_else(|| {
            KeeperError::ChainState(format!(
                "rebalance {signature} emitted no RebalanceRequested"
            ))
        })
    }

    async fn record_hedge(
        &mut self,
        seq: u64,
        filled_base: i64,
        avg_price: LotPrice,
    ) -> Result<()> {
        let instruction = instructions::record_hedge(
            self.client.addresses.pool,
            self.keeper.pubkey(),
            seq,
            filled_base,
            avg_price,
        );
        let signature = self
            .client
            .send(&[instruction], &[&self.keeper])
            .await
            .map_err(|error| chain_error("record_hedge", error))?;
        tracing::info!(%signature, seq, filled_base, "hedge recorded");
        Ok(())
    }
}

/// The pool's events from the cluster's transaction history, resuming after a signature.
pub struct RpcEvents {
    client: PoolClient,
    resume_after: Option<String>,
    backoff: Backoff,
}

impl RpcEvents {
    /// Events of `pool`'s transactions after `resume_after` (all the node keeps if `None`).
    pub fn new(url: &str, chain: &RpcChain, resume_after: Option<String>) -> Self {
        Self {
            client: PoolClient::new(url, chain.client.addresses, chain.client.oracles),
            resume_after,
            backoff: chain.backoff,
        }
    }
}

impl EventSource for RpcEvents {
    async fn poll(&mut self) -> Result<Vec<SourcedEvent>> {
        let until = self.resume_after.clone();
        let signatures = retry(&self.backoff, "getSignaturesForAddress", || async {
            self.client
                .pool_signatures(until.as_deref())
                .await
                .map_err(|error| chain_error("getSignaturesForAddress", error))
        })
        .await?;
        let mut events = Vec::new();
        let newest = signatures.last().cloned();
        for signature in signatures {
            let emitted = retry(&self.backoff, "getTransaction", || async {
                self.client
                    .transaction_events(&signature)
                    .await
                    .map_err(|error| chain_error("getTransaction", error))
            })
            .await?;
            events.extend(emitted.into_iter().map(|event| SourcedEvent {
                transaction: signature.clone(),
                event,
            }));
        }
        // Only once every transaction was read: a failed poll is repeated whole.
        if newest.is_some() {
            self.resume_after = newest;
        }
        Ok(events)
    }
}
