//! The quoter on a cluster. Reads are at `processed` — the slot `valid_until` counts from
//! must be the cluster's newest, not one 30 slots behind — and the pool, its price updates
//! and the clock come in one `getMultipleAccounts`, beside a `getLatestBlockhash` asked at
//! the same time. A push is signed once and sent once (`skipPreflight`, `maxRetries: 0`):
//! the next push supersedes it within one interval, and a copy resent after a newer quote
//! landed could only fail, paying its fee. Whether it landed is asked afterwards
//! (`getSignatureStatuses`). Every failure of the node is transient: the next step tries
//! again.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use homeostat_sdk::accounts::{
    clock_slot, clock_unix_timestamp, decode_pool, decode_price_update, CLOCK_SYSVAR,
};
use homeostat_sdk::instructions::Oracles;
use homeostat_sdk::landing::{compute_unit_price, Landing};
use homeostat_sdk::rpc::PoolClient;
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_message::{Hash, Message, VersionedMessage};
use solana_rpc_client::api::config::RpcSendTransactionConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Signature;
use tokio::time::Instant;

use super::{push_instructions, Landed, PushQuoteArgs, QuoteChain, QuoteView};
use crate::retry::{retry, Backoff};
use crate::rpc::chain_error;
use crate::{KeeperError, Result};

/// How often a percentile priority fee is looked up again: recent fees move over
/// minutes, not per push.
const FEE_REFRESH: Duration = Duration::from_secs(10);

/// How the quoter's pushes are sent.
#[derive(Clone, Copy, Debug)]
pub struct PushOptions {
    /// The compute-unit limit of a push.
    pub compute_unit_limit: u32,
    /// The priority fee (`priority_fee`, `max_priority_fee`; the rest is unused).
    pub landing: Landing,
    /// How long the node may take to answer: a quote's validity, as an answer later than
    /// that is for a quote that has expired.
    pub timeout: Duration,
}

/// A pool on a cluster, quoted by its quoter key.
pub struct RpcQuoteChain {
    rpc: RpcClient,
    pool: Pubkey,
    oracles: Oracles,
    quoter: Keypair,
    options: PushOptions,
    blockhash: Option<Hash>,
    fee: Option<(u64, Instant)>,
}

/// An account that did not decode (`context`: which), as the chain's error.
fn decoded<T>(context: &str, result: homeostat_sdk::Result<T>) -> Result<T> {
    result.map_err(|error| chain_error(context, error))
}

/// A failed exchange with the node about `what`: the next step tries again.
fn node(what: &str, error: impl std::fmt::Display) -> KeeperError {
    KeeperError::Transient {
        message: format!("{what}: {error}"),
        retry_after: None,
    }
}

impl RpcQuoteChain {
    /// Connects to `pool` on `url` (the SDK's checks: the pool exists, the price-update
    /// accounts carry its feeds; retried with `backoff` while the node cannot be reached)
    /// as `quoter`.
    pub async fn connect(
        url: &str,
        pool: Pubkey,
        oracles: Oracles,
        quoter: Keypair,
        options: PushOptions,
        backoff: Backoff,
    ) -> Result<Self> {
        retry(&backoff, "connect", || async {
            PoolClient::connect(url, pool, oracles)
                .await
                .map_err(|error| chain_error("connect", error))
        })
        .await?;
        Ok(Self {
            rpc: RpcClient::new_with_timeout_and_commitment(
                url.to_string(),
                options.timeout,
                CommitmentConfig::processed(),
            ),
            pool,
            oracles,
            quoter,
            options,
            blockhash: None,
            fee: None,
        })
    }

    /// The quoter's key.
    pub fn key(&self) -> Pubkey {
        self.quoter.pubkey()
    }

    /// Fails unless this key is the pool's quoter (the pool read with `backoff` while the
    /// node cannot be reached): every push of another key would be refused.
    pub async fn check_quoter(&self, backoff: &Backoff) -> Result<()> {
        let view = retry(backoff, "read the pool", || self.view()).await?;
        super::run::check_quoter(&view, &self.quoter.pubkey())
    }

    /// The accounts a view is made of, one request.
    async fn view(&self) -> Result<QuoteView> {
        let mut keys = vec![self.pool, self.oracles.oracle, CLOCK_SYSVAR];
        keys.extend(self.oracles.quote_oracle);
        let accounts = self
            .rpc
            .get_multiple_accounts(&keys)
            .await
            .map_err(|error| node("getMultipleAccounts", error))?;
        let account = |index: usize, name: &str| {
            accounts
                .get(index)
                .cloned()
                .flatten()
                .ok_or_else(|| KeeperError::ChainState(format!("no {name} account")))
        };
        let (pool, oracle, clock) = (
            account(0, "pool")?,
            account(1, "oracle")?,
            account(2, "clock")?,
        );
        let state = decoded("the pool", decode_pool(&pool.owner, &pool.data))?;
        let now = decoded("the clock", clock_unix_timestamp(&clock.data))?;
        let slot = decoded("the clock", clock_slot(&clock.data))?;
        // The program's own rule for which receiver's accounts price this pool now.
        let update = |owner: &Pubkey, data: &[u8]| -> homeostat_sdk::Result<_> {
            state.check_oracle_owner(owner, now)?;
            decode_price_update(owner, data)
        };
        let oracle = decoded("the oracle", update(&oracle.owner, &oracle.data))?;
        let quote_oracle = match self.oracles.quote_oracle {
            Some(_) => {
                let account = account(3, "quote oracle")?;
                Some(decoded(
                    "the quote oracle",
                    update(&account.owner, &account.data),
                )?)
            }
            None => None,
        };
        Ok(QuoteView::new(
            state,
            &oracle,
            quote_oracle.as_ref(),
            now,
            slot,
        ))
    }

    /// The compute-unit price of a push now: the fixed fee, or the percentile looked up at
    /// most every [`FEE_REFRESH`] (the last one kept when the lookup fails).
    async fn unit_price(&mut self, quote: &PushQuoteArgs) -> u64 {
        if let Some((price, at)) = self.fee {
            if at.elapsed() < FEE_REFRESH {
                return price;
            }
        }
        let [.., push] = push_instructions(self.pool, self.quoter.pubkey(), quote, 0, 0);
        match compute_unit_price(&self.rpc, &[push], &self.options.landing).await {
            Ok(price) => {
                self.fee = Some((price, Instant::now()));
                price
            }
            Err(error) => {
                tracing::warn!("priority fee lookup failed, keeping the last: {error}");
                self.fee.map_or(0, |(price, _)| price)
            }
        }
    }
}

impl QuoteChain for RpcQuoteChain {
    async fn read(&mut self) -> Result<QuoteView> {
        // The blockhash the push will be signed with, asked beside the accounts: one round
        // trip for both. Confirmed: a processed one may belong to a fork that dies.
        let blockhash = self
            .rpc
            .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed());
        let (view, blockhash) = tokio::join!(self.view(), blockhash);
        self.blockhash = blockhash.ok().map(|(hash, _)| hash);
        view
    }

    async fn push(&mut self, quote: &PushQuoteArgs) -> Result<String> {
        let blockhash = self
            .blockhash
            .take()
            .ok_or_else(|| node("getLatestBlockhash", "no blockhash this step"))?;
        let price = self.unit_price(quote).await;
        let instructions = push_instructions(
            self.pool,
            self.quoter.pubkey(),
            quote,
            self.options.compute_unit_limit,
            price,
        );
        let message =
            Message::new_with_blockhash(&instructions, Some(&self.quoter.pubkey()), &blockhash);
        let transaction =
            VersionedTransaction::try_new(VersionedMessage::Legacy(message), &[&self.quoter])
                .map_err(|error| node("signing", error))?;
        let config = RpcSendTransactionConfig {
            skip_preflight: true,
            max_retries: Some(0),
            ..RpcSendTransactionConfig::default()
        };
        let signature = self
            .rpc
            .send_transaction_with_config(&transaction, config)
            .await
            .map_err(|error| node("sendTransaction", error))?;
        Ok(signature.to_string())
    }

    async fn statuses(&mut self, signatures: &[String]) -> Result<Vec<Option<Landed>>> {
        let parsed = signatures
            .iter()
            .map(|text| text.parse::<Signature>())
            .collect::<core::result::Result<Vec<_>, _>>()
            .map_err(|error| KeeperError::ChainState(format!("a push's signature: {error}")))?;
        let statuses = self
            .rpc
            .get_signature_statuses(&parsed)
            .await
            .map_err(|error| node("getSignatureStatuses", error))?
            .value;
        Ok(statuses
            .into_iter()
            .map(|status| {
                status.map(|status| match status.err {
                    None => Landed::Executed,
                    Some(error) => Landed::Refused(refusal(&error)),
                })
            })
            .collect())
    }
}

/// A failed push's error as the operator reads it: the program's error by name when it
/// is one of Homeostat's.
fn refusal(error: &solana_transaction::TransactionError) -> String {
    match error {
        solana_transaction::TransactionError::InstructionError(
            _,
            solana_transaction::InstructionError::Custom(code),
        ) => homeostat_sdk::SdkError::from_code(*code).to_string(),
        other => other.to_string(),
    }
}
