//! Running the `homeostat` binary from a test binary that also serves a cluster.

use std::process::{Command, Output};

/// Runs the binary off the async runtime, which keeps serving the RPC endpoint meanwhile.
pub async fn homeostat(args: &[&str]) -> Output {
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
