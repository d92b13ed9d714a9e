//! Metrics, health and JSON logs as a supervisor scrapes them.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use homeostat_keeper::cli::HTTP_LIBRARIES;
use homeostat_localnet::{keypair_file, temp_folder, Harness, PoolAddresses};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{assert_stopped_cleanly, json, says};
use crate::cluster::{keeper_args, keeper_binary, net_delta, skewed};
use crate::common::process::spawn;

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

    assert_the_step_is_exposed(&mut harness, &pool, &addr).await;
    let second = Drill {
        url: &url,
        keypair: &keypair,
        pool: &pool,
        oracle: &harness.oracle,
        journal: folder.join("other.sqlite"),
    };
    second.collides_with_the_service_on(&addr).await;

    // In band: the next steps are idle, logged at debug.
    keeper
        .line(Duration::from_secs(30), |line| {
            says(line, "net delta within band")
        })
        .await;
    assert_paused_turns_health_stale(&mut harness, &pool, &addr).await;

    keeper.signal("TERM");
    assert_stopped_cleanly(&mut keeper, "TERM").await;

    assert_every_line_is_json(&keeper.rest().await);
}

/// The step's counters and the pool as it left it, on `/metrics`; `/health` ok.
async fn assert_the_step_is_exposed(harness: &mut Harness, pool: &PoolAddresses, addr: &str) {
    let (code, text) = get(addr, "/metrics").await;
    assert_eq!(code, 200, "{text}");
    let info = format!(
        "homeostat_keeper_info{{pool=\"{}\",venue=\"paper\"}} 1",
        pool.pool
    );
    assert!(text.lines().any(|line| line == info), "{info} in\n{text}");
    let state = harness.pool_state(pool).await;
    let net = net_delta(harness, pool).await - i128::from(state.hedge_position);
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
    let (code, health) = get(addr, "/health").await;
    assert_eq!(code, 200, "{health}");
    assert_eq!(
        serde_json::from_str::<Value>(&health).unwrap()["status"],
        "ok"
    );
    assert_eq!(get(addr, "/nothing").await.0, 404);
}

/// A keeper beside the service: its own journal, the same pool and key.
struct Drill<'a> {
    url: &'a str,
    keypair: &'a std::path::Path,
    pool: &'a PoolAddresses,
    oracle: &'a Pubkey,
    journal: std::path::PathBuf,
}

impl Drill<'_> {
    /// A second keeper on the service's metrics address fails at start, naming it; a
    /// `--once` drill beside the service serves nothing, so it does not collide.
    async fn collides_with_the_service_on(&self, addr: &str) {
        // a `--once` drill beside the service serves nothing, so it does not collide.
        let other = &self.journal;
        let other_args = |mode: &[&str]| {
            let mut args = vec![
                "--journal",
                other.to_str().unwrap(),
                "--metrics-addr",
                addr,
                "--log-format",
                "json",
            ];
            args.extend_from_slice(mode);
            keeper_args(self.url, self.keypair, self.pool, self.oracle, &args)
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
    }
}

/// Paused, every step fails (nothing pending, no price): failures are counted by class
/// and the health check turns 503 once no step has succeeded for 2 intervals.
async fn assert_paused_turns_health_stale(harness: &mut Harness, pool: &PoolAddresses, addr: &str) {
    let admin = harness.admin.insecure_clone();
    harness.set_paused(pool, &admin, true).await.unwrap();
    let started = std::time::Instant::now();
    let health = loop {
        let (code, health) = get(addr, "/health").await;
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
    let (_, text) = get(addr, "/metrics").await;
    assert!(
        sample(&text, "homeostat_keeper_failures_total{class=\"chain\"}").unwrap() >= 1.0,
        "{text}"
    );
    assert!(sample(&text, "homeostat_keeper_consecutive_failures").unwrap() >= 1.0);
}

/// Every line a JSON object with the event's time, level, origin and message; the
/// keeper's own debug lines are there, the HTTP libraries' are not (at `--log trace`).
fn assert_every_line_is_json(lines: &[String]) {
    let mut levels = std::collections::BTreeSet::new();
    for line in lines {
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
