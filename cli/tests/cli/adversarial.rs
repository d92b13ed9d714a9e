//! The adversarial market: every pool over seeds, its errors, pipes and the break-even map.

use std::process::Command;

use crate::{fails_with, homeostat, one_json_object, stdout, temp_dir};

fn adversarial_json(options: &[&str]) -> serde_json::Value {
    let mut args = vec!["simulate", "--json"];
    args.extend_from_slice(options);
    one_json_object(&homeostat(&args))
}

#[test]
fn the_adversarial_market_reports_every_pool_over_seeds() {
    let every_pool = [
        "--seeds",
        "3",
        "--duration",
        "600",
        "--pools",
        "glft,cp,cp-dynamic,prop",
    ];
    let report = adversarial_json(&every_pool);
    assert_eq!(report["summary"]["seeds"], 3);
    assert_eq!(report["scenario"]["duration_secs"], 600);
    let pools = report["summary"]["pools"].as_object().expect("pools");
    let names: Vec<&str> = pools.keys().map(String::as_str).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for name in ["glft", "cp", "cp-dynamic", "prop"] {
        let pool = &pools[name];
        for field in [
            "lp_vs_hold_usdc",
            "lp_over_lvr",
            "retail_edge_usdc",
            "arbitrage_edge_usdc",
            "inventory_usdc",
            "lvr_usdc",
            "volume_share",
            "retail_markout_60s_usdc",
            "arbitrage_markout_1s_usdc",
            "gamma_600s",
        ] {
            let mean = pool[field]["mean"].as_f64().expect(field);
            let se = pool[field]["se"].as_f64().expect(field);
            assert!(mean.is_finite() && se >= 0.0, "{name}.{field}: {pool}");
        }
        // The LPs' result is its parts: edge on each flow and the inventory's marks.
        let part = |field: &str| pool[field]["mean"].as_f64().expect(field);
        let sum = part("retail_edge_usdc") + part("arbitrage_edge_usdc") + part("inventory_usdc");
        assert!((sum - part("lp_vs_hold_usdc")).abs() < 1e-6, "{name}");
    }
    // The same seeds again: the same figures; other seeds: others.
    assert_eq!(adversarial_json(&every_pool), report);
    assert_ne!(
        adversarial_json(&["--seeds", "3", "--duration", "600", "--seed", "9"])["summary"],
        report["summary"]
    );
    // One pool alone against the same market.
    let alone = adversarial_json(&["--seeds", "2", "--duration", "600", "--pools", "cp"]);
    assert_eq!(
        alone["summary"]["pools"].as_object().expect("pools").len(),
        1
    );
}

#[test]
fn adversarial_errors_name_the_field_and_its_range() {
    let dir = temp_dir("adversarial-bad");
    std::fs::create_dir_all(&dir).expect("dir");
    for (line, expected) in [
        (
            "liquidity_sol = 100000000000.0",
            "liquidity_sol = 100000000000: must be in",
        ),
        (
            "jump_mean_bps = 50000.0",
            "jump_mean_bps = 50000: must be in [0, 1000]",
        ),
        ("route_ref_bps = 100000.0", "route_ref_bps"),
        (
            "duration_secs = 4294967295",
            "duration_secs = 4294967295: must be in [1, 604800]",
        ),
        ("oracle_latency = 5", "unknown field `oracle_latency`"),
        ("market = \"mars\"", "is not a market"),
    ] {
        let file = dir.join("bad.toml");
        std::fs::write(&file, format!("seed = 1\n{line}\n")).expect("write");
        let output = fails_with(
            &["simulate", "--scenario", file.to_str().expect("utf-8")],
            expected,
        );
        assert!(stdout(&output).is_empty(), "{line}");
    }
    // The hour's fields, as the review found them: a panic, 151 math-domain lines with
    // exit 0, an absurd venue fee accepted, and a run of 10 minutes and 1.5 GB.
    for (line, expected) in [
        (
            "liquidity_sol = 100000000000",
            "line 3: liquidity_sol must be in [1, 10 000 000]",
        ),
        ("jump_std = 5.0", "line 3: jump_std must be in [0, 0.5]"),
        (
            "venue_fee_bps = 100000",
            "line 3: venue_fee_bps must be in [0, 1 000]",
        ),
        (
            "duration_secs = 4294967295",
            "line 3: duration_secs must be in [1, 172 800]",
        ),
    ] {
        let file = dir.join("hour.toml");
        std::fs::write(&file, format!("market = \"hour\"\nseed = 1\n{line}\n")).expect("write");
        let output = fails_with(
            &[
                "simulate",
                "hour",
                "--scenario",
                file.to_str().expect("utf-8"),
            ],
            expected,
        );
        assert!(stdout(&output).is_empty(), "{line}");
    }
    fails_with(
        &["simulate", "--pools", "glft,mars"],
        "`mars` is not a pool",
    );
    fails_with(&["simulate", "--seeds", "0"], "--seeds must be at least 1");
    fails_with(
        &[
            "simulate",
            "--sweep",
            "slot_ms=400",
            "--sweep",
            "seed=1",
            "--sweep",
            "x=1",
        ],
        "at most two fields",
    );
    fails_with(
        &["simulate", "--sweep", "oracle_latency=1"],
        "is not a scenario field",
    );
    fails_with(
        &["simulate", "--sweep", "slot_ms=1"],
        "slot_ms = 1: must be in",
    );
}

#[test]
fn a_closed_pipe_or_an_unwritable_folder_ends_cleanly() {
    use std::io::Read;
    // `homeostat simulate | head -1`: the reader goes away after a line.
    for args in [
        &["adversarial", "--duration", "60", "--seeds", "2"][..],
        &["as2008", "--paths", "20"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_homeostat"))
            .arg("simulate")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let status = child.wait().expect("wait");
        let mut errors = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut errors)
            .expect("read");
        assert!(!errors.contains("panicked"), "{args:?}: {errors}");
        assert!(status.success(), "{args:?}: {errors}");
    }
    // A folder that cannot be written is refused before anything runs.
    let file = temp_dir("not-a-folder");
    std::fs::write(&file, b"a file").expect("write");
    for market in ["adversarial", "hour"] {
        let output = fails_with(
            &[
                "simulate",
                market,
                "--sweep",
                "seed=1,2",
                "--duration",
                "10",
                "--out",
                file.to_str().expect("utf-8"),
            ],
            "--out",
        );
        assert!(stdout(&output).is_empty(), "{market}");
    }
}

#[test]
fn a_two_field_sweep_draws_the_break_even_map() {
    let out = temp_dir("grid");
    let report = adversarial_json(&[
        "--seeds",
        "2",
        "--duration",
        "300",
        "--pools",
        "glft,cp",
        "--sweep",
        "oracle_latency_ms=0,2000",
        "--sweep",
        "jumps_per_hour=0,4",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        report["fields"],
        serde_json::json!(["oracle_latency_ms", "jumps_per_hour"])
    );
    let grid = report["grid"].as_array().expect("grid");
    assert_eq!(grid.len(), 4);
    assert_eq!(grid[3]["oracle_latency_ms"], "2000");
    assert_eq!(grid[3]["jumps_per_hour"], "4");
    let csv = std::fs::read_to_string(out.join("grid.csv")).expect("grid.csv");
    assert_eq!(csv.lines().count(), 1 + 4 * 2, "{csv}");
    for pool in ["glft", "cp"] {
        let svg = std::fs::read_to_string(out.join(format!("heatmap-{pool}.svg"))).expect("svg");
        assert!(
            svg.starts_with("<svg") && svg.matches("<rect").count() == 5,
            "{pool}"
        );
    }
}

#[test]
fn every_scenario_file_runs() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios");
    let mut ran = 0;
    for entry in std::fs::read_dir(folder).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let out = temp_dir(&format!(
            "scenario-{}",
            path.file_stem().and_then(|s| s.to_str()).expect("name")
        ));
        // The hour takes one seed; the adversarial market its `--seeds`.
        let text = std::fs::read_to_string(&path).expect("read");
        let table: toml::Table = toml::from_str(&text).expect("TOML");
        let market = match table.get("market").and_then(toml::Value::as_str) {
            Some("hour") => &["hour"][..],
            _ => &["adversarial", "--seeds", "1"],
        };
        let scenario = ["--scenario", path.to_str().expect("utf-8")];
        let out = out.to_str().expect("utf-8");
        let options = ["--duration", "30", "--json", "--out", out];
        let output = homeostat(&[&["simulate"][..], market, &scenario, &options].concat());
        one_json_object(&output);
        ran += 1;
    }
    assert!(ran >= 5, "{ran} scenario files");
}
