//! `homeostat calibrate` against a cluster (the in-process runtime with the real program,
//! served over JSON-RPC): `--apply` moves the pool's parameters exactly as proposed and by
//! no more than the step bound; `--every` runs as a supervised service — a node that
//! goes down is retried with backoff, failed rounds are journaled and skipped, too many
//! in a row stop it, SIGTERM stops it cleanly, and its metrics count it all.

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use homeostat_localnet::*;
use homeostat_math::Direction;
use homeostat_sdk::instructions::{self, UserAccounts};
use homeostat_sdk::rpc::PoolClient;
use serde_json::Value;
use solana_keypair::Keypair;
use solana_signer::Signer;
use tokio::net::{TcpListener, TcpStream};

#[path = "common/run.rs"]
mod run;
use run::homeostat;

/// Every JSON value the command printed, in order (a round, then `update-params`' plan).
#[track_caller]
fn values(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::Deserializer::from_slice(&output.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("JSON values")
}

/// The flow's truth: A per side (fills of one lot per second at zero distance) and k.
const TRUE_A: f64 = 0.05;
const TRUE_K: f64 = 10_000.0;
/// The endpoint's slot.
const SLOT: Duration = Duration::from_millis(50);

/// A pool created by the CLI (the example configuration, its quotes widened by the
/// print's confidence) and a history of swaps over RPC: takers of one lot arriving at
/// `A·e^(−kδ)` per side, δ the pool's half-spread (≈ 1 bp and the print's confidence,
/// which changes every 30 swaps so that A and k can be told apart). Returns the harness,
/// the pool, the admin's keypair file (in `folder`) and the endpoint's URL.
async fn pool_with_history(folder: &std::path::Path) -> (Harness, PoolAddresses, String, String) {
    let mut harness = Harness::start().await;
    let wallet = Keypair::new();
    let pool = harness.pool_under(homeostat_sdk::pda::config(&wallet.pubkey()), 0);
    harness.airdrop(&wallet.pubkey(), 10_000_000_000).await;
    harness
        .fund_associated(
            &pool,
            &wallet.pubkey(),
            2_000 * ONE_BASE,
            300_000 * ONE_QUOTE,
        )
        .await;
    // Short slots, and a swap a slot: each lands in its own block, with its own time.
    let options = rpc::Options {
        slot_duration: SLOT,
        ..rpc::Options::default()
    };
    let url = rpc::serve_with(&harness.context, options).await.url;
    let keypair = keypair_file(&wallet, folder);
    let keypair = keypair.to_str().expect("utf-8").to_string();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pool.toml");
    let text = std::fs::read_to_string(example).expect("the example configuration");
    let config = folder.join("pool.toml");
    std::fs::write(
        &config,
        text.replace("confidence_multiplier = 0.0", "confidence_multiplier = 1.0"),
    )
    .expect("write");
    let (base_mint, quote_mint, oracle) = (
        harness.base_mint.to_string(),
        harness.quote_mint.to_string(),
        harness.oracle.to_string(),
    );
    values(
        &homeostat(&[
            "pool",
            "bootstrap",
            "--url",
            &url,
            "--keypair",
            &keypair,
            "--base-mint",
            &base_mint,
            "--quote-mint",
            &quote_mint,
            "--oracle",
            &oracle,
            "--config",
            config.to_str().expect("utf-8"),
            "--seed-base",
            "100000000000",
            "--seed-quote",
            "15000000000",
            "--change-delay",
            "0",
        ])
        .await,
    );
    let client = PoolClient::connect(&url, pool.pool, harness.oracles())
        .await
        .expect("connect");
    let user = UserAccounts::associated(&pool, wallet.pubkey());
    let mut rng = XorShift(29);
    let uniform = |rng: &mut XorShift| (rng.below(1 << 30) as f64 + 0.5) / (1u64 << 30) as f64;
    let mut now = harness.now;
    for confidence_bps in [0.0, 2.0, 0.5, 3.0, 1.0, 0.25, 2.5, 1.5] {
        let rate = 2.0 * TRUE_A * (-TRUE_K * (1.0 + confidence_bps) / 10_000.0).exp();
        for _ in 0..30 {
            now += (-uniform(&mut rng).ln() / rate).round().max(1.0) as i64;
            harness.set_time(now);
            harness.set_price(
                pyth_price(150.0),
                pyth_price(150.0 * confidence_bps / 10_000.0),
            );
            let (direction, amount_in) = if rng.below(2) == 0 {
                (Direction::BaseToQuote, ONE_BASE)
            } else {
                (Direction::QuoteToBase, 150 * ONE_QUOTE)
            };
            let swap = instructions::swap_exact_in(
                &pool,
                harness.oracles(),
                &user,
                SwapIn {
                    direction,
                    amount_in,
                    min_amount_out: 1,
                },
            );
            client.send(&[swap], &[&wallet]).await.expect("swap");
            tokio::time::sleep(SLOT + Duration::from_millis(10)).await;
        }
    }
    (harness, pool, keypair, url)
}

#[tokio::test]
async fn apply_moves_the_pool_exactly_as_proposed_and_at_most_one_step() {
    let folder = temp_folder("cli-calibrate-apply");
    let (mut harness, pool, keypair, url) = pool_with_history(&folder).await;
    let before = harness.pool_state(&pool).await.params;
    let (pool_key, oracle) = (pool.pool.to_string(), harness.oracle.to_string());
    let out = folder.join("proposal.toml");
    let output = homeostat(&[
        "calibrate",
        "--url",
        &url,
        "--pool",
        &pool_key,
        "--keypair",
        &keypair,
        "--apply",
        "--max-step",
        "0.25",
        "--out",
        out.to_str().expect("utf-8"),
    ])
    .await;
    let printed = values(&output);
    let [round, plan] = printed.as_slice() else {
        panic!("a round and a plan: {printed:?}");
    };
    // The estimates: both sides fitted, near the flow's truth (the history is small).
    let pooled = &round["pooled"];
    let (a, k) = (
        pooled["a"]["estimate"].as_f64().expect("A"),
        pooled["k"]["estimate"].as_f64().expect("k"),
    );
    assert!(
        (a / TRUE_A - 1.0).abs() < 0.5,
        "A {a} against {TRUE_A}: {round}"
    );
    assert!(
        (k / TRUE_K - 1.0).abs() < 0.5,
        "k {k} against {TRUE_K}: {round}"
    );
    assert_eq!(round["params"]["current"]["arrival_intensity"], 1.0);
    // On chain now: every parameter exactly as proposed, sent as `update-params`' plan.
    let show = values(
        &homeostat(&[
            "pool", "show", "--json", "--url", &url, "--pool", &pool_key, "--oracle", &oracle,
        ])
        .await,
    );
    assert_eq!(
        show[0]["params"],
        round["params"]["proposed"],
        "plan {plan}\nstderr {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(plan["plan"]["effective"], "now");
    let after = harness.pool_state(&pool).await.params;
    assert_ne!(after, before);
    // Each field by at most ×1.25; A (1 against a truth of 0.05) by exactly that.
    let steps = round["proposal"].as_array().expect("steps");
    for step in steps {
        let ratio = step["proposed"].as_f64().expect("proposed")
            / step["current"].as_f64().expect("current");
        assert!(
            (1.0 / 1.25 - 1e-12..=1.25 + 1e-12).contains(&ratio),
            "{step} beyond one step"
        );
    }
    assert_eq!(steps[0]["field"], "arrival_intensity");
    assert!((steps[0]["proposed"].as_f64().expect("A") - 0.8).abs() < 1e-12);
    let stored = |value: homeostat::StoredFixed| value.get().to_f64();
    assert!((stored(after.arrival_intensity) - 0.8).abs() < 1e-12);
    // Nothing else moved.
    assert_eq!(
        homeostat::PoolParams {
            arrival_intensity: before.arrival_intensity,
            order_decay: before.order_decay,
            ..after
        },
        before
    );
}

/// A TCP proxy in front of the endpoint that can go down — every open connection cut,
/// every new one closed at once — and come back up.
struct Proxy {
    url: String,
    down: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(target: &str) -> Self {
        let target = target.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let down = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (is_down, connections) = (Arc::clone(&down), Arc::clone(&open));
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if is_down.load(Ordering::SeqCst) {
                    continue; // dropped: closed unanswered
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                connections.lock().expect("lock").push(task.abort_handle());
            }
        });
        Self { url, down, open }
    }

    fn go_down(&self) {
        self.down.store(true, Ordering::SeqCst);
        for connection in self.open.lock().expect("lock").drain(..) {
            connection.abort();
        }
    }

    fn come_up(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

/// The journal's entries so far (the complete lines: the service may be writing one).
fn entries(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn count(entries: &[Value], event: &str) -> usize {
    entries
        .iter()
        .filter(|entry| entry["event"] == event)
        .count()
}

/// Waits (up to a minute) until the journal at `path` satisfies `done`.
async fn journal_until(path: &std::path::Path, what: &str, done: impl Fn(&[Value]) -> bool) {
    for _ in 0..600 {
        if done(&entries(path)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: the journal has {:#?}", entries(path));
}

/// `GET path` on `addr`: the status code and the body.
async fn get(addr: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let code = answer[9..12].parse().expect("a status code");
    let body = answer.split_once("\r\n\r\n").expect("a body").1.to_string();
    (code, body)
}

/// A sample of the exposition.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

fn service(
    url: &str,
    pool: &str,
    keypair: &str,
    folder: &std::path::Path,
    extra: &[&str],
) -> std::process::Child {
    let journal = folder.join("journal.jsonl");
    let out = folder.join("proposal.toml");
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args([
            "calibrate",
            "--every",
            "1",
            "--apply",
            "--max-step",
            "100",
            "--max-failures",
            "2",
        ])
        .args(["--url", url, "--pool", pool, "--keypair", keypair])
        .arg("--journal")
        .arg(&journal)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .env_remove("HOMEOSTAT_URL")
        .env_remove("HOMEOSTAT_KEYPAIR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the service")
}

/// The metrics' sample of `series` for the pool `pool` with `labels` (after the pool's).
async fn metric(addr: &str, pool: &str, series: &str, labels: &str) -> f64 {
    let (_, text) = get(addr, "/metrics").await;
    let labels = if labels.is_empty() {
        String::new()
    } else {
        format!(",{labels}")
    };
    sample(&text, &format!("{series}{{pool=\"{pool}\"{labels}}}"))
}

/// Down longer than the retries: the round fails, is journaled with its class, the
/// metrics count it and `/health` goes stale; the service goes on, and the next round
/// after the node is back succeeds.
async fn a_long_outage_fails_one_round_and_the_service_recovers(
    proxy: &Proxy,
    journal: &std::path::Path,
    metrics: &str,
    pool: &str,
) {
    proxy.go_down();
    journal_until(journal, "a failed round", |entries| {
        count(entries, "failed") == 1
    })
    .await;
    let failed = entries(journal)
        .into_iter()
        .find(|e| e["event"] == "failed")
        .expect("failed");
    assert_eq!(failed["class"], "transient", "{failed}");
    let failures = "homeostat_calibration_failures_total";
    let rounds = "homeostat_calibration_rounds_total";
    let consecutive = "homeostat_calibration_consecutive_failures";
    assert_eq!(
        metric(metrics, pool, failures, "class=\"transient\"").await,
        1.0
    );
    assert_eq!(
        metric(metrics, pool, rounds, "outcome=\"applied\"").await,
        1.0
    );
    assert_eq!(metric(metrics, pool, consecutive, "").await, 1.0);
    let (code, body) = get(metrics, "/health").await;
    assert_eq!(code, 503, "{body}");
    proxy.come_up();
    let proposed = count(&entries(journal), "proposed");
    journal_until(journal, "a round after the outage", |entries| {
        count(entries, "proposed") > proposed
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(metric(metrics, pool, consecutive, "").await, 0.0);
    assert_eq!(get(metrics, "/health").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_retries_journals_recovers_and_stops_as_the_keeper_does() {
    let folder = temp_folder("cli-calibrate-service");
    let (_harness, pool, keypair, url) = pool_with_history(&folder).await;
    let pool_key = pool.pool.to_string();
    let journal = folder.join("journal.jsonl");
    let proxy = Proxy::start(&url).await;
    let metrics = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").to_string()
    };
    let mut child = service(
        &proxy.url,
        &pool_key,
        &keypair,
        &folder,
        &["--metrics-addr", &metrics],
    );

    // The first round reaches the estimates (a step of ×101 allowed) and is applied,
    // journaled before and after; the next ones find nothing to move.
    journal_until(&journal, "applied, then unchanged", |entries| {
        count(entries, "applied") == 1 && count(entries, "proposed") >= 3
    })
    .await;
    let first = entries(&journal);
    assert_eq!(first[0]["event"], "proposed");
    assert_eq!(first[0]["apply"], true);
    assert_eq!(first[1]["event"], "applied");
    assert!(
        first[2..].iter().all(|entry| entry["apply"] == false),
        "{first:#?}"
    );

    // A node down for 1.5 s: the round it catches retries with backoff and succeeds.
    let before = count(&entries(&journal), "proposed");
    proxy.go_down();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    proxy.come_up();
    journal_until(&journal, "rounds after a short outage", |entries| {
        count(entries, "proposed") >= before + 2
    })
    .await;
    assert_eq!(
        count(&entries(&journal), "failed"),
        0,
        "retries bridge a short outage"
    );

    a_long_outage_fails_one_round_and_the_service_recovers(&proxy, &journal, &metrics, &pool_key)
        .await;

    // SIGTERM: a clean stop, journaled.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join");
    assert!(status.success(), "{status}");
    let last = entries(&journal).pop().expect("an entry");
    assert_eq!(
        (last["event"].as_str(), last["signal"].as_str()),
        (Some("stopped"), Some("SIGTERM"))
    );

    // Started with the node down: each round fails (not the start), and two in a row stop
    // the service with the rule named.
    proxy.go_down();
    let child = service(&proxy.url, &pool_key, &keypair, &folder, &[]);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 rounds in a row failed (--max-failures 2)"),
        "{stderr}"
    );
    let tail = entries(&journal);
    let tail = &tail[tail.len() - 2..];
    assert!(
        tail.iter()
            .all(|entry| entry["event"] == "failed" && entry["class"] == "transient"),
        "{tail:#?}"
    );
}
