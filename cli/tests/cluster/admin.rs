//! The operator's commands: parameters, pause, authorities, and the loosening wait.

use std::process::Output;

use anchor_lang::prelude::Pubkey;
use homeostat_localnet::{pyth_price, Harness, PoolAddresses};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{cluster_and_wallet, example_config, fails_with, homeostat, json, wallet_file};

#[tokio::test]
async fn an_operator_administers_the_pool_and_loosening_changes_wait() {
    let (mut harness, pool, wallet, url) = cluster_and_wallet().await;
    let (folder, keypair) = wallet_file(&wallet, "cli-admin");
    let keypair = keypair.as_str();
    let (base_mint, quote_mint, oracle) = (
        harness.base_mint.to_string(),
        harness.quote_mint.to_string(),
        harness.oracle.to_string(),
    );
    let config = example_config();
    let pool_key = pool.pool.to_string();
    // Created with a config whose loosening changes wait an hour, and that accepts the
    // legacy Pyth receiver's accounts for a day.
    let sunset = (harness.now + 86_400).to_string();
    json(
        &homeostat(&[
            "pool",
            "bootstrap",
            "--url",
            &url,
            "--keypair",
            keypair,
            "--base-mint",
            &base_mint,
            "--quote-mint",
            &quote_mint,
            "--oracle",
            &oracle,
            "--config",
            &config,
            "--seed-base",
            "100000000000",
            "--seed-quote",
            "15000000000",
            "--change-delay",
            "3600",
            "--legacy-receiver-until",
            &sunset,
        ])
        .await,
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.pending.delay, 3_600);
    assert_eq!(state.legacy_receiver_until.to_string(), sunset);
    let admin = Admin {
        url: &url,
        keypair,
        pool: &pool_key,
    };
    let loose = folder.join("loose.toml");
    a_loosening_change_waits_the_delay(&mut harness, &pool, &admin, &oracle, &config, &loose).await;
    let stranger =
        pausing_is_immediate_and_strangers_are_refused(&mut harness, &pool, &admin).await;
    // The keeper, a retarget's plan and the fee collection.
    let keeper = stranger.to_string();
    json(&admin.send("set-keeper", &["--keeper", &keeper]).await);
    assert_eq!(harness.pool_state(&pool).await.keeper, stranger);
    // Prop-AMM mode: a quoter named, then none again.
    let named = json(&admin.send("set-quoter", &["--quoter", &keeper]).await);
    assert_eq!(named["plan"]["quoter"][1], keeper.as_str(), "{named}");
    assert_eq!(harness.pool_state(&pool).await.quoter, stranger);
    let none = anchor_lang::prelude::Pubkey::default().to_string();
    json(&admin.send("set-quoter", &["--quoter", &none]).await);
    assert!(!harness.pool_state(&pool).await.has_quoter());
    // Pyth Pro: a feed named, a two-feed request refused by the program, then none.
    let named = json(&admin.send("set-pro-feeds", &["--feed", "6"]).await);
    assert_eq!(named["plan"]["pro_feeds"][1][0], 6, "{named}");
    assert_eq!(harness.pool_state(&pool).await.pro.feed_id, 6);
    fails_with(
        &admin
            .send("set-pro-feeds", &["--feed", "6", "--quote-feed", "7"])
            .await,
        "InvalidParameter",
    );
    json(&admin.send("set-pro-feeds", &["--feed", "0"]).await);
    assert!(!harness.pool_state(&pool).await.has_pro_feed());
    retargets_are_bounded_and_rate_limited(&mut harness, &pool, &admin).await;
    json(&admin.send("collect-fees", &[]).await);
    // A trade over the limits names them and what would trade (the review: TradeTooLarge
    // never stated the limit).
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    fails_with(
        &homeostat(&[
            "quote",
            "--url",
            &url,
            "--pool",
            &pool_key,
            "--oracle",
            &oracle,
            "--side",
            "sell",
            "--amount",
            "60000000000",
        ])
        .await,
        "takes at most 50000000000 base atoms a trade (max_trade_base)",
    );
}

/// The admin commands of the test's pool, as the wallet at `keypair`.
struct Admin<'a> {
    url: &'a str,
    keypair: &'a str,
    pool: &'a str,
}

impl Admin<'_> {
    /// `homeostat pool <command> <extra> --dry-run`: the plan, nothing sent.
    async fn dry_run(&self, command: &str, extra: &[&str]) -> Output {
        self.run(command, extra, &["--dry-run"]).await
    }

    /// `homeostat pool <command> <extra>`, sent.
    async fn send(&self, command: &str, extra: &[&str]) -> Output {
        self.run(command, extra, &[]).await
    }

    async fn run(&self, command: &str, extra: &[&str], mode: &[&str]) -> Output {
        let mut args = vec![
            "pool",
            command,
            "--url",
            self.url,
            "--keypair",
            self.keypair,
            "--pool",
            self.pool,
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(mode);
        homeostat(&args).await
    }
}

/// A looser cap (the config at `config`, written to `loose` with the cap doubled): the
/// dry run names the change and says it waits; sent, it is pending, shown by `pool show`,
/// not due; an hour later it applies.
async fn a_loosening_change_waits_the_delay(
    harness: &mut Harness,
    pool: &PoolAddresses,
    admin: &Admin<'_>,
    oracle: &str,
    config: &str,
    loose: &std::path::Path,
) {
    let cap = harness.pool_state(pool).await.params.inventory_cap;
    let text = std::fs::read_to_string(config).expect("example config");
    std::fs::write(
        loose,
        text.replace(
            &format!("inventory_cap = {cap}"),
            &format!("inventory_cap = {}", 2 * cap),
        ),
    )
    .expect("write");
    let loose = loose.to_str().expect("utf-8");
    let plan = json(&admin.dry_run("update-params", &["--config", loose]).await);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(
        plan["plan"]["changes"]["inventory_cap"],
        serde_json::json!([cap, 2 * cap])
    );
    assert!(plan["plan"]["effective"]
        .as_str()
        .expect("text")
        .starts_with("pending"));
    assert_eq!(harness.pool_state(pool).await.params.inventory_cap, cap);
    // Sent: pending, shown by `pool show`, not due.
    json(&admin.send("update-params", &["--config", loose]).await);
    let state = harness.pool_state(pool).await;
    assert_eq!(
        (
            state.params.inventory_cap,
            state.pending.params.inventory_cap
        ),
        (cap, 2 * cap)
    );
    let show = json(
        &homeostat(&[
            "pool", "show", "--url", admin.url, "--pool", admin.pool, "--oracle", oracle, "--json",
        ])
        .await,
    );
    assert_eq!(
        show["pending_changes"]["params"]["params"]["inventory_cap"],
        2 * cap
    );
    assert_eq!(show["params"]["inventory_cap"], cap);
    fails_with(&admin.send("apply-pending", &[]).await, "ChangeNotDue");
    // An hour later it applies.
    harness.set_time(harness.now + 3_600);
    json(&admin.send("apply-pending", &[]).await);
    assert_eq!(harness.pool_state(pool).await.params.inventory_cap, 2 * cap);
    fails_with(
        &admin.send("cancel-pending", &[]).await,
        "the program would refuse it: NoPendingChange",
    );
}

/// Pausing is immediate; a stranger's wallet is refused before anything is signed.
/// Returns the stranger's key.
async fn pausing_is_immediate_and_strangers_are_refused(
    harness: &mut Harness,
    pool: &PoolAddresses,
    admin: &Admin<'_>,
) -> Pubkey {
    let plan = json(&admin.dry_run("pause", &[]).await);
    assert_eq!(plan["plan"]["paused"], serde_json::json!([false, true]));
    json(&admin.send("pause", &[]).await);
    assert!(harness.pool_state(pool).await.is_paused());
    json(&admin.send("unpause", &[]).await);
    assert!(!harness.pool_state(pool).await.is_paused());
    let stranger = Keypair::new();
    harness.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let (_stranger_folder, stranger_file) = wallet_file(&stranger, "cli-admin-stranger");
    fails_with(
        &homeostat(&[
            "pool",
            "pause",
            "--url",
            admin.url,
            "--keypair",
            &stranger_file,
            "--pool",
            admin.pool,
        ])
        .await,
        "is not the pool's admin",
    );
    stranger.pubkey()
}

/// A retarget's plan; a step beyond the program's bound is refused before signing, the
/// bound named; one applied starts the hour before the next, refused at the cluster's
/// time, the rule named.
async fn retargets_are_bounded_and_rate_limited(
    harness: &mut Harness,
    pool: &PoolAddresses,
    admin: &Admin<'_>,
) {
    let plan = json(
        &admin
            .dry_run("retarget", &["--target-base", "95000000000"])
            .await,
    );
    assert_eq!(plan["plan"]["target_base"][1], 95_000_000_000u64);
    // A step beyond the program's bound is refused before signing, the bound named.
    let current = plan["plan"]["target_base"][0]
        .as_u64()
        .expect("the current target");
    let far = (current / 2).to_string();
    fails_with(
        &admin.dry_run("retarget", &["--target-base", &far]).await,
        &format!(
            "a retarget moves the target at most {} base atoms",
            current / 10
        ),
    );
    // A retarget applied (the config's hour later) starts the hour before the next one,
    // which is refused before signing at the cluster's time, the rule named.
    json(
        &admin
            .send("retarget", &["--target-base", "95000000000"])
            .await,
    );
    harness.set_time(harness.now + 3_600);
    json(&admin.send("apply-pending", &[]).await);
    assert_eq!(
        harness.pool_state(pool).await.last_retarget_time,
        harness.now
    );
    fails_with(
        &admin
            .dry_run("retarget", &["--target-base", "94000000000"])
            .await,
        "RetargetTooSoon",
    );
}
