//! One keeper, many pools (`[[pools]]` in the configuration file): each pool has its own
//! journal beside the configured one, and a pool that fails — here one that does not
//! exist — stops no other.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::service::{run_until, Mode};
use homeostat_keeper::settings::{journal_of, Settings};
use homeostat_keeper::shutdown::Shutdown;
use homeostat_localnet::*;

use crate::cluster::{keeper_binary, skewed};

/// A configuration serving a pool that does not exist, then `pool`.
fn config(
    url: &str,
    keypair: &std::path::Path,
    journal: &std::path::Path,
    missing: &Pubkey,
    pool: &PoolAddresses,
    oracle: &Pubkey,
) -> String {
    format!(
        "url = \"{url}\"\nkeypair = \"{}\"\njournal = \"{}\"\ninterval_secs = 1\n\
         retry_attempts = 2\nretry_initial_ms = 10\n\n\
         [[pools]]\npool = \"{missing}\"\noracle = \"{oracle}\"\n\n\
         [[pools]]\npool = \"{}\"\noracle = \"{oracle}\"\n",
        keypair.display(),
        journal.display(),
        pool.pool
    )
}

#[tokio::test]
async fn once_hedges_every_pool_it_can_and_names_the_one_it_could_not() {
    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-many-once");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("keeper.sqlite");
    let missing = Pubkey::new_unique();
    let file = folder.join("keeper.toml");
    std::fs::write(
        &file,
        config(&url, &keypair, &journal, &missing, &pool, &harness.oracle),
    )
    .expect("write the configuration");
    // The dry run first: the real pool's report, for a person; the missing pool fails it.
    let output = keeper_binary(vec![
        "--config".into(),
        file.display().to_string(),
        "--dry-run".into(),
        "--output".into(),
        "display".into(),
    ])
    .await;
    let report = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        report
            .lines()
            .any(|line| line == format!("pool: {}", pool.pool))
            && report.lines().any(|line| line == "would_rebalance: true"),
        "{report}"
    );
    let output = keeper_binary(vec![
        "--config".into(),
        file.display().to_string(),
        "--once".into(),
        "--log-format".into(),
        "json".into(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Each pool's lines carry it: the span of its loop.
    let hedged = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["message"] == "request hedged and recorded")
        .unwrap_or_else(|| panic!("no hedge logged:\n{stderr}"));
    assert_eq!(hedged["span"]["pool"], pool.pool.to_string(), "{hedged}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("1 of 2 pools failed") && stderr.contains(&missing.to_string()),
        "{stderr}"
    );
    // The pool that exists was hedged and recorded, in its own journal.
    assert_eq!(harness.pool_state(&pool).await.recorded_seq, 1);
    let own = journal_of(&journal, &pool.pool.to_string());
    assert_eq!(Journal::open(&own).unwrap().records().unwrap().len(), 1);
    assert!(!journal.exists(), "no pool writes the base journal itself");
}

#[tokio::test]
async fn a_running_keeper_goes_on_hedging_one_pool_while_another_has_stopped() {
    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-many-forever");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("keeper.sqlite");
    let missing = Pubkey::new_unique();
    let file = folder.join("keeper.toml");
    std::fs::write(
        &file,
        config(&url, &keypair, &journal, &missing, &pool, &harness.oracle),
    )
    .expect("write the configuration");
    let settings = Settings::default().resolve(Some(&file)).expect("resolves");
    let (trigger, shutdown) = Shutdown::manual();
    let service = run_until(&settings, Mode::Forever, shutdown);
    let stopper = async {
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
    result.expect("stopped by the test, not by the missing pool");
}
