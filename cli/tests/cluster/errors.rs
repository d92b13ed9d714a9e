//! What a user reads when a cluster command cannot do what it was asked.

use anchor_lang::prelude::Pubkey;
use homeostat_localnet::Harness;
use solana_keypair::Keypair;

use crate::{cluster_and_wallet, example_config, fails_with, homeostat, wallet_file};

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

    pool_create_names_what_is_wrong_with_its_config(&harness, &wallet, &url).await;

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

/// `pool create` with a configuration with a typo, one the program would refuse, one whose
/// variance is clamped or outside the model's domain, or the same mint twice: each named.
async fn pool_create_names_what_is_wrong_with_its_config(
    harness: &Harness,
    wallet: &Keypair,
    url: &str,
) {
    let oracle = harness.oracle.to_string();
    let (folder, keypair) = wallet_file(wallet, "cli-errors");
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
    args.extend(["--url", url, "--keypair", &keypair]);
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
            url,
            "--keypair",
            &keypair,
        ];
        fails_with(&homeostat(&args).await, expected);
    }
}
