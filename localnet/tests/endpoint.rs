#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

//! The endpoint answering as a validator does where clients depend on it.

use homeostat_localnet::rpc::{post_blocking, serve};
use homeostat_localnet::Harness;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recent_prioritization_fees_cover_the_last_150_slots_even_when_idle() {
    // The review found an empty list when nothing had been sent; a validator lists the
    // 150 slots of its cache, 0 where nobody paid.
    let harness = Harness::start().await;
    let url = serve(&harness.context).await;
    let answer = tokio::task::spawn_blocking(move || {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": "getRecentPrioritizationFees", "params": [] });
        let slot = json!({ "jsonrpc": "2.0", "id": 2, "method": "getSlot" });
        (
            post_blocking(&url, &body.to_string(), false),
            post_blocking(&url, &slot.to_string(), false),
        )
    })
    .await
    .expect("join");
    let (fees, slot) = answer;
    let entries = fees["result"].as_array().expect("a list");
    let now = slot["result"].as_u64().expect("a slot");
    assert!(
        (entries.len() == 150) || (now < 149 && entries.len() as u64 == now + 1),
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
