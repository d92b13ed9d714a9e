//! `homeostat pool show` and `homeostat quote` against a JSON-RPC endpoint: a loopback
//! server answering with accounts copied from the in-process runtime.
#![allow(deprecated)] // solana-program-test 3.x: see crates/localnet/src/lib.rs

use std::process::{Command, Output};

use anchor_lang::prelude::Pubkey;
use homeostat_localnet::mock_rpc::{copy_accounts, serve};
use homeostat_localnet::*;
use homeostat_math::Direction;

fn homeostat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args(args)
        .output()
        .expect("run homeostat")
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

#[tokio::test]
async fn pool_show_and_quote_read_the_cluster() {
    let (mut harness, _) = Harness::with_liquidity().await;
    let url = serve(copy_accounts(&mut harness).await);
    let (pool, oracle) = (harness.pool().to_string(), harness.oracle.to_string());
    let cluster = [
        "--url",
        url.as_str(),
        "--pool",
        pool.as_str(),
        "--oracle",
        oracle.as_str(),
    ];

    let mut args = vec!["pool", "show", "--json"];
    args.extend(cluster);
    let shown = json(&homeostat(&args));
    assert_eq!(shown["pool"], pool);
    assert_eq!(shown["reserves"]["base"], 1_000 * ONE_BASE);
    assert_eq!(shown["reserves"]["quote"], 150_000 * ONE_QUOTE);
    assert_eq!(shown["oracle_mid_per_lot"], 150_000_000.0);
    assert_eq!(shown["net_delta"], 0);

    let update = harness.oracle_update().await;
    let expected = harness
        .snapshot(&update)
        .await
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap();
    let amount = ONE_BASE.to_string();
    let mut args = vec!["quote", "--side", "sell", "--amount", amount.as_str()];
    args.extend(cluster);
    let quoted = json(&homeostat(&args));
    assert_eq!(quoted["amount_out"], expected.amount_out);
    assert_eq!(quoted["fee"], expected.fee.total);
    assert_eq!(
        quoted["slippage_limit"]["min_amount_out"],
        expected.amount_out * 9_950 / 10_000
    );

    let mut args = vec!["quote", "--side", "sideways", "--amount", "1"];
    args.extend(cluster);
    let output = homeostat(&args);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--side must be"));
}

#[tokio::test]
async fn cluster_errors_are_clear() {
    let (mut harness, _) = Harness::with_liquidity().await;
    let url = serve(copy_accounts(&mut harness).await);
    let oracle = harness.oracle.to_string();
    let nowhere = Pubkey::new_unique().to_string();
    let output = homeostat(&[
        "pool", "show", "--url", &url, "--pool", &nowhere, "--oracle", &oracle,
    ]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("does not exist on this cluster"),
        "{output:?}"
    );
    let output = homeostat(&[
        "pool",
        "show",
        "--url",
        &url,
        "--pool",
        "not-a-key",
        "--oracle",
        &oracle,
    ]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a base-58 public key"),
        "{output:?}"
    );
    let output = homeostat(&["pool", "show", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for option in ["--url", "--pool", "--oracle", "HOMEOSTAT_URL"] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}
