//! The endpoint under hostile requests (issue #30's list): each is answered with an HTTP
//! error or a JSON-RPC error — never a crashed process, a panicked connection task or a
//! connection held forever — and the endpoint keeps answering other clients.

use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use homeostat_localnet::rpc::{exchange_blocking, post_blocking, serve_with, Options, MAX_BODY};
use homeostat_localnet::Harness;
use serde_json::json;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use tokio_tungstenite::tungstenite::Message;

/// Runs `task` off the runtime serving the endpoint.
async fn blocking<T: Send + 'static>(task: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(task).await.expect("join")
}

fn call(url: &str, method: &str, params: serde_json::Value) -> serde_json::Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    post_blocking(url, &body.to_string(), false)
}

/// An endpoint with a cap of 4 connections and 300 ms timeouts.
async fn hostile_endpoint(harness: &Harness) -> String {
    let endpoint = serve_with(
        &harness.context,
        Options {
            max_connections: 4,
            idle_timeout: Duration::from_millis(300),
            read_timeout: Duration::from_millis(300),
            ..Options::default()
        },
    )
    .await;
    endpoint.url
}

/// A keep-alive connection to `address` that has had one request answered.
fn answered_connection(address: &str) -> std::net::TcpStream {
    use std::io::BufRead;
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": "getHealth" }).to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("request");
    let mut status = String::new();
    std::io::BufReader::new(&stream)
        .read_line(&mut status)
        .expect("status");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    stream
}

/// The endpoint still answers a plain request.
async fn still_answering(url: &str) {
    let u = url.to_string();
    let slot = blocking(move || call(&u, "getSlot", json!([]))).await;
    assert!(slot["result"].as_u64().is_some(), "answering: {slot}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused_and_the_endpoint_keeps_answering() {
    let harness = Harness::start().await;
    let url = hostile_endpoint(&harness).await;

    // A body of 10^14 bytes announced: 413, nothing allocated.
    let u = url.clone();
    let (status, _) =
        blocking(move || exchange_blocking(&u, "Content-Length: 100000000000000\r\n\r\n{}")).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    // One byte over the limit, and a chunk of 2^60 bytes announced.
    let u = url.clone();
    let over = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1);
    let (status, _) = blocking(move || exchange_blocking(&u, &over)).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    let u = url.clone();
    let (status, _) = blocking(move || {
        exchange_blocking(&u, "Transfer-Encoding: chunked\r\n\r\n1000000000000000\r\n")
    })
    .await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    // A header line of 100 KiB: 431.
    let u = url.clone();
    let long = format!("X-Junk: {}\r\n\r\n", "a".repeat(100 * 1024));
    let (status, _) = blocking(move || exchange_blocking(&u, &long)).await;
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    still_answering(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overflowing_and_invalid_requests_get_json_rpc_errors() {
    let harness = Harness::start().await;
    let url = hostile_endpoint(&harness).await;
    // Overflowing parameters: named JSON-RPC errors or a value, never a panic.
    let u = url.clone();
    let rent =
        blocking(move || call(&u, "getMinimumBalanceForRentExemption", json!([u64::MAX]))).await;
    assert_eq!(rent["error"]["code"], -32602, "{rent}");
    let u = url.clone();
    let rent = blocking(move || call(&u, "getMinimumBalanceForRentExemption", json!([165]))).await;
    assert!(rent["result"].as_u64().is_some(), "{rent}");

    // A fee at the largest compute-unit price: saturated, not overflowed.
    let u = url.clone();
    let latest = blocking(move || call(&u, "getLatestBlockhash", json!([]))).await;
    let hash = latest["result"]["value"]["blockhash"]
        .as_str()
        .and_then(|hash| hash.parse().ok())
        .expect("a blockhash");
    let payer = anchor_lang::prelude::Pubkey::new_unique();
    let message = solana_message::Message::new_with_blockhash(
        &[
            ComputeBudgetInstruction::set_compute_unit_limit(1_400_000),
            ComputeBudgetInstruction::set_compute_unit_price(u64::MAX),
        ],
        Some(&payer),
        &hash,
    );
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(bincode::serialize(&message).expect("a message"));
    let u = url.clone();
    let fee = blocking(move || call(&u, "getFeeForMessage", json!([encoded]))).await;
    let value = &fee["result"]["value"];
    // Null when the blockhash expired meanwhile (a loaded machine).
    assert!(value.is_null() || value.as_u64() == Some(u64::MAX), "{fee}");

    // Not a JSON-RPC request: -32600 (the review found -32601, "method not found").
    for body in [
        "[]",
        r#"{"id":1}"#,
        r#"{"jsonrpc":"1.0","id":1,"method":"getSlot"}"#,
        "[1]",
    ] {
        let u = url.clone();
        let answer = blocking(move || post_blocking(&u, body, false)).await;
        let error = if answer.is_array() {
            &answer[0]["error"]
        } else {
            &answer["error"]
        };
        assert_eq!(error["code"], -32600, "{body}: {answer}");
    }
    let u = url.clone();
    let unknown = blocking(move || call(&u, "getNothing", json!([]))).await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    still_answering(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_surplus_connections_are_closed() {
    let harness = Harness::start().await;
    let url = hostile_endpoint(&harness).await;
    // An idle connection and a half-sent request are closed after their timeouts.
    let address = url.trim_start_matches("http://").to_string();
    let closed = blocking(move || {
        let mut idle = std::net::TcpStream::connect(&address).expect("connect");
        let mut half = std::net::TcpStream::connect(&address).expect("connect");
        half.write_all(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
            .expect("half a request");
        for stream in [&idle, &half] {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
        }
        let mut buffer = [0u8; 64];
        (
            idle.read(&mut buffer).expect("closed, not timed out"),
            half.read(&mut buffer).expect("closed, not timed out"),
        )
    })
    .await;
    assert_eq!(closed, (0, 0), "both closed by the endpoint");

    // Beyond the connection cap: 503; once the held connections are gone there is room
    // again. Each held one has been answered (so it holds its place, whatever the load),
    // and its idle timeout is long.
    let endpoint = serve_with(
        &harness.context,
        Options {
            max_connections: 4,
            ..Options::default()
        },
    )
    .await;
    let u = endpoint.url.clone();
    let (statuses, still) = blocking(move || {
        let address = u.trim_start_matches("http://");
        let held: Vec<_> = (0..4).map(|_| answered_connection(address)).collect();
        let (status, _) = exchange_blocking(&u, "Content-Length: 2\r\n\r\n{}");
        drop(held);
        std::thread::sleep(Duration::from_millis(400));
        (status, call(&u, "getSlot", json!([])))
    })
    .await;
    assert!(statuses.starts_with("HTTP/1.1 503"), "{statuses}");
    assert!(
        still["result"].as_u64().is_some(),
        "answering again: {still}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_websocket_message_closes_only_its_connection() {
    let harness = Harness::start().await;
    let endpoint = serve_with(&harness.context, Options::default()).await;
    let (mut hostile, _) = tokio_tungstenite::connect_async(endpoint.ws_url.as_str())
        .await
        .expect("connect");
    // Sending may fail part way once the endpoint closes.
    let _ = hostile.send(Message::text("x".repeat(MAX_BODY + 1))).await;
    let closed = loop {
        match hostile.next().await {
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break true,
            Some(Ok(_)) => continue,
        }
    };
    assert!(closed);
    let (mut other, _) = tokio_tungstenite::connect_async(endpoint.ws_url.as_str())
        .await
        .expect("connect");
    other
        .send(Message::text(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "slotSubscribe" }).to_string(),
        ))
        .await
        .expect("subscribe");
    let reply = other.next().await.expect("a reply").expect("a message");
    let reply: serde_json::Value =
        serde_json::from_str(reply.to_text().expect("text")).expect("json");
    assert_eq!(reply["result"], 1, "{reply}");
}
