//! The SDK's cluster path against a JSON-RPC endpoint: a small local server (started by the
//! test, loopback only) answers `getMultipleAccounts` with accounts copied byte for byte
//! from the in-process runtime. The snapshot it builds quotes exactly like the runtime's,
//! and every failure names what is wrong.
#![allow(deprecated)] // solana-program-test 3.x: see crates/localnet/src/lib.rs

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use homeostat_math::Direction;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use homeostat_tests::*;
use serde_json::{json, Value};

const CLOCK: Pubkey = anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// Accounts the mock serves: address → (owner, data).
type Served = HashMap<String, (String, Vec<u8>)>;

fn account_json(entry: Option<&(String, Vec<u8>)>) -> Value {
    match entry {
        None => Value::Null,
        Some((owner, data)) => json!({
            "lamports": 1_000_000u64,
            "data": [base64::engine::general_purpose::STANDARD.encode(data), "base64"],
            "owner": owner,
            "executable": false,
            "rentEpoch": 0u64,
            "space": data.len(),
        }),
    }
}

/// A JSON-RPC server on 127.0.0.1 answering `getMultipleAccounts`; returns its URL.
fn serve(accounts: Served) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let accounts = accounts.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(value) = lower.strip_prefix("content-length:") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let request: Value = serde_json::from_slice(&body).expect("JSON-RPC request");
                    let result = match request["method"].as_str() {
                        Some("getMultipleAccounts") => {
                            let values: Vec<Value> = request["params"][0]
                                .as_array()
                                .expect("keys")
                                .iter()
                                .map(|key| {
                                    account_json(accounts.get(key.as_str().unwrap_or_default()))
                                })
                                .collect();
                            json!({ "context": { "slot": 1 }, "value": values })
                        }
                        other => panic!("mock RPC: unexpected method {other:?}"),
                    };
                    let response =
                        json!({ "jsonrpc": "2.0", "id": request["id"], "result": result })
                            .to_string();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        response.len()
                    );
                    if stream
                        .write_all(head.as_bytes())
                        .and_then(|_| stream.write_all(response.as_bytes()))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Copies the accounts a snapshot reads from the runtime.
async fn copy_accounts(harness: &mut Harness) -> Served {
    let mut served = Served::new();
    for address in [
        harness.pool(),
        harness.base_vault(),
        harness.quote_vault(),
        harness.oracle,
        CLOCK,
    ] {
        let account = harness
            .context
            .banks_client
            .get_account(address)
            .await
            .expect("rpc")
            .expect("account");
        served.insert(
            address.to_string(),
            (account.owner.to_string(), account.data),
        );
    }
    served
}

#[tokio::test]
async fn a_snapshot_over_rpc_quotes_exactly_like_the_runtime() {
    let (mut harness, _) = Harness::with_liquidity().await;
    let served = copy_accounts(&mut harness).await;
    let client = PoolClient::new(&serve(served), harness.addresses(), harness.oracle);
    let remote = client.snapshot().await.expect("snapshot over RPC");
    let update = harness.oracle_update().await;
    let local = harness.snapshot(&update).await;
    assert_eq!(
        (remote.base_vault, remote.quote_vault, remote.now),
        (local.base_vault, local.quote_vault, local.now)
    );
    for direction in [Direction::BaseToQuote, Direction::QuoteToBase] {
        assert_eq!(
            remote.quote_exact_in(direction, 3 * ONE_BASE / 2).unwrap(),
            local.quote_exact_in(direction, 3 * ONE_BASE / 2).unwrap()
        );
    }
}

#[tokio::test]
async fn rpc_errors_say_what_is_wrong() {
    let (mut harness, _) = Harness::with_liquidity().await;
    let served = copy_accounts(&mut harness).await;

    // A pool that does not exist.
    let mut missing = served.clone();
    missing.remove(&harness.pool().to_string());
    let client = PoolClient::new(&serve(missing), harness.addresses(), harness.oracle);
    let error = client.snapshot().await.unwrap_err();
    assert!(
        matches!(
            error,
            SdkError::NotFound {
                account: "pool",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("does not exist"), "{error}");

    // The wrong account at the pool's address.
    let mut wrong = served.clone();
    wrong.insert(
        harness.pool().to_string(),
        (Pubkey::new_unique().to_string(), vec![0; 712]),
    );
    let client = PoolClient::new(&serve(wrong), harness.addresses(), harness.oracle);
    let error = client.snapshot().await.unwrap_err();
    assert!(
        error.to_string().contains("not the Homeostat program"),
        "{error}"
    );

    // A stale oracle: the cluster's clock is two minutes past the last price.
    let mut stale = served.clone();
    let clock = stale.get_mut(&CLOCK.to_string()).expect("clock");
    let later = (harness.now + 120).to_le_bytes();
    clock.1[32..40].copy_from_slice(&later);
    let client = PoolClient::new(&serve(stale), harness.addresses(), harness.oracle);
    let snapshot = client
        .snapshot()
        .await
        .expect("the accounts themselves are fine");
    let error = snapshot
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap_err();
    assert!(
        matches!(&error, SdkError::Program { name, .. } if name == "StaleOracle"),
        "{error}"
    );

    // Nobody listening.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let client = PoolClient::new(&url, harness.addresses(), harness.oracle);
    assert!(matches!(
        client.snapshot().await.unwrap_err(),
        SdkError::Rpc(_)
    ));
}
