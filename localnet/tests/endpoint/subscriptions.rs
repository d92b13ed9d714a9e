//! The endpoint's websocket as confirming clients and indexers use it: every subscription
//! and its notifications.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use homeostat_localnet::rpc;
use homeostat_localnet::*;
use serde_json::{json, Value};

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::call;

/// A JSON-RPC request as a websocket message.
fn request(id: u64, method: &str, params: Value) -> Message {
    Message::text(
        json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string(),
    )
}

/// The subscription id a `…Subscribe` request was answered with.
#[track_caller]
fn subscription_id(response: &Value) -> u64 {
    response["result"].as_u64().expect("a subscription id")
}

/// The next JSON message on `socket`.
async fn next_json(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    use futures_util::StreamExt;
    let wait = std::time::Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .expect("a message within 5 s")
            .expect("open")
            .expect("a frame");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

#[tokio::test]
async fn subscriptions_notify_signatures_slots_accounts_logs_and_program_changes() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let endpoint = rpc::serve_with(
        &harness.context,
        rpc::Options {
            slot_duration: std::time::Duration::from_millis(20),
            ..Default::default()
        },
    )
    .await;
    let (mut socket, _) = tokio_tungstenite::connect_async(endpoint.ws_url.as_str())
        .await
        .expect("websocket");
    // The pool account and a swap's signature: both notified once it executes.
    let mut subscribe = async |id: u64, method: &str, params: Value| {
        socket
            .send(request(id, method, params))
            .await
            .expect("send");
        next_json(&mut socket).await
    };
    let pool_key = pool.pool.to_string();
    let account_subscription = subscription_id(
        &subscribe(
            3,
            "accountSubscribe",
            json!([pool_key, { "encoding": "base64" }]),
        )
        .await,
    );
    // Logs of transactions naming the pool (and of ones naming nobody we know: none), and
    // changes to the program's pool-sized accounts.
    let logs_subscription =
        subscription_id(&subscribe(6, "logsSubscribe", json!([{ "mentions": [pool_key] }])).await);
    let unrelated = Pubkey::new_unique().to_string();
    let silent_subscription =
        subscription_id(&subscribe(7, "logsSubscribe", json!([{ "mentions": [unrelated] }])).await);
    let pool_size = 8 + std::mem::size_of::<homeostat::state::Pool>();
    let program_subscription = subscription_id(&subscribe(
        8,
        "programSubscribe",
        json!([homeostat::ID.to_string(), { "encoding": "base64", "filters": [{ "dataSize": pool_size }] }]),
    ).await);
    let refused = subscribe(9, "logsSubscribe", json!([{ "mentions": ["a", "b"] }])).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let refused = subscribe(
        10,
        "programSubscribe",
        json!([homeostat::ID.to_string(), { "filters": [{ "size": 1 }] }]),
    )
    .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|text| text.contains("unknown filter")),
        "{refused}"
    );
    let transaction = swap_transaction(&mut harness, &pool, &trader).await;
    let signature = transaction.signatures[0].to_string();
    let signature_subscription = subscription_id(
        &subscribe(
            4,
            "signatureSubscribe",
            json!([signature, { "commitment": "confirmed" }]),
        )
        .await,
    );
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(bincode::serialize(&transaction).expect("serialise"));
    let sent = call(
        &endpoint.url,
        "sendTransaction",
        json!([encoded, { "encoding": "base64" }]),
    )
    .await;
    assert_eq!(sent["result"], signature);
    let ids = Subscriptions {
        signature: signature_subscription,
        account: account_subscription,
        logs: logs_subscription,
        silent: silent_subscription,
        program: program_subscription,
    };
    each_notified_once(&mut socket, &ids, &signature, &pool_key, pool_size).await;
    // A signature subscription ends with its notification.
    socket
        .send(request(
            5,
            "signatureUnsubscribe",
            json!([signature_subscription]),
        ))
        .await
        .expect("send");
    assert_eq!(next_json(&mut socket).await["result"], false);
}

#[tokio::test]
async fn slot_subscriptions_notify_every_slot_until_unsubscribed() {
    let harness = Harness::start().await;
    let endpoint = rpc::serve_with(
        &harness.context,
        rpc::Options {
            slot_duration: std::time::Duration::from_millis(20),
            ..Default::default()
        },
    )
    .await;
    let (mut socket, _) = tokio_tungstenite::connect_async(endpoint.ws_url.as_str())
        .await
        .expect("websocket");
    // Slots, every slot.
    socket
        .send(request(1, "slotSubscribe", json!([])))
        .await
        .expect("send");
    let slots = subscription_id(&next_json(&mut socket).await);
    let first = next_json(&mut socket).await;
    assert_eq!(first["method"], "slotNotification");
    assert_eq!(first["params"]["subscription"], slots);
    let slot = first["params"]["result"]["slot"].as_u64().expect("slot");
    socket
        .send(request(2, "slotUnsubscribe", json!([slots])))
        .await
        .expect("send");
    loop {
        let message = next_json(&mut socket).await;
        if message["id"] == 2 {
            assert_eq!(message["result"], true);
            break;
        }
        assert!(message["params"]["result"]["slot"].as_u64() > Some(slot));
    }
}

/// The subscription ids of the swap test.
struct Subscriptions {
    signature: u64,
    account: u64,
    logs: u64,
    /// Logs mentioning an address no transaction names: never notified.
    silent: u64,
    program: u64,
}

/// Reads notifications until each of `ids`' subscriptions but the silent one has been
/// notified of the swap `signature` (the logs and program ones once).
async fn each_notified_once(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    ids: &Subscriptions,
    signature: &str,
    pool_key: &str,
    pool_size: usize,
) {
    let (mut saw_signature, mut saw_account, mut saw_logs, mut saw_program) =
        (false, false, false, false);
    while !(saw_signature && saw_account && saw_logs && saw_program) {
        let message = next_json(socket).await;
        assert_ne!(message["params"]["subscription"], ids.silent, "{message}");
        match message["method"].as_str() {
            Some("logsNotification") => {
                assert_eq!(message["params"]["subscription"], ids.logs);
                let value = &message["params"]["result"]["value"];
                assert_eq!(value["signature"], signature);
                assert_eq!(value["err"], Value::Null);
                let invoke = format!("Program {} invoke [1]", homeostat::ID);
                assert!(
                    value["logs"]
                        .as_array()
                        .is_some_and(|logs| logs.contains(&json!(invoke))),
                    "{value}"
                );
                assert!(!saw_logs, "one notification per transaction");
                saw_logs = true;
            }
            Some("programNotification") => {
                assert_eq!(message["params"]["subscription"], ids.program);
                let value = &message["params"]["result"]["value"];
                assert_eq!(value["pubkey"], pool_key, "only the pool changed: {value}");
                assert_eq!(value["account"]["space"], pool_size);
                assert!(!saw_program, "one change");
                saw_program = true;
            }
            Some("signatureNotification") => {
                assert_eq!(message["params"]["subscription"], ids.signature);
                assert_eq!(message["params"]["result"]["value"]["err"], Value::Null);
                saw_signature = true;
            }
            Some("accountNotification") => {
                assert_eq!(message["params"]["subscription"], ids.account);
                assert_eq!(
                    message["params"]["result"]["value"]["owner"],
                    homeostat::ID.to_string()
                );
                saw_account = true;
            }
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
}

/// A signed swap of one base lot by `trader` in `pool`, the runtime's payer paying.
async fn swap_transaction(
    harness: &mut Harness,
    pool: &PoolAddresses,
    trader: &User,
) -> solana_transaction::Transaction {
    let instruction = homeostat_sdk::instructions::swap_exact_in(
        pool,
        harness.oracles(),
        &trader.accounts(pool),
        SwapIn {
            direction: SELL,
            amount_in: ONE_BASE,
            min_amount_out: 1,
        },
    );
    let keypair = trader.keypair.insecure_clone();
    let blockhash = harness
        .context
        .banks_client
        .get_latest_blockhash()
        .await
        .expect("blockhash");
    let payer = harness.context.payer.insecure_clone();
    solana_transaction::Transaction::new_signed_with_payer(
        &[instruction],
        Some(&solana_signer::Signer::pubkey(&payer)),
        &[&payer, &keypair],
        blockhash,
    )
}
