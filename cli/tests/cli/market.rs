//! `simulate` on the market scenarios: the program under order flow, sweeps, scenario files.

use crate::{as2008_json_with, fails_with, homeostat, one_json_object, stderr, stdout, temp_dir};

fn market_json(seed: &str, out: &std::path::Path) -> serde_json::Value {
    let out = out.to_str().expect("utf-8 path");
    let output = homeostat(&[
        "simulate",
        "hour",
        "--duration",
        "90",
        "--seed",
        seed,
        "--json",
        "--out",
        out,
    ]);
    one_json_object(&output)
}

#[test]
fn market_simulation_runs_the_program_and_is_reproducible() {
    let out = temp_dir("market");
    let report = market_json("3", &out);
    let pools = report["pools"].as_array().expect("pools");
    assert_eq!(pools.len(), 2);
    assert_eq!(pools[0]["model"], "glft");
    assert_eq!(pools[1]["model"], "constant-product");
    assert!(pools[0]["trades"].as_u64().expect("trades") > 0, "{report}");
    assert_eq!(report["scenario"]["duration_secs"], 90);
    for pool in pools {
        let gamma = pool["gamma_realised_sol_per_usdc"]
            .as_f64()
            .expect("realised gamma");
        assert!(gamma.is_finite(), "{pool}");
        // The model's gamma: none for the oracle pool, −B/(2s) for constant product.
        let model_gamma = pool["gamma_model_sol_per_usdc"]
            .as_f64()
            .expect("model gamma");
        if pool["model"] == "glft" {
            assert_eq!(model_gamma, 0.0);
        } else {
            assert!(
                (-4.0..-2.5).contains(&model_gamma),
                "1 000 SOL at ~150: {model_gamma}"
            );
        }
        // The attribution sums to the LPs' result against holding.
        let a = &pool["attribution"];
        let part = |name: &str| a[name].as_f64().expect(name);
        let sum = part("spread_usdc")
            + part("fees_usdc")
            + part("inventory_usdc")
            + part("protocol_usdc");
        let total = pool["lp_pnl_vs_hold_usdc"].as_f64().expect("lp vs hold");
        assert!((sum - total).abs() < 0.01, "{sum} vs {total}: {a}");
        assert!(part("protocol_usdc") <= 0.0, "{a}");
        assert_eq!(Some(part("fees_usdc")), pool["fees_usdc"].as_f64());
        let in_band = pool["time_in_band"].as_f64().expect("time in band");
        assert!((0.0..=1.0).contains(&in_band), "{pool}");
    }
    // The time series and the three charts.
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 91, "header + one row per second");
    assert!(csv.starts_with("t,true_price,oracle_price,glft_bid,glft_ask"));
    // Every row has as many fields as the header names.
    let columns = csv.lines().next().expect("header").split(',').count();
    assert!(
        csv.lines().all(|line| line.split(',').count() == columns),
        "{csv}"
    );
    // The last row's running attribution is the report's (the CSV is the report's
    // history, not a separate computation).
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let last: Vec<&str> = csv.lines().last().expect("rows").split(',').collect();
    for (pool, name) in pools.iter().zip(["glft", "constant-product"]) {
        let column = |suffix: &str| -> f64 {
            let wanted = format!("{name}_{suffix}");
            let index = header.iter().position(|h| *h == wanted).expect(&wanted);
            last[index].parse().expect("a number")
        };
        let a = &pool["attribution"];
        for (suffix, field) in [
            ("spread_usdc", "spread_usdc"),
            ("fees_usdc", "fees_usdc"),
            ("inventory_mtm_usdc", "inventory_usdc"),
            ("protocol_usdc", "protocol_usdc"),
            ("hedge_owner_usdc", "hedge_owner_usdc"),
        ] {
            let reported = a[field].as_f64().expect(field);
            assert!(
                (column(suffix) - reported).abs() < 1e-4,
                "{name} {suffix}: {} vs {reported}",
                column(suffix)
            );
        }
        let vs_hold = pool["lp_pnl_vs_hold_usdc"].as_f64().expect("vs hold");
        assert!((column("lp_vs_hold_usdc") - vs_hold).abs() < 0.01);
    }
    // Each chart as SVG (its legend in the file) and PNG.
    for (chart, label) in [
        ("price", "glft bid"),
        ("inventory", "glft net of hedge"),
        ("pnl", "hedge owner"),
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).expect(chart);
        assert!(svg.starts_with("<svg") && svg.contains(label), "{chart}");
        let png = std::fs::read(out.join(format!("{chart}.png"))).expect(chart);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{chart}.png");
    }
    assert_eq!(
        market_json("3", &temp_dir("market-again")),
        report,
        "same seed, same run"
    );
    assert_ne!(market_json("4", &temp_dir("market-other")), report);
}

#[test]
fn a_sweep_runs_the_same_seed_once_per_value() {
    let out = temp_dir("sweep");
    let output = homeostat(&[
        "simulate",
        "hour",
        "--sweep",
        "hedge_credit_bps=0,10000",
        "--duration",
        "60",
        "--seed",
        "3",
        "--json",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let report = one_json_object(&output);
    assert_eq!(report["field"], "hedge_credit_bps");
    let runs = report["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0]["value"].as_str(), runs[1]["value"].as_str()),
        (Some("0"), Some("10000"))
    );
    for run in runs {
        assert_eq!(run["pools"][0]["model"], "glft");
        assert!(run["pools"][0]["trades"].as_u64().expect("trades") > 0);
    }
    // The same seed: the baseline pool, which no hedge credit touches, trades alike.
    assert_eq!(runs[0]["pools"][1], runs[1]["pools"][1]);
    // The table as CSV, one row per value, and the frontier chart with a point per value.
    let table = std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv");
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(rows[0].starts_with("hedge_credit_bps,trades,lp_vs_hold_usdc"));
    for (row, run) in rows[1..].iter().zip(runs) {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(Some(fields[0]), run["value"].as_str());
        let pool = &run["pools"][0];
        let cost: f64 = fields[4].parse().expect("total cost");
        let expected = -(pool["lp_pnl_vs_hold_usdc"].as_f64().expect("lp")
            + pool["attribution"]["hedge_owner_usdc"]
                .as_f64()
                .expect("hedge"));
        assert!((cost - expected).abs() < 1e-4, "{cost} vs {expected}");
    }
    let frontier = std::fs::read_to_string(out.join("frontier.svg")).expect("frontier.svg");
    assert!(frontier.contains("net delta std") && frontier.contains("\n10000\n"));
    assert!(out.join("frontier.png").exists());
    fails_with(
        &["simulate", "hour", "--sweep", "hedge_credit=1"],
        "not a scenario field",
    );
    fails_with(
        &["simulate", "hour", "--sweep", "hedge_credit_bps=lots"],
        "`lots` is not an integer",
    );
    fails_with(
        &["simulate", "hour", "--sweep", "hedge_credit_bps=20000"],
        "hedge_credit_bps must be in [0, 10 000]",
    );
    // One field: a second `--sweep` is the parser's error.
    fails_with(
        &["simulate", "hour", "--sweep", "seed=1", "--sweep", "seed=2"],
        "'--sweep <FIELD=V1,V2,...>' cannot be used multiple times",
    );
}

#[test]
fn market_simulation_rejects_a_zero_duration() {
    fails_with(
        &[
            "simulate",
            "--duration",
            "0",
            "--out",
            temp_dir("zero").to_str().expect("utf-8"),
        ],
        "duration_secs",
    );
}

#[test]
fn scenario_file_errors_name_the_line() {
    let dir = temp_dir("toml");
    std::fs::create_dir_all(&dir).expect("dir");
    let unknown = dir.join("unknown.toml");
    std::fs::write(&unknown, "seed = 1\nduration_secs = 60\nbogus = 3\n").expect("write");
    let output = fails_with(
        &["simulate", "--scenario", unknown.to_str().expect("utf-8")],
        "unknown field `bogus`",
    );
    assert!(stderr(&output).contains("line 3"), "{}", stderr(&output));

    let mistyped = dir.join("mistyped.toml");
    std::fs::write(&mistyped, "seed = 1\n\nduration_secs = \"long\"\n").expect("write");
    fails_with(
        &["simulate", "--scenario", mistyped.to_str().expect("utf-8")],
        "line 3, column 17",
    );

    let out_of_range = dir.join("range.toml");
    std::fs::write(&out_of_range, "market = \"hour\"\ninformed_share = 2.0\n").expect("write");
    fails_with(
        &[
            "simulate",
            "hour",
            "--scenario",
            out_of_range.to_str().expect("utf-8"),
        ],
        "range.toml: line 2: informed_share must be in [0, 1]",
    );
    // The hour's own parser: its line and column.
    std::fs::write(&mistyped, "market = \"hour\"\n\nseed = \"one\"\n").expect("write");
    fails_with(
        &[
            "simulate",
            "hour",
            "--scenario",
            mistyped.to_str().expect("utf-8"),
        ],
        "line 3, column 8",
    );

    let missing = dir.join("missing.toml");
    fails_with(
        &["simulate", "--scenario", missing.to_str().expect("utf-8")],
        "missing.toml",
    );
    fails_with(
        &[
            "simulate",
            "hour",
            "--scenario",
            missing.to_str().expect("utf-8"),
        ],
        "missing.toml",
    );
}

#[test]
fn the_scenario_files_are_the_built_in_scenarios() {
    for (file, command, options) in [
        ("default.toml", &["simulate"][..], &["--seeds", "2"][..]),
        ("hour.toml", &["simulate", "hour"], &[]),
    ] {
        let path = format!("{}/../scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
        let run = |scenario: &[&str], out: &str| {
            let out = temp_dir(out);
            let out = out.to_str().expect("utf-8");
            let args = [
                command,
                scenario,
                options,
                &["--duration", "60", "--json", "--out", out],
            ]
            .concat();
            let output = homeostat(&args);
            assert!(output.status.success(), "{file}: {}", stderr(&output));
            serde_json::from_str::<serde_json::Value>(stdout(&output).trim()).expect("json")
        };
        assert_eq!(
            run(&["--scenario", &path], &format!("{file}-file")),
            run(&[], &format!("{file}-builtin")),
            "{file}"
        );
    }
}

#[test]
fn paper_mode_fills_both_posted_quotes_as_the_paper_does() {
    // Filling both quotes of a step at their posted prices (the paper) earns more than a
    // pool whose second fill is priced after the first: 64.86 against 62.94 at γ = 0.1.
    let profit = |mode: &[&str]| {
        let mut options = vec!["--paths", "4000", "--seed", "11"];
        options.extend_from_slice(mode);
        let report = as2008_json_with(&options);
        let inventory = &report["inventory"];
        let value = |field: &str| inventory[field].as_f64().expect(field);
        (value("profit_mean"), value("profit_std") / 4_000f64.sqrt())
    };
    let (paper, paper_se) = profit(&["--paper"]);
    let (pool, pool_se) = profit(&[]);
    assert!(
        (paper - 64.86).abs() < 4.0 * paper_se,
        "{paper} ± {paper_se}"
    );
    assert!(
        paper - pool > 1.0 && paper - pool > 8.0 * pool_se.max(paper_se),
        "{paper} vs {pool}"
    );
}
