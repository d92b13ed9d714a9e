//! The loopback endpoint (`homeostat_localnet::rpc`) as third-party clients use it, over
//! plain HTTP/1.1: batch requests, chunked bodies, `getProgramAccounts` with filters and
//! `dataSlice`, `requestAirdrop`, and the shapes of the methods wallets call first.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use homeostat_localnet::rpc;
use homeostat_localnet::*;
use serde_json::{json, Value};

use crate::call;

#[tokio::test]
async fn batches_and_chunked_bodies_are_answered() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;
    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "getHealth" },
        { "jsonrpc": "2.0", "id": 2, "method": "getBlockHeight" },
        { "jsonrpc": "2.0", "id": 3, "method": "noSuchMethod" },
    ])
    .to_string();
    let url_for = url.clone();
    let (batched, chunked) = tokio::task::spawn_blocking(move || {
        (
            rpc::post_blocking(&url_for, &batch, false),
            rpc::post_blocking(
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
    let endpoint = rpc::serve_with(&harness.context, Default::default()).await;
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
    // The discriminator, then the account's fields.
    let base_mint_offset = 8 + std::mem::offset_of!(homeostat::state::Pool, base_mint);
    let filtered = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, {
            "encoding": "base64",
            "filters": [{ "dataSize": homeostat::state::Pool::SPACE }, { "memcmp": { "offset": base_mint_offset, "bytes": base_mint } }],
            "dataSlice": { "offset": base_mint_offset, "length": 32 },
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
    let endpoint = rpc::serve_with(&harness.context, Default::default()).await;
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

#[tokio::test]
async fn the_genesis_hash_is_the_runtime_s() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;
    let answer = call(&url, "getGenesisHash", json!([])).await;
    assert_eq!(
        answer["result"],
        harness.context.genesis_config().hash().to_string()
    );
}

#[tokio::test]
async fn accounts_come_in_the_validator_s_encodings() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(3 * ONE_BASE, 0).await;
    let table = harness.create_lookup_table(&[pool.pool, pool.base_vault]);
    let url = rpc::serve(&harness.context).await;
    let info = |address: Pubkey, options: Value| {
        call(
            &url,
            "getAccountInfo",
            json!([address.to_string(), options]),
        )
    };
    // jsonParsed: a lookup table as Kit's fetchAddressesForLookupTables reads it …
    let parsed = info(table, json!({ "encoding": "jsonParsed" })).await;
    let data = &parsed["result"]["value"]["data"];
    assert_eq!(data["program"], "address-lookup-table");
    assert_eq!(data["parsed"]["type"], "lookupTable");
    assert_eq!(
        data["parsed"]["info"]["addresses"],
        json!([pool.pool.to_string(), pool.base_vault.to_string()])
    );
    assert_eq!(
        data["parsed"]["info"]["deactivationSlot"],
        u64::MAX.to_string()
    );
    // … a token account with its mint's decimals …
    let parsed = info(trader.base, json!({ "encoding": "jsonParsed" })).await;
    let data = &parsed["result"]["value"]["data"];
    assert_eq!(data["program"], "spl-token");
    assert_eq!(data["parsed"]["info"]["mint"], pool.base_mint.to_string());
    assert_eq!(
        data["parsed"]["info"]["tokenAmount"],
        json!({ "amount": (3 * ONE_BASE).to_string(), "decimals": 9, "uiAmount": 3.0, "uiAmountString": "3" })
    );
    // … and base 64 for an account no parser knows (the pool).
    let fallback = info(pool.pool, json!({ "encoding": "jsonParsed" })).await;
    assert_eq!(fallback["result"]["value"]["data"][1], "base64");

    // Base 58 — the default — up to 128 bytes, refused beyond as a validator refuses.
    let small = info(
        pool.pool,
        json!({ "dataSlice": { "offset": 8, "length": 32 } }),
    )
    .await;
    let text = small["result"]["value"]["data"]
        .as_str()
        .expect("binary: a plain base-58 string");
    assert_eq!(bs58::decode(text).into_vec().expect("base 58").len(), 32);
    let large = info(pool.pool, json!({})).await;
    assert_eq!(large["error"]["code"], -32602);
    assert!(
        large["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("use Base64 encoding")),
        "{large}"
    );
    // base64+zstd, as the Rust RpcClient asks.
    let packed = info(pool.pool, json!({ "encoding": "base64+zstd" })).await;
    assert_eq!(packed["result"]["value"]["data"][1], "base64+zstd");
    let bad = info(pool.pool, json!({ "encoding": "hex" })).await;
    assert_eq!(bad["error"]["code"], -32602);
}
