//! The quoter's chain on the in-process runtime (feature `localnet`): tests drive the
//! quoter through it. A push executes as it is sent and its outcome is kept for
//! [`QuoteChain::statuses`], as a cluster's would be: refusals show there, not at the send.
//! The runtime's harness sets every transaction's compute budget itself, so a push here is
//! `push_quote` alone; the binary's tests send the whole push ([`super::push_instructions`]).

use std::collections::HashMap;

use homeostat_localnet::{Harness, PoolAddresses};
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::{Landed, PushQuoteArgs, QuoteChain, QuoteView};
use crate::Result;

/// `pool` of `harness`, quoted by `quoter`.
pub struct LocalQuoteChain<'a> {
    /// The runtime.
    pub harness: &'a mut Harness,
    /// The pool.
    pub pool: PoolAddresses,
    /// The pool's quoter.
    pub quoter: Keypair,
    landed: HashMap<String, Landed>,
    sent: u64,
}

impl<'a> LocalQuoteChain<'a> {
    /// `pool` of `harness` quoted by `quoter`.
    pub fn new(harness: &'a mut Harness, pool: PoolAddresses, quoter: Keypair) -> Self {
        Self {
            harness,
            pool,
            quoter,
            landed: HashMap::new(),
            sent: 0,
        }
    }
}

impl QuoteChain for LocalQuoteChain<'_> {
    async fn read(&mut self) -> Result<QuoteView> {
        let oracle = self.harness.oracle_update().await;
        let quote_oracle = match self.harness.quote_oracle {
            Some(address) => Some(self.harness.price_update_at(address).await),
            None => None,
        };
        let pool = self.harness.pool_state(&self.pool).await;
        Ok(QuoteView::new(
            pool,
            &oracle,
            quote_oracle.as_ref(),
            self.harness.now,
            self.harness.slot,
        ))
    }

    async fn push(&mut self, quote: &PushQuoteArgs) -> Result<String> {
        let push =
            homeostat_sdk::instructions::push_quote(self.pool.pool, self.quoter.pubkey(), *quote);
        let quoter = self.quoter.insecure_clone();
        let outcome = match self.harness.send(&[push], &[&quoter]).await {
            Ok(()) => Landed::Executed,
            Err(error) => Landed::Refused(format!("{error:?}")),
        };
        self.sent = self.sent.saturating_add(1);
        let signature = format!("local-quote-{}", self.sent);
        self.landed.insert(signature.clone(), outcome);
        Ok(signature)
    }

    async fn statuses(&mut self, signatures: &[String]) -> Result<Vec<Option<Landed>>> {
        Ok(signatures
            .iter()
            .map(|signature| self.landed.get(signature).cloned())
            .collect())
    }
}
