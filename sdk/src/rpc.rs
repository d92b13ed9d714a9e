//! A pool on a real cluster (feature `rpc`): fetch everything a quote needs in one
//! `getMultipleAccounts` call, and send transactions.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat_math::{BaseAtoms, QuoteAtoms};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;

use solana_rpc_client::api::request::RpcRequest;

use crate::accounts::{
    clock_slot, clock_unix_timestamp, decode_pool, decode_price_update, mint_supply, token_amount,
    CLOCK_SYSVAR,
};
use crate::events::PoolEvent;
use crate::instructions::Oracles;
use crate::landing::{Landed, Landing};
use crate::pda::PoolAddresses;
use crate::quote::PoolSnapshot;
use crate::{Result, SdkError};

/// A pool on a cluster.
pub struct PoolClient {
    rpc: RpcClient,
    /// How transactions are sent (compute budget, priority fee, resends, commitment).
    pub landing: Landing,
    /// The pool's addresses.
    pub addresses: PoolAddresses,
    /// The price-update account(s) swaps will pass.
    pub oracles: Oracles,
    /// Address lookup tables: with any, transactions are v0 ones over them
    /// ([`crate::landing`]).
    pub lookup_tables: Vec<solana_message::AddressLookupTableAccount>,
}

/// A failed request for `method` to the node at `url`, by the HTTP client's error kind: a
/// URL it cannot build a request for is not a URL, a connection or timeout failure is a
/// node it cannot reach; anything else is the node's own answer.
pub(crate) fn node_error(
    url: &str,
    method: &str,
    error: solana_rpc_client::api::client_error::Error,
) -> SdkError {
    use solana_rpc_client::api::client_error::ErrorKind;
    match error.kind() {
        ErrorKind::Reqwest(http) if http.is_builder() => SdkError::NotAUrl {
            url: url.to_string(),
        },
        ErrorKind::Reqwest(http) if http.is_connect() || http.is_timeout() || http.is_request() => {
            SdkError::Unreachable {
                url: url.to_string(),
                source: std::sync::Arc::new(error),
            }
        }
        _ => SdkError::Node {
            method: method.to_string(),
            source: std::sync::Arc::new(error),
        },
    }
}

/// The pool's state, its reserves and the LP mint's supply: what a deposit or withdrawal
/// quote needs.
#[derive(Clone, Copy, Debug)]
pub struct LiquiditySnapshot {
    /// The pool.
    pub pool: crate::Pool,
    /// The LPs' reserves: the vaults' balances less the protocol fees owed
    /// (`Pool::lp_reserves`), what the program sizes deposits and withdrawals from.
    pub reserves: homeostat_math::Reserves,
    /// LP mint supply.
    pub lp_supply: u64,
}

/// The accounts at `keys` (`None` where none exists), one request, one entry per key.
async fn fetch(rpc: &RpcClient, keys: &[Pubkey]) -> Result<Vec<Option<solana_account::Account>>> {
    let mut fetched = rpc
        .get_multiple_accounts(keys)
        .await
        .map_err(|error| node_error(&rpc.url(), "getMultipleAccounts", error))?;
    fetched.resize(keys.len(), None);
    Ok(fetched)
}

/// The accounts at `keys`, one request; fails naming the first that does not exist.
async fn fetch_named<const N: usize>(
    rpc: &RpcClient,
    keys: [(&'static str, Pubkey); N],
) -> Result<[solana_account::Account; N]> {
    let fetched = fetch(rpc, &keys.map(|(_, address)| address)).await?;
    let accounts = keys
        .iter()
        .zip(fetched)
        .map(|((name, address), account)| {
            account.ok_or(SdkError::NotFound {
                account: name,
                address: address.to_string(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    accounts.try_into().map_err(|_| SdkError::Malformed {
        method: "getMultipleAccounts",
        problem: "fewer accounts than asked",
    })
}

/// The token programs of two mints: their accounts' owners.
async fn token_programs(
    rpc: &RpcClient,
    base_mint: Pubkey,
    quote_mint: Pubkey,
) -> Result<(Pubkey, Pubkey)> {
    let [base, quote] =
        fetch_named(rpc, [("base mint", base_mint), ("quote mint", quote_mint)]).await?;
    Ok((base.owner, quote.owner))
}

/// An RPC client for `url` that reads at `confirmed`, as the Solana CLI does: Solana's
/// client library reads at `finalized` by default, which on a real cluster lags a landed
/// transaction by about 32 slots (13 s) — a pool just created "does not exist" yet.
fn reader(url: &str) -> RpcClient {
    RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::confirmed())
}

impl PoolClient {
    /// A client for `addresses` on the cluster at `url` (e.g. `https://api.devnet.solana.com`).
    pub fn new(url: &str, addresses: PoolAddresses, oracles: impl Into<Oracles>) -> Self {
        Self {
            rpc: reader(url),
            landing: Landing::default(),
            addresses,
            oracles: oracles.into(),
            lookup_tables: Vec::new(),
        }
    }

    /// A client for pool `index` of a pair under `config`, which may not exist yet
    /// (`pool create`): reads the mints to learn their token programs.
    pub async fn for_pair(
        url: &str,
        config: Pubkey,
        base_mint: Pubkey,
        quote_mint: Pubkey,
        index: u16,
        oracles: impl Into<Oracles>,
    ) -> Result<Self> {
        let rpc = reader(url);
        let (base_program, quote_program) = token_programs(&rpc, base_mint, quote_mint).await?;
        Ok(Self {
            rpc,
            landing: Landing::default(),
            addresses: PoolAddresses::derive(
                config,
                base_mint,
                quote_mint,
                index,
                base_program,
                quote_program,
            ),
            oracles: oracles.into(),
            lookup_tables: Vec::new(),
        })
    }

    /// Connects to the pool at `pool`: reads it (and its mints' owners, for the token
    /// programs) to learn every address instructions need, and checks that the oracle
    /// accounts carry the pool's feeds (`WrongAccount` otherwise: quoting against another
    /// feed's account would fail on chain anyway, and say less).
    pub async fn connect(url: &str, pool: Pubkey, oracles: impl Into<Oracles>) -> Result<Self> {
        Self::open(url, pool, Some(oracles.into())).await
    }

    /// Connects to the pool at `pool` for liquidity instructions, which never read the
    /// oracle (its `oracles` are left unset).
    pub async fn connect_for_liquidity(url: &str, pool: Pubkey) -> Result<Self> {
        Self::open(url, pool, None).await
    }

    async fn open(url: &str, pool: Pubkey, oracles: Option<Oracles>) -> Result<Self> {
        let rpc = reader(url);
        let [account] = fetch_named(&rpc, [("pool", pool)]).await?;
        let state = decode_pool(&account.owner, &account.data)?;
        if let Some(oracles) = oracles {
            let feed = |name: &'static str, address: Pubkey, expected: [u8; 32]| {
                let rpc = &rpc;
                async move {
                    let [account] = fetch_named(rpc, [(name, address)]).await?;
                    let update = decode_price_update(&account.owner, &account.data)?;
                    if update.feed_id == expected {
                        Ok(())
                    } else {
                        Err(SdkError::WrongAccount {
                            expected: name,
                            reason: "its price update is for another Pyth feed than the pool's"
                                .into(),
                        })
                    }
                }
            };
            feed("oracle", oracles.oracle, state.feed_id).await?;
            if let Some(address) = oracles.quote_oracle {
                feed("quote oracle", address, state.quote_feed_id).await?;
            }
        }
        let (base_token_program, quote_token_program) =
            token_programs(&rpc, state.base_mint, state.quote_mint).await?;
        let addresses = PoolAddresses {
            config: state.config,
            pool,
            index: state.pool_index,
            base_mint: state.base_mint,
            quote_mint: state.quote_mint,
            base_vault: state.base_vault,
            quote_vault: state.quote_vault,
            lp_mint: state.lp_mint,
            base_token_program,
            quote_token_program,
        };
        Ok(Self {
            rpc,
            landing: Landing::default(),
            addresses,
            oracles: oracles.unwrap_or(Oracles {
                oracle: Pubkey::default(),
                quote_oracle: None,
            }),
            lookup_tables: Vec::new(),
        })
    }

    /// Checks that the pool lives under the config of `authority` — the pool a user or an
    /// aggregator expects for a pair, not one a stranger created under their own config.
    pub fn expect_config_authority(&self, authority: &Pubkey) -> Result<()> {
        let expected = crate::pda::config(authority);
        if self.addresses.config == expected {
            return Ok(());
        }
        Err(SdkError::WrongAccount {
            expected: "pool under the expected config",
            reason: format!(
                "the pool's config is {}, not {expected} (the config of {authority})",
                self.addresses.config
            ),
        })
    }

    /// The pool account decoded, checked to name this client's vaults and LP mint.
    fn this_pool(&self, account: &solana_account::Account) -> Result<crate::Pool> {
        let pool = decode_pool(&account.owner, &account.data)?;
        let addresses = &self.addresses;
        if pool.base_vault != addresses.base_vault
            || pool.quote_vault != addresses.quote_vault
            || pool.lp_mint != addresses.lp_mint
        {
            return Err(SdkError::WrongAccount {
                expected: "this pool's vaults and LP mint",
                reason: "the pool names other accounts".into(),
            });
        }
        Ok(pool)
    }

    /// The pool, its vault balances, the oracle update and the cluster's clock, read in one
    /// request. Errors name what is wrong: a pool that does not exist, an account of the
    /// wrong owner or layout, an unreachable cluster.
    pub async fn snapshot(&self) -> Result<PoolSnapshot> {
        let addresses = &self.addresses;
        let [pool, base_vault, quote_vault, oracle, clock] = fetch_named(
            &self.rpc,
            [
                ("pool", addresses.pool),
                ("base vault", addresses.base_vault),
                ("quote vault", addresses.quote_vault),
                ("oracle", self.oracles.oracle),
                ("clock sysvar", CLOCK_SYSVAR),
            ],
        )
        .await?;
        let now = clock_unix_timestamp(&clock.data)?;
        let state = self.this_pool(&pool)?;
        // The program's own rule for which receiver's accounts this pool takes now.
        let price = |account: &solana_account::Account| -> Result<crate::PriceUpdate> {
            state.check_oracle_owner(&account.owner, now)?;
            decode_price_update(&account.owner, &account.data)
        };
        let quote_oracle = match self.oracles.quote_oracle {
            Some(address) => {
                let [account] = fetch_named(&self.rpc, [("quote oracle", address)]).await?;
                Some(price(&account)?)
            }
            None => None,
        };
        Ok(PoolSnapshot {
            pool: state,
            base_vault: BaseAtoms::new(token_amount(&base_vault.data)?),
            quote_vault: QuoteAtoms::new(token_amount(&quote_vault.data)?),
            oracle: price(&oracle)?,
            quote_oracle,
            now,
            slot: clock_slot(&clock.data)?,
        })
    }

    /// The pool, its reserves and the LP supply, read in one request.
    pub async fn liquidity(&self) -> Result<LiquiditySnapshot> {
        let addresses = &self.addresses;
        let [pool, base_vault, quote_vault, lp_mint] = fetch_named(
            &self.rpc,
            [
                ("pool", addresses.pool),
                ("base vault", addresses.base_vault),
                ("quote vault", addresses.quote_vault),
                ("LP mint", addresses.lp_mint),
            ],
        )
        .await?;
        let pool = self.this_pool(&pool)?;
        let vaults = homeostat_math::Reserves {
            base: BaseAtoms::new(token_amount(&base_vault.data)?),
            quote: QuoteAtoms::new(token_amount(&quote_vault.data)?),
        };
        Ok(LiquiditySnapshot {
            reserves: pool.lp_reserves(vaults)?,
            pool,
            lp_supply: mint_supply(&lp_mint.data)?,
        })
    }

    /// The cluster's Unix time (the clock sysvar's): what the program's time checks read.
    pub async fn cluster_time(&self) -> Result<i64> {
        clock_unix_timestamp(&self.clock().await?)
    }

    /// The cluster's slot (the clock sysvar's): what a quote's expiry counts in.
    pub async fn cluster_slot(&self) -> Result<u64> {
        clock_slot(&self.clock().await?)
    }

    async fn clock(&self) -> Result<Vec<u8>> {
        let [clock] = fetch_named(&self.rpc, [("clock sysvar", CLOCK_SYSVAR)]).await?;
        Ok(clock.data)
    }

    /// Whether an account exists at `address`.
    pub async fn exists(&self, address: Pubkey) -> Result<bool> {
        Ok(fetch(&self.rpc, &[address]).await?.remove(0).is_some())
    }

    /// The oracle account's price update.
    pub async fn price_update(&self) -> Result<crate::PriceUpdate> {
        self.price_update_at("oracle", self.oracles.oracle).await
    }

    /// The quote oracle account's price update, `None` without a quote oracle.
    pub async fn quote_price_update(&self) -> Result<Option<crate::PriceUpdate>> {
        match self.oracles.quote_oracle {
            Some(address) => Ok(Some(self.price_update_at("quote oracle", address).await?)),
            None => Ok(None),
        }
    }

    async fn price_update_at(
        &self,
        name: &'static str,
        address: Pubkey,
    ) -> Result<crate::PriceUpdate> {
        let [account] = fetch_named(&self.rpc, [(name, address)]).await?;
        decode_price_update(&account.owner, &account.data)
    }

    /// The token balance of `account`, or `None` if it does not exist.
    pub async fn token_balance(&self, account: Pubkey) -> Result<Option<u64>> {
        fetch(&self.rpc, &[account])
            .await?
            .remove(0)
            .map(|account| token_amount(&account.data))
            .transpose()
    }

    /// The instructions creating those of `owner`'s associated token accounts that do not
    /// exist yet (`owner` paying), for the pool's base and quote mints and, when `with_lp`,
    /// its LP mint: what a swap (`with_lp = false`) or a deposit or withdrawal needs first.
    /// Empty when they all exist — an idempotent creation still costs 4 000 – 6 000 compute
    /// units each, and an LP account a swap never uses would cost its rent.
    pub async fn create_missing_accounts(
        &self,
        owner: Pubkey,
        with_lp: bool,
    ) -> Result<Vec<Instruction>> {
        let user = crate::instructions::UserAccounts::associated(&self.addresses, owner);
        let wanted = if with_lp {
            vec![user.base, user.quote, user.lp]
        } else {
            vec![user.base, user.quote]
        };
        let existing = fetch(&self.rpc, &wanted).await?;
        // `create_associated_accounts` lists base, quote, LP: the order of `wanted`.
        Ok(
            crate::instructions::create_associated_accounts(&self.addresses, owner, owner)
                .into_iter()
                .zip(existing)
                .filter(|(_, account)| account.is_none())
                .map(|(create, _)| create)
                .collect(),
        )
    }

    /// Signatures of the successful transactions that touched the pool after `until`
    /// (everything the node keeps when `None`), oldest first. Pages through the node's
    /// history 1 000 at a time, so nothing between `until` and now is skipped.
    pub async fn pool_signatures(&self, until: Option<&str>) -> Result<Vec<String>> {
        const PAGE: usize = 1_000;
        let mut newest_first = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut options = serde_json::json!({ "limit": PAGE, "commitment": "confirmed" });
            if let Some(until) = until {
                options["until"] = until.into();
            }
            if let Some(before) = &before {
                options["before"] = before.as_str().into();
            }
            let listed: serde_json::Value = self
                .rpc
                .send(
                    RpcRequest::GetSignaturesForAddress,
                    serde_json::json!([self.addresses.pool.to_string(), options]),
                )
                .await
                .map_err(|error| node_error(&self.rpc.url(), "getSignaturesForAddress", error))?;
            let page = listed.as_array().ok_or(SdkError::Malformed {
                method: "getSignaturesForAddress",
                problem: "not a list",
            })?;
            for entry in page {
                let signature = entry["signature"].as_str().ok_or(SdkError::Malformed {
                    method: "getSignaturesForAddress",
                    problem: "no signature",
                })?;
                before = Some(signature.to_string());
                if entry["err"].is_null() {
                    newest_first.push(signature.to_string());
                }
            }
            if page.len() < PAGE {
                break;
            }
        }
        newest_first.reverse();
        Ok(newest_first)
    }

    /// The program's events in a confirmed transaction (see [`crate::events`]).
    pub async fn transaction_events(&self, signature: &str) -> Result<Vec<PoolEvent>> {
        self.timed_transaction_events(signature)
            .await
            .map(|(_, events)| events)
    }

    /// The same, with the transaction's block time (Unix seconds; `None` when the node
    /// has none) — what calibration needs to know how long each quote stood.
    pub async fn timed_transaction_events(
        &self,
        signature: &str,
    ) -> Result<(Option<i64>, Vec<PoolEvent>)> {
        let transaction: serde_json::Value = self
            .rpc
            .send(
                RpcRequest::GetTransaction,
                serde_json::json!([
                    signature,
                    {
                        "encoding": "json",
                        "commitment": "confirmed",
                        "maxSupportedTransactionVersion": 0,
                    }
                ]),
            )
            .await
            .map_err(|error| node_error(&self.rpc.url(), "getTransaction", error))?;
        if transaction.is_null() {
            return Err(SdkError::NotFound {
                account: "transaction",
                address: signature.to_string(),
            });
        }
        let block_time = transaction["blockTime"].as_i64();
        crate::events::from_transaction_json(&transaction).map(|events| (block_time, events))
    }

    /// Follows the pool's events over the cluster's websocket at `ws_url`
    /// ([`crate::events::PoolEventStream`]); the subscription is made before this returns,
    /// so every transaction landing after it is seen. Notifications and fetches are at the
    /// client's commitment.
    ///
    /// ```no_run
    /// # async fn follow(client: &homeostat_sdk::rpc::PoolClient) -> homeostat_sdk::Result<()> {
    /// use homeostat_sdk::events::{PoolEvent, TransactionEvents};
    ///
    /// let mut stream = client.subscribe_events("ws://127.0.0.1:8900").await?;
    /// while let Some(landed) = stream.next().await {
    ///     let TransactionEvents { signature, slot, events } = landed?;
    ///     for event in events {
    ///         if let PoolEvent::Swapped(swapped) = event {
    ///             println!("{slot} {signature}: {} out", swapped.amount_out);
    ///         }
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn subscribe_events(
        &self,
        ws_url: &str,
    ) -> Result<crate::events::PoolEventStream<'_>> {
        use futures_util::StreamExt;
        use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
        use solana_rpc_client::api::config::{RpcTransactionLogsConfig, RpcTransactionLogsFilter};

        let pool = self.addresses.pool;
        let commitment = self.rpc.commitment();
        let url = ws_url.to_string();
        let (ready, subscribed) = tokio::sync::oneshot::channel::<Result<()>>();
        let (notify, notified) = tokio::sync::mpsc::unbounded_channel();
        let subscription = tokio::spawn(async move {
            let pubsub = match PubsubClient::new(url.as_str()).await {
                Ok(pubsub) => pubsub,
                Err(error) => {
                    let _ = ready.send(Err(SdkError::Unreachable {
                        url,
                        source: std::sync::Arc::new(error),
                    }));
                    return;
                }
            };
            let filter = RpcTransactionLogsFilter::Mentions(vec![pool.to_string()]);
            let config = RpcTransactionLogsConfig {
                commitment: Some(commitment),
            };
            let (mut logs, _unsubscribe) = match pubsub.logs_subscribe(filter, config).await {
                Ok(subscribed) => subscribed,
                Err(error) => {
                    let _ = ready.send(Err(SdkError::Node {
                        method: "logsSubscribe".into(),
                        source: std::sync::Arc::new(error),
                    }));
                    return;
                }
            };
            if ready.send(Ok(())).is_err() {
                return;
            }
            while let Some(response) = logs.next().await {
                if response.value.err.is_some()
                    || response.value.signature == crate::events::SIMULATION_SIGNATURE
                {
                    continue;
                }
                if notify
                    .send((response.value.signature, response.context.slot))
                    .is_err()
                {
                    break;
                }
            }
        });
        subscribed
            .await
            .map_err(|_| SdkError::SubscriptionEnded)??;
        Ok(crate::events::PoolEventStream {
            client: self,
            pool,
            notified,
            subscription,
        })
    }

    /// Sends `instructions` signed by `signers` (the first pays) as [`crate::landing`]
    /// does — compute budget from simulation, priority fee, resends until confirmed at
    /// `self.landing`'s commitment. Returns the signature.
    pub async fn send(
        &self,
        instructions: &[Instruction],
        signers: &[&dyn Signer],
    ) -> Result<String> {
        Ok(self.send_landed(instructions, signers).await?.signature)
    }

    /// [`PoolClient::send`], reporting what the transaction was sent with.
    pub async fn send_landed(
        &self,
        instructions: &[Instruction],
        signers: &[&dyn Signer],
    ) -> Result<Landed> {
        crate::landing::send_and_confirm(
            &self.rpc,
            instructions,
            signers,
            &self.lookup_tables,
            &self.landing,
        )
        .await
    }

    /// The address lookup table at `address`, as [`PoolClient::with_lookup_tables`] takes
    /// it.
    pub async fn lookup_table(
        &self,
        address: Pubkey,
    ) -> Result<solana_message::AddressLookupTableAccount> {
        let account = self
            .rpc
            .get_account_with_commitment(&address, self.rpc.commitment())
            .await
            .map_err(|error| node_error(&self.rpc.url(), "getAccountInfo", error))?
            .value
            .ok_or_else(|| SdkError::NotFound {
                account: "address lookup table",
                address: address.to_string(),
            })?;
        Ok(solana_message::AddressLookupTableAccount {
            key: address,
            addresses: crate::accounts::lookup_table_addresses(&account.owner, &account.data)?,
        })
    }

    /// This client sending v0 transactions over `tables` (fetched with
    /// [`PoolClient::lookup_table`]).
    pub fn with_lookup_tables(
        mut self,
        tables: Vec<solana_message::AddressLookupTableAccount>,
    ) -> Self {
        self.lookup_tables = tables;
        self
    }

    /// This client sending with `landing`.
    pub fn with_landing(mut self, landing: Landing) -> Self {
        self.landing = landing;
        self
    }
}
