//! The node behind the endpoint: the runtime's bank client and what the endpoint
//! remembers of it — executed transactions, handed-out blockhashes, the addresses it knows
//! — with the helpers every method family shares: the slot and block time, blockhash
//! validity, accounts and their JSON.

use super::*;

/// Blocks a blockhash stays valid for on a validator (`MAX_PROCESSING_AGE`).
pub(super) const VALIDATOR_BLOCKHASH_LIFETIME: u64 = 150;

/// How long the runtime itself accepts a blockhash: `solana-program-test` registers a new
/// one every 6.4 ms (64 ticks of 100 µs) and its bank accepts the last 150 — at least
/// 960 ms, more when the machine is busy. It keeps no handle to change that, so the
/// endpoint promises no more than this.
const RUNTIME_BLOCKHASH_LIFETIME: Duration = Duration::from_millis(960);

impl Node {
    /// The current slot (= block height): one per `slot_duration` since start.
    pub(super) fn slot(&self) -> u64 {
        let slot_ns = self.options.slot_duration.as_nanos().max(1);
        let elapsed = self.started.elapsed().as_nanos() / slot_ns;
        u64::try_from(elapsed).map_or(u64::MAX, |elapsed| elapsed.saturating_add(1))
    }

    /// When the slot after the current one starts.
    pub(super) fn next_slot_at(&self) -> tokio::time::Instant {
        let slots = u32::try_from(self.slot()).unwrap_or(u32::MAX);
        self.started
            .checked_add(self.options.slot_duration.saturating_mul(slots))
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600))
    }

    /// Blocks after the one it was handed out in that a blockhash stays valid: the
    /// validator's 150, or fewer when the runtime forgets it sooner (always, at the default
    /// 400 ms a slot: see [`RUNTIME_BLOCKHASH_LIFETIME`]) — so that `lastValidBlockHeight`
    /// and `isBlockhashValid` never call valid a blockhash the runtime refuses.
    pub(super) fn blockhash_lifetime(&self) -> u64 {
        let slot_ns = self.options.slot_duration.as_nanos().max(1);
        let blocks = RUNTIME_BLOCKHASH_LIFETIME.as_nanos() / slot_ns;
        u64::try_from(blocks)
            .unwrap_or(u64::MAX)
            .saturating_sub(1)
            .min(VALIDATOR_BLOCKHASH_LIFETIME)
    }

    /// The bank's latest blockhash and the last block height it is valid at.
    pub(super) async fn latest_blockhash(&self) -> Result<(String, u64), RpcError> {
        let blockhash = self
            .banks
            .get_latest_blockhash()
            .await
            .map_err(RpcError::internal)?
            .to_string();
        let height = self.slot();
        let mut history = self.history.lock().await;
        let issued = *history.issued.entry(blockhash.clone()).or_insert(height);
        Ok((blockhash, issued.saturating_add(self.blockhash_lifetime())))
    }

    /// Whether `blockhash` was handed out here and its last valid block has passed (a
    /// blockhash this endpoint never handed out is left to the runtime).
    pub(super) async fn blockhash_expired(&self, blockhash: &str) -> bool {
        let height = self.slot();
        let lifetime = self.blockhash_lifetime();
        let history = self.history.lock().await;
        history
            .issued
            .get(blockhash)
            .is_some_and(|issued| height > issued.saturating_add(lifetime))
    }

    /// Whether a transaction with `blockhash` would be accepted now: handed out here, not
    /// past its last valid block, and still in the runtime's recent blockhashes (asked by
    /// simulating an empty transaction: the runtime checks the blockhash's age first).
    pub(super) async fn blockhash_valid(&self, blockhash: &str) -> Result<bool, RpcError> {
        let known = self.history.lock().await.issued.contains_key(blockhash);
        if !known || self.blockhash_expired(blockhash).await {
            return Ok(false);
        }
        let hash = blockhash.parse().map_err(RpcError::internal)?;
        let payer = Pubkey::new_unique();
        let message = solana_message::Message::new_with_blockhash(&[], Some(&payer), &hash);
        let probe = VersionedTransaction {
            signatures: vec![Default::default()],
            message: VersionedMessage::Legacy(message),
        };
        let simulation = self
            .banks
            .simulate_transaction(probe)
            .await
            .map_err(RpcError::internal)?;
        Ok(!matches!(
            simulation.result,
            Some(Err(TransactionError::BlockhashNotFound))
        ))
    }

    /// The runtime's clock: the unix time its programs see.
    pub(super) async fn clock(&self) -> Result<Clock, RpcError> {
        self.banks
            .get_sysvar::<Clock>()
            .await
            .map_err(RpcError::internal)
    }

    /// The unix time of `slot`'s block: the runtime's clock when a transaction first
    /// executed in it, otherwise the clock now less the slots since (whole seconds).
    pub(super) async fn block_time(&self, slot: u64) -> Result<i64, RpcError> {
        if let Some(time) = self.history.lock().await.times.get(&slot) {
            return Ok(*time);
        }
        let now = self.clock().await?.unix_timestamp;
        let behind = self.slot().saturating_sub(slot);
        let millis = u128::from(behind).saturating_mul(self.options.slot_duration.as_millis());
        let seconds = i64::try_from(millis / 1_000).unwrap_or(i64::MAX);
        Ok(now.saturating_sub(seconds))
    }

    /// `value` with the JSON-RPC context (the current slot).
    pub(super) fn with_context(&self, value: Value) -> Value {
        json!({ "context": { "slot": self.slot() }, "value": value })
    }

    /// `message`'s accounts with its lookup tables resolved, or the error a validator
    /// refuses such a message with.
    pub(super) async fn resolve(
        &self,
        message: &VersionedMessage,
    ) -> Result<Resolved, TransactionError> {
        let v0 = match message {
            VersionedMessage::Legacy(legacy) => {
                return Ok(Resolved {
                    keys: legacy.account_keys.clone(),
                    writable: (0..legacy.account_keys.len())
                        .map(|index| legacy.is_maybe_writable(index, None))
                        .collect(),
                    loaded: LoadedAddresses::default(),
                })
            }
            VersionedMessage::V0(v0) => v0,
        };
        let mut loaded = LoadedAddresses::default();
        for lookup in &v0.address_table_lookups {
            let table = self
                .banks
                .get_account(lookup.account_key)
                .await
                .ok()
                .flatten()
                .ok_or(TransactionError::AddressLookupTableNotFound)?;
            if table.owner != homeostat_sdk::accounts::ADDRESS_LOOKUP_TABLE_PROGRAM {
                return Err(TransactionError::InvalidAddressLookupTableOwner);
            }
            let addresses =
                homeostat_sdk::accounts::lookup_table_addresses(&table.owner, &table.data)
                    .map_err(|_| TransactionError::InvalidAddressLookupTableData)?;
            let pick = |indexes: &[u8]| {
                indexes
                    .iter()
                    .map(|index| addresses.get(usize::from(*index)).copied())
                    .collect::<Option<Vec<Pubkey>>>()
                    .ok_or(TransactionError::InvalidAddressLookupTableIndex)
            };
            loaded.writable.extend(pick(&lookup.writable_indexes)?);
            loaded.readonly.extend(pick(&lookup.readonly_indexes)?);
        }
        let message = LoadedMessage::new(v0.clone(), loaded.clone(), &Default::default());
        let keys: Vec<Pubkey> = message.account_keys().iter().copied().collect();
        Ok(Resolved {
            writable: (0..keys.len())
                .map(|index| message.is_writable(index))
                .collect(),
            keys,
            loaded,
        })
    }

    /// The account at `address` now.
    pub(super) async fn get(
        &self,
        address: Pubkey,
    ) -> Result<Option<solana_account::Account>, RpcError> {
        self.banks
            .get_account(address)
            .await
            .map_err(RpcError::internal)
    }

    /// The accounts at `keys` now.
    pub(super) async fn snapshot(
        &self,
        keys: &[Pubkey],
    ) -> Result<Vec<Option<solana_account::Account>>, RpcError> {
        let mut accounts = Vec::with_capacity(keys.len());
        for key in keys {
            accounts.push(self.get(*key).await?);
        }
        Ok(accounts)
    }

    /// The known addresses' accounts owned by `program`.
    pub(super) async fn owned_by(
        &self,
        program: &Pubkey,
    ) -> Result<Vec<(Pubkey, solana_account::Account)>, RpcError> {
        let known: Vec<Pubkey> = self.known.lock().await.iter().copied().collect();
        let mut owned = Vec::new();
        for address in known {
            if let Some(account) = self.get(address).await? {
                if account.owner == *program {
                    owned.push((address, account));
                }
            }
        }
        Ok(owned)
    }

    /// The decimals of the mint at `mint` (byte 44 of an SPL Token or Token-2022 mint),
    /// `None` if there is no such account.
    pub(super) async fn decimals_of(&self, mint: Pubkey) -> Result<Option<u8>, RpcError> {
        Ok(self
            .get(mint)
            .await?
            .and_then(|mint| mint.data.get(44).copied()))
    }

    /// The decimals of the mints of the token accounts among `accounts`, each mint read
    /// once.
    pub(super) async fn mint_decimals(
        &self,
        accounts: &[&solana_account::Account],
    ) -> Result<HashMap<Pubkey, u8>, RpcError> {
        let mut decimals = HashMap::new();
        for account in accounts {
            let Some(mint) = transactions::token_account_mint(account) else {
                continue;
            };
            if decimals.contains_key(&mint) {
                continue;
            }
            if let Some(places) = self.decimals_of(mint).await? {
                decimals.insert(mint, places);
            }
        }
        Ok(decimals)
    }

    /// The account at `address` as JSON ([`accounts::account_json`]), `null` if there is
    /// none.
    pub(super) async fn account(&self, address: Pubkey, options: &Value) -> RpcResult {
        Ok(match self.get(address).await? {
            None => Value::Null,
            Some(account) => self.render(&address, &account, options).await?,
        })
    }

    /// `account` as JSON ([`accounts::account_json`]), a token account's mint looked up
    /// for its decimals when parsed.
    pub(super) async fn render(
        &self,
        address: &Pubkey,
        account: &solana_account::Account,
        options: &Value,
    ) -> RpcResult {
        let mut decimals = None;
        if options["encoding"] == "jsonParsed" {
            if let Some(mint) = transactions::token_account_mint(account) {
                decimals = self.decimals_of(mint).await?;
            }
        }
        accounts::account_json(address, account, options, decimals)
    }
}
