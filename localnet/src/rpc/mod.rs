//! The in-process runtime behind a Solana JSON-RPC endpoint on loopback, so cluster clients
//! (the SDK's `rpc` feature, the `homeostat` CLI, the keeper's RPC event source, web3.js,
//! Kit) run against the real program without a validator. docs/localnet.md lists what it
//! answers and where it differs from a validator.
//!
//! One module per job: `http` (HTTP/1.1, its limits and timeouts), `pubsub` (the
//! websocket), `dispatch` (request → method family → answer), the families — `accounts`,
//! `blocks`, `send` (sending, simulating, statuses), `tokens`, `fees`, `cluster` (the node
//! itself: identity, leaders, production, performance) — `node` (the state they share:
//! slots, blockhashes, accounts), `transactions` (a transaction's JSON), `logs` (logs as a
//! validator writes them) and `error` (the one error type).
//!
//! Its slots pass with wall time (`Options::slot_duration`, 400 ms by default — Solana's
//! target), one block per slot. `Faults` lets a test drop sends.

mod accounts;
mod blocks;
mod cluster;
mod dispatch;
mod error;
mod fees;
mod http;
mod logs;
mod node;
mod pubsub;
mod send;
mod tokens;
mod transactions;

pub use dispatch::methods;
pub use error::RpcError;
pub use http::{exchange_blocking, post_blocking, MAX_BODY, MAX_HEAD};

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use base64::Engine;
use error::*;
use serde_json::{json, Value};
use solana_message::inner_instruction::InnerInstructions;
use solana_message::v0::{LoadedAddresses, LoadedMessage};
use solana_message::VersionedMessage;
use solana_program_test::{BanksClient, ProgramTestContext};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::{InstructionError, TransactionError};
use tokio::net::TcpListener;
use tokio::sync::{watch, Mutex};

/// A transaction that landed here.
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
    /// Signature → landed transaction.
    transactions: HashMap<String, Executed>,
    /// Address → signatures of the transactions that named it, oldest first.
    by_address: HashMap<Pubkey, Vec<String>>,
    /// Blockhash → the block height at which this endpoint first handed it out.
    issued: HashMap<String, u64>,
    /// Signatures in execution order.
    order: Vec<String>,
    /// Slot → the runtime's unix time when a transaction first landed in it (its block
    /// time).
    times: BTreeMap<u64, i64>,
}

impl History {
    /// Records `executed`, which landed at the runtime's unix time `time`.
    fn record(&mut self, signature: String, time: i64, executed: Executed) {
        for key in &executed.accounts.keys {
            self.by_address
                .entry(*key)
                .or_default()
                .push(signature.clone());
        }
        self.times.entry(executed.slot).or_insert(time);
        self.order.push(signature.clone());
        self.transactions.insert(signature, executed);
    }

    /// The landed transactions in execution order.
    fn in_order(&self) -> impl Iterator<Item = &Executed> {
        self.order
            .iter()
            .filter_map(|signature| self.transactions.get(signature))
    }
}

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
    /// The wall time one `getRecentPerformanceSamples` sample covers.
    pub sample_period: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            slot_duration: Duration::from_millis(400),
            port: 0,
            max_connections: 256,
            idle_timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(10),
            // A validator's: a sample a minute.
            sample_period: Duration::from_secs(60),
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
    /// How many transactions have landed: what websocket connections wait on.
    executed: watch::Sender<usize>,
    /// The node's identity (`getIdentity`, `getSlotLeader`).
    identity: Pubkey,
    /// The runtime's funded payer: the fee payer of the endpoint's own simulations.
    payer: Pubkey,
    /// `127.0.0.1:<port>` (`getClusterNodes`).
    rpc_address: String,
}

impl Endpoint {
    /// The endpoint's current slot (= block height): what a harness writes into the clock
    /// sysvar so that programs see the slot clients see.
    pub fn slot(&self) -> u64 {
        self.node.slot()
    }
}

/// `params[index]` as a public key.
fn pubkey_param<I>(params: &Value, index: I) -> Result<Pubkey, RpcError>
where
    I: serde_json::value::Index + std::fmt::Display + Copy,
{
    params[index]
        .as_str()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| RpcError::invalid(format!("param {index}: expected a base-58 public key")))
}

/// A transaction error as validators serialise it (`{"InstructionError":[0,{"Custom":6003}]}`,
/// or the variant's name).
fn error_json(error: &TransactionError) -> Value {
    match error {
        TransactionError::InstructionError(index, inner) => {
            let inner = match inner {
                InstructionError::Custom(code) => json!({ "Custom": code }),
                other => json!(format!("{other:?}")),
            };
            json!({ "InstructionError": [index, inner] })
        }
        other => json!(format!("{other:?}")),
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
    let address = listener.local_addr()?;
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
        executed: watch::Sender::new(0),
        identity: solana_signer::Signer::pubkey(&solana_keypair::Keypair::new()),
        payer: solana_signer::Signer::pubkey(&context.payer),
        rpc_address: address.to_string(),
    });
    tokio::spawn(pubsub::serve(Arc::clone(&node), ws_listener));
    tokio::spawn(http::accept(listener, Arc::clone(&node)));
    Ok(Endpoint {
        url: format!("http://{address}"),
        ws_url,
        faults,
        node,
    })
}
