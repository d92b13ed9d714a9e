//! The endpoint answering as a validator does where clients depend on it (issue #30's
//! list): each test failed before its fix.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use base64::Engine;
use homeostat_localnet::rpc::{serve, serve_with, Options};
use homeostat_localnet::Harness;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::call;

/// A transaction's base-64 wire bytes.
fn wire(transaction: &Transaction) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bincode::serialize(transaction).expect("serialises"))
}

/// A blockhash handed out by the endpoint.
async fn blockhash<Hash: std::str::FromStr>(url: &str) -> Hash {
    let latest = call(url, "getLatestBlockhash", json!([])).await;
    latest["result"]["value"]["blockhash"]
        .as_str()
        .and_then(|hash| hash.parse().ok())
        .expect("a blockhash")
}

/// Sends `transaction` with `options`, returns the answer.
async fn send(url: &str, transaction: &Transaction, skip_preflight: bool) -> Value {
    let options = json!({ "encoding": "base64", "skipPreflight": skip_preflight });
    call(url, "sendTransaction", json!([wire(transaction), options])).await
}

async fn status(url: &str, signature: &str) -> Value {
    let statuses = call(url, "getSignatureStatuses", json!([[signature]])).await;
    statuses["result"]["value"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_prioritization_fees_cover_the_last_150_slots_even_when_idle() {
    // The review found an empty list when nothing had been sent; a validator lists the
    // 150 slots of its cache, 0 where nobody paid.
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let fees = call(&url, "getRecentPrioritizationFees", json!([])).await;
    let now = call(&url, "getSlot", json!([])).await["result"]
        .as_u64()
        .expect("a slot");
    let entries = fees["result"].as_array().expect("a list");
    assert!(
        (entries.len() == 150) || (now < 149 && entries.len() as u64 <= now + 1),
        "{} entries at slot {now}",
        entries.len()
    );
    assert!(entries.iter().all(|entry| entry["prioritizationFee"] == 0));
    let slots: Vec<u64> = entries
        .iter()
        .map(|e| e["slot"].as_u64().expect("slot"))
        .collect();
    assert!(
        slots.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "consecutive"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blockhash_is_valid_exactly_as_long_as_the_runtime_accepts_it() {
    // The review found `lastValidBlockHeight` 150 blocks (60 s) ahead and
    // `isBlockhashValid` true long after the runtime had forgotten the blockhash (~1 s).
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let latest = call(&url, "getLatestBlockhash", json!([])).await["result"].clone();
    let hash = latest["value"]["blockhash"].clone();
    let last_valid = latest["value"]["lastValidBlockHeight"]
        .as_u64()
        .expect("a height");
    let issued = latest["context"]["slot"].as_u64().expect("a slot");
    // 400 ms a slot: the runtime keeps a blockhash at least 960 ms, so one more block
    // (the context's slot may be one past the one it was handed out in).
    assert!((issued..=issued + 1).contains(&last_valid), "{latest}");
    // Once the height passes it, the blockhash is invalid and a transaction with it is
    // refused — or, without preflight, never lands.
    loop {
        let height = call(&url, "getBlockHeight", json!([])).await["result"]
            .as_u64()
            .expect("a height");
        if height > last_valid {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let valid = call(&url, "isBlockhashValid", json!([hash])).await;
    assert_eq!(valid["result"]["value"], false, "{valid}");
    let payer = harness.context.payer.insecure_clone();
    let transfer = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1_000_000,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        hash.as_str()
            .and_then(|hash| hash.parse().ok())
            .expect("hash"),
    );
    let refused = send(&url, &transfer, false).await;
    assert_eq!(refused["error"]["code"], -32002, "{refused}");
    assert_eq!(refused["error"]["data"]["err"], "BlockhashNotFound");
    let dropped = send(&url, &transfer, true).await;
    let signature = dropped["result"].as_str().expect("a signature");
    assert_eq!(status(&url, signature).await, Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_preflight_a_transaction_lands_only_if_it_executes() {
    // The review found a transaction the runtime refused recorded as landed and failed.
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let payer = harness.context.payer.insecure_clone();
    // A fee payer with no account: refused before execution, so it never lands.
    let stranger = Keypair::new();
    let refused = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &stranger.pubkey(),
            &payer.pubkey(),
            1,
        )],
        Some(&stranger.pubkey()),
        &[&stranger],
        blockhash(&url).await,
    );
    let answer = send(&url, &refused, true).await;
    let signature = answer["result"].as_str().expect("a signature");
    assert_eq!(status(&url, signature).await, Value::Null, "never landed");
    let missing = call(&url, "getTransaction", json!([signature])).await;
    assert_eq!(missing["result"], Value::Null);
    let preflight = send(&url, &refused, false).await;
    assert_eq!(preflight["error"]["code"], -32002, "{preflight}");
    // A transfer of more than the payer holds fails executing: it lands, with its
    // error, and pays its fee.
    let poor = Keypair::new();
    let mut harness = harness;
    harness.airdrop(&poor.pubkey(), 1_000_000).await;
    let failing = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &poor.pubkey(),
            &payer.pubkey(),
            2_000_000,
        )],
        Some(&poor.pubkey()),
        &[&poor],
        blockhash(&url).await,
    );
    let answer = send(&url, &failing, true).await;
    let signature = answer["result"].as_str().expect("a signature");
    let landed = status(&url, signature).await;
    assert!(landed["err"]["InstructionError"].is_array(), "{landed}");
    let balance = call(&url, "getBalance", json!([poor.pubkey().to_string()])).await;
    assert_eq!(balance["result"]["value"], 1_000_000 - 5_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_methods_answer_over_the_known_token_accounts() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let owner = Keypair::new().pubkey();
    let accounts = harness.fund_associated(&pool, &owner, 7_000, 9_000).await;
    let supply = harness.supply(&pool.base_mint).await;
    let endpoint = serve_with(&harness.context, Options::default()).await;
    endpoint
        .watch([
            accounts.base,
            accounts.quote,
            pool.base_vault,
            pool.quote_vault,
        ])
        .await;
    let url = endpoint.url.clone();
    let owned = call(
        &url,
        "getTokenAccountsByOwner",
        json!([owner.to_string(), { "mint": pool.base_mint.to_string() }, { "encoding": "jsonParsed" }]),
    )
    .await;
    let listed = owned["result"]["value"].as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{owned}");
    assert_eq!(listed[0]["pubkey"], accounts.base.to_string());
    assert_eq!(
        listed[0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"],
        "7000"
    );
    let by_program = call(
        &url,
        "getTokenAccountsByOwner",
        json!([owner.to_string(), { "programId": harness.base_token_program.to_string() }, { "encoding": "base64" }]),
    )
    .await;
    assert_eq!(
        by_program["result"]["value"].as_array().map(Vec::len),
        Some(2)
    );
    let total = call(&url, "getTokenSupply", json!([pool.base_mint.to_string()])).await;
    assert_eq!(total["result"]["value"]["amount"], supply.to_string());
    let largest = call(
        &url,
        "getTokenLargestAccounts",
        json!([pool.base_mint.to_string()]),
    )
    .await;
    let largest = largest["result"]["value"]
        .as_array()
        .expect("a list")
        .clone();
    assert_eq!(largest[0]["address"], pool.base_vault.to_string());
    assert_eq!(largest.last().expect("two")["amount"], "7000");
    let none = call(&url, "getTokenAccountsByOwner", json!([owner.to_string()])).await;
    assert_eq!(none["error"]["code"], -32602, "{none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocks_list_their_transactions_with_a_block_time() {
    // The review found getBlock and getBlockTime missing and every blockTime null.
    let mut harness = Harness::start().await;
    harness.set_time(1_800_000_000);
    let endpoint = serve_with(&harness.context, Options::default()).await;
    endpoint
        .set_faucet(harness.context.payer.insecure_clone())
        .await;
    let url = endpoint.url.clone();
    let to = Pubkey::new_unique();
    let airdrop = call(&url, "requestAirdrop", json!([to.to_string(), 1_000_000])).await;
    let signature = airdrop["result"].as_str().expect("a signature").to_string();
    let slot = status(&url, &signature).await["slot"]
        .as_u64()
        .expect("a slot");
    let block = call(
        &url,
        "getBlock",
        json!([slot, { "maxSupportedTransactionVersion": 0 }]),
    )
    .await;
    let block = &block["result"];
    assert_eq!(block["blockTime"], 1_800_000_000, "{block}");
    assert_eq!(block["parentSlot"], slot - 1);
    assert_eq!(
        block["transactions"][0]["transaction"]["signatures"][0],
        signature.as_str()
    );
    let time = call(&url, "getBlockTime", json!([slot])).await;
    assert_eq!(time["result"], 1_800_000_000);
    let transaction = call(&url, "getTransaction", json!([signature])).await;
    assert_eq!(transaction["result"]["blockTime"], 1_800_000_000);
    let listed = call(&url, "getSignaturesForAddress", json!([to.to_string()])).await;
    assert_eq!(listed["result"][0]["blockTime"], 1_800_000_000);
    let signatures = call(
        &url,
        "getBlock",
        json!([slot, { "transactionDetails": "signatures" }]),
    )
    .await;
    assert_eq!(signatures["result"]["signatures"], json!([signature]));
    let blocks = call(&url, "getBlocks", json!([slot, slot])).await;
    assert_eq!(blocks["result"], json!([slot]));
    let future = call(&url, "getBlockTime", json!([slot + 1_000_000])).await;
    assert_eq!(future["error"]["code"], -32004, "{future}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulations_show_the_accounts_asked_for_or_say_why_not() {
    // The review found `accounts` ignored (always null).
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let payer = harness.context.payer.insecure_clone();
    let to = Pubkey::new_unique();
    let transfer = Transaction::new_signed_with_payer(
        &[system_instruction::transfer(
            &payer.pubkey(),
            &to,
            1_000_000,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        blockhash(&url).await,
    );
    let system = "11111111111111111111111111111111";
    let simulate = |addresses: Value| {
        let options = json!({
            "encoding": "base64",
            "replaceRecentBlockhash": true,
            "accounts": { "addresses": addresses, "encoding": "base64" },
        });
        call(
            &url,
            "simulateTransaction",
            json!([wire(&transfer), options]),
        )
    };
    let read = simulate(json!([system])).await;
    assert_eq!(
        read["result"]["value"]["accounts"][0]["executable"], true,
        "{read}"
    );
    let written = simulate(json!([to.to_string()])).await;
    assert_eq!(written["error"]["code"], -32602, "{written}");
    assert!(written["error"]["message"]
        .as_str()
        .is_some_and(|message| message.contains(&to.to_string())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_json_rpc_s_codes() {
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let named = call(&url, "getBalance", json!({ "pubkey": "x" })).await;
    assert_eq!(named["error"]["code"], -32602, "{named}");
    let bad = call(&url, "getBalance", json!(["not a key"])).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    let unknown = call(&url, "getNothing", json!([])).await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    // Every method the table lists is answered (never -32601).
    for method in homeostat_localnet::rpc::methods() {
        let answer = call(&url, method, json!([])).await;
        assert_ne!(answer["error"]["code"], -32601, "{method}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_sysvar_says_the_endpoint_s_slot() {
    // The review found the clock at slot 0 while getSlot said ~2 800: the harness now
    // writes the endpoint's slot (as `homeostat localnet` does every slot).
    let mut harness = Harness::start().await;
    let endpoint = serve_with(
        &harness.context,
        Options {
            slot_duration: Duration::from_secs(3_600),
            ..Options::default()
        },
    )
    .await;
    harness.set_clock(1_800_000_000, endpoint.slot());
    let clock = call(
        &endpoint.url,
        "getAccountInfo",
        json!(["SysvarC1ock11111111111111111111111111111111", { "encoding": "jsonParsed" }]),
    )
    .await;
    let slot = call(&endpoint.url, "getSlot", json!([])).await;
    assert_eq!(
        clock["result"]["value"]["data"]["parsed"]["info"]["slot"], slot["result"],
        "{clock}"
    );
}
