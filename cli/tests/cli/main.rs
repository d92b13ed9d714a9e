//! The `homeostat` binary as a user runs it.

mod adversarial;
mod args;
mod as2008;
mod market;

use std::process::Command;

fn homeostat(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args(args)
        .output()
        .expect("run homeostat")
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `homeostat args`, which must fail with `expected` in its error output.
#[track_caller]
fn fails_with(args: &[&str], expected: &str) -> std::process::Output {
    let output = homeostat(args);
    assert!(!output.status.success(), "succeeded: {args:?}");
    assert!(
        stderr(&output).contains(expected),
        "expected `{expected}` in:\n{}",
        stderr(&output)
    );
    output
}

/// A successful run's stdout as exactly one JSON object.
fn one_json_object(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    let text = stdout(output);
    assert_eq!(
        text.trim().lines().count(),
        1,
        "exactly one JSON object:\n{text}"
    );
    serde_json::from_str(text.trim()).expect("valid JSON")
}

/// A fresh folder for one test's output, under cargo's `target/tmp` (removed with the
/// target directory, not left in the system's temporary folder).
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("homeostat-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `homeostat args` with `HOME` at `home` (no Solana CLI configuration but the test's) and
/// `env` added.
fn homeostat_at(
    home: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_homeostat"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().copied())
        .output()
        .expect("run homeostat")
}

/// Two valid-looking keys for `--pool` and `--oracle`.
const POOL: &str = "11111111111111111111111111111112";
const ORACLE: &str = "11111111111111111111111111111113";

/// `simulate as2008 --json` with `options`: its one JSON object.
fn as2008_json_with(options: &[&str]) -> serde_json::Value {
    let mut args = vec!["simulate", "as2008", "--json"];
    args.extend_from_slice(options);
    let output = homeostat(&args);
    one_json_object(&output)
}
