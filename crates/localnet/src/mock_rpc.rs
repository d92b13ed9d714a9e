//! A minimal Solana JSON-RPC endpoint on loopback, for testing cluster clients (the SDK's
//! `rpc` feature, the CLI) without a validator: it answers `getMultipleAccounts` with
//! accounts copied byte for byte from the in-process runtime.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};

use crate::Harness;

/// The clock sysvar.
pub const CLOCK: Pubkey =
    anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// Accounts the mock serves: address → (owner, data).
pub type Served = HashMap<String, (String, Vec<u8>)>;

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
pub fn serve(accounts: Served) -> String {
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

/// Copies from the runtime the accounts a client reads: the pool, its vaults and mints, the
/// oracle and the clock.
pub async fn copy_accounts(harness: &mut Harness) -> Served {
    let mut served = Served::new();
    for address in [
        harness.pool(),
        harness.base_vault(),
        harness.quote_vault(),
        harness.oracle,
        CLOCK,
        harness.base_mint,
        harness.quote_mint,
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
