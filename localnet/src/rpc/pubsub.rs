//! The endpoint's websocket: Solana's PubSub subscriptions that confirming clients and
//! indexers use — `signatureSubscribe` (one notification when the transaction has
//! executed, then the subscription ends, as on a validator), `slotSubscribe` (every slot),
//! `accountSubscribe` (whenever the account's lamports, owner or data change),
//! `logsSubscribe` (`all`, `allWithVotes` or `{mentions: [address]}`: each executed
//! transaction's logs), `programSubscribe` (each account of the program, passing the
//! filters, that an executed transaction changed) and their `…Unsubscribe`.
//!
//! Notifications are pushed: a connection wakes when a transaction lands here (signature,
//! logs, program and account subscriptions) and, while it has slot or account
//! subscriptions, when a slot begins — as a validator notifies account changes per slot.
//! (Account and program subscriptions therefore see what transactions sent here change,
//! and account subscriptions also, at the next slot, what a harness writes into the
//! runtime directly.) Connections are capped and bounded like the HTTP side's.

use std::collections::HashMap;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use super::*;

/// One subscription of a connection.
enum Subscription {
    Signature(String),
    Slot {
        last: u64,
    },
    Account {
        address: Pubkey,
        options: Value,
        last: Value,
    },
    /// Executed transactions from `seen` on (an index into the execution order) naming
    /// `mentions` (any, if `None`).
    Logs {
        mentions: Option<Pubkey>,
        seen: usize,
    },
    /// Accounts of `program` changed by transactions executed from `seen` on.
    Program {
        program: Pubkey,
        options: Value,
        seen: usize,
    },
}

/// Serves subscriptions on `listener` until the runtime shuts down: at most
/// `Options::max_connections` connections (more are closed at once), each handshake within
/// `Options::read_timeout`, each message at most `MAX_BODY` bytes.
pub(super) async fn serve(node: Arc<Node>, listener: TcpListener) {
    let room = Arc::new(Semaphore::new(node.options.max_connections));
    let config = WebSocketConfig::default()
        .max_message_size(Some(super::MAX_BODY))
        .max_frame_size(Some(super::MAX_BODY));
    while let Ok((stream, _)) = listener.accept().await {
        let Ok(permit) = Arc::clone(&room).try_acquire_owned() else {
            continue;
        };
        let node = Arc::clone(&node);
        tokio::spawn(async move {
            let handshake = tokio_tungstenite::accept_async_with_config(stream, Some(config));
            if let Ok(Ok(socket)) = tokio::time::timeout(node.options.read_timeout, handshake).await
            {
                connection(node, socket).await;
            }
            drop(permit);
        });
    }
}

fn notification(method: &str, subscription: u64, result: Value) -> Message {
    Message::text(
        json!({
            "jsonrpc": "2.0",
            "method": method,
            "params": { "result": result, "subscription": subscription },
        })
        .to_string(),
    )
}

async fn connection(
    node: Arc<Node>,
    socket: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
) {
    let (mut sink, mut stream) = socket.split();
    let mut subscriptions: HashMap<u64, Subscription> = HashMap::new();
    let mut next_id = 0u64;
    let mut landed = node.executed.subscribe();
    loop {
        // Slots matter only to slot and account subscriptions.
        let per_slot = subscriptions.values().any(|subscription| {
            matches!(
                subscription,
                Subscription::Slot { .. } | Subscription::Account { .. }
            )
        });
        let next_slot = node.next_slot_at();
        tokio::select! {
            message = stream.next() => {
                let request = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(payload))) => {
                        let _ = sink.send(Message::Pong(payload)).await;
                        continue;
                    }
                    Some(Ok(_)) => continue,
                    _ => return,
                };
                let request: Value = serde_json::from_str(&request).unwrap_or(Value::Null);
                let reply = subscribe(&node, &request, &mut subscriptions, &mut next_id).await;
                let reply = match reply {
                    Ok(result) => json!({ "jsonrpc": "2.0", "id": request["id"], "result": result }),
                    Err(error) => json!({
                        "jsonrpc": "2.0", "id": request["id"], "error": error.to_json(),
                    }),
                };
                if sink.send(Message::text(reply.to_string())).await.is_err() {
                    return;
                }
            }
            changed = landed.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep_until(next_slot), if per_slot => {}
        }
        // After a subscription too: a signature may have landed before it was asked for.
        let Ok(messages) = notifications(&node, &mut subscriptions).await else {
            return;
        };
        for message in messages {
            if sink.send(message).await.is_err() {
                return;
            }
        }
    }
}

async fn subscribe(
    node: &Node,
    request: &Value,
    subscriptions: &mut HashMap<u64, Subscription>,
    next_id: &mut u64,
) -> RpcResult {
    let params = &request["params"];
    let subscription = match request["method"].as_str().unwrap_or_default() {
        "signatureSubscribe" => Subscription::Signature(
            params[0]
                .as_str()
                .ok_or_else(|| RpcError::invalid("param 0: expected a signature"))?
                .to_string(),
        ),
        "slotSubscribe" => Subscription::Slot { last: 0 },
        "accountSubscribe" => {
            // The state at subscription: what a change is measured from.
            let address = pubkey_param(params, 0)?;
            let options = params[1].clone();
            let last = node.account(address, &options).await?;
            Subscription::Account {
                address,
                options,
                last,
            }
        }
        "logsSubscribe" => {
            let mentions = match &params[0] {
                Value::String(all) if all == "all" || all == "allWithVotes" => None,
                filter => match filter["mentions"].as_array().map(Vec::as_slice) {
                    Some([address]) => Some(pubkey_param(&filter["mentions"], 0).map_err(|_| {
                        RpcError::invalid(format!("logsSubscribe: `{address}` is not a base-58 address"))
                    })?),
                    _ => {
                        return Err(RpcError::invalid(
                            "logsSubscribe: expected \"all\", \"allWithVotes\" or {\"mentions\": [one address]}",
                        ))
                    }
                },
            };
            Subscription::Logs {
                mentions,
                seen: node.history.lock().await.order.len(),
            }
        }
        "programSubscribe" => {
            let program = pubkey_param(params, 0)?;
            let options = params[1].clone();
            // The filters are checked now, so a bad one is refused at subscription.
            let filters = options["filters"].as_array().cloned().unwrap_or_default();
            accounts::passes(&[], &filters)?;
            Subscription::Program {
                program,
                options,
                seen: node.history.lock().await.order.len(),
            }
        }
        method @ ("signatureUnsubscribe"
        | "slotUnsubscribe"
        | "accountUnsubscribe"
        | "logsUnsubscribe"
        | "programUnsubscribe") => {
            let id = params[0].as_u64().ok_or_else(|| {
                RpcError::invalid(format!("{method}: expected a subscription id"))
            })?;
            return Ok(json!(subscriptions.remove(&id).is_some()));
        }
        other => return Err(RpcError::method_not_found(other)),
    };
    *next_id += 1;
    subscriptions.insert(*next_id, subscription);
    Ok(json!(*next_id))
}

/// What the subscriptions have to say since the last look.
async fn notifications(
    node: &Node,
    subscriptions: &mut HashMap<u64, Subscription>,
) -> Result<Vec<Message>, RpcError> {
    let slot = node.slot();
    let mut messages = Vec::new();
    let mut finished = Vec::new();
    for (id, subscription) in subscriptions.iter_mut() {
        let id = *id;
        match subscription {
            Subscription::Signature(signature) => {
                let history = node.history.lock().await;
                if let Some(executed) = history.transactions.get(signature.as_str()) {
                    messages.push(notification(
                        "signatureNotification",
                        id,
                        json!({
                            "context": { "slot": executed.slot },
                            "value": { "err": executed.error },
                        }),
                    ));
                    finished.push(id);
                }
            }
            Subscription::Slot { last } => {
                if slot > *last {
                    *last = slot;
                    messages.push(notification(
                        "slotNotification",
                        id,
                        json!({
                            "parent": slot.saturating_sub(1),
                            "root": slot.saturating_sub(1),
                            "slot": slot,
                        }),
                    ));
                }
            }
            Subscription::Account {
                address,
                options,
                last,
            } => {
                let account = node.account(*address, options).await?;
                if *last != account {
                    messages.push(notification(
                        "accountNotification",
                        id,
                        json!({ "context": { "slot": slot }, "value": account }),
                    ));
                    *last = account;
                }
            }
            Subscription::Logs { mentions, seen } => {
                logs_since(node, id, *mentions, seen, &mut messages).await;
            }
            Subscription::Program {
                program,
                options,
                seen,
            } => {
                program_changes_since(node, id, program, options, seen, &mut messages).await?;
            }
        }
    }
    for id in finished {
        subscriptions.remove(&id);
    }
    Ok(messages)
}

/// The logs of the transactions that landed since `seen` naming `mentions` (any, if
/// `None`); `seen` moves past them.
async fn logs_since(
    node: &Node,
    id: u64,
    mentions: Option<Pubkey>,
    seen: &mut usize,
    messages: &mut Vec<Message>,
) {
    let history = node.history.lock().await;
    let landed = history.order.get(*seen..).unwrap_or_default();
    for signature in landed {
        let Some(executed) = history.transactions.get(signature) else {
            continue;
        };
        if mentions.is_some_and(|key| !executed.accounts.keys.contains(&key)) {
            continue;
        }
        messages.push(notification(
            "logsNotification",
            id,
            json!({
                "context": { "slot": executed.slot },
                "value": {
                    "signature": signature,
                    "err": executed.error,
                    "logs": executed.logs,
                },
            }),
        ));
    }
    *seen = history.order.len();
}

/// The accounts of `program`, passing `options`' filters, that transactions landed since
/// `seen` changed; `seen` moves past them.
async fn program_changes_since(
    node: &Node,
    id: u64,
    program: &Pubkey,
    options: &Value,
    seen: &mut usize,
    messages: &mut Vec<Message>,
) -> Result<(), RpcError> {
    let history = node.history.lock().await;
    let filters = options["filters"].as_array().cloned().unwrap_or_default();
    let landed = history.order.get(*seen..).unwrap_or_default();
    for signature in landed {
        let Some(executed) = history.transactions.get(signature) else {
            continue;
        };
        let changes = executed
            .accounts
            .keys
            .iter()
            .zip(&executed.before)
            .zip(&executed.after);
        for ((key, before), after) in changes {
            let Some(account) = after.as_ref().filter(|after| after.owner == *program) else {
                continue;
            };
            if before.as_ref() == Some(account) || !accounts::passes(&account.data, &filters)? {
                continue;
            }
            messages.push(notification(
                "programNotification",
                id,
                json!({
                    "context": { "slot": executed.slot },
                    "value": {
                        "pubkey": key.to_string(),
                        "account": node.render(key, account, options).await?,
                    },
                }),
            ));
        }
    }
    *seen = history.order.len();
    Ok(())
}
