//! The keeper as a service manager runs it: stopped by SIGTERM or SIGINT wherever it waits,
//! scraped for metrics and health, logging JSON; and the checks a supervisor relies on
//! (the dry run fails when `--once` would; the venue before the request) at the binary.
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

use std::time::Duration;

use homeostat_keeper::cli::HTTP_LIBRARIES;
use homeostat_keeper::journal::Journal;
use homeostat_localnet::*;
use serde_json::Value;
use solana_signer::Signer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cluster::{keeper_args, keeper_binary, net_delta, skewed};
use crate::common::process::{spawn, Running};
use crate::common::proxy::proxy;

/// How long a stopped keeper may take to exit. The work it abandons would take far longer:
/// a hung request never ends, and the back-off it sits in is seconds per try for up to
/// 100 tries.
const PROMPT: Duration = Duration::from_secs(3);

/// A line of `--log-format json`, if it is one.
fn json(line: &str) -> Option<Value> {
    serde_json::from_str::<Value>(line)
        .ok()
        .filter(Value::is_object)
}

/// Whether `line` is a JSON log event whose message is `message`.
fn says(line: &str, message: &str) -> bool {
    json(line).is_some_and(|event| event["message"] == message)
}

/// A local address nothing listens on.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// Waits for `keeper` to exit within [`PROMPT`] and asserts a clean stop: exit code 0,
/// and its last word the stop, naming `signal`.
async fn assert_stopped_cleanly(keeper: &mut Running, signal: &str) {
    let exit = keeper.exit_within(PROMPT).await;
    let lines = keeper.rest().await;
    let (status, took) = exit.unwrap_or_else(|| {
        panic!(
            "still running {PROMPT:?} after SIG{signal}:\n{}",
            lines.join("\n")
        )
    });
    assert_eq!(
        status.code(),
        Some(0),
        "a stop is a clean exit ({took:?}):\n{}",
        lines.join("\n")
    );
    let last = lines
        .last()
        .and_then(|line| json(line))
        .expect("a last line");
    assert_eq!(last["signal"], format!("SIG{signal}"), "{last}");
    assert!(
        last["message"].as_str().unwrap().starts_with("stopped"),
        "{last}"
    );
}

#[tokio::test]
async fn a_signal_in_the_back_off_of_an_unreachable_node_stops_the_keeper_at_once() {
    // The review's keeper ran on 78 s after SIGTERM with the node down.
    let node = closed_port().await;
    for signal in ["TERM", "INT"] {
        let folder = temp_folder("keeper-signal-node-down");
        let keypair = keypair_file(&solana_keypair::Keypair::new(), &folder);
        let pool = solana_keypair::Keypair::new().pubkey().to_string();
        let journal = folder.join("journal.sqlite");
        let args: Vec<String> = [
            "--url",
            &node,
            "--keypair",
            keypair.to_str().unwrap(),
            "--pool",
            &pool,
            "--oracle",
            &pool,
            "--journal",
            journal.to_str().unwrap(),
            "--retry-attempts",
            "100",
            "--retry-initial-ms",
            "1000",
            "--log-format",
            "json",
        ]
        .map(str::to_string)
        .to_vec();
        let mut keeper = spawn(&args);
        // Twice: the second retry waits 2 s, the signal lands in the back-off.
        for _ in 0..2 {
            keeper
                .line(Duration::from_secs(30), |line| {
                    json(line).is_some_and(|event| {
                        event["message"]
                            .as_str()
                            .is_some_and(|message| message.starts_with("transient failure"))
                    })
                })
                .await;
        }
        keeper.signal(signal);
        assert_stopped_cleanly(&mut keeper, signal).await;
    }
}

#[tokio::test]
async fn a_signal_in_the_middle_of_a_step_stops_it_and_the_next_start_finishes_it_once() {
    // The node hangs after `rebalance` landed: the step waits for the request's event
    // (getTransaction) that never comes. SIGTERM ends it there; a restart on the same
    // journal finds the request in the pool's events and hedges it exactly once.
    let (mut harness, pool, url) = skewed().await;
    let edge = net_delta(&mut harness, &pool).await
        - i128::from(harness.pool_state(&pool).await.params.rebalance_band);
    let node = proxy(&url).await;
    node.hang_after_a_send();
    let folder = temp_folder("keeper-signal-mid-step");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let journal_arg = journal.to_str().unwrap();
    let common = [
        "--journal",
        journal_arg,
        "--log-format",
        "json",
        "--interval-secs",
        "1",
    ];
    let mut keeper = spawn(&keeper_args(
        &node.url,
        &keypair,
        &pool,
        &harness.oracle,
        &common,
    ));
    let started = std::time::Instant::now();
    while node.held() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the keeper never reached the request's event:\n{}",
            keeper.rest().await.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    keeper.signal("TERM");
    assert_stopped_cleanly(&mut keeper, "TERM").await;
    let state = harness.pool_state(&pool).await;
    assert_eq!(
        (state.rebalance_seq, state.recorded_seq),
        (1, 0),
        "stopped inside the step: requested, not yet recorded"
    );
    assert!(Journal::open(&journal)
        .unwrap()
        .records()
        .unwrap()
        .is_empty());

    // The lock went with the process; the next start finishes the request, once.
    let mut once = common.to_vec();
    once.push("--once");
    let output = keeper_binary(keeper_args(&url, &keypair, &pool, &harness.oracle, &once)).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 1));
    assert_eq!(
        i128::from(state.hedge_position),
        edge,
        "hedged once, to the band's edge"
    );
    assert_eq!(
        Journal::open(&journal).unwrap().records().unwrap(),
        [(1, i64::try_from(edge).unwrap())]
    );
}

#[tokio::test]
async fn a_signal_while_the_loop_retries_a_node_gone_down_stops_it_with_the_journal_whole() {
    // The review's case: the keeper had been running, the node went down, SIGTERM was not
    // honoured while it retried.
    let (mut harness, pool, url) = skewed().await;
    let edge = net_delta(&mut harness, &pool).await
        - i128::from(harness.pool_state(&pool).await.params.rebalance_band);
    let node = proxy(&url).await;
    let folder = temp_folder("keeper-signal-node-gone");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let mut keeper = spawn(&keeper_args(
        &node.url,
        &keypair,
        &pool,
        &harness.oracle,
        &[
            "--journal",
            journal.to_str().unwrap(),
            "--interval-secs",
            "1",
            "--retry-attempts",
            "100",
            "--retry-initial-ms",
            "1000",
            "--log-format",
            "json",
        ],
    ));
    keeper
        .line(Duration::from_secs(60), |line| {
            says(line, "request hedged and recorded")
        })
        .await;
    node.go_down();
    for _ in 0..2 {
        keeper
            .line(Duration::from_secs(30), |line| {
                json(line).is_some_and(|event| {
                    event["level"] == "WARN"
                        && event["message"]
                            .as_str()
                            .is_some_and(|message| message.starts_with("transient failure"))
                })
            })
            .await;
    }
    keeper.signal("TERM");
    assert_stopped_cleanly(&mut keeper, "TERM").await;
    let journal = Journal::open(&journal).unwrap();
    assert_eq!(
        journal.records().unwrap(),
        [(1, i64::try_from(edge).unwrap())]
    );
    assert!(journal.unfinished().unwrap().is_empty());
}

/// `GET path` on `addr`: the status code and the body.
async fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: keeper\r\n\r\n").as_bytes())
        .await
        .unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    (code, body.to_string())
}

/// The value of the sample `series` (name and labels as exposed, less the `pool` label
/// every sample carries — this keeper serves one pool) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .map(without_pool)
        .find_map(|line| Some(line.strip_prefix(series)?.strip_prefix(' ')?.to_string()))
        .and_then(|value| value.parse().ok())
}

/// A sample's line without its `pool="…"` label.
fn without_pool(line: &str) -> String {
    let Some(start) = line.find("pool=\"") else {
        return line.to_string();
    };
    let value = start + "pool=\"".len();
    let end = line[value..]
        .find('"')
        .map_or(line.len(), |at| value + at + 1);
    format!("{}{}", &line[..start], &line[end..])
        .replace("{,", "{")
        .replace("{}", "")
}

#[tokio::test]
async fn a_running_keeper_exposes_metrics_and_health_and_logs_json() {
    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-metrics");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let mut keeper = spawn(&keeper_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &[
            "--journal",
            journal.to_str().unwrap(),
            "--metrics-addr",
            "127.0.0.1:0",
            "--health-intervals",
            "2",
            "--interval-secs",
            "1",
            "--max-failures",
            "0",
            "--log",
            "trace",
            "--log-format",
            "json",
        ],
    ));
    let serving = keeper
        .line(Duration::from_secs(60), |line| {
            says(line, "serving /metrics and /health")
        })
        .await;
    let addr = json(&serving).unwrap()["addr"]
        .as_str()
        .expect("the bound address")
        .to_string();
    keeper
        .line(Duration::from_secs(60), |line| {
            says(line, "request hedged and recorded")
        })
        .await;

    // The step's counters and the pool as it left it.
    let (code, text) = get(&addr, "/metrics").await;
    assert_eq!(code, 200, "{text}");
    let info = format!(
        "homeostat_keeper_info{{pool=\"{}\",venue=\"paper\"}} 1",
        pool.pool
    );
    assert!(text.lines().any(|line| line == info), "{info} in\n{text}");
    let state = harness.pool_state(&pool).await;
    let net = net_delta(&mut harness, &pool).await - i128::from(state.hedge_position);
    for (series, value) in [
        (String::from("homeostat_keeper_info{venue=\"paper\"}"), 1.0),
        (
            "homeostat_keeper_steps_total{outcome=\"recorded\"}".into(),
            1.0,
        ),
        ("homeostat_keeper_hedges_total".into(), 1.0),
        ("homeostat_keeper_fills_total".into(), 1.0),
        (
            "homeostat_keeper_filled_base_atoms_total".into(),
            state.hedge_position as f64,
        ),
        (
            "homeostat_keeper_hedge_position_base_atoms".into(),
            state.hedge_position as f64,
        ),
        ("homeostat_keeper_net_delta_base_atoms".into(), net as f64),
        ("homeostat_keeper_pending_requests".into(), 0.0),
        (
            "homeostat_keeper_hedge_realized_pnl_quote_atoms".into(),
            0.0,
        ),
        (
            "homeostat_keeper_failures_total{class=\"chain\"}".into(),
            0.0,
        ),
    ] {
        assert_eq!(sample(&text, &series), Some(value), "{series} in\n{text}");
    }
    let band = sample(&text, "homeostat_keeper_band_base_atoms").expect("the band");
    assert!(
        band >= state.params.rebalance_band as f64 && net.unsigned_abs() as f64 <= band,
        "{text}"
    );
    assert!(sample(&text, "homeostat_keeper_hedge_unrealized_pnl_quote_atoms").is_some());
    let last = sample(&text, "homeostat_keeper_last_success_timestamp_seconds").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(last > now - 120.0 && last <= now + 1.0, "{last} vs {now}");
    let (code, health) = get(&addr, "/health").await;
    assert_eq!(code, 200, "{health}");
    assert_eq!(
        serde_json::from_str::<Value>(&health).unwrap()["status"],
        "ok"
    );
    assert_eq!(get(&addr, "/nothing").await.0, 404);
    // A second keeper on the same address (and its own journal) fails at start, naming it;
    // a `--once` drill beside the service serves nothing, so it does not collide.
    let other = folder.join("other.sqlite");
    let other_args = |mode: &[&str]| {
        let mut args = vec![
            "--journal",
            other.to_str().unwrap(),
            "--metrics-addr",
            &addr,
            "--log-format",
            "json",
        ];
        args.extend_from_slice(mode);
        keeper_args(&url, &keypair, &pool, &harness.oracle, &args)
    };
    let mut second = spawn(&other_args(&[]));
    let (status, _) = second
        .exit_within(Duration::from_secs(30))
        .await
        .expect("the second keeper stops");
    let lines = second.rest().await;
    let stderr = lines.join("\n");
    assert_eq!(status.code(), Some(1), "{stderr}");
    // The last word of a JSON-logging keeper is a JSON line too.
    let last = lines
        .last()
        .and_then(|line| json(line))
        .expect("a JSON line");
    assert_eq!(last["level"], "ERROR", "{last}");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("--metrics-addr {addr}")),
        "{last}"
    );
    assert!(!other.exists(), "refused before the journal");
    let output = keeper_binary(other_args(&["--once"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // In band: the next steps are idle, logged at debug.
    keeper
        .line(Duration::from_secs(30), |line| {
            says(line, "net delta within band")
        })
        .await;
    // Paused, every step fails (nothing pending, no price): failures are counted by
    // class and the health check turns 503 once no step has succeeded for 2 intervals.
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    let started = std::time::Instant::now();
    let health = loop {
        let (code, health) = get(&addr, "/health").await;
        if code == 503 {
            break health;
        }
        assert_eq!(code, 200);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still healthy: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "stale", "{health}");
    assert!(
        health["consecutive_failures"].as_u64().unwrap() >= 1,
        "{health}"
    );
    let (_, text) = get(&addr, "/metrics").await;
    assert!(
        sample(&text, "homeostat_keeper_failures_total{class=\"chain\"}").unwrap() >= 1.0,
        "{text}"
    );
    assert!(sample(&text, "homeostat_keeper_consecutive_failures").unwrap() >= 1.0);

    keeper.signal("TERM");
    assert_stopped_cleanly(&mut keeper, "TERM").await;

    // Every line a JSON object with the event's time, level, origin and message; the
    // keeper's own debug lines are there, the HTTP libraries' are not (at `--log trace`).
    let lines = keeper.rest().await;
    let mut levels = std::collections::BTreeSet::new();
    for line in &lines {
        let event = json(line).unwrap_or_else(|| panic!("not a JSON object: {line}"));
        let level = event["level"].as_str().expect("level");
        let target = event["target"].as_str().expect("target");
        assert!(event["timestamp"].is_string(), "{line}");
        assert!(event["message"].is_string(), "{line}");
        assert!(
            !HTTP_LIBRARIES
                .iter()
                .any(|library| target == *library || target.starts_with(&format!("{library}::"))),
            "an HTTP library's line at {level}: {line}"
        );
        if target.starts_with("homeostat") {
            levels.insert(level.to_string());
        }
    }
    assert!(
        levels.contains("DEBUG") && levels.contains("INFO") && levels.contains("WARN"),
        "{levels:?}"
    );
}

#[tokio::test]
async fn the_dry_run_fails_when_once_would_and_an_unreachable_venue_opens_no_request() {
    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-dry-run-checks");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let journal_arg = journal.to_str().unwrap().to_string();
    let venue = closed_port().await;
    let flags = |extra: &[&str]| {
        let mut args = vec![
            "--journal",
            &journal_arg,
            "--retry-attempts",
            "1",
            "--venue",
            "binance",
            "--binance-url",
            &venue,
            "--binance-api-key",
            "key",
            "--binance-api-secret",
            "secret",
        ];
        args.extend_from_slice(extra);
        keeper_args(&url, &keypair, &pool, &harness.oracle, &args)
    };

    // The venue cannot be reached: the dry run says so and fails…
    let output = keeper_binary(flags(&["--dry-run"])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["would_rebalance"], true, "{plan}");
    assert!(plan["venue"]["error"].is_string(), "{plan}");
    assert!(
        plan["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("the venue cannot be asked"),
        "{plan}"
    );
    assert!(stderr.contains("the dry run's checks failed"), "{stderr}");
    // …as --once does, without opening a request it could not hedge.
    let output = keeper_binary(flags(&["--once"])).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("step failed"), "{stderr}");
    let state = harness.pool_state(&pool).await;
    assert_eq!(
        state.rebalance_seq, 0,
        "the venue is checked before rebalance"
    );
    assert!(Journal::open(&journal)
        .unwrap()
        .unfinished()
        .unwrap()
        .is_empty());

    // A paused pool with nothing pending: --once fails (no price, no request), and so
    // does the dry run, naming why.
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    let paper = |mode: &str| {
        keeper_args(
            &url,
            &keypair,
            &pool,
            &harness.oracle,
            &["--journal", &journal_arg, mode],
        )
    };
    let output = keeper_binary(paper("--once")).await;
    assert_eq!(output.status.code(), Some(1));
    let output = keeper_binary(paper("--dry-run")).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(plan["unpriced"].is_string(), "{plan}");
    assert!(
        plan["problems"][0]
            .as_str()
            .unwrap()
            .contains("the pool cannot be priced now"),
        "{plan}"
    );

    // The node unreachable: nothing to print, a failure.
    let node = closed_port().await;
    let output = keeper_binary(keeper_args(
        &node,
        &keypair,
        &pool,
        &harness.oracle,
        &["--retry-attempts", "1", "--dry-run"],
    ))
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    // Usage errors are clap's: 2.
    let output = keeper_binary(vec!["--dry-run".into(), "--once".into()]).await;
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn the_dry_run_holds_the_venue_position_to_the_loops_tolerance() {
    // The loop stops when the account strays from the pool's record by more than
    // --position-tolerance-base; the dry run said "mismatch" at any difference.
    let (harness, pool, url) = skewed().await;
    let (venue, exchange) = crate::common::exchange::exchange(vec![]).await;
    // Something else left 0.01 SOL short on the account.
    exchange.lock().unwrap().position_milli = -10;
    let folder = temp_folder("keeper-dry-run-tolerance");
    let keypair = keypair_file(&harness.keeper, &folder);
    let dry_run = |tolerance: &str| {
        keeper_args(
            &url,
            &keypair,
            &pool,
            &harness.oracle,
            &[
                "--dry-run",
                "--venue",
                "binance",
                "--binance-url",
                &venue,
                "--binance-api-key",
                crate::common::exchange::KEY,
                "--binance-api-secret",
                crate::common::exchange::SECRET,
                "--position-tolerance-base",
                tolerance,
            ],
        )
    };
    let output = keeper_binary(dry_run("0")).await;
    assert_eq!(output.status.code(), Some(1));
    let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["venue"]["position"], "-10000000", "{plan}");
    assert_eq!(plan["venue"]["matches"], false, "{plan}");
    assert!(
        plan["problems"][0]
            .as_str()
            .unwrap()
            .contains("not the pool's record"),
        "{plan}"
    );
    let output = keeper_binary(dry_run("10000000")).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["venue"]["matches"], true, "{plan}");
    assert_eq!(plan["problems"], serde_json::json!([]));
}

#[tokio::test]
async fn an_embedded_service_stops_when_asked_and_releases_its_journal() {
    // `service::run_until` with a hand-made stop: what the binary does on a signal, for a
    // program that embeds the keeper.
    use homeostat_keeper::service::{lock_journal, run_until, Mode};
    use homeostat_keeper::settings::Settings;
    use homeostat_keeper::shutdown::Shutdown;

    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-embedded-stop");
    let journal = folder.join("journal.sqlite");
    let settings = Settings {
        url: Some(url),
        keypair: Some(keypair_file(&harness.keeper, &folder).display().to_string()),
        pool: Some(pool.pool.to_string()),
        oracle: Some(harness.oracle.to_string()),
        journal: Some(journal.clone()),
        interval_secs: Some(1),
        ..Settings::default()
    }
    .resolve(None)
    .unwrap();
    let (trigger, shutdown) = Shutdown::manual();
    let service = run_until(&settings, Mode::Forever, shutdown);
    let stopper = async {
        // Once the first request is hedged and recorded, stop it.
        let started = std::time::Instant::now();
        while harness.pool_state(&pool).await.recorded_seq == 0 {
            assert!(started.elapsed() < Duration::from_secs(60), "never hedged");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        trigger.stop("test");
    };
    let (result, ()) = tokio::time::timeout(Duration::from_secs(90), async {
        tokio::join!(service, stopper)
    })
    .await
    .expect("the service stopped");
    result.expect("a stop is not an error");
    drop(lock_journal(&journal).expect("the journal's lock was released"));
    assert_eq!(
        Journal::open(&journal).unwrap().records().unwrap().len(),
        1,
        "one request hedged"
    );
    // A dry run stopped before its checks finished is not a pass.
    let (trigger, shutdown) = Shutdown::manual();
    trigger.stop("test");
    let error = run_until(&settings, Mode::DryRun, shutdown)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("before the dry run's checks finished"),
        "{error}"
    );
}

#[tokio::test]
async fn the_dry_run_shows_the_fill_a_stopped_run_journaled_and_once_records_just_that() {
    // A run stopped after its venue fill, before `record_hedge`: `--once` records the
    // journaled fill and trades nothing. The dry run said it would place the order again.
    use homeostat_keeper::keeper::{Keeper, StopPoint};
    use homeostat_keeper::local::LocalChain;
    use homeostat_keeper::planner::PlannerConfig;
    use homeostat_keeper::venue::PaperVenue;

    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-dry-run-journaled");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let keeper_key = harness.keeper.insecure_clone();
    {
        let planner = PlannerConfig {
            min_order_base: 0,
            max_order_base: u64::MAX,
        };
        let mut keeper = Keeper::new(
            LocalChain::new(&mut harness, pool, keeper_key),
            PaperVenue::new(5, 2),
            Journal::open(&journal).unwrap(),
            planner,
        );
        keeper.stop_at(StopPoint::AfterFill);
        keeper.step().await.expect_err("stopped after the fill");
    }
    let filled = Journal::open(&journal).unwrap().unfinished().unwrap()[0]
        .fill
        .expect("the fill is journaled")
        .base;
    let oracle = harness.oracle;
    let flags = |mode: &str| {
        keeper_args(
            &url,
            &keypair,
            &pool,
            &oracle,
            &["--journal", journal.to_str().unwrap(), mode],
        )
    };
    let output = keeper_binary(flags("--dry-run")).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["pending_request"], true, "{plan}");
    assert_eq!(plan["journaled"]["seq"], 1, "{plan}");
    assert_eq!(plan["journaled"]["fill"]["base"], filled, "{plan}");
    assert_eq!(plan["order"]["base"], filled, "{plan}");
    assert_eq!(
        plan["would_execute"], false,
        "the fill is in: no second order"
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 0));

    let output = keeper_binary(flags("--once")).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 1));
    assert_eq!(
        state.hedge_position,
        i64::try_from(filled).unwrap(),
        "the journaled fill, recorded"
    );
    // With nothing pending, the dry run shows no journaled work and would open a request
    // only out of band.
    let output = keeper_binary(flags("--dry-run")).await;
    let plan: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["journaled"], Value::Null, "{plan}");
    assert_eq!(plan["would_execute"], plan["would_rebalance"], "{plan}");
}
