//! Transactions: `sendTransaction`, `simulateTransaction`, `requestAirdrop`,
//! `getSignatureStatuses`, `getSignaturesForAddress` and `getTransaction`.
//!
//! A sent transaction is first simulated — that is where its logs and inner instructions
//! come from, since the native runtime only reports those for simulations — then executed;
//! one lock makes the pair atomic with respect to other transactions sent here. As on a
//! cluster, a transaction lands (is recorded, charged its fee, and its signature gets a
//! status) when it executes, whether its instructions succeed or fail; one the runtime
//! refuses before executing it — blockhash expired, fee payer missing or unable to pay,
//! already processed — never lands: preflight reports why, and under `skipPreflight` its
//! signature is answered and never gets a status.

use super::*;

/// Most signatures `getSignatureStatuses` takes, as on a validator.
const MAX_SIGNATURE_STATUSES: usize = 256;
/// Most signatures `getSignaturesForAddress` lists, as on a validator.
const MAX_SIGNATURES_FOR_ADDRESS: u64 = 1_000;

pub(super) const METHODS: &[&str] = &[
    "sendTransaction",
    "simulateTransaction",
    "requestAirdrop",
    "getSignatureStatuses",
    "getSignaturesForAddress",
    "getTransaction",
];

pub(super) async fn call(node: &Node, method: &str, params: &Value) -> RpcResult {
    match method {
        "sendTransaction" => send_transaction(node, params).await,
        "simulateTransaction" => simulate(node, params).await,
        "requestAirdrop" => airdrop(node, params).await,
        "getSignatureStatuses" => signature_statuses(node, params).await,
        "getSignaturesForAddress" => signatures_for_address(node, params).await,
        "getTransaction" => {
            let signature = params[0]
                .as_str()
                .ok_or_else(|| RpcError::invalid("param 0: expected a signature"))?;
            let history = node.history.lock().await;
            match history.transactions.get(signature) {
                None => Ok(Value::Null),
                Some(executed) => {
                    let time = history.times.get(&executed.slot).copied();
                    transactions::transaction_json(executed, &params[1], time.unwrap_or(0))
                }
            }
        }
        other => Err(RpcError::method_not_found(other)),
    }
}

/// The transaction in `params[0]` — legacy or v0 — encoded as `params[1].encoding` says
/// (base-58 unless `base64`).
fn decode_transaction(params: &Value) -> Result<VersionedTransaction, RpcError> {
    let encoded = params[0]
        .as_str()
        .ok_or_else(|| RpcError::invalid("param 0: expected an encoded transaction"))?;
    let bytes = match params[1]["encoding"].as_str() {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|error| RpcError::invalid(format!("base64: {error}")))?,
        _ => bs58::decode(encoded)
            .into_vec()
            .map_err(|error| RpcError::invalid(format!("base58: {error}")))?,
    };
    bincode::deserialize(&bytes)
        .map_err(|error| RpcError::invalid(format!("not a transaction (legacy or v0): {error}")))
}

/// `simulateTransaction`: nothing is committed.
async fn simulate(node: &Node, params: &Value) -> RpcResult {
    let mut transaction = decode_transaction(params)?;
    let resolved = node
        .resolve(&transaction.message)
        .await
        .map_err(RpcError::unloadable)?;
    let options = &params[1];
    if options["sigVerify"].as_bool() == Some(true)
        && !transaction.verify_with_results().iter().all(|valid| *valid)
    {
        return Err(RpcError::invalid(
            "Transaction signature verification failure",
        ));
    }
    let mut replacement = Value::Null;
    if options["replaceRecentBlockhash"].as_bool() == Some(true) {
        let (blockhash, last_valid) = node.latest_blockhash().await?;
        transaction
            .message
            .set_recent_blockhash(blockhash.parse().map_err(RpcError::internal)?);
        replacement = json!({ "blockhash": blockhash, "lastValidBlockHeight": last_valid });
    }
    let simulation = node
        .banks
        .simulate_transaction(transaction)
        .await
        .map_err(RpcError::internal)?;
    let failed = matches!(simulation.result, Some(Err(_)));
    let accounts = simulated_accounts(node, &options["accounts"], &resolved, failed).await?;
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
    Ok(node.with_context(json!({
        "err": error,
        "logs": details.as_ref().map(|details| logs::validator_logs(&details.logs)),
        "accounts": accounts,
        "unitsConsumed": details.as_ref().map(|details| details.units_consumed),
        "returnData": null,
        "innerInstructions": inner,
        "replacementBlockhash": replacement,
    })))
}

/// `simulateTransaction`'s `accounts` (`{addresses, encoding}`): each account after the
/// simulation, `null` for each when it failed, as on a validator. The runtime does not
/// return the accounts a simulation wrote, so an address the transaction writes is refused
/// by name; any other account is the same after as now.
async fn simulated_accounts(
    node: &Node,
    config: &Value,
    resolved: &Resolved,
    failed: bool,
) -> RpcResult {
    if config.is_null() {
        return Ok(Value::Null);
    }
    let addresses = config["addresses"]
        .as_array()
        .ok_or_else(|| RpcError::invalid("accounts.addresses: expected an array of addresses"))?;
    let encoding = config["encoding"].as_str().unwrap_or("base64");
    if matches!(encoding, "binary" | "base58") {
        return Err(RpcError::invalid("base58 encoding not supported"));
    }
    if addresses.len() > resolved.keys.len() {
        return Err(RpcError::invalid(format!(
            "Too many accounts provided; max {}",
            resolved.keys.len()
        )));
    }
    let options = json!({ "encoding": encoding });
    let mut accounts = Vec::with_capacity(addresses.len());
    for index in 0..addresses.len() {
        let address = pubkey_param(&config["addresses"], index)?;
        if failed {
            accounts.push(Value::Null);
            continue;
        }
        let written = resolved
            .keys
            .iter()
            .zip(&resolved.writable)
            .any(|(key, writable)| *key == address && *writable);
        if written {
            return Err(RpcError::invalid(format!(
                "accounts: {address} is written by the transaction, and this endpoint cannot \
                 show an account after a simulation (its runtime does not return them); ask \
                 for the accounts it only reads, or send it"
            )));
        }
        accounts.push(node.account(address, &options).await?);
    }
    Ok(json!(accounts))
}

/// `requestAirdrop`: a transfer from the faucet, sent like any transaction.
async fn airdrop(node: &Node, params: &Value) -> RpcResult {
    let to = pubkey_param(params, 0)?;
    let lamports = params[1]
        .as_u64()
        .ok_or_else(|| RpcError::invalid("param 1: expected lamports"))?;
    let faucet = node.faucet.lock().await;
    let faucet = faucet
        .as_ref()
        .ok_or_else(|| RpcError::invalid("requestAirdrop: this endpoint has no faucet"))?;
    let blockhash = node
        .banks
        .get_latest_blockhash()
        .await
        .map_err(RpcError::internal)?;
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
        .encode(bincode::serialize(&transfer).map_err(RpcError::internal)?);
    send_transaction(node, &json!([encoded, { "encoding": "base64" }])).await
}

/// `sendTransaction`: checked as a validator checks it, simulated (preflight unless
/// `skipPreflight`), executed, and recorded if it landed.
async fn send_transaction(node: &Node, params: &Value) -> RpcResult {
    let transaction = decode_transaction(params)?;
    let signature = transaction
        .signatures
        .first()
        .ok_or_else(|| RpcError::invalid("the transaction has no signature"))?
        .to_string();
    let skip_preflight = params[1]["skipPreflight"].as_bool() == Some(true);
    // A validator resolves the lookup tables when it sanitises the transaction, before
    // any preflight: an unloadable one is invalid whatever `skipPreflight` says.
    let accounts = node
        .resolve(&transaction.message)
        .await
        .map_err(RpcError::unloadable)?;
    if node.faults.take_drop() {
        return Ok(json!(signature));
    }
    let blockhash = transaction.message.recent_blockhash().to_string();
    if node.blockhash_expired(&blockhash).await {
        // A leader never sees it; preflight says why.
        return dropped(
            signature,
            skip_preflight,
            &TransactionError::BlockhashNotFound,
            &[],
            0,
        );
    }
    let mut history = node.history.lock().await;
    let simulation = node
        .banks
        .simulate_transaction(transaction.clone())
        .await
        .map_err(RpcError::internal)?;
    let (logs, simulated_units, inner) = simulation
        .simulation_details
        .map(|details| {
            (
                logs::validator_logs(&details.logs),
                details.units_consumed,
                details.inner_instructions.unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    if let (Some(Err(error)), false) = (&simulation.result, skip_preflight) {
        return Err(RpcError::preflight(error, &logs, simulated_units));
    }
    let before = node.snapshot(&accounts.keys).await?;
    // On the working bank directly (see `Runtime::send`: no status polling).
    let executed = node
        .banks
        .process_transaction_with_metadata(transaction.clone())
        .await
        .map_err(RpcError::internal)?;
    let Some(metadata) = executed.metadata else {
        // Refused before executing: nothing changed, no fee, no status.
        let error = executed
            .result
            .err()
            .unwrap_or(TransactionError::BlockhashNotFound);
        return dropped(signature, skip_preflight, &error, &logs, 0);
    };
    let after = node.snapshot(&accounts.keys).await?;
    let named: Vec<&solana_account::Account> = before.iter().chain(&after).flatten().collect();
    let decimals = node.mint_decimals(&named).await?;
    let slot = node.slot();
    let time = node.clock().await?.unix_timestamp;
    let keys = accounts.keys.clone();
    history.record(
        signature.clone(),
        time,
        Executed {
            slot,
            price: fees::compute_budget(&transaction.message).1,
            transaction,
            accounts,
            error: executed.result.err().map(|error| error_json(&error)),
            units: metadata.compute_units_consumed,
            logs,
            inner,
            before,
            after,
            decimals,
        },
    );
    let count = history.order.len();
    drop(history);
    node.known.lock().await.extend(keys);
    node.executed.send_replace(count);
    Ok(json!(signature))
}

/// A transaction that will not land: under `skipPreflight` its signature, as a validator
/// answers before a leader drops it; otherwise preflight's error.
fn dropped(
    signature: String,
    skip_preflight: bool,
    error: &TransactionError,
    logs: &[String],
    units: u64,
) -> RpcResult {
    if skip_preflight {
        Ok(json!(signature))
    } else {
        Err(RpcError::preflight(error, logs, units))
    }
}

/// `getSignatureStatuses`: each landed transaction's slot and error, `null` for others.
async fn signature_statuses(node: &Node, params: &Value) -> RpcResult {
    let signatures = params[0]
        .as_array()
        .ok_or_else(|| RpcError::invalid("param 0: expected an array of signatures"))?;
    if signatures.len() > MAX_SIGNATURE_STATUSES {
        return Err(RpcError::invalid(format!(
            "Too many inputs provided; max {MAX_SIGNATURE_STATUSES}"
        )));
    }
    let history = node.history.lock().await;
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
    Ok(node.with_context(Value::Array(statuses)))
}

/// Newest first, at most `limit` (1 000), strictly older than `before` and newer than
/// `until`.
async fn signatures_for_address(node: &Node, params: &Value) -> RpcResult {
    let address = pubkey_param(params, 0)?;
    let options = &params[1];
    let limit = options["limit"]
        .as_u64()
        .unwrap_or(MAX_SIGNATURES_FOR_ADDRESS);
    if limit == 0 || limit > MAX_SIGNATURES_FOR_ADDRESS {
        return Err(RpcError::invalid(format!(
            "Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}"
        )));
    }
    let history = node.history.lock().await;
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
            .ok_or_else(|| RpcError::invalid("`before`: unknown signature"))?;
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
    newest_first.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let mut listed = Vec::with_capacity(newest_first.len());
    for signature in newest_first {
        let Some(executed) = history.transactions.get(signature.as_str()) else {
            continue;
        };
        listed.push(json!({
            "signature": signature,
            "slot": executed.slot,
            "err": executed.error,
            "memo": null,
            "blockTime": history.times.get(&executed.slot),
            "confirmationStatus": "finalized",
        }));
    }
    Ok(Value::Array(listed))
}
