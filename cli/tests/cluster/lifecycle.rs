//! A wallet's pool from creation to withdrawal, a two-feed pool, and `pool show`.

use homeostat_localnet::{
    default_params, pyth_price, quote_price_update, rpc, temp_folder, Harness, PoolAddresses,
    ONE_BASE, ONE_QUOTE, QUOTE_FEED_ID,
};
use homeostat_math::Direction;
use homeostat_sdk::instructions::UserAccounts;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{cluster_and_wallet, example_config, fails_with, homeostat, json, wallet_file};

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
    // The same pool twice: the program refuses, and the CLI says so (and what to do).
    fails_with(
        &homeostat(&args).await,
        "already exists: pick another --index",
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

    let session = Session {
        url: &url,
        keypair,
        pool: &pool_key,
        oracle: &oracle,
        addresses: &pool,
        wallet: &wallet,
    };
    assert_eq!(created["config"], pool.config.to_string());
    session.swaps_pay_and_receive_the_quote(&mut harness).await;
    session.refusals_come_before_signing(&mut harness).await;

    // Withdraw everything the wallet holds.
    let mut args = vec!["withdraw", "--pool", &pool_key];
    args.extend(signer);
    let withdrawn = json(&homeostat(&args).await);
    assert_eq!(withdrawn["shares"], shares);
    assert_eq!(harness.balance(&user.lp).await, 0);
    fails_with(&homeostat(&args).await, "holds 0");
}

/// The test's wallet and pool, and the flags every command of it takes.
#[derive(Clone, Copy)]
struct Session<'a> {
    url: &'a str,
    keypair: &'a str,
    pool: &'a str,
    oracle: &'a str,
    addresses: &'a PoolAddresses,
    wallet: &'a Keypair,
}

impl Session<'_> {
    fn signer(&self) -> [&str; 4] {
        ["--url", self.url, "--keypair", self.keypair]
    }

    /// Quote, then swap (exact in, then exact out): the wallet pays and receives exactly
    /// the quoted amounts; a quote vouched for by the wallet's config is accepted, by
    /// another's refused.
    async fn swaps_pay_and_receive_the_quote(&self, harness: &mut Harness) {
        let (pool_key, oracle, url, signer) = (self.pool, self.oracle, self.url, self.signer());
        let (pool, wallet) = (self.addresses, self.wallet);
        // Quote, then swap: the wallet pays and receives exactly the quoted amounts.
        let update = harness.oracle_update().await;
        let expected = harness
            .snapshot(pool, &update)
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
    }

    /// A trade the pool cannot take, a wallet without the tokens, a paused pool: each
    /// refused before anything is signed, by name.
    async fn refusals_come_before_signing(&self, harness: &mut Harness) {
        let Session {
            url,
            pool: pool_key,
            oracle,
            addresses: pool,
            wallet,
            ..
        } = *self;
        let signer = self.signer();
        let one = ONE_BASE.to_string();
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
        harness.set_paused(pool, wallet, true).await.expect("pause");
        let mut args = vec![
            "deposit", "--pool", &pool_key, "--base", &one, "--quote", &one,
        ];
        args.extend(signer);
        fails_with(&homeostat(&args).await, "PoolPaused (error 60");
        harness
            .set_paused(pool, wallet, false)
            .await
            .expect("unpause");
    }
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
    assert_eq!(
        shown["gross_position"], 0,
        "the first deposit is the target"
    );
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
    assert!(harness
        .snapshot(&pool, &update)
        .await
        .gross_position()
        .is_ok());
}
