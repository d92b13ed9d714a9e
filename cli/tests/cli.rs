//! The `homeostat` binary as a user runs it.

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

#[test]
fn help_documents_every_option() {
    let output = homeostat(&["simulate", "--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for option in ["--scenario", "--gamma", "--paths", "--seed", "--json"] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
    assert!(homeostat(&["--help"]).status.success());
}

#[test]
fn argument_errors_are_reported() {
    let output = homeostat(&["simulate", "--paths", "many"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("invalid value 'many'"),
        "{}",
        stderr(&output)
    );

    let output = homeostat(&["simulate", "--scenario", "mars"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown scenario `mars`"),
        "{}",
        stderr(&output)
    );

    let output = homeostat(&["simulate", "--gamma", "-1", "--paths", "1"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("gamma must be positive"),
        "{}",
        stderr(&output)
    );

    let output = homeostat(&["simulate", "--paths", "0"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("paths must be at least 1"),
        "{}",
        stderr(&output)
    );

    let output = homeostat(&["launch"]);
    assert!(!output.status.success());
}

fn as2008_json(seed: &str, paths: &str) -> serde_json::Value {
    let output = homeostat(&[
        "simulate",
        "--scenario",
        "as2008",
        "--paths",
        paths,
        "--seed",
        seed,
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(
        text.trim().lines().count(),
        1,
        "exactly one JSON object:\n{text}"
    );
    serde_json::from_str(text.trim()).expect("valid JSON")
}

#[test]
fn as2008_json_has_the_documented_shape_and_is_deterministic() {
    let report = as2008_json("7", "50");
    for strategy in ["inventory", "symmetric"] {
        for field in [
            "avg_spread",
            "profit_mean",
            "profit_std",
            "final_q_mean",
            "final_q_std",
        ] {
            assert!(
                report[strategy][field].is_f64(),
                "{strategy}.{field} in {report}"
            );
        }
    }
    assert_eq!(as2008_json("7", "50"), report, "same seed, same results");
    assert_ne!(
        as2008_json("8", "50"),
        report,
        "another seed, other results"
    );
}

#[test]
fn as2008_reproduces_the_papers_findings() {
    // Section 4, γ = 0.1: both strategies quote a ~1.29 spread around their centre (plus
    // the inventory term); the inventory strategy earns slightly less but with far less
    // variance and a far tighter final inventory.
    let report = as2008_json("2008", "1000");
    let (inventory, symmetric) = (&report["inventory"], &report["symmetric"]);
    let value = |v: &serde_json::Value| v.as_f64().expect("number");
    assert!(
        (value(&inventory["avg_spread"]) - 1.49).abs() < 0.05,
        "{report}"
    );
    assert!(
        (value(&inventory["profit_mean"]) - 65.0).abs() < 5.0,
        "{report}"
    );
    assert!(
        (value(&symmetric["profit_mean"]) - 68.0).abs() < 5.0,
        "{report}"
    );
    assert!(
        value(&inventory["profit_std"]) < 0.7 * value(&symmetric["profit_std"]),
        "{report}"
    );
    assert!(
        value(&inventory["final_q_std"]) < 0.5 * value(&symmetric["final_q_std"]),
        "{report}"
    );
}
