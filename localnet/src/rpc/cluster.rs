//! The node as a cluster: `getHealth`, `getVersion`, `getGenesisHash`, `getIdentity`,
//! `getSlotLeader`, `getSlotLeaders`, `getClusterNodes`, `getBlockProduction`,
//! `getRecentPerformanceSamples`, `getStakeMinimumDelegation` and `getHighestSnapshotSlot`.
//! One node leads every slot and produced every block `blocks` serves (from slot 1).

use super::*;

/// Most leaders `getSlotLeaders` lists at once, as on a validator.
const MAX_SLOT_LEADERS: u64 = 5_000;
/// Most samples `getRecentPerformanceSamples` lists, as on a validator (12 hours).
const MAX_PERFORMANCE_SAMPLES: u64 = 720;
/// A validator's code for a snapshot it does not have.
const NO_SNAPSHOT: i64 = -32008;
/// The stake program and its `GetMinimumDelegation` instruction (bincode: variant 13).
const STAKE_PROGRAM: Pubkey =
    anchor_lang::prelude::pubkey!("Stake11111111111111111111111111111111111111");
const GET_MINIMUM_DELEGATION: [u8; 4] = [13, 0, 0, 0];

pub(super) const METHODS: &[&str] = &[
    "getHealth",
    "getVersion",
    "getGenesisHash",
    "getIdentity",
    "getSlotLeader",
    "getSlotLeaders",
    "getClusterNodes",
    "getBlockProduction",
    "getRecentPerformanceSamples",
    "getStakeMinimumDelegation",
    "getHighestSnapshotSlot",
];

pub(super) async fn call(node: &Node, method: &str, params: &Value) -> RpcResult {
    Ok(match method {
        "getHealth" => json!("ok"),
        "getVersion" => json!({ "solana-core": "3.1.12", "feature-set": 0 }),
        "getGenesisHash" => json!(node.genesis_hash),
        "getIdentity" => json!({ "identity": node.identity.to_string() }),
        "getSlotLeader" => json!(node.identity.to_string()),
        "getSlotLeaders" => slot_leaders(node, params)?,
        "getClusterNodes" => json!([{
            "pubkey": node.identity.to_string(),
            "gossip": null,
            "tpu": null,
            "rpc": node.rpc_address,
            "version": "3.1.12",
            "featureSet": 0,
            "shredVersion": 0,
        }]),
        "getBlockProduction" => block_production(node, &params[0])?,
        "getRecentPerformanceSamples" => performance_samples(node, &params[0]).await?,
        "getStakeMinimumDelegation" => node.with_context(json!(minimum_delegation(node).await?)),
        // No snapshots are taken: a validator without one answers this.
        "getHighestSnapshotSlot" => return Err(RpcError::new(NO_SNAPSHOT, "No snapshot")),
        other => return Err(RpcError::method_not_found(other)),
    })
}

/// `getSlotLeaders(start, limit)`: this node, for each of `limit` slots.
fn slot_leaders(node: &Node, params: &Value) -> RpcResult {
    let count = |index: usize, what: &str| {
        params[index]
            .as_u64()
            .ok_or_else(|| RpcError::invalid(format!("param {index}: expected {what}")))
    };
    // Checked, though every slot has the same leader.
    count(0, "a slot")?;
    let limit = count(1, "a limit")?;
    if limit > MAX_SLOT_LEADERS {
        return Err(RpcError::invalid(format!(
            "Invalid limit; max {MAX_SLOT_LEADERS}"
        )));
    }
    let leader = node.identity.to_string();
    Ok(json!(std::iter::repeat_n(
        leader,
        usize::try_from(limit).unwrap_or(0)
    )
    .collect::<Vec<_>>()))
}

/// `getBlockProduction`: this node's leader slots and blocks over `range` (default: the
/// epoch so far), or none for another `identity`.
fn block_production(node: &Node, config: &Value) -> RpcResult {
    let now = node.slot();
    let slot = |field: &str, default: u64| match &config["range"][field] {
        Value::Null => Ok(default),
        given => given
            .as_u64()
            .ok_or_else(|| RpcError::invalid(format!("range.{field}: expected a slot"))),
    };
    let epoch_start = now.saturating_sub(now % blocks::SLOTS_PER_EPOCH);
    let first = slot("firstSlot", epoch_start)?;
    let last = slot("lastSlot", now)?;
    if last < first {
        return Err(RpcError::invalid(format!(
            "lastSlot, {last}, cannot be less than firstSlot, {first}"
        )));
    }
    if last > now {
        return Err(RpcError::invalid(format!(
            "lastSlot, {last}, cannot be greater than current slot, {now}"
        )));
    }
    let identity = node.identity.to_string();
    let mut by_identity = serde_json::Map::new();
    if config["identity"].is_null() || config["identity"] == identity.as_str() {
        let leader_slots = last.saturating_sub(first).saturating_add(1);
        // Every slot's block but slot 0's: blocks start at 1 here.
        let produced = if last == 0 {
            0
        } else {
            last.saturating_sub(first.max(1)).saturating_add(1)
        };
        by_identity.insert(identity, json!([leader_slots, produced]));
    }
    Ok(node.with_context(json!({
        "byIdentity": by_identity,
        "range": { "firstSlot": first, "lastSlot": last },
    })))
}

/// `getRecentPerformanceSamples([limit])`: one sample per `Options::sample_period` (a
/// minute) of slots since the endpoint started, newest first — its last slot, its slots and
/// the transactions landed in them.
async fn performance_samples(node: &Node, limit: &Value) -> RpcResult {
    let limit = match limit {
        Value::Null => MAX_PERFORMANCE_SAMPLES,
        given => given
            .as_u64()
            .ok_or_else(|| RpcError::invalid("param 0: expected a limit"))?,
    };
    if limit > MAX_PERFORMANCE_SAMPLES {
        return Err(RpcError::invalid(format!(
            "Invalid limit; max {MAX_PERFORMANCE_SAMPLES}"
        )));
    }
    let slot_ms = node.options.slot_duration.as_millis().max(1);
    let period_secs = node.options.sample_period.as_secs();
    let per_sample = u64::try_from(node.options.sample_period.as_millis() / slot_ms)
        .unwrap_or(u64::MAX)
        .max(1);
    // Sample `i` covers slots i·per_sample + 1 ..= (i + 1)·per_sample; only whole ones.
    let whole = node.slot().saturating_sub(1) / per_sample;
    let mut landed: BTreeMap<u64, u64> = BTreeMap::new();
    for executed in node.history.lock().await.in_order() {
        let count = landed
            .entry(executed.slot.saturating_sub(1) / per_sample)
            .or_default();
        *count = count.saturating_add(1);
    }
    let samples: Vec<Value> = (0..whole)
        .rev()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|index| {
            let count = landed.get(&index).copied().unwrap_or(0);
            json!({
                "slot": index.saturating_add(1).saturating_mul(per_sample),
                "numSlots": per_sample,
                "numTransactions": count,
                "numNonVoteTransactions": count,
                "samplePeriodSecs": period_secs,
            })
        })
        .collect();
    Ok(json!(samples))
}

/// The least stake a delegation may hold, as the runtime's stake program says it
/// (`GetMinimumDelegation`'s return data, simulated with the runtime's payer).
async fn minimum_delegation(node: &Node) -> Result<u64, RpcError> {
    let instruction = anchor_lang::solana_program::instruction::Instruction::new_with_bytes(
        STAKE_PROGRAM,
        &GET_MINIMUM_DELEGATION,
        Vec::new(),
    );
    let blockhash = node
        .banks
        .get_latest_blockhash()
        .await
        .map_err(RpcError::internal)?;
    let message =
        solana_message::Message::new_with_blockhash(&[instruction], Some(&node.payer), &blockhash);
    let probe = VersionedTransaction {
        signatures: vec![Default::default()],
        message: VersionedMessage::Legacy(message),
    };
    let simulation = node
        .banks
        .simulate_transaction(probe)
        .await
        .map_err(RpcError::internal)?;
    simulation
        .simulation_details
        .and_then(|details| details.return_data)
        .and_then(|data| data.data.get(..8)?.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| RpcError::internal("the stake program returned no minimum delegation"))
}
