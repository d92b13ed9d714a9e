//! The keeper as a service manager runs it: stopped by SIGTERM or SIGINT wherever it waits,
//! scraped for metrics and health, logging JSON; and the checks a supervisor relies on
//! (the dry run fails when `--once` would; the venue before the request) at the binary.

mod dry_run;
mod metrics;

use std::time::Duration;

use homeostat_keeper::journal::Journal;
use homeostat_localnet::{keypair_file, temp_folder};
use serde_json::Value;
use solana_signer::Signer;

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
