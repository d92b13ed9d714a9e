//! The node as a cluster, as a validator answers for itself: who leads which slots, what
//! it produced, its recent performance, the stake program's minimum delegation and its
//! (absent) snapshots. Each of these methods was `-32601` before.

use std::time::Duration;

use anchor_lang::solana_program::system_instruction;
use homeostat_localnet::rpc::{serve, serve_with, Options};
use homeostat_localnet::Harness;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::call;

async fn identity(url: &str) -> String {
    let answer = call(url, "getIdentity", json!([])).await;
    answer["result"]["identity"]
        .as_str()
        .expect("an identity")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_node_leads_every_slot_and_produced_every_block() {
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let me = identity(&url).await;
    let leaders = call(&url, "getSlotLeaders", json!([1, 10])).await;
    assert_eq!(leaders["result"], json!(vec![me.clone(); 10]), "{leaders}");
    let too_many = call(&url, "getSlotLeaders", json!([1, 5_001])).await;
    assert_eq!(too_many["error"]["code"], -32602, "{too_many}");
    assert_eq!(too_many["error"]["message"], "Invalid limit; max 5000");

    // The epoch so far: every slot led, every block from slot 1 produced.
    let production = call(&url, "getBlockProduction", json!([])).await["result"].clone();
    let range = &production["value"]["range"];
    let (first, last) = (
        range["firstSlot"].as_u64().expect("first"),
        range["lastSlot"].as_u64().expect("last"),
    );
    assert_eq!(first, 0, "{production}");
    assert_eq!(
        production["value"]["byIdentity"][&me],
        json!([last + 1, last]),
        "{production}"
    );
    let ranged = |config: Value| call(&url, "getBlockProduction", json!([config]));
    let some = ranged(json!({ "range": { "firstSlot": 1, "lastSlot": 1 } })).await;
    assert_eq!(some["result"]["value"]["byIdentity"][&me], json!([1, 1]));
    let stranger = Keypair::new().pubkey().to_string();
    let theirs = ranged(json!({ "identity": stranger })).await;
    assert_eq!(
        theirs["result"]["value"]["byIdentity"],
        json!({}),
        "{theirs}"
    );
    let backwards = ranged(json!({ "range": { "firstSlot": 2, "lastSlot": 1 } })).await;
    assert_eq!(backwards["error"]["code"], -32602, "{backwards}");
    let future = ranged(json!({ "range": { "firstSlot": 1, "lastSlot": u64::MAX } })).await;
    assert_eq!(future["error"]["code"], -32602, "{future}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn performance_samples_count_each_periods_slots_and_transactions() {
    // 10 slots of 20 ms a sample (a validator: a minute's slots).
    let harness = Harness::start().await;
    let endpoint = serve_with(
        &harness.context,
        Options {
            slot_duration: Duration::from_millis(20),
            sample_period: Duration::from_millis(200),
            ..Options::default()
        },
    )
    .await;
    let url = endpoint.url.as_str();
    let payer = harness.context.payer.insecure_clone();
    let latest = call(url, "getLatestBlockhash", json!([])).await;
    let blockhash = latest["result"]["value"]["blockhash"]
        .as_str()
        .and_then(|hash| hash.parse().ok())
        .expect("a blockhash");
    let transfer =
        system_instruction::transfer(&payer.pubkey(), &Keypair::new().pubkey(), 1_000_000_000);
    let transaction = Transaction::new_signed_with_payer(
        &[transfer],
        Some(&payer.pubkey()),
        &[&payer],
        blockhash,
    );
    let wire = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        bincode::serialize(&transaction).expect("serialises"),
    );
    let sent = call(
        url,
        "sendTransaction",
        json!([wire, { "encoding": "base64" }]),
    )
    .await;
    let statuses = call(url, "getSignatureStatuses", json!([[sent["result"]]])).await;
    let landed_in = statuses["result"]["value"][0]["slot"]
        .as_u64()
        .unwrap_or_else(|| panic!("landed: {sent} {statuses}"));
    // Its sample whole, and at least three samples.
    while endpoint.slot() < landed_in.max(20) + 12 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let samples = call(url, "getRecentPerformanceSamples", json!([])).await["result"].clone();
    let samples = samples.as_array().expect("a list");
    assert!(samples.len() >= 3, "{samples:?}");
    let slots: Vec<u64> = samples
        .iter()
        .map(|s| s["slot"].as_u64().expect("a slot"))
        .collect();
    assert!(
        slots.windows(2).all(|pair| pair[0] == pair[1] + 10),
        "newest first: {slots:?}"
    );
    assert!(samples
        .iter()
        .all(|s| s["numSlots"] == 10 && s["samplePeriodSecs"] == 0));
    let landed: u64 = samples
        .iter()
        .map(|s| s["numTransactions"].as_u64().expect("n"))
        .sum();
    assert_eq!(landed, 1, "the one transfer, in its sample: {samples:?}");
    let one = call(url, "getRecentPerformanceSamples", json!([1])).await;
    assert_eq!(one["result"].as_array().map(Vec::len), Some(1), "{one}");
    let too_many = call(url, "getRecentPerformanceSamples", json!([721])).await;
    assert_eq!(
        too_many["error"]["message"], "Invalid limit; max 720",
        "{too_many}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stake_program_says_the_minimum_delegation_and_there_is_no_snapshot() {
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let minimum = call(&url, "getStakeMinimumDelegation", json!([])).await;
    let lamports = minimum["result"]["value"].as_u64().expect("lamports");
    // 1 SOL once `stake_raise_minimum_delegation_to_1_sol` is active, else 1 lamport.
    assert!([1, 1_000_000_000].contains(&lamports), "{minimum}");
    assert!(minimum["result"]["context"]["slot"].is_u64(), "{minimum}");
    let snapshot = call(&url, "getHighestSnapshotSlot", json!([])).await;
    assert_eq!(snapshot["error"]["code"], -32008, "{snapshot}");
    assert_eq!(snapshot["error"]["message"], "No snapshot");
}
