//! `homeostat-keeper --quoter` against the local cluster (the real program behind the
//! loopback JSON-RPC endpoint) and a local Binance book ticker: what it pushes and how
//! (sequence, compute budget, priority fee), a kill mid-stream and a restart, the
//! venue failing and the pool falling back, the dry run, `--once` and a wrong key.

use std::time::Duration;

use anchor_lang::Discriminator;
use homeostat_keeper::quoter::journal::QuoteJournal;
use homeostat_localnet::{default_params, keypair_file, rpc, temp_folder, Harness, PoolAddresses};
use serde_json::{json, Value};
use solana_keypair::Keypair;

use super::{buy_price, quoted_pool, usdc};
use crate::cluster::keeper_binary;
use crate::common::book::{book_ticker, Mode};
use crate::common::process::{spawn, Running};

/// A quoted pool served over JSON-RPC: the harness, the pool, its quoter's keypair file,
/// a folder for the journal, and the endpoint's URL.
async fn served() -> (
    Harness,
    PoolAddresses,
    Keypair,
    homeostat_localnet::TempFolder,
    String,
) {
    let (harness, pool, quoter) = quoted_pool(default_params()).await;
    let url = rpc::serve(&harness.context).await;
    (harness, pool, quoter, temp_folder("quoter-binary"), url)
}

/// The binary's flags: quoter mode for `pool` on `url` signed by `keypair`, journaling to
/// `journal`, JSON logs at debug, a 1 000 micro-lamport fee; then `extra`.
fn quoter_args(
    url: &str,
    keypair: &std::path::Path,
    pool: &PoolAddresses,
    oracle: &anchor_lang::prelude::Pubkey,
    journal: &std::path::Path,
    extra: &[&str],
) -> Vec<String> {
    let (pool, oracle) = (pool.pool.to_string(), oracle.to_string());
    [
        "--quoter",
        "--url",
        url,
        "--quoter-keypair",
        keypair.to_str().unwrap(),
        "--pool",
        &pool,
        "--oracle",
        &oracle,
        "--quoter-journal",
        journal.to_str().unwrap(),
        "--priority-fee",
        "1000",
        "--log-format",
        "json",
        "--log",
        "debug",
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(str::to_string)
    .collect()
}

/// One JSON-RPC call's result.
async fn call(url: &str, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let answer: Value = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("the endpoint")
        .json()
        .await
        .expect("JSON");
    answer["result"].clone()
}

/// A landed push: its sequence number, compute-unit limit and price, and error.
#[derive(Debug)]
struct Landed {
    sequence: u64,
    unit_limit: u32,
    unit_price: u64,
    error: Value,
}

/// Every `push_quote` transaction that landed on `pool`, in execution order.
async fn landed_pushes(url: &str, pool: &PoolAddresses) -> Vec<Landed> {
    let listed = call(
        url,
        "getSignaturesForAddress",
        json!([pool.pool.to_string(), { "limit": 1000 }]),
    )
    .await;
    let mut pushes = Vec::new();
    // Newest first, as a validator lists them.
    for entry in listed.as_array().expect("a list").iter().rev() {
        let signature = entry["signature"].as_str().unwrap();
        let transaction = call(
            url,
            "getTransaction",
            json!([signature, { "encoding": "json" }]),
        )
        .await;
        let message = &transaction["transaction"]["message"];
        let keys: Vec<&str> = message["accountKeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key.as_str().unwrap())
            .collect();
        let data = |program: &str| {
            message["instructions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|ix| keys[ix["programIdIndex"].as_u64().unwrap() as usize] == program)
                .map(|ix| {
                    bs58::decode(ix["data"].as_str().unwrap())
                        .into_vec()
                        .unwrap()
                })
                .collect::<Vec<_>>()
        };
        let Some(push) = data(&homeostat::ID.to_string())
            .into_iter()
            .find(|data| data.starts_with(homeostat::instruction::PushQuote::DISCRIMINATOR))
        else {
            continue;
        };
        let budget = data("ComputeBudget111111111111111111111111111111");
        let field = |tag: u8| budget.iter().find(|data| data[0] == tag).expect("a budget");
        pushes.push(Landed {
            sequence: u64::from_le_bytes(push[8..16].try_into().unwrap()),
            unit_limit: u32::from_le_bytes(field(2)[1..5].try_into().unwrap()),
            unit_price: u64::from_le_bytes(field(3)[1..9].try_into().unwrap()),
            error: transaction["meta"]["err"].clone(),
        });
    }
    pushes
}

/// Waits (serving the endpoint meanwhile) until the pool's quote sequence has moved
/// `times` times, at most 20 s; the last one seen.
async fn pushes_seen(harness: &mut Harness, pool: &PoolAddresses, times: usize) -> u64 {
    let mut seen = vec![harness.pool_state(pool).await.pushed.sequence];
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sequence = harness.pool_state(pool).await.pushed.sequence;
        if Some(&sequence) != seen.last() {
            seen.push(sequence);
        }
        if seen.len() > times {
            return sequence;
        }
    }
    panic!("the pool's quote moved {} times in 20 s", seen.len() - 1)
}

/// The flags that quote the fake Binance book at `ticker` every 100 ms, then `extra`.
fn binance_every_100ms<'a>(ticker: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let flags = [
        "--venue",
        "binance",
        "--binance-url",
        ticker,
        "--quoter-interval-ms",
        "100",
    ];
    flags.into_iter().chain(extra.iter().copied()).collect()
}

/// Stops `quoter` with SIGTERM: exit 0 within 3 s.
async fn stop(quoter: &mut Running) {
    quoter.signal("TERM");
    let exit = quoter.exit_within(Duration::from_secs(3)).await;
    let lines = quoter.rest().await;
    let (status, _) = exit.unwrap_or_else(|| panic!("still running:\n{}", lines.join("\n")));
    assert_eq!(status.code(), Some(0), "{}", lines.join("\n"));
}

#[tokio::test]
async fn a_killed_quoter_restarts_above_every_sequence_it_sent() {
    let (mut harness, pool, quoter, folder, url) = served().await;
    let keypair = keypair_file(&quoter, &folder);
    let journal = folder.join("quoter.sqlite");
    // 149.95 / 150.05 USDT: the mid, 150, priced per SOL in USDC atoms.
    let (ticker, _) = book_ticker("149.95", "150.05").await;
    let args = quoter_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &journal,
        &binance_every_100ms(&ticker, &[]),
    );
    let mut running = spawn(&args);
    let before = pushes_seen(&mut harness, &pool, 3).await;
    running.signal("KILL");
    assert!(running.exit_within(Duration::from_secs(3)).await.is_some());
    let journaled = QuoteJournal::open_read_only(&journal)
        .unwrap()
        .unwrap()
        .high_water()
        .unwrap();
    assert!(
        journaled >= before,
        "{journaled} journaled, {before} on chain"
    );
    let mut running = spawn(&args);
    let after = pushes_seen(&mut harness, &pool, 3).await;
    stop(&mut running).await;
    assert!(
        after > journaled,
        "restarted above the journal: {after} > {journaled}"
    );

    let pushes = landed_pushes(&url, &pool).await;
    assert!(pushes.len() >= 6, "{pushes:?}");
    for push in &pushes {
        assert_eq!(push.error, Value::Null, "refused: {push:?}");
        assert_eq!(
            (push.unit_limit, push.unit_price),
            (2_000, 1_000),
            "{push:?}"
        );
    }
    let sequences: Vec<u64> = pushes.iter().map(|push| push.sequence).collect();
    assert!(
        sequences.windows(2).all(|pair| pair[0] < pair[1]),
        "strictly increasing on chain, none twice: {sequences:?}"
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(
        state.pushed.price.get(),
        usdc(150.0),
        "the venue's mid per lot"
    );
    assert_eq!(state.pushed.bid_offset.get(), usdc(0.05));
}

#[tokio::test]
async fn when_the_venue_fails_the_quoter_stops_and_swaps_fall_back_to_pyth() {
    let (mut harness, pool, quoter, folder, url) = served().await;
    let keypair = keypair_file(&quoter, &folder);
    let journal = folder.join("quoter.sqlite");
    let (ticker, book) = book_ticker("150.15", "150.25").await;
    let args = quoter_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &journal,
        &binance_every_100ms(&ticker, &["--quoter-max-book-age-ms", "300"]),
    );
    let mut running = spawn(&args);
    pushes_seen(&mut harness, &pool, 2).await;
    for failure in [Mode::Down, Mode::Garbage, Mode::Frozen { since_ms: 0 }] {
        match failure {
            Mode::Frozen { .. } => book.lock().unwrap().freeze(),
            other => book.lock().unwrap().mode = other,
        }
        running
            .line(Duration::from_secs(10), |line| line.contains("not pushing"))
            .await;
        let state = harness.pool_state(&pool).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let later = harness.pool_state(&pool).await;
        assert_eq!(
            later.pushed.sequence, state.pushed.sequence,
            "{failure:?}: no push"
        );
        assert_eq!(
            buy_price(&mut harness, &pool).await,
            Ok(usdc(150.2)),
            "still valid"
        );
        // Past the last quote's slot: Pyth prices.
        harness.set_clock(harness.now, state.pushed.valid_until + 1);
        assert_eq!(
            buy_price(&mut harness, &pool).await,
            Ok(usdc(150.0)),
            "{failure:?}"
        );
        book.lock().unwrap().mode = Mode::Live;
        running
            .line(Duration::from_secs(10), |line| {
                line.contains("pushing quotes")
            })
            .await;
        pushes_seen(&mut harness, &pool, 1).await;
        assert_eq!(
            buy_price(&mut harness, &pool).await,
            Ok(usdc(150.2)),
            "quoting again"
        );
    }
    stop(&mut running).await;
}

#[tokio::test]
async fn the_dry_run_shows_the_quote_once_pushes_one_and_a_wrong_key_is_named() {
    let (mut harness, pool, quoter, folder, url) = served().await;
    let keypair = keypair_file(&quoter, &folder);
    let journal = folder.join("quoter.sqlite");
    let oracle = harness.oracle;
    let flags = |key: &std::path::Path, extra: &[&str]| {
        quoter_args(&url, key, &pool, &oracle, &journal, extra)
    };
    // The paper venue's touch: Pyth's 150 ± 2 bp.
    let output = keeper_binary(flags(&keypair, &["--venue", "paper", "--dry-run"])).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(report["would_push"], true, "{report}");
    assert_eq!(report["quote"]["price"], "150000000", "{report}");
    assert_eq!(
        report["quote"]["bid_offset"], "30000",
        "2 bp of 150 USDC: {report}"
    );
    assert_eq!(report["quote"]["valid_until"], harness.slot + 4, "{report}");
    assert!(!journal.exists(), "a dry run writes no journal");
    assert_eq!(
        harness.pool_state(&pool).await.pushed.sequence,
        0,
        "nor sends"
    );

    let output = keeper_binary(flags(&keypair, &["--venue", "paper", "--once"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.pushed.price.get(), usdc(150.0));
    let journaled = QuoteJournal::open(&journal).unwrap().quotes().unwrap();
    assert_eq!(journaled.len(), 1);
    assert_eq!(journaled[0].sequence, state.pushed.sequence);
    assert!(journaled[0].signature.is_some());

    let strangers = temp_folder("quoter-stranger");
    let stranger = keypair_file(&Keypair::new(), &strangers);
    let output = keeper_binary(flags(&stranger, &["--venue", "paper", "--once"])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is not this pool's quoter") && stderr.contains("set_quoter"),
        "{stderr}"
    );
    let output = keeper_binary(flags(&keypair, &["--venue", "hyperliquid", "--dry-run"])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("paper or binance"), "{stderr}");
}
