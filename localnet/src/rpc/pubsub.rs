//! The endpoint's websocket: Solana's PubSub subscriptions that confirming clients and
//! indexers use — `signatureSubscribe` (one notification when the transaction has
//! executed, then the subscription ends, as on a validator), `slotSubscribe` (every slot),
//! `accountSubscribe` (whenever the account's lamports, owner or data change),
//! `logsSubscribe` (`all`, `allWithVotes` or `{mentions: [address]}`: each executed
//! transaction's logs), `programSubscribe` (each account of the program, passing the
//! filters, that an executed transaction changed) and their `…Unsubscribe`.
//!
//! Notifications come from watching the node every 20 ms — what executed, the slot, the
//! accounts — not from inside the bank: the runtime has no hooks, and a local cluster
//! needs no lower latency. (`programSubscribe` therefore sees the changes transactions
//! sent here make, not accounts a test writes into the runtime directly.)

use std::collections::HashMap;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
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

/// Serves subscriptions on `listener` until the runtime shuts down.
pub(super) async fn serve(node: Arc<Node>, listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        let node = Arc::clone(&node);
        tokio::spawn(async move {
            if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                connection(node, socket).await;
            }
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
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
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
                    Err((code, message, _)) => json!({
                        "jsonrpc": "2.0", "id": request["id"],
                        "error": { "code": code, "message": message },
                    }),
                };
                if sink.send(Message::text(reply.to_string())).await.is_err() {
                    return;
                }
            }
            _ = tick.tick() => {
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
                .ok_or_else(|| invalid("param 0: expected a signature"))?
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
                        invalid(format!("logsSubscribe: `{address}` is not a base-58 address"))
                    })?),
                    _ => {
                        return Err(invalid(
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
            passes(&[], &filters)?;
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
            let id = params[0]
                .as_u64()
                .ok_or_else(|| invalid(format!("{method}: expected a subscription id")))?;
            return Ok(json!(subscriptions.remove(&id).is_some()));
        }
        other => {
            return Err((
                METHOD_NOT_FOUND,
                format!("Method not found: {other}"),
                Value::Null,
            ))
        }
    };
    *next_id += 1;
    subscriptions.insert(*next_id, subscription);
    Ok(json!(*next_id))
}

/// What the subscriptions have to say since the last look.
async fn notifications(
    node: &Node,
    subscriptions: &mut HashMap<u64, Subscription>,
) -> Result<Vec<Message>, (i64, String, Value)> {
    let slot = node.slot().await?;
    let mut messages = Vec::new();
    let mut finished = Vec::new();
    for (id, subscription) in subscriptions.iter_mut() {
        match subscription {
            Subscription::Signature(signature) => {
                let history = node.history.lock().await;
                if let Some(executed) = history.transactions.get(signature.as_str()) {
                    messages.push(notification(
                        "signatureNotification",
                        *id,
                        json!({
                            "context": { "slot": executed.slot },
                            "value": { "err": executed.error },
                        }),
                    ));
                    finished.push(*id);
                }
            }
            Subscription::Slot { last } => {
                if slot > *last {
                    *last = slot;
                    messages.push(notification(
                        "slotNotification",
                        *id,
                        json!({ "parent": slot - 1, "root": slot - 1, "slot": slot }),
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
                        *id,
                        json!({ "context": { "slot": slot }, "value": account }),
                    ));
                    *last = account;
                }
            }
            Subscription::Logs { mentions, seen } => {
                let history = node.history.lock().await;
                for signature in &history.order[*seen..] {
                    let executed = &history.transactions[signature];
                    if mentions.is_some_and(|key| !executed.accounts.keys.contains(&key)) {
                        continue;
                    }
                    messages.push(notification(
                        "logsNotification",
                        *id,
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
            Subscription::Program {
                program,
                options,
                seen,
            } => {
                let history = node.history.lock().await;
                let filters = options["filters"].as_array().cloned().unwrap_or_default();
                for signature in &history.order[*seen..] {
                    let executed = &history.transactions[signature];
                    let changes = executed
                        .accounts
                        .keys
                        .iter()
                        .zip(&executed.before)
                        .zip(&executed.after);
                    for ((key, before), after) in changes {
                        let Some(account) = after.as_ref().filter(|after| after.owner == *program)
                        else {
                            continue;
                        };
                        if before.as_ref() == Some(account) || !passes(&account.data, &filters)? {
                            continue;
                        }
                        messages.push(notification(
                            "programNotification",
                            *id,
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
            }
        }
    }
    for id in finished {
        subscriptions.remove(&id);
    }
    Ok(messages)
}
