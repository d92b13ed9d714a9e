//! Fees: `getFeeForMessage`, `getRecentPrioritizationFees`, and what a message pays.

use super::*;

/// The compute-budget program.
const COMPUTE_BUDGET: Pubkey =
    anchor_lang::prelude::pubkey!("ComputeBudget111111111111111111111111111111");

/// Lamports per signature.
const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

/// Slots `getRecentPrioritizationFees` covers, as a validator's cache does.
const RECENT_FEE_SLOTS: u64 = 150;

pub(super) const METHODS: &[&str] = &["getFeeForMessage", "getRecentPrioritizationFees"];

pub(super) async fn call(node: &Node, method: &str, params: &Value) -> RpcResult {
    match method {
        "getFeeForMessage" => fee_for_message(node, params).await,
        "getRecentPrioritizationFees" => recent_fees(node, params).await,
        other => Err(RpcError::method_not_found(other)),
    }
}

/// The fee of the base-64 message in `params[0]`; `null`, as on a validator, when its
/// blockhash is no longer (or never was) valid.
async fn fee_for_message(node: &Node, params: &Value) -> RpcResult {
    let encoded = params[0]
        .as_str()
        .ok_or_else(|| RpcError::invalid("param 0: expected a base-64 message"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|error| RpcError::invalid(format!("base64: {error}")))?;
    let message: VersionedMessage = bincode::deserialize(&bytes)
        .map_err(|error| RpcError::invalid(format!("not a message: {error}")))?;
    let blockhash = message.recent_blockhash().to_string();
    let fee = if node.blockhash_valid(&blockhash).await? {
        json!(fee(&message))
    } else {
        Value::Null
    };
    Ok(node.with_context(fee))
}

/// Per slot with transactions writing any of `params[0]`'s addresses (any transaction
/// without addresses), the least compute-unit price paid; one entry for each of the last
/// 150 slots, 0 where nobody paid, as a validator's cache answers.
async fn recent_fees(node: &Node, params: &Value) -> RpcResult {
    let addresses: Vec<Pubkey> = match params[0].as_array() {
        None => Vec::new(),
        Some(keys) => (0..keys.len())
            .map(|index| pubkey_param(&params[0], index))
            .collect::<Result<_, _>>()?,
    };
    let now = node.slot();
    let first = now.saturating_sub(RECENT_FEE_SLOTS - 1);
    let history = node.history.lock().await;
    let mut by_slot: std::collections::BTreeMap<u64, u64> = Default::default();
    for executed in history.in_order() {
        let accounts = &executed.accounts;
        let writes = |key: &Pubkey| {
            accounts
                .keys
                .iter()
                .position(|named| named == key)
                .is_some_and(|index| accounts.writable[index])
        };
        if executed.slot < first || !(addresses.is_empty() || addresses.iter().any(writes)) {
            continue;
        }
        let least = by_slot.entry(executed.slot).or_insert(executed.price);
        *least = (*least).min(executed.price);
    }
    Ok(Value::Array(
        (first..=now)
            .map(|slot| {
                let fee = by_slot.get(&slot).copied().unwrap_or(0);
                json!({ "slot": slot, "prioritizationFee": fee })
            })
            .collect(),
    ))
}

/// The compute-unit limit and price a message sets (`SetComputeUnitLimit`, tag 2;
/// `SetComputeUnitPrice`, tag 3): without a limit, 200 000 units per other instruction up
/// to 1 400 000; without a price, 0.
pub(super) fn compute_budget(message: &VersionedMessage) -> (u64, u64) {
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
    let others = message.instructions().iter().filter(|i| !budget(i)).count();
    let default = u64::try_from(others)
        .unwrap_or(u64::MAX)
        .saturating_mul(200_000);
    (limit.unwrap_or(default).min(1_400_000), price)
}

/// What a message pays: 5 000 lamports per signature and the priority fee, its price
/// (micro-lamports per CU) times its limit, rounded up — saturating, since a price is any
/// `u64` a client writes.
pub(super) fn fee(message: &VersionedMessage) -> u64 {
    let (limit, price) = compute_budget(message);
    let priority = (u128::from(price) * u128::from(limit)).div_ceil(1_000_000);
    LAMPORTS_PER_SIGNATURE
        .saturating_mul(u64::from(message.header().num_required_signatures))
        .saturating_add(u64::try_from(priority).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_compute_budget_interface::ComputeBudgetInstruction;

    fn message(
        instructions: &[anchor_lang::solana_program::instruction::Instruction],
    ) -> VersionedMessage {
        let payer = Pubkey::new_unique();
        VersionedMessage::Legacy(solana_message::Message::new(instructions, Some(&payer)))
    }

    #[test]
    fn a_fee_at_the_largest_price_saturates() {
        let greedy = message(&[
            ComputeBudgetInstruction::set_compute_unit_limit(1_400_000),
            ComputeBudgetInstruction::set_compute_unit_price(u64::MAX),
        ]);
        assert_eq!(fee(&greedy), u64::MAX);
        let modest = message(&[
            ComputeBudgetInstruction::set_compute_unit_limit(200_000),
            ComputeBudgetInstruction::set_compute_unit_price(1_000_000),
        ]);
        assert_eq!(fee(&modest), 5_000 + 200_000);
    }
}
