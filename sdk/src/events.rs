//! The program's events, as tools read them from confirmed transactions.
//!
//! The program emits with `emit_cpi!`: each event is an inner instruction invoking the
//! program itself with data `EVENT_IX_TAG ‖ discriminator ‖ borsh(event)`, signed by the
//! program's event-authority PDA — robust against log truncation, and unforgeable: only
//! Homeostat can sign for that PDA, and its event handler refuses an unsigned call, so a
//! successful transaction's inner instruction of this shape was emitted by Homeostat.
//! `Program data:` log lines are **not** read: any program can log any bytes
//! (`sol_log_data`), so a log line proves nothing about who emitted it. (Which is also why
//! Anchor's log-based event APIs — `addEventListener`, `EventParser` — see none of these
//! events: docs/integration.md, "Events".)
//!
//! With feature `rpc`: [`from_transaction_json`] decodes a fetched transaction,
//! [`crate::rpc::PoolClient::transaction_events`] fetches and decodes one, and
//! [`crate::rpc::PoolClient::subscribe_events`] follows a pool ([`PoolEventStream`]: a logs
//! subscription mentioning the pool, then `getTransaction` for each transaction).

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
/// `"encoding": "json"` (inner instructions compiled: key indexes) or `"jsonParsed"` (an
/// unparsed program's inner instructions with addresses, as a validator's
/// `simulateTransaction` also gives them): its `emit_cpi!` inner instructions, in order —
/// an inner instruction counts only if it invokes Homeostat, its first account is
/// Homeostat's event authority, and its data carries the event tag. Log lines are never
/// read (module docs). A failed transaction has no events; an instruction that does not
/// decode is skipped. (Feature `rpc`.)
#[cfg(feature = "rpc")]
pub fn from_transaction_json(transaction: &serde_json::Value) -> crate::Result<Vec<PoolEvent>> {
    use serde_json::Value;

    let meta = &transaction["meta"];
    if !meta["err"].is_null() {
        return Ok(Vec::new());
    }
    let message = &transaction["transaction"]["message"];
    // `json`: addresses; `jsonParsed`: objects naming theirs in `pubkey`.
    let mut keys: Vec<&str> = message["accountKeys"]
        .as_array()
        .ok_or_else(|| malformed("no message.accountKeys"))?
        .iter()
        .filter_map(|key| key.as_str().or_else(|| key["pubkey"].as_str()))
        .collect();
    // Versioned transactions: keys loaded from lookup tables follow, writable first.
    for kind in ["writable", "readonly"] {
        if let Some(loaded) = meta["loadedAddresses"][kind].as_array() {
            keys.extend(loaded.iter().filter_map(Value::as_str));
        }
    }
    let key_at = |index: &Value| {
        index
            .as_u64()
            .and_then(|index| usize::try_from(index).ok())
            .and_then(|index| keys.get(index).copied())
    };
    let program = homeostat::ID.to_string();
    let authority = crate::pda::event_authority().to_string();
    let mut events = Vec::new();
    for group in meta["innerInstructions"].as_array().into_iter().flatten() {
        for instruction in group["instructions"].as_array().into_iter().flatten() {
            // Compiled (key indexes) or decoded (addresses, no index).
            let (invoked, first) = match instruction["programId"].as_str() {
                Some(invoked) => (Some(invoked), instruction["accounts"][0].as_str()),
                None => (
                    key_at(&instruction["programIdIndex"]),
                    key_at(&instruction["accounts"][0]),
                ),
            };
            let by_homeostat =
                invoked == Some(program.as_str()) && first == Some(authority.as_str());
            if !by_homeostat {
                continue;
            }
            let Ok(data) =
                bs58::decode(instruction["data"].as_str().unwrap_or_default()).into_vec()
            else {
                continue;
            };
            if let Some(payload) = data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) {
                events.extend(decode(payload));
            }
        }
    }
    Ok(events)
}

/// A transaction's events (feature `rpc`).
#[cfg(feature = "rpc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionEvents {
    /// The transaction's signature (base 58).
    pub signature: String,
    /// The slot the logs notification named.
    pub slot: u64,
    /// Its events, in order.
    pub events: Vec<PoolEvent>,
}

/// How long a notified transaction may take to be fetchable before
/// [`PoolEventStream::next`] gives up on it.
#[cfg(feature = "rpc")]
pub const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The signature a node's logs notifications carry for a simulation (64 zero bytes, in
/// base58): a validator notifies log subscribers of `simulateTransaction` runs too —
/// anyone's quote that mentions the pool — and no transaction by that signature lands.
#[cfg(feature = "rpc")]
pub const SIMULATION_SIGNATURE: &str =
    "1111111111111111111111111111111111111111111111111111111111111111";

/// A pool's events as they land, from [`crate::rpc::PoolClient::subscribe_events`]
/// (feature `rpc`): a `logsSubscribe` mentioning the pool names each successful
/// transaction that touched it; [`PoolEventStream::next`] fetches it and decodes its
/// `emit_cpi!` inner instructions. Dropping the stream ends the subscription.
///
/// It sees what lands while it is open: to resume after a gap, list the signatures in
/// between ([`crate::rpc::PoolClient::pool_signatures`]) and read each with
/// [`crate::rpc::PoolClient::transaction_events`].
#[cfg(feature = "rpc")]
pub struct PoolEventStream<'a> {
    pub(crate) client: &'a crate::rpc::PoolClient,
    pub(crate) pool: Pubkey,
    /// (signature, slot) of each successful transaction mentioning the pool.
    pub(crate) notified: tokio::sync::mpsc::UnboundedReceiver<(String, u64)>,
    pub(crate) subscription: tokio::task::JoinHandle<()>,
}

#[cfg(feature = "rpc")]
impl PoolEventStream<'_> {
    /// The next transaction with events of the pool: those naming it, and the kinds
    /// [`PoolEvent::Other`] does not decode (they name no pool here, and the transaction
    /// mentions this one). `None` once the subscription has ended (the connection closed);
    /// an error when a notified transaction is not fetchable within [`FETCH_TIMEOUT`].
    pub async fn next(&mut self) -> Option<crate::Result<TransactionEvents>> {
        loop {
            let (signature, slot) = self.notified.recv().await?;
            let events = match self.fetch(&signature).await {
                Ok(events) => events,
                Err(error) => return Some(Err(error)),
            };
            let events: Vec<PoolEvent> = events
                .into_iter()
                .filter(|event| event.pool().is_none_or(|pool| pool == self.pool))
                .collect();
            if !events.is_empty() {
                return Some(Ok(TransactionEvents {
                    signature,
                    slot,
                    events,
                }));
            }
        }
    }

    /// The events of `signature`, waiting while the cluster does not have it yet (a
    /// notification can precede the transaction's availability at the same commitment).
    async fn fetch(&self, signature: &str) -> crate::Result<Vec<PoolEvent>> {
        let deadline = tokio::time::Instant::now() + FETCH_TIMEOUT;
        loop {
            match self.client.transaction_events(signature).await {
                Err(crate::SdkError::NotFound { .. }) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(feature = "rpc")]
impl Drop for PoolEventStream<'_> {
    fn drop(&mut self) {
        self.subscription.abort();
    }
}

#[cfg(all(test, feature = "rpc"))]
mod tests {
    use super::*;
    use anchor_lang::event::EVENT_IX_TAG_LE;
    use anchor_lang::Event;
    use base64::Engine;
    use serde_json::json;

    fn request(seq: u64) -> RebalanceRequested {
        RebalanceRequested {
            pool: Pubkey::new_from_array([4; 32]),
            seq,
            slot: 1,
            unix_timestamp: 2,
            oracle_price: homeostat::StoredFixed::from_bits(3),
            oracle_publish_time: 4,
            gross_delta: 8,
            gross_position: 5,
            hedge_position: 6,
            net_delta: -1,
            gamma_per_percent: 0,
            band: 7,
            target_hedge_delta: 100_000_000_000,
        }
    }

    fn event_data(event: &RebalanceRequested) -> String {
        let mut data = EVENT_IX_TAG_LE.to_vec();
        data.extend(event.data());
        bs58::encode(data).into_string()
    }

    /// A transaction whose keys are: 0 a signer, 1 Homeostat, 2 its event authority,
    /// 3 another program, 4 the pool.
    fn transaction(inner: serde_json::Value, logs: Vec<String>) -> serde_json::Value {
        json!({
            "meta": { "err": null, "innerInstructions": [{ "index": 0, "instructions": inner }], "logMessages": logs },
            "transaction": { "message": { "accountKeys": [
                Pubkey::new_unique().to_string(),
                homeostat::ID.to_string(),
                crate::pda::event_authority().to_string(),
                Pubkey::new_unique().to_string(),
                Pubkey::new_from_array([4; 32]).to_string(),
            ] } }
        })
    }

    #[test]
    fn only_homeostats_signed_event_cpi_counts() {
        let genuine =
            json!({ "programIdIndex": 1, "accounts": [2], "data": event_data(&request(7)) });
        let events = from_transaction_json(&transaction(json!([genuine]), vec![])).unwrap();
        assert_eq!(events, vec![PoolEvent::RebalanceRequested(request(7))]);
    }

    #[test]
    fn forged_events_are_not_believed() {
        let forged = request(8);
        let payload = forged.data();
        let log = format!(
            "Program data: {}",
            base64::engine::general_purpose::STANDARD.encode(&payload)
        );
        // Another program's log line, its own "event" instruction, and a call into
        // Homeostat whose first account is not the event authority (the pool instead).
        let cases = [
            transaction(json!([]), vec![log.clone()]),
            transaction(
                json!([{ "programIdIndex": 3, "accounts": [2], "data": event_data(&forged) }]),
                vec![log.clone()],
            ),
            transaction(
                json!([{ "programIdIndex": 1, "accounts": [4], "data": event_data(&forged) }]),
                vec![log],
            ),
        ];
        for case in cases {
            assert_eq!(from_transaction_json(&case).unwrap(), vec![], "{case}");
        }
    }

    #[test]
    fn decoded_inner_instructions_count_by_address() {
        // The form of `jsonParsed` (and a validator's simulation): addresses, no indexes;
        // account keys as objects.
        let program = homeostat::ID.to_string();
        let authority = crate::pda::event_authority().to_string();
        let other = Pubkey::new_unique().to_string();
        let decoded = |invoked: &str, first: &str, seq: u64| json!({ "programId": invoked, "accounts": [first], "data": event_data(&request(seq)), "stackHeight": 2 });
        let parsed =
            json!({ "programId": other, "program": "spl-token", "parsed": { "type": "transfer" } });
        let transaction = json!({
            "meta": { "err": null, "innerInstructions": [{ "index": 0, "instructions": [
                decoded(&program, &authority, 1),
                decoded(&other, &authority, 2),
                decoded(&program, &other, 3),
                parsed,
            ] }] },
            "transaction": { "message": { "accountKeys": [{ "pubkey": program, "signer": false, "writable": false }] } }
        });
        let events = from_transaction_json(&transaction).unwrap();
        assert_eq!(events, vec![PoolEvent::RebalanceRequested(request(1))]);
    }

    #[test]
    fn undecodable_instructions_are_skipped_not_fatal() {
        let garbage = json!({ "programIdIndex": 1, "accounts": [2], "data": "0OIl" });
        let truncated = json!({ "programIdIndex": 1, "accounts": [2], "data": bs58::encode(EVENT_IX_TAG_LE).into_string() });
        let genuine =
            json!({ "programIdIndex": 1, "accounts": [2], "data": event_data(&request(9)) });
        let events =
            from_transaction_json(&transaction(json!([garbage, truncated, genuine]), vec![]))
                .unwrap();
        assert_eq!(events, vec![PoolEvent::RebalanceRequested(request(9))]);
    }
}
