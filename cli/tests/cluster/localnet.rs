//! `homeostat localnet`: a world the cluster commands trade on, and `pool bootstrap`.

use std::process::Command;

use homeostat_localnet::{rpc, temp_folder, ONE_BASE, ONE_QUOTE};

use crate::{cluster_and_wallet, example_config, fails_with, homeostat, json, wallet_file};

fn rpc_call(url: &str, method: &str, params: serde_json::Value) -> serde_json::Value {
    let body = serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    rpc::post_blocking(url, &body.to_string(), false)
}

#[tokio::test]
async fn homeostat_localnet_serves_a_world_the_cluster_commands_trade_on() {
    let folder = temp_folder("cli-localnet");
    let (mut child, world) = start_localnet(&folder).await;
    let text = |field: &str| world[field].as_str().expect(field).to_string();
    let (url, pool, oracle) = (text("url"), text("pool"), text("oracle"));
    let wallet = world["wallet"]["keypair"]
        .as_str()
        .expect("wallet")
        .to_string();
    let at = [
        "--url",
        url.as_str(),
        "--pool",
        pool.as_str(),
        "--oracle",
        oracle.as_str(),
    ];

    let show = json(&homeostat(&[&["pool", "show", "--json"][..], &at[..]].concat()).await);
    assert_eq!(show["reserves"]["base"], 1_000 * ONE_BASE);
    assert_eq!(show["paused"], false);

    // A second endpoint in the same folder refuses to start and leaves the first's
    // keypairs as they were.
    let wallet_file = folder.join("wallet.json");
    let before = std::fs::read(&wallet_file).expect("wallet file");
    let folder_arg = folder.to_str().expect("utf-8").to_string();
    fails_with(
        &homeostat(&["localnet", "--port", "0", "--folder", &folder_arg]).await,
        "is in use by another `homeostat localnet`",
    );
    assert_eq!(std::fs::read(&wallet_file).expect("wallet file"), before);

    let mut sell = vec!["swap", "--keypair", wallet.as_str(), "--side", "sell"];
    sell.extend(["--amount", "1000000000"]);
    let swap = json(&homeostat(&[&sell[..], &at[..]].concat()).await);
    assert_eq!(swap["paid"], ONE_BASE);
    assert!(
        swap["received"].as_u64().expect("received") > 140 * ONE_QUOTE,
        "{swap}"
    );
    assert!(
        swap["sent"]["compute_units"]["limit"]
            .as_u64()
            .expect("limit")
            > 0
    );

    let deposit = json(
        &homeostat(&[
            "deposit",
            "--url",
            &url,
            "--keypair",
            &wallet,
            "--pool",
            &pool,
            "--base",
            "1000000000",
            "--quote",
            "150000000",
        ])
        .await,
    );
    let shares = deposit["shares_received"].as_u64().expect("shares");
    assert!(shares > 0, "{deposit}");
    let withdraw = json(
        &homeostat(&[
            "withdraw",
            "--url",
            &url,
            "--keypair",
            &wallet,
            "--pool",
            &pool,
        ])
        .await,
    );
    assert_eq!(withdraw["shares"], shares);

    the_clock_moves_with_the_slots(&url).await;
    let quote = json(
        &homeostat(
            &[
                &["quote", "--side", "buy", "--amount", "1000000"][..],
                &at[..],
            ]
            .concat(),
        )
        .await,
    );
    assert!(quote["amount_out"].as_u64().expect("out") > 0, "{quote}");
    let _ = child.kill();
    let _ = child.wait();
}

/// `homeostat localnet`'s arguments choosing the cluster under test: the in-process
/// endpoint, or with `HOMEOSTAT_TEST_CLUSTER=validator` (tools/validator-suite) the same
/// world on `solana-test-validator` from the SBF builds in target/deploy.
fn localnet_cluster_args() -> Vec<String> {
    match std::env::var("HOMEOSTAT_TEST_CLUSTER").as_deref() {
        Ok("validator") => vec![
            "--validator".into(),
            "--sbf-dir".into(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../target/deploy").into(),
        ],
        Ok("endpoint") | Err(_) => Vec::new(),
        Ok(other) => panic!("HOMEOSTAT_TEST_CLUSTER is `{other}`: `endpoint` or `validator`"),
    }
}

/// `homeostat localnet` in `folder` on a free port: the process and the world it prints.
async fn start_localnet(folder: &std::path::Path) -> (std::process::Child, serde_json::Value) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args(["localnet", "--port", "0", "--folder"])
        .arg(folder)
        .args(localnet_cluster_args())
        .stdout(std::process::Stdio::piped())
        // Why a world never came (the validator's start) shows in the test's output.
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start localnet");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the world, one JSON line");
        line
    })
    .await
    .expect("join");
    let world: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|error| panic!("the world line `{line}`: {error}"));
    (child, world)
}

/// A cluster whose clock moves: slots pass and the print stays fresh.
async fn the_clock_moves_with_the_slots(url: &str) {
    // At `processed`: a validator answers `finalized` by default, which stays behind (at 0
    // in its first half minute) until enough slots are rooted.
    let slot = |url: &str| {
        rpc_call(
            url,
            "getSlot",
            serde_json::json!([{ "commitment": "processed" }]),
        )["result"]
            .as_u64()
    };
    let before = slot(url).expect("slot");
    // 400 ms slots on both clusters: five in 2 s, three at least on a busy machine.
    tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    assert!(slot(url).expect("slot") >= before + 3);
    // The clock sysvar says the slot clients see (the review found slot 0): written every
    // slot, so one behind at most — two when a tick runs late.
    let clock = rpc_call(
        url,
        "getAccountInfo",
        serde_json::json!(["SysvarC1ock11111111111111111111111111111111", { "encoding": "jsonParsed", "commitment": "processed" }]),
    );
    let clock_slot = clock["result"]["value"]["data"]["parsed"]["info"]["slot"]
        .as_u64()
        .expect("the clock's slot");
    let now = slot(url).expect("slot");
    assert!(
        clock_slot + 2 >= now && clock_slot <= now,
        "clock {clock_slot}, getSlot {now}"
    );
}

#[tokio::test]
async fn pool_bootstrap_is_idempotent_and_has_a_dry_run() {
    let (mut harness, pool, wallet, url) = cluster_and_wallet().await;
    let (folder, keypair) = wallet_file(&wallet, "cli-bootstrap");
    let keypair = keypair.as_str();
    let (base_mint, quote_mint) = (
        harness.base_mint.to_string(),
        harness.quote_mint.to_string(),
    );
    let (oracle, config) = (harness.oracle.to_string(), example_config());
    let (seed_base, seed_quote) = (
        (100 * ONE_BASE).to_string(),
        (15_000 * ONE_QUOTE).to_string(),
    );
    let bootstrap = |config: String, dry_run: bool| {
        let mut args = vec![
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
            "--seed-base",
            &seed_base,
            "--seed-quote",
            &seed_quote,
            "--config",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.push(config);
        if dry_run {
            args.push("--dry-run".into());
        }
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            homeostat(&args).await
        }
    };
    let steps = |report: &serde_json::Value| -> Vec<String> {
        report["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|step| step["step"].as_str().expect("name").to_string())
            .collect()
    };

    // The plan, and nothing sent.
    let plan = json(&bootstrap(config.clone(), true).await);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["pool"], pool.pool.to_string());
    assert_eq!(steps(&plan), ["create pool", "seed liquidity"]);
    assert!(!harness.account_exists(&pool.pool).await);

    // Going live: both steps sent.
    let live = json(&bootstrap(config.clone(), false).await);
    assert_eq!(steps(&live), ["create pool", "seed liquidity"]);
    assert!(live["steps"][1]["sent"]["signature"].is_string());
    assert_eq!(harness.balance(&pool.base_vault).await, 100 * ONE_BASE);
    assert_eq!(harness.balance(&pool.quote_vault).await, 15_000 * ONE_QUOTE);

    // Again: nothing to do, nothing sent.
    let again = json(&bootstrap(config.clone(), false).await);
    assert!(steps(&again).is_empty(), "{again}");
    assert_eq!(harness.balance(&pool.base_vault).await, 100 * ONE_BASE);

    // Other parameters for the same pool are refused, not applied.
    let text = std::fs::read_to_string(&config).expect("example config");
    let other = folder.join("other.toml");
    std::fs::write(&other, text.replace("fee_bps = 0", "fee_bps = 5")).expect("write");
    fails_with(
        &bootstrap(other.to_str().expect("utf-8").to_string(), true).await,
        "exists with other parameters",
    );
}
