//! The in-process runtime behind a Solana JSON-RPC endpoint on loopback, so cluster clients
//! (the SDK's `rpc` feature, the `homeostat` CLI, the keeper's RPC event source) run
//! against the real program without a validator.
//!
//! It answers the subset of the JSON-RPC API those clients use — accounts, blockhashes,
//! simulating, sending and confirming transactions, fees, and the transaction history the
//! keeper reads: `getAccountInfo`, `getMultipleAccounts` (both with `dataSlice`),
//! `getProgramAccounts` (filters; over the addresses it knows of), `requestAirdrop` (from a
//! faucet keypair), `getBalance`,
//! `getTokenAccountBalance`, `getLatestBlockhash`, `isBlockhashValid`, `getBlockHeight`,
//! `getSlot`, `getEpochInfo`, `getHealth`, `getVersion`,
//! `getMinimumBalanceForRentExemption`, `getFeeForMessage`,
//! `getRecentPrioritizationFees`, `simulateTransaction` (`sigVerify`,
//! `replaceRecentBlockhash`), `sendTransaction` (preflight unless `skipPreflight`: a
//! failing transaction is rejected with its logs, as a validator does),
//! `getSignatureStatuses`, `getSignaturesForAddress` and `getTransaction` (JSON encoding,
//! with inner instructions, logs and compute units). Batch requests and chunked request
//! bodies are accepted.
//!
//! Its slots pass with wall time (`Options::slot_duration`, 400 ms by default — Solana's
//! target), one block per slot. A blockhash is valid for 150 blocks from when this endpoint
//! first handed it out: a transaction sent with an older one is not executed (`skipPreflight`)
//! or refused as `BlockhashNotFound`, as on a cluster. `Faults` lets a test drop sends.
//!
//! A sent transaction is first simulated — that is where its logs and inner instructions
//! come from, since the native runtime only reports those for simulations — then executed;
//! one lock makes the pair atomic with respect to other transactions sent here.

mod http;
mod pubsub;
mod transactions;

pub use http::{exchange_blocking, post_blocking, MAX_BODY, MAX_HEAD};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use solana_message::inner_instruction::InnerInstructions;
use solana_message::v0::{LoadedAddresses, LoadedMessage};
use solana_message::VersionedMessage;
use solana_program_test::{BanksClient, ProgramTestContext};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::{InstructionError, TransactionError};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// JSON-RPC's code for a transaction rejected by preflight simulation.
const PREFLIGHT_FAILURE: i64 = -32002;
/// JSON-RPC's code for invalid parameters.
const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC's code for an unknown method.
const METHOD_NOT_FOUND: i64 = -32601;

/// A transaction that executed here.
struct Executed {
    slot: u64,
    transaction: VersionedTransaction,
    /// Its accounts, lookup tables resolved.
    accounts: Resolved,
    error: Option<Value>,
    /// Compute units it consumed.
    units: u64,
    /// Its compute-unit price, micro-lamports per CU (0 without one).
    price: u64,
    logs: Vec<String>,
    /// Per top-level instruction, the instructions it invoked.
    inner: Vec<InnerInstructions>,
    /// Its accounts before and after it executed.
    before: Vec<Option<solana_account::Account>>,
    after: Vec<Option<solana_account::Account>>,
    /// Decimals of the mints of the token accounts it named.
    decimals: HashMap<Pubkey, u8>,
}

/// A message's accounts in the runtime's order — its own keys, then the ones its lookup
/// tables load, writable before read-only — and whether each is writable.
#[derive(Clone, Debug, Default)]
struct Resolved {
    keys: Vec<Pubkey>,
    writable: Vec<bool>,
    /// What the lookup tables loaded (none for a legacy message).
    loaded: LoadedAddresses,
}

#[derive(Default)]
struct History {
    /// Signature → executed transaction.
    transactions: HashMap<String, Executed>,
    /// Address → signatures of the transactions that named it, oldest first.
    by_address: HashMap<Pubkey, Vec<String>>,
    /// Blockhash → the block height at which this endpoint first handed it out.
    issued: HashMap<String, u64>,
    /// Signatures in execution order (for recent fees).
    order: Vec<String>,
}

/// Blocks a blockhash stays valid for, as on a cluster.
const BLOCKHASH_LIFETIME: u64 = 150;

/// The compute-budget program.
const COMPUTE_BUDGET: Pubkey =
    anchor_lang::prelude::pubkey!("ComputeBudget111111111111111111111111111111");

/// How the endpoint behaves.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Wall time per slot (one block per slot).
    pub slot_duration: Duration,
    /// The loopback port to listen on (0: any free one).
    pub port: u16,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// How long a connection may wait for its next request before it is closed.
    pub idle_timeout: Duration,
    /// How long a request may take to arrive once it has started.
    pub read_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            slot_duration: Duration::from_millis(400),
            port: 0,
            max_connections: 256,
            idle_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(10),
        }
    }
}

/// Faults a test injects into the endpoint.
#[derive(Debug, Default)]
pub struct Faults {
    drop_sends: AtomicU32,
}

impl Faults {
    /// The next `count` `sendTransaction` calls answer with the signature, as a node that
    /// accepted the transaction does, and the transaction is lost — never executed.
    pub fn drop_next_sends(&self, count: u32) {
        self.drop_sends.store(count, Ordering::SeqCst);
    }

    /// Sends still to drop.
    pub fn sends_to_drop(&self) -> u32 {
        self.drop_sends.load(Ordering::SeqCst)
    }

    fn take_drop(&self) -> bool {
        self.drop_sends
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

/// A served endpoint.
pub struct Endpoint {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its PubSub websocket, `ws://127.0.0.1:<port + 1>` (the port web3.js derives from
    /// the HTTP one) or any free port when `port` is 0.
    pub ws_url: String,
    /// Its fault injection.
    pub faults: Arc<Faults>,
    node: Arc<Node>,
}

impl Endpoint {
    /// Makes `addresses` visible to `getProgramAccounts` (accounts created outside this
    /// endpoint, e.g. by the harness).
    pub async fn watch(&self, addresses: impl IntoIterator<Item = Pubkey>) {
        self.node.known.lock().await.extend(addresses);
    }

    /// Lets `requestAirdrop` pay from `faucet`.
    pub async fn set_faucet(&self, faucet: solana_keypair::Keypair) {
        *self.node.faucet.lock().await = Some(faucet);
    }
}

struct Node {
    banks: BanksClient,
    /// The runtime's genesis hash (base 58).
    genesis_hash: String,
    history: Mutex<History>,
    started: tokio::time::Instant,
    options: Options,
    faults: Arc<Faults>,
    /// Every address this endpoint knows of — named by a transaction sent here, or
    /// registered with [`Endpoint::watch`]: what `getProgramAccounts` scans (a bank
    /// client cannot list accounts).
    known: Mutex<std::collections::BTreeSet<Pubkey>>,
    /// Who pays `requestAirdrop` ([`Endpoint::set_faucet`]).
    faucet: Mutex<Option<solana_keypair::Keypair>>,
}

type RpcResult = Result<Value, (i64, String, Value)>;

fn invalid(message: impl Into<String>) -> (i64, String, Value) {
    (INVALID_PARAMS, message.into(), Value::Null)
}

/// A transaction whose lookup tables do not load, refused as a validator refuses it
/// (`invalid transaction: Transaction loads an address table account that doesn't exist`).
fn unloadable(error: TransactionError) -> (i64, String, Value) {
    invalid(format!("invalid transaction: {error}"))
}

fn internal(error: impl std::fmt::Display) -> (i64, String, Value) {
    (-32603, error.to_string(), Value::Null)
}

fn pubkey_param(params: &Value, index: usize) -> Result<Pubkey, (i64, String, Value)> {
    params[index]
        .as_str()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| invalid(format!("param {index}: expected a base-58 public key")))
}

/// A transaction error as validators serialise it (`{"InstructionError":[0,{"Custom":6003}]}`,
/// or the variant's name).
fn error_json(error: &TransactionError) -> Value {
    match error {
        TransactionError::InstructionError(index, inner) => {
            let inner = match inner {
                InstructionError::Custom(code) => {
                    json!({ "Custom": code })
                }
                other => json!(format!("{other:?}")),
            };
            json!({ "InstructionError": [index, inner] })
        }
        other => json!(format!("{other:?}")),
    }
}

impl Node {
    /// `message`'s accounts with its lookup tables resolved, or the error a validator
    /// refuses such a message with.
    async fn resolve(&self, message: &VersionedMessage) -> Result<Resolved, TransactionError> {
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

    /// The accounts at `keys` now.
    async fn snapshot(
        &self,
        keys: &[Pubkey],
    ) -> Result<Vec<Option<solana_account::Account>>, (i64, String, Value)> {
        let mut accounts = Vec::with_capacity(keys.len());
        for key in keys {
            accounts.push(self.banks.get_account(*key).await.map_err(internal)?);
        }
        Ok(accounts)
    }

    /// The decimals of the mint at `mint` (byte 44 of an SPL Token or Token-2022 mint),
    /// `None` if there is no such account.
    async fn decimals_of(&self, mint: Pubkey) -> Result<Option<u8>, (i64, String, Value)> {
        let account = self.banks.get_account(mint).await.map_err(internal)?;
        Ok(account.and_then(|mint| mint.data.get(44).copied()))
    }

    /// The decimals of the mints of the token accounts among `accounts`, each mint read
    /// once.
    async fn mint_decimals(
        &self,
        accounts: &[&solana_account::Account],
    ) -> Result<HashMap<Pubkey, u8>, (i64, String, Value)> {
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

    /// The account at `address` as JSON ([`account_json`]), `null` if there is none.
    async fn account(
        &self,
        address: Pubkey,
        options: &Value,
    ) -> Result<Value, (i64, String, Value)> {
        let account = self.banks.get_account(address).await.map_err(internal)?;
        Ok(match account {
            None => Value::Null,
            Some(account) => self.render(&address, &account, options).await?,
        })
    }

    /// `account` as JSON ([`account_json`]), a token account's mint looked up for its
    /// decimals when parsed.
    async fn render(
        &self,
        address: &Pubkey,
        account: &solana_account::Account,
        options: &Value,
    ) -> Result<Value, (i64, String, Value)> {
        let mut decimals = None;
        if options["encoding"] == "jsonParsed" {
            if let Some(mint) = transactions::token_account_mint(account) {
                decimals = self.decimals_of(mint).await?;
            }
        }
        account_json(address, account, options, decimals)
    }

    /// The current slot (= block height): one per `slot_duration` since start.
    async fn slot(&self) -> Result<u64, (i64, String, Value)> {
        let slot_ns = self.options.slot_duration.as_nanos().max(1);
        Ok(1 + u64::try_from(self.started.elapsed().as_nanos() / slot_ns).unwrap_or(u64::MAX))
    }

    /// The bank's latest blockhash and the height it expires after.
    async fn latest_blockhash(&self) -> Result<(String, u64), (i64, String, Value)> {
        let blockhash = self
            .banks
            .get_latest_blockhash()
            .await
            .map_err(internal)?
            .to_string();
        let height = self.slot().await?;
        let mut history = self.history.lock().await;
        let issued = *history.issued.entry(blockhash.clone()).or_insert(height);
        Ok((blockhash, issued + BLOCKHASH_LIFETIME))
    }

    /// Whether `blockhash` may still be used: handed out here and not expired (a
    /// blockhash this endpoint never handed out is left to the bank).
    async fn blockhash_expired(&self, blockhash: &str) -> Result<bool, (i64, String, Value)> {
        let height = self.slot().await?;
        let history = self.history.lock().await;
        Ok(history
            .issued
            .get(blockhash)
            .is_some_and(|issued| height > issued + BLOCKHASH_LIFETIME))
    }

    async fn with_context(&self, value: Value) -> RpcResult {
        Ok(json!({ "context": { "slot": self.slot().await? }, "value": value }))
    }

    /// The JSON-RPC response to one request object.
    async fn respond(&self, request: &Value) -> Value {
        // Not a JSON-RPC 2.0 request object (no `jsonrpc: "2.0"`, no method name): -32600,
        // as a validator answers, before any method is looked up.
        let Some(method) = request["method"]
            .as_str()
            .filter(|_| request["jsonrpc"] == "2.0")
        else {
            return json!({
                "jsonrpc": "2.0",
                "id": request.get("id").cloned().unwrap_or(Value::Null),
                "error": { "code": -32600, "message": "Invalid request" },
            });
        };
        match self.handle(method, &request["params"]).await {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": request["id"], "result": result }),
            Err((code, message, data)) => {
                // No `data` key rather than `"data": null`: web3.js reads a present `data`
                // as an object.
                let mut error = json!({ "code": code, "message": message });
                if !data.is_null() {
                    error["data"] = data;
                }
                json!({ "jsonrpc": "2.0", "id": request["id"], "error": error })
            }
        }
    }

    async fn handle(&self, method: &str, params: &Value) -> RpcResult {
        match method {
            "getAccountInfo" => {
                let account = self.account(pubkey_param(params, 0)?, &params[1]).await?;
                self.with_context(account).await
            }
            "getProgramAccounts" => self.program_accounts(params).await,
            "requestAirdrop" => self.airdrop(params).await,
            "getMultipleAccounts" => {
                let keys = params[0]
                    .as_array()
                    .ok_or_else(|| invalid("param 0: expected an array of keys"))?;
                // Unlike getAccountInfo's, this method's default encoding is base 64.
                let mut options = params[1].clone();
                if options["encoding"].is_null() {
                    options = json!({ "encoding": "base64", "dataSlice": options["dataSlice"] });
                }
                let mut accounts = Vec::with_capacity(keys.len());
                for index in 0..keys.len() {
                    accounts.push(
                        self.account(pubkey_param(&params[0], index)?, &options)
                            .await?,
                    );
                }
                self.with_context(Value::Array(accounts)).await
            }
            "getBalance" => {
                let address = pubkey_param(params, 0)?;
                let lamports = self.banks.get_balance(address).await.map_err(internal)?;
                self.with_context(json!(lamports)).await
            }
            "getLatestBlockhash" => {
                let (blockhash, last_valid) = self.latest_blockhash().await?;
                self.with_context(json!({
                    "blockhash": blockhash,
                    "lastValidBlockHeight": last_valid,
                }))
                .await
            }
            "isBlockhashValid" => {
                let blockhash = params[0]
                    .as_str()
                    .ok_or_else(|| invalid("param 0: expected a blockhash"))?;
                let known = self.history.lock().await.issued.contains_key(blockhash);
                let valid = known && !self.blockhash_expired(blockhash).await?;
                self.with_context(json!(valid)).await
            }
            "getBlockHeight" => Ok(json!(self.slot().await?)),
            "getEpochInfo" => {
                let slot = self.slot().await?;
                let count = self.history.lock().await.order.len();
                Ok(json!({
                    "absoluteSlot": slot,
                    "blockHeight": slot,
                    "epoch": 0,
                    "slotIndex": slot,
                    "slotsInEpoch": 432_000,
                    "transactionCount": count,
                }))
            }
            "getHealth" => Ok(json!("ok")),
            "getGenesisHash" => Ok(json!(self.genesis_hash)),
            "getFeeForMessage" => {
                let encoded = params[0]
                    .as_str()
                    .ok_or_else(|| invalid("param 0: expected a base-64 message"))?;
                let message: VersionedMessage = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|error| invalid(format!("base64: {error}")))
                    .and_then(|bytes| {
                        bincode::deserialize(&bytes)
                            .map_err(|error| invalid(format!("not a message: {error}")))
                    })?;
                self.with_context(json!(fee(&message))).await
            }
            "getRecentPrioritizationFees" => self.recent_fees(params).await,
            "getTokenAccountBalance" => {
                let address = pubkey_param(params, 0)?;
                let account = self
                    .banks
                    .get_account(address)
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| {
                        invalid(format!("Invalid param: could not find account {address}"))
                    })?;
                let amount = homeostat_sdk::accounts::token_amount(&account.data)
                    .map_err(|_| invalid("Invalid param: not a Token account"))?;
                let mint = account
                    .data
                    .get(..32)
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                    .map(Pubkey::new_from_array)
                    .ok_or_else(|| invalid("Invalid param: not a Token account"))?;
                let decimals = self
                    .decimals_of(mint)
                    .await?
                    .ok_or_else(|| invalid("Invalid param: the token account's mint is missing"))?;
                self.with_context(transactions::ui_token_amount(amount, decimals))
                    .await
            }
            "simulateTransaction" => self.simulate(params).await,
            "getMinimumBalanceForRentExemption" => {
                let size = params[0]
                    .as_u64()
                    .ok_or_else(|| invalid("param 0: expected a size"))?;
                // A validator refuses sizes no account can have (10 MiB).
                const MAX_PERMITTED_DATA_LENGTH: u64 = 10 * 1024 * 1024;
                if size > MAX_PERMITTED_DATA_LENGTH {
                    return Err(invalid(format!(
                        "param 0: {size} bytes is more than an account can hold \
                         ({MAX_PERMITTED_DATA_LENGTH})"
                    )));
                }
                let rent = self.banks.get_rent().await.map_err(internal)?;
                Ok(json!(rent.minimum_balance(size as usize)))
            }
            "getSlot" => Ok(json!(self.slot().await?)),
            "getVersion" => Ok(json!({ "solana-core": "3.1.12", "feature-set": 0 })),
            "sendTransaction" => self.send_transaction(params).await,
            "getSignatureStatuses" => {
                let history = self.history.lock().await;
                let signatures = params[0]
                    .as_array()
                    .ok_or_else(|| invalid("param 0: expected an array of signatures"))?;
                let statuses: Vec<Value> = signatures
                    .iter()
                    .map(|signature| {
                        let executed = history.transactions.get(signature.as_str()?)?;
                        let status = match &executed.error {
                            None => json!({ "Ok": null }),
                            Some(error) => json!({ "Err": error }),
                        };
                        Some(json!({
                            "slot": executed.slot,
                            "confirmations": null,
                            "err": executed.error,
                            "status": status,
                            "confirmationStatus": "finalized",
                        }))
                    })
                    .map(|status| status.unwrap_or(Value::Null))
                    .collect();
                drop(history);
                self.with_context(Value::Array(statuses)).await
            }
            "getSignaturesForAddress" => self.signatures_for_address(params).await,
            "getTransaction" => {
                let signature = params[0]
                    .as_str()
                    .ok_or_else(|| invalid("param 0: expected a signature"))?;
                let history = self.history.lock().await;
                match history.transactions.get(signature) {
                    None => Ok(Value::Null),
                    Some(executed) => transactions::transaction_json(executed, &params[1]),
                }
            }
            other => Err((
                METHOD_NOT_FOUND,
                format!("Method not found: {other}"),
                Value::Null,
            )),
        }
    }

    /// Per slot with transactions writing any of `params[0]`'s addresses (any transaction
    /// without addresses), the least compute-unit price paid, over the last 150 slots.
    /// (A validator also lists the slots without such transactions, at 0.)
    async fn recent_fees(&self, params: &Value) -> RpcResult {
        let addresses: Vec<Pubkey> = match params[0].as_array() {
            None => Vec::new(),
            Some(keys) => (0..keys.len())
                .map(|index| pubkey_param(&params[0], index))
                .collect::<Result<_, _>>()?,
        };
        let now = self.slot().await?;
        let history = self.history.lock().await;
        let mut by_slot: std::collections::BTreeMap<u64, u64> = Default::default();
        for signature in &history.order {
            let executed = &history.transactions[signature];
            let accounts = &executed.accounts;
            let writes = |key: &Pubkey| {
                accounts
                    .keys
                    .iter()
                    .position(|named| named == key)
                    .is_some_and(|index| accounts.writable[index])
            };
            if executed.slot + BLOCKHASH_LIFETIME <= now
                || !(addresses.is_empty() || addresses.iter().any(writes))
            {
                continue;
            }
            let least = by_slot.entry(executed.slot).or_insert(executed.price);
            *least = (*least).min(executed.price);
        }
        // One entry for each of the last 150 slots, as a validator's cache answers: the
        // least fee paid there by a transaction writing the accounts, 0 where none did.
        let first = now.saturating_sub(BLOCKHASH_LIFETIME - 1);
        Ok(Value::Array(
            (first..=now)
                .map(|slot| {
                    let fee = by_slot.get(&slot).copied().unwrap_or(0);
                    json!({ "slot": slot, "prioritizationFee": fee })
                })
                .collect(),
        ))
    }

    /// `getProgramAccounts` over the addresses this endpoint knows of, with `dataSize` and
    /// `memcmp` filters and `dataSlice`.
    async fn program_accounts(&self, params: &Value) -> RpcResult {
        let program = pubkey_param(params, 0)?;
        let options = &params[1];
        let filters = options["filters"].as_array().cloned().unwrap_or_default();
        let known: Vec<Pubkey> = self.known.lock().await.iter().copied().collect();
        let mut matching = Vec::new();
        for address in known {
            let Some(account) = self.banks.get_account(address).await.map_err(internal)? else {
                continue;
            };
            if account.owner != program || !passes(&account.data, &filters)? {
                continue;
            }
            matching.push(json!({
                "pubkey": address.to_string(),
                "account": self.render(&address, &account, options).await?,
            }));
        }
        let matching = Value::Array(matching);
        if options["withContext"].as_bool() == Some(true) {
            self.with_context(matching).await
        } else {
            Ok(matching)
        }
    }

    /// `requestAirdrop`: a transfer from the faucet, recorded like any sent transaction.
    async fn airdrop(&self, params: &Value) -> RpcResult {
        let to = pubkey_param(params, 0)?;
        let lamports = params[1]
            .as_u64()
            .ok_or_else(|| invalid("param 1: expected lamports"))?;
        let faucet = self.faucet.lock().await;
        let faucet = faucet
            .as_ref()
            .ok_or_else(|| invalid("requestAirdrop: this endpoint has no faucet"))?;
        let blockhash = self.banks.get_latest_blockhash().await.map_err(internal)?;
        let transfer = solana_transaction::Transaction::new_signed_with_payer(
            &[anchor_lang::solana_program::system_instruction::transfer(
                &solana_signer::Signer::pubkey(faucet),
                &to,
                lamports,
            )],
            Some(&solana_signer::Signer::pubkey(faucet)),
            &[faucet],
            blockhash,
        );
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(bincode::serialize(&transfer).map_err(internal)?);
        self.send_transaction(&json!([encoded, { "encoding": "base64" }]))
            .await
    }

    /// `simulateTransaction`: nothing is committed.
    async fn simulate(&self, params: &Value) -> RpcResult {
        let mut transaction = decode_transaction(params)?;
        self.resolve(&transaction.message)
            .await
            .map_err(unloadable)?;
        let options = &params[1];
        if options["sigVerify"].as_bool() == Some(true)
            && !transaction.verify_with_results().iter().all(|valid| *valid)
        {
            return Err(invalid("Transaction signature verification failure"));
        }
        let mut replacement = Value::Null;
        if options["replaceRecentBlockhash"].as_bool() == Some(true) {
            let (blockhash, last_valid) = self.latest_blockhash().await?;
            transaction
                .message
                .set_recent_blockhash(blockhash.parse().map_err(internal)?);
            replacement = json!({ "blockhash": blockhash, "lastValidBlockHeight": last_valid });
        }
        let simulation = self
            .banks
            .simulate_transaction(transaction)
            .await
            .map_err(internal)?;
        let error = match simulation.result {
            Some(Err(error)) => error_json(&error),
            _ => Value::Null,
        };
        let details = simulation.simulation_details;
        let inner = match (&details, options["innerInstructions"].as_bool()) {
            (Some(details), Some(true)) => json!(transactions::inner_json(
                details.inner_instructions.as_deref().unwrap_or_default()
            )),
            _ => Value::Null,
        };
        self.with_context(json!({
            "err": error,
            "logs": details.as_ref().map(|details| validator_logs(&details.logs)),
            "accounts": null,
            "unitsConsumed": details.as_ref().map(|details| details.units_consumed),
            "returnData": null,
            "innerInstructions": inner,
            "replacementBlockhash": replacement,
        }))
        .await
    }

    async fn send_transaction(&self, params: &Value) -> RpcResult {
        let transaction = decode_transaction(params)?;
        let signature = transaction
            .signatures
            .first()
            .ok_or_else(|| invalid("the transaction has no signature"))?
            .to_string();
        let skip_preflight = params[1]["skipPreflight"].as_bool() == Some(true);
        // A validator resolves the lookup tables when it sanitises the transaction, before
        // any preflight: an unloadable one is invalid whatever `skipPreflight` says.
        let accounts = self
            .resolve(&transaction.message)
            .await
            .map_err(unloadable)?;
        if self.faults.take_drop() {
            return Ok(json!(signature));
        }
        if self
            .blockhash_expired(&transaction.message.recent_blockhash().to_string())
            .await?
        {
            // A leader never sees it; preflight says why.
            if skip_preflight {
                return Ok(json!(signature));
            }
            return Err((
                PREFLIGHT_FAILURE,
                "Transaction simulation failed: Blockhash not found".into(),
                json!({ "err": "BlockhashNotFound", "logs": [], "unitsConsumed": 0 }),
            ));
        }

        let mut history = self.history.lock().await;
        let simulation = self
            .banks
            .simulate_transaction(transaction.clone())
            .await
            .map_err(internal)?;
        let (logs, units_consumed, inner_instructions) = simulation
            .simulation_details
            .map(|details| {
                (
                    validator_logs(&details.logs),
                    details.units_consumed,
                    details.inner_instructions.unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        if let (Some(Err(error)), false) = (&simulation.result, skip_preflight) {
            let data = json!({
                "err": error_json(error),
                "logs": logs,
                "unitsConsumed": units_consumed,
            });
            return Err((
                PREFLIGHT_FAILURE,
                format!("Transaction simulation failed: {error}"),
                data,
            ));
        }
        let before = self.snapshot(&accounts.keys).await?;
        // On the working bank directly (see `Runtime::send`: no status polling).
        let (outcome, units) = match self
            .banks
            .process_transaction_with_metadata(transaction.clone())
            .await
        {
            Ok(executed) => (
                executed.result.err().map(|error| error_json(&error)),
                executed
                    .metadata
                    .map_or(units_consumed, |metadata| metadata.compute_units_consumed),
            ),
            Err(error) => (Some(json!(error.to_string())), 0),
        };
        let after = self.snapshot(&accounts.keys).await?;
        let named: Vec<&solana_account::Account> = before.iter().chain(&after).flatten().collect();
        let decimals = self.mint_decimals(&named).await?;
        let slot = self.slot().await?;
        for key in &accounts.keys {
            history
                .by_address
                .entry(*key)
                .or_default()
                .push(signature.clone());
        }
        let keys = accounts.keys.clone();
        history.transactions.insert(
            signature.clone(),
            Executed {
                slot,
                price: compute_budget(&transaction.message).1,
                transaction,
                accounts,
                error: outcome,
                units,
                logs,
                inner: inner_instructions,
                before,
                after,
                decimals,
            },
        );
        history.order.push(signature.clone());
        drop(history);
        self.known.lock().await.extend(keys);
        Ok(json!(signature))
    }

    /// Newest first, at most `limit`, strictly older than `before` and newer than `until`.
    async fn signatures_for_address(&self, params: &Value) -> RpcResult {
        let address = pubkey_param(params, 0)?;
        let options = &params[1];
        let limit = options["limit"].as_u64().unwrap_or(1_000) as usize;
        let history = self.history.lock().await;
        let all = history
            .by_address
            .get(&address)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut newest_first: Vec<&String> = all.iter().rev().collect();
        if let Some(before) = options["before"].as_str() {
            let position = newest_first
                .iter()
                .position(|signature| signature.as_str() == before)
                .ok_or_else(|| invalid("`before`: unknown signature"))?;
            newest_first.drain(..=position);
        }
        if let Some(until) = options["until"].as_str() {
            if let Some(position) = newest_first
                .iter()
                .position(|signature| signature.as_str() == until)
            {
                newest_first.truncate(position);
            }
        }
        newest_first.truncate(limit);
        Ok(Value::Array(
            newest_first
                .into_iter()
                .map(|signature| {
                    let executed = &history.transactions[signature.as_str()];
                    json!({
                        "signature": signature,
                        "slot": executed.slot,
                        "err": executed.error,
                        "memo": null,
                        "blockTime": null,
                        "confirmationStatus": "finalized",
                    })
                })
                .collect(),
        ))
    }
}

/// Serves the runtime of `context` on `127.0.0.1` until the tokio runtime it was started
/// on shuts down; returns the URL.
pub async fn serve(context: &ProgramTestContext) -> String {
    serve_with(context, Options::default()).await.url
}

/// [`serve`] with `options`, returning the endpoint's fault injection too.
pub async fn serve_with(context: &ProgramTestContext, options: Options) -> Endpoint {
    try_serve(context, options).await.expect("bind loopback")
}

/// [`serve_with`], failing when the port cannot be bound (in use, not permitted).
pub async fn try_serve(
    context: &ProgramTestContext,
    options: Options,
) -> std::io::Result<Endpoint> {
    let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let ws_port = if options.port == 0 {
        0
    } else {
        options.port.saturating_add(1)
    };
    let ws_listener = TcpListener::bind(("127.0.0.1", ws_port)).await?;
    let ws_url = format!("ws://{}", ws_listener.local_addr()?);
    let faults = Arc::new(Faults::default());
    let node = Arc::new(Node {
        banks: context.banks_client.clone(),
        genesis_hash: context.genesis_config().hash().to_string(),
        history: Mutex::default(),
        started: tokio::time::Instant::now(),
        options,
        faults: Arc::clone(&faults),
        known: Mutex::default(),
        faucet: Mutex::default(),
    });
    tokio::spawn(pubsub::serve(Arc::clone(&node), ws_listener));
    tokio::spawn(http::accept(listener, Arc::clone(&node)));
    Ok(Endpoint {
        url,
        ws_url,
        faults,
        node: Arc::clone(&node),
    })
}

/// An account as JSON-RPC gives it, by the validator's own encoder: in
/// `options.encoding` (`binary` — base 58, the default — `base58`, `base64`,
/// `base64+zstd` or `jsonParsed`, which falls back to base 64 for accounts it has no
/// parser for), cut to `options.dataSlice` (`{offset, length}`). `decimals` is the mint's,
/// for a token account's parsed amount.
fn account_json(
    address: &Pubkey,
    account: &solana_account::Account,
    options: &Value,
    decimals: Option<u8>,
) -> Result<Value, (i64, String, Value)> {
    use solana_account_decoder::{UiAccountEncoding, UiDataSliceConfig};
    let encoding: UiAccountEncoding = match &options["encoding"] {
        Value::Null => UiAccountEncoding::Binary,
        given => serde_json::from_value(given.clone()).map_err(|_| {
            invalid(format!(
                "encoding {given}: expected binary, base58, base64, base64+zstd or jsonParsed"
            ))
        })?,
    };
    let slice: Option<UiDataSliceConfig> = match &options["dataSlice"] {
        Value::Null => None,
        given => Some(serde_json::from_value(given.clone()).map_err(|_| {
            invalid("dataSlice: expected {\"offset\": number, \"length\": number}")
        })?),
    };
    let sliced = slice.map_or(account.data.len(), |slice| {
        slice
            .length
            .min(account.data.len().saturating_sub(slice.offset))
    });
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) && sliced > solana_account_decoder::MAX_BASE58_BYTES
    {
        // The validator's refusal, word for word.
        return Err(invalid(
            "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
        ));
    }
    let additional = decimals.map(|decimals| {
        solana_account_decoder::parse_account_data::AccountAdditionalDataV3 {
            spl_token_additional_data: Some(
                solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2::with_decimals(
                    decimals,
                ),
            ),
        }
    });
    let ui =
        solana_account_decoder::encode_ui_account(address, account, encoding, additional, slice);
    serde_json::to_value(ui).map_err(internal)
}

/// Whether `data` passes every `getProgramAccounts` filter (`dataSize`, `memcmp` with
/// base-58 or base-64 `bytes`).
fn passes(data: &[u8], filters: &[Value]) -> Result<bool, (i64, String, Value)> {
    for filter in filters {
        if let Some(size) = filter.get("dataSize") {
            let size = size
                .as_u64()
                .ok_or_else(|| invalid("filters.dataSize: expected a number"))?;
            if data.len() as u64 != size {
                return Ok(false);
            }
        } else if let Some(memcmp) = filter.get("memcmp") {
            let offset = memcmp["offset"]
                .as_u64()
                .ok_or_else(|| invalid("filters.memcmp.offset: expected a number"))?
                as usize;
            let text = memcmp["bytes"]
                .as_str()
                .ok_or_else(|| invalid("filters.memcmp.bytes: expected a string"))?;
            let bytes = match memcmp["encoding"].as_str() {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|error| invalid(format!("filters.memcmp.bytes: {error}")))?,
                _ => bs58::decode(text)
                    .into_vec()
                    .map_err(|error| invalid(format!("filters.memcmp.bytes: {error}")))?,
            };
            if data.get(offset..offset.saturating_add(bytes.len())) != Some(&bytes[..]) {
                return Ok(false);
            }
        } else {
            return Err(invalid(format!("filters: unknown filter {filter}")));
        }
    }
    Ok(true)
}

/// The transaction in `params[0]` — legacy or v0 — encoded as `params[1].encoding` says
/// (base-58 unless `base64`).
fn decode_transaction(params: &Value) -> Result<VersionedTransaction, (i64, String, Value)> {
    let encoded = params[0]
        .as_str()
        .ok_or_else(|| invalid("param 0: expected an encoded transaction"))?;
    let bytes = match params[1]["encoding"].as_str() {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|error| invalid(format!("base64: {error}")))?,
        _ => bs58::decode(encoded)
            .into_vec()
            .map_err(|error| invalid(format!("base58: {error}")))?,
    };
    bincode::deserialize(&bytes)
        .map_err(|error| invalid(format!("not a transaction (legacy or v0): {error}")))
}

/// A transaction's log as a validator writes it: the native harness's extra lines gone
/// ([`normalise_logs`]) and the Homeostat program's error line restored
/// ([`with_error_lines`]).
fn validator_logs(logs: &[String]) -> Vec<String> {
    with_error_lines(normalise_logs(logs))
}

/// `logs` with the line Anchor's clients read a program error from
/// (`AnchorError.parse`, the SDK's `SdkError::from_program_logs`) before each
/// `Program <homeostat> failed: custom program error: 0x…` of one of the program's own
/// errors. On a cluster the program logs it itself; natively its `msg!` goes to the
/// process's standard output instead, so the endpoint writes it from the error number
/// and the program's error table — as `AnchorError occurred.`, the form without a source
/// location (a validator's line also names the file and line that raised it).
fn with_error_lines(logs: Vec<String>) -> Vec<String> {
    let failure = format!("Program {} failed: custom program error: 0x", homeostat::ID);
    let mut restored = Vec::with_capacity(logs.len() + 1);
    for line in logs {
        let error = line
            .strip_prefix(&failure)
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(homeostat::errors::HomeostatError::from_code);
        let logged = restored
            .iter()
            .any(|earlier: &String| earlier.starts_with("Program log: AnchorError"));
        if let (Some(error), false) = (error, logged) {
            restored.push(format!(
                "Program log: AnchorError occurred. Error Code: {}. Error Number: {}. Error Message: {}.",
                error.name(),
                u32::from(error),
                error
            ));
        }
        restored.push(line);
    }
    restored
}

/// A program running natively in `solana-program-test` leaves two kinds of extra lines:
/// its own invocation is announced twice (by the runtime and by the test harness's native
/// entry), and each of its CPIs once
/// more at the caller's depth (by the harness's CPI stub) before the runtime's line; each
/// extra `invoke` brings an extra `success`. A real invocation is always one level deeper
/// than the current one, and a `success` or `failed` closes the invocation on top: the
/// lines that do neither are the extra ones. (Without this, every `invoke`/`success` is
/// doubled and Anchor's `EventParser` loses track of the stack.)
fn normalise_logs(logs: &[String]) -> Vec<String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut kept = Vec::with_capacity(logs.len());
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            kept.push(line.clone());
            continue;
        };
        let (program, event) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Some(depth) = event
            .strip_prefix("invoke [")
            .and_then(|depth| depth.strip_suffix(']'))
            .and_then(|depth| depth.parse::<usize>().ok())
        {
            if depth == stack.len() + 1 {
                stack.push(program);
                kept.push(line.clone());
            }
        } else if event == "success" || event.starts_with("failed") {
            if stack.last() == Some(&program) {
                stack.pop();
                kept.push(line.clone());
            }
        } else {
            kept.push(line.clone());
        }
    }
    kept
}

/// The compute-unit limit and price a message sets (`SetComputeUnitLimit`, tag 2;
/// `SetComputeUnitPrice`, tag 3): without a limit, 200 000 units per other instruction up
/// to 1 400 000; without a price, 0.
fn compute_budget(message: &VersionedMessage) -> (u64, u64) {
    let keys = message.static_account_keys();
    let budget = |instruction: &&solana_message::compiled_instruction::CompiledInstruction| {
        keys.get(usize::from(instruction.program_id_index)) == Some(&COMPUTE_BUDGET)
    };
    let (mut limit, mut price) = (None, 0);
    for instruction in message.instructions().iter().filter(budget) {
        match instruction.data.split_first() {
            Some((2, units)) => {
                limit = units.try_into().ok().map(u32::from_le_bytes).map(u64::from);
            }
            Some((3, micro_lamports)) => {
                price = micro_lamports.try_into().ok().map_or(0, u64::from_le_bytes);
            }
            _ => {}
        }
    }
    let others = message.instructions().iter().filter(|i| !budget(i)).count() as u64;
    let limit = limit.unwrap_or(200_000 * others).min(1_400_000);
    (limit, price)
}

/// What a message pays: 5 000 lamports per signature and the priority fee, its price
/// (micro-lamports per CU) times its limit, rounded up.
fn fee(message: &VersionedMessage) -> u64 {
    let (limit, price) = compute_budget(message);
    let priority = (u128::from(price) * u128::from(limit)).div_ceil(1_000_000);
    (5_000 * u64::from(message.header().num_required_signatures))
        .saturating_add(u64::try_from(priority).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::{normalise_logs, with_error_lines};

    fn lines(text: &str) -> Vec<String> {
        text.lines()
            .map(|line| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .collect()
    }

    #[test]
    fn the_native_harness_extra_log_lines_are_removed() {
        // A swap as the native runtime logs it: two token CPIs and the event self-CPI.
        let native = lines(
            "Program C invoke [1]
             Program C success
             Program H invoke [1]
             Program H invoke [1]
             Program T invoke [1]
             Program T invoke [2]
             Program log: Instruction: TransferChecked
             Program T consumed 6174 of 17809 compute units
             Program T success
             Program T success
             Program H invoke [1]
             Program H invoke [2]
             Program H invoke [2]
             Program H success
             Program H success
             Program H success
             Program H success
             Program H success",
        );
        let validator = lines(
            "Program C invoke [1]
             Program C success
             Program H invoke [1]
             Program T invoke [2]
             Program log: Instruction: TransferChecked
             Program T consumed 6174 of 17809 compute units
             Program T success
             Program H invoke [2]
             Program H success
             Program H success",
        );
        assert_eq!(normalise_logs(&native), validator);
        // A validator's log is left as it is.
        assert_eq!(normalise_logs(&validator), validator);
    }

    #[test]
    fn the_program_s_own_errors_get_anchor_s_line_back() {
        let program = homeostat::ID;
        let logs = lines(&format!(
            "Program {program} invoke [1]
             Program {program} failed: custom program error: 0x1781"
        ));
        assert_eq!(
            with_error_lines(logs.clone()),
            lines(&format!(
                "Program {program} invoke [1]
                 Program log: AnchorError occurred. Error Code: SlippageExceeded. Error Number: 6017. Error Message: {}.
                 Program {program} failed: custom program error: 0x1781",
                homeostat::errors::HomeostatError::SlippageExceeded
            ))
        );
        // Once only, and never for another program's code or another program.
        let restored = with_error_lines(logs);
        assert_eq!(with_error_lines(restored.clone()), restored);
        for foreign in [
            format!("Program {program} failed: custom program error: 0x1"),
            "Program T failed: custom program error: 0x1781".to_string(),
        ] {
            assert_eq!(with_error_lines(vec![foreign.clone()]), vec![foreign]);
        }
    }

    #[test]
    fn a_failure_closes_its_invocation_once() {
        let native = lines(
            "Program H invoke [1]
             Program H invoke [1]
             Program H failed: custom program error: 0x1781
             Program H failed: custom program error: 0x1781",
        );
        assert_eq!(
            normalise_logs(&native),
            lines(
                "Program H invoke [1]
                 Program H failed: custom program error: 0x1781"
            )
        );
    }
}
