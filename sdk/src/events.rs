//! The program's events, as tools read them from confirmed transactions.
//!
//! The program emits with `emit_cpi!`: each event is an inner instruction invoking the
//! program itself with data `EVENT_IX_TAG ‖ discriminator ‖ borsh(event)` — robust
//! against log truncation. `emit!` events appear instead as `Program data: <base64>` log
//! lines (`discriminator ‖ borsh(event)`); [`from_transaction_json`] reads both.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};
use homeostat::events::{HedgeRecorded, RebalanceRequested, Swapped};

/// An event of the program that tools act on; others are `Other`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolEvent {
    /// The pool asked the keeper to hedge.
    RebalanceRequested(RebalanceRequested),
    /// The keeper recorded a hedge.
    HedgeRecorded(HedgeRecorded),
    /// A swap.
    Swapped(Swapped),
    /// Another event of the program (its discriminator).
    Other([u8; 8]),
}

impl PoolEvent {
    /// The pool the event is about, when it names one.
    pub fn pool(&self) -> Option<Pubkey> {
        match self {
            Self::RebalanceRequested(event) => Some(event.pool),
            Self::HedgeRecorded(event) => Some(event.pool),
            Self::Swapped(event) => Some(event.pool),
            Self::Other(_) => None,
        }
    }
}

fn parse<T: AnchorDeserialize + Discriminator>(payload: &[u8]) -> Option<T> {
    T::try_from_slice(payload.strip_prefix(T::DISCRIMINATOR)?).ok()
}

/// Decodes `discriminator ‖ borsh(event)`; `None` if it is not one of the program's events
/// or does not decode.
pub fn decode(payload: &[u8]) -> Option<PoolEvent> {
    if let Some(event) = parse::<RebalanceRequested>(payload) {
        return Some(PoolEvent::RebalanceRequested(event));
    }
    if let Some(event) = parse::<HedgeRecorded>(payload) {
        return Some(PoolEvent::HedgeRecorded(event));
    }
    if let Some(event) = parse::<Swapped>(payload) {
        return Some(PoolEvent::Swapped(event));
    }
    let discriminator: [u8; 8] = payload.get(..8)?.try_into().ok()?;
    Some(PoolEvent::Other(discriminator))
}

#[cfg(feature = "rpc")]
fn malformed(reason: &str) -> crate::SdkError {
    crate::SdkError::WrongAccount {
        expected: "confirmed transaction (JSON encoding)",
        reason: reason.into(),
    }
}

/// The program's events in a transaction as `getTransaction` returns it with
/// `"encoding": "json"`: its `emit_cpi!` inner instructions in order; when there are none,
/// its `Program data:` log lines. A failed transaction has no events. (Feature `rpc`.)
#[cfg(feature = "rpc")]
pub fn from_transaction_json(transaction: &serde_json::Value) -> crate::Result<Vec<PoolEvent>> {
    use base64::Engine;
    use serde_json::Value;

    let meta = &transaction["meta"];
    if !meta["err"].is_null() {
        return Ok(Vec::new());
    }
    let message = &transaction["transaction"]["message"];
    let mut keys: Vec<&str> = message["accountKeys"]
        .as_array()
        .ok_or_else(|| malformed("no message.accountKeys"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // Versioned transactions: keys loaded from lookup tables follow, writable first.
    for kind in ["writable", "readonly"] {
        if let Some(loaded) = meta["loadedAddresses"][kind].as_array() {
            keys.extend(loaded.iter().filter_map(Value::as_str));
        }
    }
    let program = homeostat::ID.to_string();
    let mut events = Vec::new();
    for group in meta["innerInstructions"].as_array().into_iter().flatten() {
        for instruction in group["instructions"].as_array().into_iter().flatten() {
            let index = instruction["programIdIndex"].as_u64().unwrap_or(u64::MAX);
            let invoked = usize::try_from(index)
                .ok()
                .and_then(|index| keys.get(index));
            if invoked != Some(&program.as_str()) {
                continue;
            }
            let data = bs58::decode(instruction["data"].as_str().unwrap_or_default())
                .into_vec()
                .map_err(|_| malformed("inner instruction data is not base-58"))?;
            if let Some(payload) = data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) {
                events.extend(decode(payload));
            }
        }
    }
    if events.is_empty() {
        for line in meta["logMessages"].as_array().into_iter().flatten() {
            let Some(encoded) = line.as_str().and_then(|l| l.strip_prefix("Program data: ")) else {
                continue;
            };
            if let Ok(payload) = base64::engine::general_purpose::STANDARD.decode(encoded) {
                events.extend(decode(&payload));
            }
        }
    }
    Ok(events)
}
