//! The in-process runtime behind a Solana JSON-RPC endpoint on loopback, so cluster clients
//! (the SDK's `rpc` feature, the `homeostat` CLI, the keeper's RPC event source) run
//! against the real program without a validator.
//!
//! It answers the subset of the JSON-RPC API those clients use — accounts, blockhashes,
//! sending and confirming transactions, and the transaction history the keeper reads:
//! `getAccountInfo`, `getMultipleAccounts`, `getBalance`, `getLatestBlockhash`,
//! `isBlockhashValid`, `getMinimumBalanceForRentExemption`, `getSlot`, `getVersion`,
//! `sendTransaction` (with preflight: a failing transaction is rejected with its logs, as
//! a validator does), `getSignatureStatuses`, `getSignaturesForAddress` and
//! `getTransaction` (JSON encoding, with inner instructions and logs).
//!
//! A sent transaction is first simulated — that is where its logs and inner instructions
//! come from, since the native runtime only reports those for simulations — then executed;
//! one lock makes the pair atomic with respect to other transactions sent here.

use std::collections::HashMap;
use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use solana_program_test::BanksClient;
use solana_transaction::{InstructionError, Transaction, TransactionError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// The clock sysvar.
pub const CLOCK: Pubkey =
    anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// JSON-RPC's code for a transaction rejected by preflight simulation.
const PREFLIGHT_FAILURE: i64 = -32002;
/// JSON-RPC's code for invalid parameters.
const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC's code for an unknown method.
const METHOD_NOT_FOUND: i64 = -32601;

/// A transaction that executed here.
struct Executed {
    slot: u64,
    transaction: Transaction,
    error: Option<Value>,
    logs: Vec<String>,
    /// Per top-level instruction index, its inner instructions as JSON.
    inner: Vec<Value>,
}

#[derive(Default)]
struct History {
    /// Signature → executed transaction.
    transactions: HashMap<String, Executed>,
    /// Address → signatures of the transactions that named it, oldest first.
    by_address: HashMap<Pubkey, Vec<String>>,
}

struct Node {
    banks: BanksClient,
    history: Mutex<History>,
}

type RpcResult = Result<Value, (i64, String, Value)>;

fn invalid(message: impl Into<String>) -> (i64, String, Value) {
    (INVALID_PARAMS, message.into(), Value::Null)
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
    async fn account(&self, address: Pubkey) -> Result<Value, (i64, String, Value)> {
        let account = self.banks.get_account(address).await.map_err(internal)?;
        Ok(match account {
            None => Value::Null,
            Some(account) => json!({
                "lamports": account.lamports,
                "data": [base64::engine::general_purpose::STANDARD.encode(&account.data), "base64"],
                "owner": account.owner.to_string(),
                "executable": account.executable,
                "rentEpoch": account.rent_epoch,
                "space": account.data.len(),
            }),
        })
    }

    async fn slot(&self) -> Result<u64, (i64, String, Value)> {
        self.banks.get_root_slot().await.map_err(internal)
    }

    async fn with_context(&self, value: Value) -> RpcResult {
        Ok(json!({ "context": { "slot": self.slot().await? }, "value": value }))
    }

    async fn handle(&self, method: &str, params: &Value) -> RpcResult {
        match method {
            "getAccountInfo" => {
                let account = self.account(pubkey_param(params, 0)?).await?;
                self.with_context(account).await
            }
            "getMultipleAccounts" => {
                let keys = params[0]
                    .as_array()
                    .ok_or_else(|| invalid("param 0: expected an array of keys"))?;
                let mut accounts = Vec::with_capacity(keys.len());
                for index in 0..keys.len() {
                    accounts.push(self.account(pubkey_param(&params[0], index)?).await?);
                }
                self.with_context(Value::Array(accounts)).await
            }
            "getBalance" => {
                let address = pubkey_param(params, 0)?;
                let lamports = self.banks.get_balance(address).await.map_err(internal)?;
                self.with_context(json!(lamports)).await
            }
            "getLatestBlockhash" => {
                let blockhash = self.banks.get_latest_blockhash().await.map_err(internal)?;
                let slot = self.slot().await?;
                self.with_context(json!({
                    "blockhash": blockhash.to_string(),
                    "lastValidBlockHeight": slot + 150,
                }))
                .await
            }
            "isBlockhashValid" => self.with_context(json!(true)).await,
            "getMinimumBalanceForRentExemption" => {
                let size = params[0]
                    .as_u64()
                    .ok_or_else(|| invalid("param 0: expected a size"))?;
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
                Ok(history
                    .transactions
                    .get(signature)
                    .map_or(Value::Null, |executed| {
                        transaction_json(signature, executed)
                    }))
            }
            other => Err((
                METHOD_NOT_FOUND,
                format!("Method not found: {other}"),
                Value::Null,
            )),
        }
    }

    async fn send_transaction(&self, params: &Value) -> RpcResult {
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
        let transaction: Transaction = bincode::deserialize(&bytes)
            .map_err(|error| invalid(format!("not a legacy transaction: {error}")))?;
        let signature = transaction.signatures[0].to_string();

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
                    details.logs,
                    details.units_consumed,
                    details.inner_instructions.unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        if let Some(Err(error)) = simulation.result {
            let data = json!({
                "err": error_json(&error),
                "logs": logs,
                "unitsConsumed": units_consumed,
            });
            return Err((
                PREFLIGHT_FAILURE,
                format!("Transaction simulation failed: {error}"),
                data,
            ));
        }
        // On the working bank directly (see `Runtime::send`: no status polling).
        let outcome = match self
            .banks
            .process_transaction_with_metadata(transaction.clone())
            .await
        {
            Ok(executed) => executed.result.err().map(|error| error_json(&error)),
            Err(error) => Some(json!(error.to_string())),
        };
        let inner = inner_instructions
            .into_iter()
            .enumerate()
            .filter(|(_, inner)| !inner.is_empty())
            .map(|(index, inner)| {
                let instructions: Vec<Value> = inner
                    .iter()
                    .map(|entry| {
                        json!({
                            "programIdIndex": entry.instruction.program_id_index,
                            "accounts": entry.instruction.accounts,
                            "data": bs58::encode(&entry.instruction.data).into_string(),
                            "stackHeight": entry.stack_height,
                        })
                    })
                    .collect();
                json!({ "index": index, "instructions": instructions })
            })
            .collect();
        let slot = self.slot().await?;
        for key in &transaction.message.account_keys {
            history
                .by_address
                .entry(*key)
                .or_default()
                .push(signature.clone());
        }
        history.transactions.insert(
            signature.clone(),
            Executed {
                slot,
                transaction,
                error: outcome,
                logs,
                inner,
            },
        );
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

fn transaction_json(signature: &str, executed: &Executed) -> Value {
    let message = &executed.transaction.message;
    let instructions: Vec<Value> = message
        .instructions
        .iter()
        .map(|instruction| {
            json!({
                "programIdIndex": instruction.program_id_index,
                "accounts": instruction.accounts,
                "data": bs58::encode(&instruction.data).into_string(),
                "stackHeight": null,
            })
        })
        .collect();
    let status = match &executed.error {
        None => json!({ "Ok": null }),
        Some(error) => json!({ "Err": error }),
    };
    json!({
        "slot": executed.slot,
        "blockTime": null,
        "transaction": {
            "signatures": [signature],
            "message": {
                "accountKeys": message.account_keys.iter().map(Pubkey::to_string).collect::<Vec<_>>(),
                "header": {
                    "numRequiredSignatures": message.header.num_required_signatures,
                    "numReadonlySignedAccounts": message.header.num_readonly_signed_accounts,
                    "numReadonlyUnsignedAccounts": message.header.num_readonly_unsigned_accounts,
                },
                "recentBlockhash": message.recent_blockhash.to_string(),
                "instructions": instructions,
            },
        },
        "meta": {
            "err": executed.error,
            "status": status,
            "fee": 5_000,
            "preBalances": [],
            "postBalances": [],
            "innerInstructions": executed.inner,
            "logMessages": executed.logs,
        },
    })
}

/// Serves the runtime behind `banks` on `127.0.0.1` until the tokio runtime it was started
/// on shuts down; returns the URL.
pub async fn serve(banks: BanksClient) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let node = Arc::new(Node {
        banks,
        history: Mutex::default(),
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(connection(Arc::clone(&node), stream));
        }
    });
    url
}

/// One keep-alive HTTP/1.1 connection: a JSON-RPC request per POST.
async fn connection(node: Arc<Node>, stream: tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let response = match serde_json::from_slice::<Value>(&body) {
            Err(error) => json!({
                "jsonrpc": "2.0", "id": null,
                "error": { "code": -32700, "message": format!("Parse error: {error}") },
            }),
            Ok(request) => {
                let method = request["method"].as_str().unwrap_or_default();
                match node.handle(method, &request["params"]).await {
                    Ok(result) => {
                        json!({ "jsonrpc": "2.0", "id": request["id"], "result": result })
                    }
                    Err((code, message, data)) => json!({
                        "jsonrpc": "2.0", "id": request["id"],
                        "error": { "code": code, "message": message, "data": data },
                    }),
                }
            }
        }
        .to_string();
        // One write per response: head and body in separate segments would meet the
        // client's delayed ACK (~40 ms a request).
        let message = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{response}",
            response.len()
        );
        if writer.write_all(message.as_bytes()).await.is_err() {
            return;
        }
    }
}
