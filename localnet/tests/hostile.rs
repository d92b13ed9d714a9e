#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

//! The endpoint under hostile requests (issue #30's list): each is answered with an HTTP
//! error or a JSON-RPC error — never a crashed process, a panicked connection task or a
//! connection held forever — and the endpoint keeps answering other clients.

use std::io::{Read, Write};
use std::time::Duration;

use homeostat_localnet::rpc::{exchange_blocking, post_blocking, serve_with, Options, MAX_BODY};
use homeostat_localnet::Harness;
use serde_json::json;

/// Runs `task` off the runtime serving the endpoint.
async fn blocking<T: Send + 'static>(task: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(task).await.expect("join")
}

fn call(url: &str, method: &str, params: serde_json::Value) -> serde_json::Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    post_blocking(url, &body.to_string(), false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_are_refused_and_the_endpoint_keeps_answering() {
    let harness = Harness::start().await;
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
    let url = endpoint.url.clone();

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
    // Overflowing parameters: named JSON-RPC errors or a value, never a panic.
    let u = url.clone();
    let rent =
        blocking(move || call(&u, "getMinimumBalanceForRentExemption", json!([u64::MAX]))).await;
    assert_eq!(rent["error"]["code"], -32602, "{rent}");
    let u = url.clone();
    let rent = blocking(move || call(&u, "getMinimumBalanceForRentExemption", json!([165]))).await;
    assert!(rent["result"].as_u64().is_some(), "{rent}");

    // Not a JSON-RPC request: -32600 (the review found -32601, "method not found").
    for body in [
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

    // Beyond the connection cap: 503; the held connections still work, and once they
    // are gone there is room again.
    let u = url.clone();
    let (statuses, still) = blocking(move || {
        let address = u.trim_start_matches("http://");
        let held: Vec<_> = (0..4)
            .map(|_| std::net::TcpStream::connect(address).expect("connect"))
            .collect();
        std::thread::sleep(Duration::from_millis(50));
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
