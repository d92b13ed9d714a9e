//! The loopback endpoint (`homeostat_localnet::rpc`) as third-party clients use it, over
//! plain HTTP/1.1: batch requests, chunked bodies, `getProgramAccounts` with filters and
//! `dataSlice`, `requestAirdrop`, and the shapes of the methods wallets call first.
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

use std::io::{BufRead, BufReader, Read, Write};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use homeostat_localnet::rpc;
use homeostat_tests::*;
use serde_json::{json, Value};

/// POSTs `body` to `url`, chunked in two pieces when `chunked`; the parsed response.
fn post(url: &str, body: &str, chunked: bool) -> Value {
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let head = format!("POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n");
    let request = if chunked {
        let (first, second) = body.split_at(body.len() / 2);
        format!(
            "{head}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
            first.len(),
            second.len()
        )
    } else {
        format!("{head}Content-Length: {}\r\n\r\n{body}", body.len())
    };
    stream.write_all(request.as_bytes()).expect("request");
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("head");
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().expect("length");
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut response = String::new();
    reader
        .take(length)
        .read_to_string(&mut response)
        .expect("body");
    serde_json::from_str(&response).expect("JSON")
}

/// Calls `method` in a blocking task (the endpoint is served on this test's runtime).
async fn call(url: &str, method: &str, params: Value) -> Value {
    let (url, body) = (
        url.to_string(),
        json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params }).to_string(),
    );
    tokio::task::spawn_blocking(move || post(&url, &body, false))
        .await
        .expect("join")
}

#[tokio::test]
async fn batches_and_chunked_bodies_are_answered() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let url = rpc::serve(harness.context.banks_client.clone()).await;
    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "getHealth" },
        { "jsonrpc": "2.0", "id": 2, "method": "getBlockHeight" },
        { "jsonrpc": "2.0", "id": 3, "method": "noSuchMethod" },
    ])
    .to_string();
    let url_for = url.clone();
    let (batched, chunked) = tokio::task::spawn_blocking(move || {
        (
            post(&url_for, &batch, false),
            post(
                &url_for,
                &json!({ "jsonrpc": "2.0", "id": 9, "method": "getHealth" }).to_string(),
                true,
            ),
        )
    })
    .await
    .expect("join");
    let responses = batched.as_array().expect("one response per request");
    assert_eq!(responses.len(), 3);
    assert_eq!(
        responses[0],
        json!({ "jsonrpc": "2.0", "id": 1, "result": "ok" })
    );
    assert!(responses[1]["result"]
        .as_u64()
        .is_some_and(|height| height >= 1));
    assert_eq!(responses[2]["error"]["code"], -32601);
    assert!(responses[2]["error"].get("data").is_none(), "no null data");
    assert_eq!(
        chunked,
        json!({ "jsonrpc": "2.0", "id": 9, "result": "ok" })
    );
}

#[tokio::test]
async fn program_accounts_are_listed_with_filters_and_slices() {
    let (harness, pool, _) = Harness::with_liquidity().await;
    let endpoint = rpc::serve_with(harness.context.banks_client.clone(), Default::default()).await;
    endpoint
        .watch([pool.pool, pool.config, pool.base_vault, pool.lp_mint])
        .await;
    let program = homeostat::ID.to_string();
    let listed = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, { "encoding": "base64" }]),
    )
    .await;
    let keys: Vec<&str> = listed["result"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|entry| entry["pubkey"].as_str().expect("pubkey"))
        .collect();
    let (pool_key, config_key) = (pool.pool.to_string(), pool.config.to_string());
    assert!(
        keys.contains(&pool_key.as_str()) && keys.contains(&config_key.as_str()),
        "{keys:?}"
    );
    assert_eq!(
        keys.len(),
        2,
        "the vault and the LP mint belong to the token program"
    );

    // Pools by size and base mint (offset 8 + 568), only the mint's bytes back.
    let base_mint = bs58::encode(pool.base_mint.as_ref()).into_string();
    let filtered = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, {
            "encoding": "base64",
            "filters": [{ "dataSize": homeostat::state::Pool::SPACE }, { "memcmp": { "offset": 576, "bytes": base_mint } }],
            "dataSlice": { "offset": 576, "length": 32 },
        }]),
    )
    .await;
    let entries = filtered["result"].as_array().expect("a list");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["pubkey"], pool_key);
    let data = base64::engine::general_purpose::STANDARD
        .decode(entries[0]["account"]["data"][0].as_str().expect("data"))
        .expect("base64");
    assert_eq!(data, pool.base_mint.as_ref());
    let other = bs58::encode(Pubkey::new_unique().as_ref()).into_string();
    let none = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, { "filters": [{ "memcmp": { "offset": 576, "bytes": other } }] }]),
    )
    .await;
    assert_eq!(none["result"], json!([]));
    let bad = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, { "filters": [{ "size": 1 }] }]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602);
}

#[tokio::test]
async fn airdrops_come_from_the_faucet_and_confirm() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let endpoint = rpc::serve_with(harness.context.banks_client.clone(), Default::default()).await;
    let someone = Pubkey::new_unique().to_string();
    let refused = call(
        &endpoint.url,
        "requestAirdrop",
        json!([someone, 1_000_000_000u64]),
    )
    .await;
    assert_eq!(
        refused["error"]["message"],
        "requestAirdrop: this endpoint has no faucet"
    );
    endpoint
        .set_faucet(harness.context.payer.insecure_clone())
        .await;
    let airdrop = call(
        &endpoint.url,
        "requestAirdrop",
        json!([someone, 1_000_000_000u64]),
    )
    .await;
    let signature = airdrop["result"].as_str().expect("a signature").to_string();
    let balance = call(&endpoint.url, "getBalance", json!([someone])).await;
    assert_eq!(balance["result"]["value"], 1_000_000_000u64);
    let status = call(&endpoint.url, "getSignatureStatuses", json!([[signature]])).await;
    assert_eq!(status["result"]["value"][0]["err"], Value::Null);
    assert_eq!(
        status["result"]["value"][0]["confirmationStatus"],
        "finalized"
    );
    let epoch = call(&endpoint.url, "getEpochInfo", json!([])).await;
    assert_eq!(epoch["result"]["epoch"], 0);
    assert!(epoch["result"]["transactionCount"].as_u64() >= Some(1));
    let valid = call(
        &endpoint.url,
        "isBlockhashValid",
        json!(["11111111111111111111111111111111"]),
    )
    .await;
    assert_eq!(valid["result"]["value"], false);
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
async fn subscriptions_notify_signatures_slots_and_account_changes() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let endpoint = rpc::serve_with(
        harness.context.banks_client.clone(),
        rpc::Options {
            slot_duration: std::time::Duration::from_millis(20),
            ..Default::default()
        },
    )
    .await;
    let (mut socket, _) = tokio_tungstenite::connect_async(endpoint.ws_url.as_str())
        .await
        .expect("websocket");
    let request = |id: u64, method: &str, params: Value| {
        Message::text(
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string(),
        )
    };
    // Slots, every slot.
    socket
        .send(request(1, "slotSubscribe", json!([])))
        .await
        .expect("send");
    let slots = next_json(&mut socket).await["result"]
        .as_u64()
        .expect("subscription id");
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

    // The pool account and a swap's signature: both notified once it executes.
    let pool_key = pool.pool.to_string();
    socket
        .send(request(
            3,
            "accountSubscribe",
            json!([pool_key, { "encoding": "base64" }]),
        ))
        .await
        .expect("send");
    let account_subscription = next_json(&mut socket).await["result"].as_u64().expect("id");
    let instruction = homeostat_sdk::instructions::swap_exact_in(
        &pool,
        harness.oracles(),
        &trader.accounts(&pool),
        SELL,
        ONE_BASE,
        1,
    );
    let keypair = trader.keypair.insecure_clone();
    let blockhash = harness
        .context
        .banks_client
        .get_latest_blockhash()
        .await
        .expect("blockhash");
    let payer = harness.context.payer.insecure_clone();
    let transaction = solana_transaction::Transaction::new_signed_with_payer(
        &[instruction],
        Some(&solana_signer::Signer::pubkey(&payer)),
        &[&payer, &keypair],
        blockhash,
    );
    let signature = transaction.signatures[0].to_string();
    socket
        .send(request(
            4,
            "signatureSubscribe",
            json!([signature, { "commitment": "confirmed" }]),
        ))
        .await
        .expect("send");
    let signature_subscription = next_json(&mut socket).await["result"].as_u64().expect("id");
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(bincode::serialize(&transaction).expect("serialise"));
    let sent = call(
        &endpoint.url,
        "sendTransaction",
        json!([encoded, { "encoding": "base64" }]),
    )
    .await;
    assert_eq!(sent["result"], signature);
    let (mut saw_signature, mut saw_account) = (false, false);
    while !(saw_signature && saw_account) {
        let message = next_json(&mut socket).await;
        match message["method"].as_str() {
            Some("signatureNotification") => {
                assert_eq!(message["params"]["subscription"], signature_subscription);
                assert_eq!(message["params"]["result"]["value"]["err"], Value::Null);
                saw_signature = true;
            }
            Some("accountNotification") => {
                assert_eq!(message["params"]["subscription"], account_subscription);
                assert_eq!(
                    message["params"]["result"]["value"]["owner"],
                    homeostat::ID.to_string()
                );
                saw_account = true;
            }
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
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
