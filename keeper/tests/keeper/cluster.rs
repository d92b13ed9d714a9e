//! The keeper on a cluster: the `homeostat-keeper` binary and the RPC chain/event source
//! against the in-process runtime with the real program behind a JSON-RPC endpoint
//! (`homeostat_localnet::rpc`).

use std::process::{Command, Output};

use crate::common::exchange::{exchange, KEY, SECRET};
use homeostat_keeper::events::catch_up;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, Step};
use homeostat_keeper::planner::PlannerConfig;
use homeostat_keeper::retry::Backoff;
use homeostat_keeper::rpc::{RpcChain, RpcEvents};
use homeostat_keeper::service::{self, Mode};
use homeostat_keeper::settings::Settings;
use homeostat_keeper::venue::PaperVenue;
use homeostat_localnet::{
    default_params, keypair_file, pyth_price, quote_price_update, rpc, temp_folder, Exact, Harness,
    PoolAddresses, ONE_BASE, SELL,
};

/// A pool pushed 30 SOL long, served over JSON-RPC.
pub(crate) async fn skewed() -> (Harness, PoolAddresses, String) {
    let (harness, pool, _) = Harness::skewed_pool().await;
    let url = rpc::serve(&harness.context).await;
    (harness, pool, url)
}

/// The binary's flags for `pool` on `url` as `keypair`, then `extra`.
pub(crate) fn keeper_args(
    url: &str,
    keypair: &std::path::Path,
    pool: &PoolAddresses,
    oracle: &anchor_lang::prelude::Pubkey,
    extra: &[&str],
) -> Vec<String> {
    let pool = pool.pool.to_string();
    let oracle = oracle.to_string();
    let keypair = keypair.to_str().unwrap();
    [
        "--url",
        url,
        "--keypair",
        keypair,
        "--pool",
        &pool,
        "--oracle",
        &oracle,
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(str::to_string)
    .collect()
}

/// Runs the binary off the async runtime, which keeps serving the RPC endpoint meanwhile.
pub(crate) async fn keeper_binary(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_homeostat-keeper"))
            .args(&args)
            .env_clear()
            .output()
            .expect("run homeostat-keeper")
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn the_binary_plans_dry_then_hedges_once_and_records() {
    let (mut harness, pool, url) = skewed().await;
    let net_delta = net_delta(&mut harness, &pool).await;
    assert!(net_delta > 10 * i128::from(ONE_BASE), "{net_delta}");
    let folder = temp_folder("keeper-binary");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let (pool_key, oracle) = (pool.pool.to_string(), harness.oracle.to_string());
    let oracle_key = harness.oracle;
    let flags = |extra: &[&str]| keeper_args(&url, &keypair, &pool, &oracle_key, extra);

    let once_hedge =
        assert_the_dry_run_plans_the_band_edge(&mut harness, &pool, &flags, &journal).await;

    assert_the_binance_dry_run_asks_the_account(&flags).await;

    // One step from a config file: rebalance → paper hedge → record.
    let config = folder.join("keeper.toml");
    std::fs::write(
        &config,
        format!(
            "url = \"{url}\"\nkeypair = \"{}\"\npool = \"{pool_key}\"\noracle = \"{oracle}\"\njournal = \"{}\"\nvenue = \"paper\"\nlog = \"debug\"\n",
            keypair.display(),
            journal.display()
        ),
    )
    .unwrap();
    let args = vec![
        "--config".to_string(),
        config.display().to_string(),
        "--once".into(),
    ];
    let output = keeper_binary(args.clone()).await;
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{logs}");
    assert!(logs.contains("request hedged and recorded"), "{logs}");
    assert!(
        logs.contains("venue position matches the pool's record"),
        "{logs}"
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 1));
    assert_eq!(
        i128::from(state.hedge_position),
        once_hedge,
        "hedged back to the band's edge, as the dry run said"
    );
    assert!(Journal::open(&journal).unwrap().is_recorded(1).unwrap());

    // Again: in band now, nothing to do; the journal's resume point skips old events.
    let output = keeper_binary(args).await;
    assert!(output.status.success());
    assert_eq!(harness.pool_state(&pool).await.rebalance_seq, 1);

    assert_configuration_errors_say_where(&config, &url, &flags, &journal).await;
}

/// The flags of the keeper of the test's pool, before `extra`.
type Flags<'a> = dyn Fn(&[&str]) -> Vec<String> + 'a;

/// Dry run: exactly what --once will do — the hedge back to the band's edge (the review
/// found it printing the whole net delta) — and nothing sent. Returns that hedge.
async fn assert_the_dry_run_plans_the_band_edge(
    harness: &mut Harness,
    pool: &PoolAddresses,
    flags: &Flags<'_>,
    journal: &std::path::Path,
) -> i128 {
    let net_delta = net_delta(harness, pool).await;
    let output = keeper_binary(flags(&["--dry-run"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let band = i128::from(harness.pool_state(pool).await.params.rebalance_band);
    let edge = net_delta - band;
    assert_eq!(plan["request"]["target_hedge_delta"], edge.to_string());
    assert_eq!(plan["order"]["base"], u64::try_from(edge).unwrap());
    let output = keeper_binary(flags(&["--dry-run", "--max-order-base", "10000000000"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["would_rebalance"], true);
    assert_eq!(plan["net_delta"], net_delta.to_string());
    assert_eq!(plan["order"]["side"], "sell");
    assert_eq!(
        plan["order"]["base"],
        10 * ONE_BASE,
        "clipped to --max-order-base"
    );
    assert_eq!(plan["order"]["seq"], 1);
    assert_eq!(plan["venue"]["name"], "paper");
    assert_eq!(
        harness.pool_state(pool).await.rebalance_seq,
        0,
        "dry run sends nothing"
    );
    assert!(!journal.exists(), "dry run writes no journal");
    edge
}

/// Dry run on Binance: the account is asked for its position (flat, as the pool's record
/// says); a wrong secret is reported with the venue's code; missing credentials are a
/// configuration error.
async fn assert_the_binance_dry_run_asks_the_account(flags: &Flags<'_>) {
    let (venue_url, _exchange) = exchange(vec![]).await;
    let binance = |secret: &str| {
        flags(&[
            "--dry-run",
            "--venue",
            "binance",
            "--binance-url",
            &venue_url,
            "--binance-api-key",
            KEY,
            "--binance-api-secret",
            secret,
        ])
    };
    let output = keeper_binary(binance(SECRET)).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        plan["venue"],
        serde_json::json!({
            "name": "binance",
            "position": "0",
            "expected_position": "0",
            "tolerance": 0,
            "matches": true,
        })
    );
    let output = keeper_binary(binance("wrong-secret")).await;
    assert!(
        !output.status.success(),
        "a failed venue check fails the dry run"
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let error = plan["venue"]["error"].as_str().expect("an error");
    assert!(error.contains("-1022"), "{error}");
    let output = keeper_binary(flags(&["--dry-run", "--venue", "binance"])).await;
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--binance-api-key is required"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Configuration errors say where; a value the command line cannot take is a usage error;
/// `--help` names every option.
async fn assert_configuration_errors_say_where(
    config: &std::path::Path,
    url: &str,
    flags: &Flags<'_>,
    journal: &std::path::Path,
) {
    std::fs::write(config, "pool = \"x\"\nintervall_secs = 5\n").unwrap();
    let output = keeper_binary(vec!["--config".into(), config.display().to_string()]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("line 2") && stderr.contains("unknown field `intervall_secs`"),
        "{stderr}"
    );
    let output = keeper_binary(vec!["--url".into(), url.to_string()]).await;
    assert!(String::from_utf8_lossy(&output.stderr).contains("--pool is required"));
    let output = keeper_binary(flags(&[
        "--venue",
        "kraken",
        "--journal",
        journal.to_str().unwrap(),
    ]))
    .await;
    // A value the command line cannot take: a usage error.
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("--venue `kraken`: must be one of paper, binance, hyperliquid"));
    let help = keeper_binary(vec!["--help".into()]).await;
    let help = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--dry-run",
        "--config",
        "HOMEOSTAT_URL",
        "BINANCE_API_SECRET",
        "--min-order-base",
        "--position-tolerance-base",
    ] {
        assert!(
            help.contains(option),
            "{option} missing from --help:\n{help}"
        );
    }
}

#[tokio::test]
async fn the_binary_hedges_a_two_feed_pool_with_its_quote_oracle() {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.use_quote_feed(&quote_price_update(
        pyth_price(1.0),
        pyth_price(0.0002),
        harness.now,
    ));
    harness.seeded_pool(&pool, default_params()).await;
    let trader = harness.new_user(100 * ONE_BASE, 0).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(30 * ONE_BASE))
        .await
        .unwrap();
    let url = rpc::serve(&harness.context).await;
    let folder = temp_folder("keeper-two-feeds");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let base_args = keeper_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &["--journal", journal.to_str().unwrap(), "--once"],
    );
    // Without the quote oracle the keeper cannot rebalance: the program names why.
    let output = keeper_binary(base_args.clone()).await;
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("QuoteOracleMismatch"), "{logs}");
    assert_eq!(harness.pool_state(&pool).await.rebalance_seq, 0);
    // With it: hedged and recorded.
    let mut args = base_args;
    args.extend([
        "--quote-oracle".to_string(),
        harness.quote_oracle.unwrap().to_string(),
    ]);
    let output = keeper_binary(args).await;
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{logs}");
    assert!(logs.contains("request hedged and recorded"), "{logs}");
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 1));
}

#[tokio::test]
async fn a_lost_journal_is_rebuilt_from_the_pools_events() {
    let (harness, pool, url) = skewed().await;
    let backoff = Backoff::default();
    let keeper_key = harness.keeper.insecure_clone();
    let mut chain = RpcChain::connect(&url, pool.pool, harness.oracles(), keeper_key, backoff)
        .await
        .expect("connect");
    // A keeper crashed right after `rebalance` landed, and its journal is gone.
    let request = chain.rebalance().await.expect("rebalance over RPC");
    assert_eq!(request.seq, 1);
    let journal = Journal::in_memory().unwrap();
    let planner = PlannerConfig {
        min_order_base: 0,
        max_order_base: u64::MAX,
    };
    let mut events = RpcEvents::new(&url, &chain, journal.cursor().unwrap());
    let mut keeper = Keeper::new(chain, PaperVenue::new(5, 2), journal, planner);
    let refused = keeper.step().await.unwrap_err();
    assert!(
        refused.to_string().contains("not in this journal"),
        "{refused}"
    );

    // Replaying the pool's history restores the request; the keeper finishes it once.
    let pool_key = pool.pool;
    assert_eq!(
        catch_up(&mut events, keeper.journal(), &pool_key)
            .await
            .unwrap(),
        1
    );
    let step = keeper.step().await.unwrap();
    assert!(
        matches!(step, Step::Recorded { seq: 1, filled_base } if i128::from(filled_base) == request.target_hedge_delta),
        "{step:?}"
    );
    assert_eq!(keeper.venue.executions(), 1);
    let view = keeper.chain.view().await.unwrap();
    assert_eq!(view.net_delta, i128::from(view.band));

    // The record's event arrives next; after it, nothing new.
    assert_eq!(
        catch_up(&mut events, keeper.journal(), &pool_key)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        catch_up(&mut events, keeper.journal(), &pool_key)
            .await
            .unwrap(),
        0
    );
    // A fresh source resuming from the journal's cursor sees nothing either.
    let cursor = keeper.journal().cursor().unwrap();
    assert!(cursor.is_some());
    let mut resumed = RpcEvents::new(&url, &keeper.chain, cursor);
    assert_eq!(
        catch_up(&mut resumed, keeper.journal(), &pool_key)
            .await
            .unwrap(),
        0
    );
}

/// The pool's net delta now, read through the runtime.
#[tokio::test]
async fn the_service_runs_in_process_from_resolved_settings() {
    // The binary is a shell over `service::run`: the same service, driven in-process.
    let (mut harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-service");
    let settings = Settings {
        url: Some(url),
        keypair: Some(keypair_file(&harness.keeper, &folder).display().to_string()),
        pool: Some(pool.pool.to_string()),
        oracle: Some(harness.oracle.to_string()),
        journal: Some(folder.join("journal.sqlite")),
        ..Settings::default()
    }
    .resolve(None)
    .unwrap();
    service::run(&settings, Mode::DryRun).await.unwrap();
    assert_eq!(
        harness.pool_state(&pool).await.rebalance_seq,
        0,
        "a dry run sends nothing"
    );
    service::run(&settings, Mode::Once).await.unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 1));
    assert!(
        state.hedge_position > 0,
        "the long pool was hedged short on the venue"
    );
    // Without a pool, the service says which setting is missing.
    let error = service::run(
        &Settings {
            pool: None,
            ..settings
        },
        Mode::Once,
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "--pool is required (flag, environment variable or config file)"
    );
}

pub(crate) async fn net_delta(harness: &mut Harness, pool: &PoolAddresses) -> i128 {
    let update = harness.oracle_update().await;
    harness
        .snapshot(pool, &update)
        .await
        .gross_position()
        .unwrap()
}

#[tokio::test]
async fn a_key_that_is_not_the_pools_keeper_is_refused_at_start() {
    let (harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-wrong-key");
    let impostor = solana_keypair::Keypair::new();
    let keypair = keypair_file(&impostor, &folder);
    let journal = folder.join("journal.sqlite");
    for mode in ["--dry-run", "--once"] {
        let args = keeper_args(
            &url,
            &keypair,
            &pool,
            &harness.oracle,
            &["--journal", journal.to_str().unwrap(), mode],
        );
        let output = keeper_binary(args).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{mode}: {stderr}");
        assert!(
            stderr.contains("is not this pool's keeper"),
            "{mode}: {stderr}"
        );
        assert!(
            !stderr.contains("\u{1b}["),
            "no ANSI colours into a pipe: {stderr}"
        );
    }
    assert!(!journal.exists(), "refused before opening the journal");
}

#[tokio::test]
async fn with_a_request_pending_the_dry_run_shows_that_requests_order() {
    // What --once finishes first is the pending request: the review found the dry run
    // showing the next request's order instead.
    let (mut harness, pool, url) = skewed().await;
    let net_delta = net_delta(&mut harness, &pool).await;
    let band = i128::from(harness.pool_state(&pool).await.params.rebalance_band);
    let keeper = harness.keeper.insecure_clone();
    harness.rebalance(&pool, &keeper).await.unwrap();
    let folder = temp_folder("keeper-pending-dry-run");
    let keypair = keypair_file(&harness.keeper, &folder);
    let oracle = harness.oracle;
    let output = keeper_binary(keeper_args(&url, &keypair, &pool, &oracle, &["--dry-run"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["pending_request"], true);
    assert_eq!(plan["would_rebalance"], false);
    assert_eq!(plan["request"]["seq"], 1);
    assert_eq!(
        plan["request"]["target_hedge_delta"],
        (net_delta - band).to_string()
    );
    assert_eq!(plan["order"]["seq"], 1);
}

#[tokio::test]
async fn two_keepers_cannot_share_a_journal() {
    let (harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-journal-lock");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    // Another keeper holds the journal's lock.
    let held = homeostat_keeper::service::lock_journal(&journal).expect("the first keeper's lock");
    let journal_arg = journal.to_str().expect("utf-8").to_string();
    let args = keeper_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &["--once", "--journal", &journal_arg],
    );
    let output = keeper_binary(args.clone()).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is in use by another keeper"), "{stderr}");
    assert!(!journal.exists(), "the journal was not opened");
    // Once it is released, the keeper runs.
    drop(held);
    let output = keeper_binary(args).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn after_its_run_of_failures_the_keeper_exits_for_the_supervisor() {
    // Out of band but paused: every step fails (a new request needs a priced pool). The
    // review found the keeper retrying forever, so a supervisor never noticed.
    let (mut harness, pool, url) = skewed().await;
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    let folder = temp_folder("keeper-max-failures");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let journal_arg = journal.to_str().expect("utf-8").to_string();
    let started = std::time::Instant::now();
    let output = keeper_binary(keeper_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &[
            "--journal",
            &journal_arg,
            "--interval-secs",
            "1",
            "--max-failures",
            "2",
        ],
    ))
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("2 steps in a row failed"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
