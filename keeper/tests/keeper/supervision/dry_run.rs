//! The dry run a supervisor runs first, and the service embedded in another program.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use homeostat_keeper::journal::Journal;
use homeostat_localnet::{keypair_file, temp_folder, PoolAddresses};
use serde_json::Value;

use super::closed_port;
use crate::cluster::{keeper_args, keeper_binary, skewed};

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

    assert_an_unreachable_node_is_a_failure(&keypair, &pool, &harness.oracle).await;
}

/// The node unreachable: nothing to print, a failure; usage errors are clap's: 2.
async fn assert_an_unreachable_node_is_a_failure(
    keypair: &std::path::Path,
    pool: &PoolAddresses,
    oracle: &Pubkey,
) {
    let node = closed_port().await;
    let output = keeper_binary(keeper_args(
        &node,
        keypair,
        pool,
        oracle,
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
