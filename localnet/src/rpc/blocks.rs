//! Slots, blocks and blockhashes: `getSlot`, `getBlockHeight`, `getEpochInfo`,
//! `getEpochSchedule`, `getLatestBlockhash`, `isBlockhashValid`, `getBlock`,
//! `getBlockTime`, `getBlocks`, `getBlocksWithLimit`, `getFirstAvailableBlock`,
//! `minimumLedgerSlot`, `getMaxRetransmitSlot`, `getMaxShredInsertSlot` and
//! `getTransactionCount`. One block per slot from slot 1, every one finalized when its
//! slot has begun; a block's hash is derived from its slot (the runtime has none per slot).

use super::*;

/// Slots in an epoch, as on mainnet (one epoch: the endpoint never leaves epoch 0 in
/// practice).
pub(super) const SLOTS_PER_EPOCH: u64 = 432_000;
/// Largest slot range `getBlocks` and `getBlocksWithLimit` answer, as on a validator.
const MAX_BLOCK_RANGE: u64 = 500_000;

pub(super) const METHODS: &[&str] = &[
    "getSlot",
    "getBlockHeight",
    "getEpochInfo",
    "getEpochSchedule",
    "getLatestBlockhash",
    "isBlockhashValid",
    "getBlock",
    "getBlockTime",
    "getBlocks",
    "getBlocksWithLimit",
    "getFirstAvailableBlock",
    "minimumLedgerSlot",
    "getMaxRetransmitSlot",
    "getMaxShredInsertSlot",
    "getTransactionCount",
];

pub(super) async fn call(node: &Node, method: &str, params: &Value) -> RpcResult {
    match method {
        "getSlot" | "getBlockHeight" | "getMaxRetransmitSlot" | "getMaxShredInsertSlot" => {
            Ok(json!(node.slot()))
        }
        "getFirstAvailableBlock" | "minimumLedgerSlot" => Ok(json!(1)),
        "getTransactionCount" => Ok(json!(node.history.lock().await.order.len())),
        "getEpochInfo" => {
            let slot = node.slot();
            let count = node.history.lock().await.order.len();
            Ok(json!({
                "absoluteSlot": slot,
                "blockHeight": slot,
                "epoch": slot / SLOTS_PER_EPOCH,
                "slotIndex": slot % SLOTS_PER_EPOCH,
                "slotsInEpoch": SLOTS_PER_EPOCH,
                "transactionCount": count,
            }))
        }
        "getEpochSchedule" => Ok(json!({
            "slotsPerEpoch": SLOTS_PER_EPOCH,
            "leaderScheduleSlotOffset": SLOTS_PER_EPOCH,
            "warmup": false,
            "firstNormalEpoch": 0,
            "firstNormalSlot": 0,
        })),
        "getLatestBlockhash" => {
            let (blockhash, last_valid) = node.latest_blockhash().await?;
            Ok(node.with_context(json!({
                "blockhash": blockhash,
                "lastValidBlockHeight": last_valid,
            })))
        }
        "isBlockhashValid" => {
            let blockhash = params[0]
                .as_str()
                .ok_or_else(|| RpcError::invalid("param 0: expected a blockhash"))?;
            Ok(node.with_context(json!(node.blockhash_valid(blockhash).await?)))
        }
        "getBlock" => block(node, params).await,
        "getBlockTime" => {
            let slot = finalized(node, &params[0])?;
            Ok(json!(node.block_time(slot).await?))
        }
        "getBlocks" => {
            let start = slot_param(&params[0], 0)?;
            let end = match &params[1] {
                Value::Null | Value::Object(_) => node.slot(),
                given => slot_param(given, 1)?,
            };
            blocks(node, start, end)
        }
        "getBlocksWithLimit" => {
            let start = slot_param(&params[0], 0)?;
            let limit = slot_param(&params[1], 1)?;
            if limit > MAX_BLOCK_RANGE {
                return Err(RpcError::invalid(format!(
                    "Limit too large; max {MAX_BLOCK_RANGE}"
                )));
            }
            blocks(node, start, start.saturating_add(limit).saturating_sub(1))
        }
        other => Err(RpcError::method_not_found(other)),
    }
}

/// A slot number in `param` (position `index`).
fn slot_param(param: &Value, index: usize) -> Result<u64, RpcError> {
    param
        .as_u64()
        .ok_or_else(|| RpcError::invalid(format!("param {index}: expected a slot")))
}

/// The slot in `param`, which must have a block: from 1 to the current slot.
fn finalized(node: &Node, param: &Value) -> Result<u64, RpcError> {
    let slot = slot_param(param, 0)?;
    if slot == 0 || slot > node.slot() {
        return Err(RpcError::new(
            BLOCK_NOT_AVAILABLE,
            format!("Block not available for slot {slot}"),
        ));
    }
    Ok(slot)
}

/// The slots with a block from `start` to `end` (both included, at most the current one).
fn blocks(node: &Node, start: u64, end: u64) -> RpcResult {
    if end.saturating_sub(start) > MAX_BLOCK_RANGE {
        return Err(RpcError::invalid(format!(
            "Slot range too large; max {MAX_BLOCK_RANGE}"
        )));
    }
    let end = end.min(node.slot());
    Ok(json!((start.max(1)..=end).collect::<Vec<u64>>()))
}

/// The hash of `slot`'s block: a tag and the slot (base 58, as any hash), since the
/// runtime's blockhashes do not follow the endpoint's slots.
fn block_hash(slot: u64) -> String {
    let mut bytes = [0u8; 32];
    bytes[..24].copy_from_slice(b"homeostat-localnet-block");
    bytes[24..].copy_from_slice(&slot.to_le_bytes());
    bs58::encode(bytes).into_string()
}

/// `getBlock`: the block of `params[0]` with its transactions in `transactionDetails`
/// (`full`, the default, `signatures` or `none`) and the encoding asked for.
async fn block(node: &Node, params: &Value) -> RpcResult {
    let slot = finalized(node, &params[0])?;
    let options = &params[1];
    let block_time = node.block_time(slot).await?;
    let details = options["transactionDetails"].as_str().unwrap_or("full");
    let history = node.history.lock().await;
    let executed: Vec<(&String, &Executed)> = history
        .order
        .iter()
        .filter_map(|signature| Some((signature, history.transactions.get(signature)?)))
        .filter(|(_, executed)| executed.slot == slot)
        .collect();
    let mut result = json!({
        "blockhash": block_hash(slot),
        "previousBlockhash": block_hash(slot.saturating_sub(1)),
        "parentSlot": slot.saturating_sub(1),
        "blockHeight": slot,
        "blockTime": block_time,
    });
    match details {
        "full" => {
            let mut transactions = Vec::with_capacity(executed.len());
            for (_, executed) in &executed {
                let mut entry = transactions::transaction_json(executed, options, block_time)?;
                if let Some(entry) = entry.as_object_mut() {
                    entry.remove("slot");
                    entry.remove("blockTime");
                }
                transactions.push(entry);
            }
            result["transactions"] = json!(transactions);
        }
        "signatures" => {
            result["signatures"] = json!(executed
                .iter()
                .map(|(signature, _)| signature)
                .collect::<Vec<_>>());
        }
        "none" => {}
        other => {
            return Err(RpcError::invalid(format!(
                "transactionDetails `{other}`: expected full, signatures or none"
            )))
        }
    }
    if options["rewards"].as_bool() != Some(false) {
        result["rewards"] = json!([]);
    }
    Ok(result)
}
