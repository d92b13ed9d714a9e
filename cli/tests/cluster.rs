//! The cluster commands (`pool create|show`, `deposit`, `withdraw`, `quote`, `swap`) as a
//! user runs them: the `homeostat` binary with a keypair file, against a JSON-RPC endpoint
//! serving the in-process runtime with the real program (`homeostat_localnet::rpc`).
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

use std::process::{Command, Output};

use anchor_lang::prelude::Pubkey;
use homeostat_localnet::*;
use homeostat_math::Direction;
use homeostat_sdk::instructions::UserAccounts;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// `wallet` written as a keypair file into a new temporary folder `name`: the folder
/// (removed when dropped) and the file's path.
fn wallet_file(wallet: &Keypair, name: &str) -> (TempFolder, String) {
    let folder = temp_folder(name);
    let path = keypair_file(wallet, &folder);
    let path = path.to_str().expect("a UTF-8 temporary path").to_string();
    (folder, path)
}

/// Runs the binary off the async runtime, which keeps serving the RPC endpoint meanwhile.
async fn homeostat(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_homeostat"))
            .args(&args)
            .env_remove("HOMEOSTAT_URL")
            .env_remove("HOMEOSTAT_KEYPAIR")
            // What a script reads (the default, `display`, is for people).
            .env("HOMEOSTAT_OUTPUT", "json")
            .output()
            .expect("run homeostat")
    })
    .await
    .expect("join")
}

#[track_caller]
fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[track_caller]
fn fails_with(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "succeeded: {output:?}");
    assert!(
        stderr.contains(expected),
        "expected `{expected}` in:\n{stderr}"
    );
}

fn example_config() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pool.toml").to_string()
}

/// A runtime without a pool, served over JSON-RPC, and a wallet holding 2 000 SOL and
/// 300 000 USDC in its associated token accounts.
async fn cluster_and_wallet() -> (Harness, PoolAddresses, Keypair, String) {
    let mut harness = Harness::start().await;
    let wallet = Keypair::new();
    // The wallet creates its pools under its own config.
    let pool = harness.pool_under(homeostat_sdk::pda::config(&wallet.pubkey()), 0);
    harness.airdrop(&wallet.pubkey(), 10_000_000_000).await;
    // The LP mint does not exist yet; the wallet's LP account is created by its deposit.
    harness
        .fund_associated(
            &pool,
            &wallet.pubkey(),
            2_000 * ONE_BASE,
            300_000 * ONE_QUOTE,
        )
        .await;
    let url = rpc::serve(&harness.context).await;
    (harness, pool, wallet, url)
}

#[tokio::test]
async fn a_wallet_creates_a_pool_deposits_swaps_and_withdraws() {
    let (mut harness, pool, wallet, url) = cluster_and_wallet().await;
    let (_folder, keypair) = wallet_file(&wallet, "cli-lifecycle");
    let keypair = keypair.as_str();
    let (base_mint, quote_mint) = (
        harness.base_mint.to_string(),
        harness.quote_mint.to_string(),
    );
    let (pool_key, oracle) = (pool.pool.to_string(), harness.oracle.to_string());
    let config = example_config();
    let signer = ["--url", url.as_str(), "--keypair", keypair];

    let mut args = vec!["pool", "create", "--base-mint", &base_mint, "--quote-mint"];
    args.extend([
        quote_mint.as_str(),
        "--oracle",
        &oracle,
        "--config",
        &config,
    ]);
    args.extend(signer);
    let created = json(&homeostat(&args).await);
    assert_eq!(created["pool"], pool_key);
    assert_eq!(created["admin"], wallet.pubkey().to_string());
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.admin, wallet.pubkey());
    assert_eq!(state.keeper, wallet.pubkey());
    assert_eq!(
        state.params,
        default_params(),
        "examples/pool.toml is the default pool"
    );
    // The same pool twice: the program refuses, and the CLI says so.
    fails_with(
        &homeostat(&args).await,
        "already exists; pick another --index",
    );

    let (base, quote) = (1_000 * ONE_BASE, 150_000 * ONE_QUOTE);
    let (base_text, quote_text) = (base.to_string(), quote.to_string());
    let mut args = vec![
        "deposit", "--pool", &pool_key, "--base", &base_text, "--quote",
    ];
    args.push(&quote_text);
    args.extend(signer);
    let deposited = json(&homeostat(&args).await);
    let shares = deposited["shares_received"].as_u64().expect("shares");
    assert_eq!(deposited["expected"]["shares"], shares);
    assert!(shares > 0);
    let user = UserAccounts::associated(&pool, wallet.pubkey());
    assert_eq!(harness.balance(&user.lp).await, shares);
    assert_eq!(harness.balance(&pool.base_vault).await, base);

    // Quote, then swap: the wallet pays and receives exactly the quoted amounts.
    let update = harness.oracle_update().await;
    let expected = harness
        .snapshot(&pool, &update)
        .await
        .quote_exact_in(Direction::BaseToQuote, 2 * ONE_BASE)
        .expect("quote");
    let amount = (2 * ONE_BASE).to_string();
    let trade = ["--side", "sell", "--amount", amount.as_str()];
    let mut args = vec![
        "quote", "--pool", &pool_key, "--oracle", &oracle, "--url", &url,
    ];
    args.extend(trade);
    let quoted = json(&homeostat(&args).await);
    assert_eq!(quoted["amount_out"], expected.amount_out);
    assert_eq!(created["config"], pool.config.to_string());
    // Vouched for by the wallet's config: accepted; by another authority's: refused.
    let wallet_key = wallet.pubkey().to_string();
    let mut vouched = args.clone();
    vouched.extend(["--config-authority", wallet_key.as_str()]);
    assert_eq!(
        json(&homeostat(&vouched).await)["amount_out"],
        expected.amount_out
    );
    let stranger = Keypair::new().pubkey().to_string();
    let mut other = args.clone();
    other.extend(["--config-authority", stranger.as_str()]);
    fails_with(
        &homeostat(&other).await,
        "not a pool under the expected config",
    );
    let mut args = vec!["swap", "--pool", &pool_key, "--oracle", &oracle];
    args.extend(trade);
    args.extend(signer);
    let swapped = json(&homeostat(&args).await);
    assert_eq!(swapped["paid"], 2 * ONE_BASE);
    assert_eq!(swapped["received"], expected.amount_out);
    assert_eq!(
        swapped["slippage_limit"]["min_amount_out"],
        expected.amount_out * 9_950 / 10_000
    );

    // Exact out: buy 1 SOL back.
    let one = ONE_BASE.to_string();
    let mut args = vec![
        "swap",
        "--pool",
        &pool_key,
        "--oracle",
        &oracle,
        "--exact-out",
    ];
    args.extend(["--side", "buy", "--amount", one.as_str()]);
    args.extend(signer);
    let bought = json(&homeostat(&args).await);
    assert_eq!(bought["received"], ONE_BASE);
    assert_eq!(bought["paid"], bought["quoted"]["amount_in"]);

    // A trade the pool cannot take is refused before anything is signed.
    let huge = (500 * ONE_BASE).to_string();
    let mut args = vec!["swap", "--pool", &pool_key, "--oracle", &oracle];
    args.extend(["--side", "sell", "--amount", huge.as_str()]);
    args.extend(signer);
    fails_with(&homeostat(&args).await, "TradeTooLarge (error 6007)");

    // A wallet without the tokens is told so before anything is sent.
    let (_stranger_folder, stranger) = wallet_file(&Keypair::new(), "cli-stranger");
    let mut args = vec![
        "swap", "--pool", &pool_key, "--oracle", &oracle, "--url", &url,
    ];
    args.extend(["--side", "sell", "--amount", "1000000000", "--keypair"]);
    args.push(&stranger);
    fails_with(
        &homeostat(&args).await,
        "holds 0 atoms and this swap pays up to 1000000000: fund it or trade less",
    );

    // A paused pool: the program's refusal comes back by name.
    harness
        .set_paused(&pool, &wallet, true)
        .await
        .expect("pause");
    let mut args = vec![
        "deposit", "--pool", &pool_key, "--base", &one, "--quote", &one,
    ];
    args.extend(signer);
    fails_with(&homeostat(&args).await, "PoolPaused (error 60");
    harness
        .set_paused(&pool, &wallet, false)
        .await
        .expect("unpause");

    // Withdraw everything the wallet holds.
    let mut args = vec!["withdraw", "--pool", &pool_key];
    args.extend(signer);
    let withdrawn = json(&homeostat(&args).await);
    assert_eq!(withdrawn["shares"], shares);
    assert_eq!(harness.balance(&user.lp).await, 0);
    fails_with(&homeostat(&args).await, "holds 0");
}

#[tokio::test]
async fn a_two_feed_pool_is_created_shown_quoted_and_traded_with_its_quote_oracle() {
    let (mut harness, pool, wallet, url) = cluster_and_wallet().await;
    harness.use_quote_feed(&quote_price_update(
        pyth_price(0.98),
        pyth_price(0.0002),
        harness.now,
    ));
    let (_folder, keypair) = wallet_file(&wallet, "cli-two-feeds");
    let keypair = keypair.as_str();
    let (base_mint, quote_mint) = (
        harness.base_mint.to_string(),
        harness.quote_mint.to_string(),
    );
    let pool_key = pool.pool.to_string();
    let oracle = harness.oracle.to_string();
    let quote_oracle = harness.quote_oracle.expect("quote oracle").to_string();
    let config = example_config();
    let signer = ["--url", url.as_str(), "--keypair", keypair];
    let oracles = [
        "--oracle",
        oracle.as_str(),
        "--quote-oracle",
        quote_oracle.as_str(),
    ];

    let mut args = vec!["pool", "create", "--base-mint", &base_mint, "--quote-mint"];
    args.extend([quote_mint.as_str(), "--config", &config]);
    args.extend(oracles);
    args.extend(signer);
    json(&homeostat(&args).await);
    assert_eq!(harness.pool_state(&pool).await.quote_feed_id, QUOTE_FEED_ID);
    let (base, quote) = (100 * ONE_BASE, 15_400 * ONE_QUOTE);
    let (base_text, quote_text) = (base.to_string(), quote.to_string());
    let mut args = vec![
        "deposit", "--pool", &pool_key, "--base", &base_text, "--quote",
    ];
    args.push(&quote_text);
    args.extend(signer);
    json(&homeostat(&args).await);

    let mut args = vec!["pool", "show", "--json", "--url", &url, "--pool", &pool_key];
    args.extend(oracles);
    let shown = json(&homeostat(&args).await);
    let mid = shown["oracle_mid_per_lot"].as_f64().expect("mid") / ONE_QUOTE as f64;
    assert!((mid - 150.0 / 0.98).abs() < 1e-6, "{shown}");
    assert_eq!(shown["feeds"]["quote_feed_id"], "5d".repeat(32));

    let trade = ["--side", "sell", "--amount", "1000000000"];
    let mut args = vec!["quote", "--pool", &pool_key, "--url", &url];
    args.extend(oracles);
    args.extend(trade);
    let quoted = json(&homeostat(&args).await);
    let mut args = vec!["swap", "--pool", &pool_key];
    args.extend(oracles);
    args.extend(trade);
    args.extend(signer);
    let swapped = json(&homeostat(&args).await);
    assert_eq!(swapped["received"], quoted["amount_out"]);
    // Without the quote oracle the program's refusal names the mismatch.
    let mut args = vec![
        "quote", "--pool", &pool_key, "--url", &url, "--oracle", &oracle,
    ];
    args.extend(trade);
    fails_with(&homeostat(&args).await, "QuoteOracleMismatch");
}

#[tokio::test]
async fn pool_show_reads_the_cluster() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;
    let (pool_key, oracle) = (pool.pool.to_string(), harness.oracle.to_string());
    let args = [
        "pool", "show", "--json", "--url", &url, "--pool", &pool_key, "--oracle", &oracle,
    ];
    let shown = json(&homeostat(&args).await);
    assert_eq!(shown["pool"], pool_key);
    assert_eq!(shown["reserves"]["base"], 1_000 * ONE_BASE);
    assert_eq!(shown["reserves"]["quote"], 150_000 * ONE_QUOTE);
    assert_eq!(shown["oracle_mid_per_lot"], 150_000_000.0);
    assert_eq!(shown["feeds"]["feed_id"], "fe".repeat(32));
    assert_eq!(shown["feeds"]["quote_feed_id"], serde_json::Value::Null);
    assert_eq!(shown["hedge"]["position"], 0);
    assert_eq!(shown["hedge"]["realized_pnl_quote_atoms"], "0");
    assert_eq!(shown["hedge"]["unrealized_pnl_quote_atoms_at_oracle"], "0");
    assert_eq!(shown["net_delta"], 0);
    assert_eq!(shown["inventory"], 0, "the first deposit is the target");
    assert_eq!(shown["risk_position"], 0);
    assert_eq!(shown["lp_access"], "public");
    assert_eq!(shown["hedge_credit_bps"], 0);
    assert_eq!(shown["target_base"], 1_000 * ONE_BASE);
    assert_eq!(shown["greeks"]["gross_delta"], 1_000 * ONE_BASE);
    assert_eq!(shown["greeks"]["gamma_per_percent"], 0, "an oracle pool");

    // The Solana CLI's configuration names the cluster when no flag does; a flag wins.
    let folder = temp_folder("cli-solana-config");
    let config = folder.join("config.yml");
    std::fs::write(
        &config,
        format!("---\njson_rpc_url: \"{url}\"\nwebsocket_url: \"\"\ncommitment: confirmed\n"),
    )
    .expect("write config.yml");
    let config = config.to_str().expect("utf-8");
    let from_config = [
        "pool", "show", "-C", config, "--pool", &pool_key, "--oracle", &oracle,
    ];
    assert_eq!(json(&homeostat(&from_config).await)["pool"], pool_key);
    let dead = [&from_config[..], &["-u", "http://127.0.0.1:1"]].concat();
    fails_with(
        &homeostat(&dead).await,
        "cannot reach the node at http://127.0.0.1:1",
    );
    // `display` (the default) is for people: `name: value` lines, nested ones indented.
    let displayed = homeostat(&[&from_config[..], &["--output", "display"]].concat()).await;
    assert!(displayed.status.success());
    let text = String::from_utf8(displayed.stdout).expect("UTF-8");
    assert!(
        text.lines().any(|line| line == format!("pool: {pool_key}")),
        "{text}"
    );
    assert!(text.lines().any(|line| line == "params:"), "{text}");
    assert!(text.contains("\n  fee_bps: "), "{text}");

    let update = harness.oracle_update().await;
    assert!(harness.snapshot(&pool, &update).await.inventory().is_ok());
}

#[tokio::test]
async fn cluster_errors_are_clear() {
    let (harness, _, wallet, url) = cluster_and_wallet().await;
    let oracle = harness.oracle.to_string();
    let nowhere = Pubkey::new_unique().to_string();
    let show = ["pool", "show", "--url", &url, "--oracle", &oracle, "--pool"];
    let mut args = show.to_vec();
    args.push(&nowhere);
    fails_with(&homeostat(&args).await, "does not exist on this cluster");
    let mut args = show.to_vec();
    args.push("not-a-key");
    fails_with(&homeostat(&args).await, "is not a base-58 public key");
    // A URL that is not one, and a node that is not there.
    for (url, expected) in [
        (
            "htp:/nowhere",
            "is not a URL: give http(s)://host:port or a moniker",
        ),
        (
            "http://127.0.0.1:1",
            "cannot reach the node at http://127.0.0.1:1",
        ),
    ] {
        let args = [
            "pool", "show", "--url", url, "--oracle", &oracle, "--pool", &nowhere,
        ];
        fails_with(&homeostat(&args).await, expected);
    }

    let mut args = vec!["quote", "--side", "sideways", "--amount", "1", "--pool"];
    args.extend([nowhere.as_str(), "--oracle", &oracle, "--url", &url]);
    fails_with(&homeostat(&args).await, "--side must be");

    // No keypair file.
    let missing = "/nonexistent/id.json";
    let args = [
        "withdraw",
        "--pool",
        &nowhere,
        "--url",
        &url,
        "--keypair",
        missing,
    ];
    fails_with(&homeostat(&args).await, "solana-keygen new");

    // A configuration with a typo, and one the program would refuse.
    let (folder, keypair) = wallet_file(&wallet, "cli-errors");
    let typo = folder.join("typo.toml");
    let text = std::fs::read_to_string(example_config()).expect("example");
    std::fs::write(&typo, text.replace("fee_bps = 0", "fee_bsp = 0")).expect("write");
    let refused = folder.join("refused.toml");
    std::fs::write(&refused, text.replace("fee_bps = 0", "fee_bps = 9999")).expect("write");
    let clamped = folder.join("clamped.toml");
    std::fs::write(
        &clamped,
        text.replace("initial_variance = 0.00000001", "initial_variance = 0.5"),
    )
    .expect("write");
    let domain = folder.join("domain.toml");
    std::fs::write(
        &domain,
        text.replace("risk_aversion = 250.0", "risk_aversion = 1e-9"),
    )
    .expect("write");
    let (base_mint, quote_mint) = (
        harness.base_mint.to_string(),
        harness.quote_mint.to_string(),
    );
    let same = [
        "pool",
        "create",
        "--base-mint",
        &base_mint,
        "--quote-mint",
        &base_mint,
        "--oracle",
        &oracle,
        "--config",
    ];
    let mut args = same.to_vec();
    let example = example_config();
    args.push(&example);
    args.extend(["--url", &url, "--keypair", &keypair]);
    fails_with(&homeostat(&args).await, "are the same mint");
    for (config, expected) in [
        (&typo, "unknown field `fee_bsp`"),
        (&typo, "line 23"),
        (
            &refused,
            "the program would reject these parameters: fee_bps must be ≤ 1 000",
        ),
        (
            &clamped,
            "initial_variance 0.5 must lie between variance_floor",
        ),
        (&domain, "outside the model's domain"),
    ] {
        let config = config.to_str().expect("utf-8");
        let args = [
            "pool",
            "create",
            "--base-mint",
            &base_mint,
            "--quote-mint",
            &quote_mint,
            "--oracle",
            &oracle,
            "--config",
            config,
            "--url",
            &url,
            "--keypair",
            &keypair,
        ];
        fails_with(&homeostat(&args).await, expected);
    }

    let help = homeostat(&["swap", "--help"]).await;
    let help = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--url",
        "--keypair",
        "--pool",
        "--oracle",
        "HOMEOSTAT_URL",
        "mainnet-beta",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

/// One JSON-RPC call over plain HTTP/1.1, as any client makes it.
fn rpc_call(url: &str, method: &str, params: serde_json::Value) -> serde_json::Value {
    let body = serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    rpc::post_blocking(url, &body.to_string(), false)
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

#[tokio::test]
async fn homeostat_localnet_serves_a_world_the_cluster_commands_trade_on() {
    use std::io::BufRead;
    let folder = temp_folder("cli-localnet");
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args(["localnet", "--port", "0", "--folder"])
        .arg(&folder)
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

    // A cluster whose clock moves: slots pass and the print stays fresh.
    let slot = |url: &str| rpc_call(url, "getSlot", serde_json::json!([]))["result"].as_u64();
    let before = slot(&url).expect("slot");
    // 400 ms slots on both clusters: five in 2 s, three at least on a busy machine.
    tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
    assert!(slot(&url).expect("slot") >= before + 3);
    // The clock sysvar says the slot clients see (the review found slot 0): written every
    // slot, so one behind at most — two when a tick runs late.
    let clock = rpc_call(
        &url,
        "getAccountInfo",
        serde_json::json!(["SysvarC1ock11111111111111111111111111111111", { "encoding": "jsonParsed" }]),
    );
    let clock_slot = clock["result"]["value"]["data"]["parsed"]["info"]["slot"]
        .as_u64()
        .expect("the clock's slot");
    let now = slot(&url).expect("slot");
    assert!(
        clock_slot + 2 >= now && clock_slot <= now,
        "clock {clock_slot}, getSlot {now}"
    );
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
    assert_eq!(state.change_delay, 3_600);
    assert_eq!(state.legacy_receiver_until.to_string(), sunset);
    let admin = |command: &'static str, extra: &[&str], dry_run: bool| {
        let mut args = vec![
            "pool".to_string(),
            command.to_string(),
            "--url".into(),
            url.clone(),
            "--keypair".into(),
            keypair.to_string(),
            "--pool".into(),
            pool_key.clone(),
        ];
        args.extend(extra.iter().map(|arg| arg.to_string()));
        if dry_run {
            args.push("--dry-run".into());
        }
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            homeostat(&args).await
        }
    };
    // A looser cap: the dry run names the change and says it waits; nothing is sent.
    let text = std::fs::read_to_string(&config).expect("example config");
    let loose = folder.join("loose.toml");
    let cap = harness.pool_state(&pool).await.params.inventory_cap;
    std::fs::write(
        &loose,
        text.replace(
            &format!("inventory_cap = {cap}"),
            &format!("inventory_cap = {}", 2 * cap),
        ),
    )
    .expect("write");
    let loose = loose.to_str().expect("utf-8");
    let plan = json(&admin("update-params", &["--config", loose], true).await);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(
        plan["plan"]["changes"]["inventory_cap"],
        serde_json::json!([cap, 2 * cap])
    );
    assert!(plan["plan"]["effective"]
        .as_str()
        .expect("text")
        .starts_with("pending"));
    assert_eq!(harness.pool_state(&pool).await.params.inventory_cap, cap);
    // Sent: pending, shown by `pool show`, not due.
    json(&admin("update-params", &["--config", loose], false).await);
    let state = harness.pool_state(&pool).await;
    assert_eq!(
        (
            state.params.inventory_cap,
            state.pending_params.inventory_cap
        ),
        (cap, 2 * cap)
    );
    let show = json(
        &homeostat(&[
            "pool", "show", "--url", &url, "--pool", &pool_key, "--oracle", &oracle, "--json",
        ])
        .await,
    );
    assert_eq!(
        show["pending_changes"]["params"]["params"]["inventory_cap"],
        2 * cap
    );
    assert_eq!(show["params"]["inventory_cap"], cap);
    fails_with(&admin("apply-pending", &[], false).await, "ChangeNotDue");
    // An hour later it applies.
    harness.set_time(harness.now + 3_600);
    json(&admin("apply-pending", &[], false).await);
    assert_eq!(
        harness.pool_state(&pool).await.params.inventory_cap,
        2 * cap
    );
    fails_with(
        &admin("cancel-pending", &[], false).await,
        "nothing is pending",
    );
    // Pausing is immediate; a stranger's wallet is refused before anything is signed.
    let plan = json(&admin("pause", &[], true).await);
    assert_eq!(plan["plan"]["paused"], serde_json::json!([false, true]));
    json(&admin("pause", &[], false).await);
    assert!(harness.pool_state(&pool).await.is_paused());
    json(&admin("unpause", &[], false).await);
    assert!(!harness.pool_state(&pool).await.is_paused());
    let stranger = Keypair::new();
    harness.airdrop(&stranger.pubkey(), 1_000_000_000).await;
    let (_stranger_folder, stranger_file) = wallet_file(&stranger, "cli-admin-stranger");
    fails_with(
        &homeostat(&[
            "pool",
            "pause",
            "--url",
            &url,
            "--keypair",
            &stranger_file,
            "--pool",
            &pool_key,
        ])
        .await,
        "is not the pool's admin",
    );
    // The keeper, a retarget's plan and the fee collection.
    let keeper = stranger.pubkey().to_string();
    json(&admin("set-keeper", &["--keeper", &keeper], false).await);
    assert_eq!(harness.pool_state(&pool).await.keeper, stranger.pubkey());
    let plan = json(&admin("retarget", &["--target-base", "95000000000"], true).await);
    assert_eq!(plan["plan"]["target_base"][1], 95_000_000_000u64);
    // A step beyond the program's bound is refused before signing, the bound named.
    let current = plan["plan"]["target_base"][0]
        .as_u64()
        .expect("the current target");
    let far = (current / 2).to_string();
    fails_with(
        &admin("retarget", &["--target-base", &far], true).await,
        &format!(
            "a retarget moves the target at most {} base atoms",
            current / 10
        ),
    );
    // A retarget applied (the config's hour later) starts the hour before the next one,
    // which is refused before signing at the cluster's time, the rule named.
    json(&admin("retarget", &["--target-base", "95000000000"], false).await);
    harness.set_time(harness.now + 3_600);
    json(&admin("apply-pending", &[], false).await);
    assert_eq!(
        harness.pool_state(&pool).await.last_retarget_time,
        harness.now
    );
    fails_with(
        &admin("retarget", &["--target-base", "94000000000"], true).await,
        "RetargetTooSoon",
    );
    json(&admin("collect-fees", &[], false).await);
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
