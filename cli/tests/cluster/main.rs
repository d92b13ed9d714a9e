//! The cluster commands (`pool create|show`, `deposit`, `withdraw`, `quote`, `swap`) as a
//! user runs them: the `homeostat` binary with a keypair file, against a JSON-RPC endpoint
//! serving the in-process runtime with the real program (`homeostat_localnet::rpc`).

mod admin;
mod errors;
mod lifecycle;
mod localnet;
#[path = "../common/run.rs"]
mod run;

use std::process::Output;

use homeostat_localnet::{
    keypair_file, rpc, temp_folder, Harness, PoolAddresses, TempFolder, ONE_BASE, ONE_QUOTE,
};
use solana_keypair::Keypair;
use solana_signer::Signer;

use run::homeostat;

/// `wallet` written as a keypair file into a new temporary folder `name`: the folder
/// (removed when dropped) and the file's path.
fn wallet_file(wallet: &Keypair, name: &str) -> (TempFolder, String) {
    let folder = temp_folder(name);
    let path = keypair_file(wallet, &folder);
    let path = path.to_str().expect("a UTF-8 temporary path").to_string();
    (folder, path)
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
