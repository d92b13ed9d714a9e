//! Flags, usage errors, exit codes, the Solana CLI config, completions and colours.

use crate::{fails_with, homeostat, homeostat_at, stderr, stdout, temp_dir, ORACLE, POOL};

#[test]
fn help_documents_every_option() {
    for (command, options) in [
        (
            &["simulate"][..],
            &[
                "adversarial",
                "hour",
                "as2008",
                "--scenario",
                "--seeds",
                "--threads",
                "--pools",
                "--sweep",
                "--figure",
                "--onchain",
                "--seed",
                "--json",
                "--duration",
                "--out",
            ][..],
        ),
        (
            &["simulate", "adversarial"],
            &["--scenario", "--seeds", "--pools", "--sweep", "--figure"],
        ),
        (
            &["simulate", "hour"],
            &[
                "--scenario",
                "--seed",
                "--duration",
                "--json",
                "--out",
                "--sweep",
                "market = \"hour\"",
            ],
        ),
        (
            &["simulate", "as2008"],
            &[
                "--gamma",
                "--paths",
                "--seed",
                "--onchain",
                "--paper",
                "--json",
            ],
        ),
    ] {
        let output = homeostat(&[command, &["--help"]].concat());
        assert!(output.status.success(), "{command:?}");
        let text = stdout(&output);
        for option in options {
            assert!(text.contains(option), "{option} missing from:\n{text}");
        }
    }
    // Each market's help lists its own flags only.
    let as2008 = stdout(&homeostat(&["simulate", "as2008", "--help"]));
    for other in ["--sweep", "--duration", "--seeds", "--scenario"] {
        assert!(!as2008.contains(other), "{other} in:\n{as2008}");
    }
    let hour = stdout(&homeostat(&["simulate", "hour", "--help"]));
    for other in ["--gamma", "--paper", "--onchain", "--seeds", "--pools"] {
        assert!(!hour.contains(other), "{other} in:\n{hour}");
    }
    assert!(homeostat(&["--help"]).status.success());
}

#[test]
fn each_market_takes_only_its_own_flags() {
    // What `simulate` refused by matching `--scenario`'s text, the parser refuses: a
    // usage error, exit code 2, before anything runs.
    for (args, expected) in [
        (
            &["simulate", "hour", "--paper"][..],
            "unexpected argument '--paper'",
        ),
        (
            &["simulate", "hour", "--onchain"],
            "unexpected argument '--onchain'",
        ),
        (
            &["simulate", "hour", "--sweep", "seed=1", "--sweep", "seed=2"],
            "cannot be used multiple times",
        ),
        (
            &["simulate", "hour", "--seeds", "4"],
            "unexpected argument '--seeds'",
        ),
        (
            &["simulate", "as2008", "--sweep", "x=1"],
            "unexpected argument '--sweep'",
        ),
        (
            &["simulate", "as2008", "--duration", "60"],
            "unexpected argument '--duration'",
        ),
        (
            &["simulate", "as2008", "--scenario", "scenarios/default.toml"],
            "unexpected argument '--scenario'",
        ),
        (
            &["simulate", "adversarial", "--gamma", "0.2"],
            "unexpected argument '--gamma'",
        ),
        (
            &["simulate", "--paths", "20"],
            "unexpected argument '--paths'",
        ),
        (&["simulate", "--paper"], "unexpected argument '--paper'"),
        // `simulate`'s own flags are the adversarial market's: not before another one.
        (
            &["simulate", "--seeds", "4", "hour"],
            "the subcommand 'hour' cannot be used with '--seeds <SEEDS>'",
        ),
        (&["simulate", "mars"], "unrecognized subcommand 'mars'"),
    ] {
        let output = fails_with(args, expected);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
}

#[test]
fn a_scenario_file_of_the_other_market_names_the_command_to_run() {
    let scenarios = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios");
    let stress = format!("{scenarios}/stress.toml");
    let expected =
        format!("{stress} is an hour scenario: run `homeostat simulate hour --scenario {stress}`");
    for command in [&["simulate"][..], &["simulate", "adversarial"]] {
        let output = fails_with(&[command, &["--scenario", &stress]].concat(), &expected);
        assert_eq!(output.status.code(), Some(1), "{command:?}");
    }
    // No `market = "hour"`: the adversarial market's, whatever the command.
    for file in ["default.toml", "push-2s.toml"] {
        let path = format!("{scenarios}/{file}");
        let output = fails_with(
            &["simulate", "hour", "--scenario", &path],
            &format!("{path} is an adversarial scenario"),
        );
        let advice = format!("run `homeostat simulate --scenario {path}`");
        assert!(stderr(&output).contains(&advice), "{}", stderr(&output));
    }
    // The markets were once `--scenario`'s values: now their own commands.
    for market in ["hour", "as2008", "adversarial"] {
        fails_with(
            &["simulate", "--scenario", market],
            &format!(
                "({market} is a market, not a scenario file): run `homeostat simulate {market}`"
            ),
        );
    }
}

#[test]
fn simulate_alone_runs_the_adversarial_market() {
    let out = temp_dir("simulate-alone");
    let out = out.to_str().expect("utf-8");
    let run = |args: &[&str]| {
        let options = ["--seeds", "1", "--duration", "60", "--out", out];
        let output = homeostat(&[args, &options].concat());
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    let bare = run(&["simulate"]);
    assert!(
        bare.starts_with("Adversarial market — 1 seeds × "),
        "{bare}"
    );
    // The first line ends with the run's wall-clock time.
    let report = |text: &str| text.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(
        report(&bare),
        report(&run(&["simulate", "adversarial"])),
        "`simulate` is `simulate adversarial`"
    );
    // `--output json` reaches every market's report.
    for args in [
        &["--output", "json", "simulate", "as2008", "--paths", "5"][..],
        &[
            "simulate",
            "as2008",
            "--paths",
            "5",
            "--output",
            "json-compact",
        ],
        &[
            "simulate",
            "--seeds",
            "1",
            "--duration",
            "60",
            "--output",
            "json",
        ],
    ] {
        let output = homeostat(args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        serde_json::from_str::<serde_json::Value>(stdout(&output).trim()).expect("JSON");
    }
}

#[test]
fn argument_errors_are_reported() {
    fails_with(
        &["simulate", "as2008", "--paths", "many"],
        "invalid value 'many'",
    );

    fails_with(
        &["simulate", "as2008", "--gamma", "-1", "--paths", "1"],
        "gamma must be positive",
    );

    fails_with(
        &["simulate", "as2008", "--paths", "0"],
        "paths must be at least 1",
    );

    let output = fails_with(
        &["simulate", "as2008", "--gamma", "0.001", "--paths", "1"],
        "gamma 0.001 is outside the pool's parameter domain",
    );
    assert!(
        stdout(&output).is_empty(),
        "nothing on stdout: {}",
        stdout(&output)
    );

    fails_with(&["launch"], "unrecognized subcommand 'launch'");
    fails_with(
        &[
            "quote", "--pool", "x", "--oracle", "y", "--side", "buy", "--amount", "0",
        ],
        "0 is not in 1..",
    );
    // A slippage tolerance above 100 % would turn the protection off.
    fails_with(
        &[
            "swap",
            "--pool",
            "x",
            "--oracle",
            "y",
            "--side",
            "buy",
            "--amount",
            "1",
            "--slippage-bps",
            "10001",
        ],
        "10001 is not in 0..=10000",
    );
}

#[test]
fn usage_errors_exit_2_and_failures_1_as_in_the_keeper() {
    let home = temp_dir("exit-codes");
    let swap = [
        "swap", "--pool", POOL, "--oracle", ORACLE, "--side", "sell", "--amount", "1",
    ];
    // keeper/tests/keeper/conventions.rs holds `homeostat-keeper` to the same value.
    let output = homeostat_at(
        &home,
        &[&swap[..], &["--priority-fee", "p200"]].concat(),
        &[],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--priority-fee"),
        "{}",
        stderr(&output)
    );
    let output = homeostat_at(&home, &swap, &[("HOMEOSTAT_PRIORITY_FEE", "p200")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    for args in [
        &["pool", "show", "--oracle", ORACLE][..],
        &["launch"],
        &[
            "pool", "show", "--pool", POOL, "--oracle", ORACLE, "--output", "yaml",
        ],
        &[
            "pool",
            "show",
            "--pool",
            POOL,
            "--oracle",
            ORACLE,
            "--commitment",
            "recent",
        ],
    ] {
        let output = homeostat_at(&home, args, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // A failure: the node is not there.
    let output = homeostat_at(
        &home,
        &[
            "pool",
            "show",
            "--pool",
            POOL,
            "--oracle",
            ORACLE,
            "-u",
            "http://127.0.0.1:1",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("error: "),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_solana_cli_config_names_the_keypair_and_global_flags_go_anywhere() {
    let home = temp_dir("solana-config");
    let solana = home.join(".config/solana/cli");
    std::fs::create_dir_all(&solana).expect("config folder");
    let from_config = home.join("from-config.json");
    std::fs::write(
        solana.join("config.yml"),
        format!(
            "---\njson_rpc_url: \"http://127.0.0.1:1\"\nwebsocket_url: \"\"\nkeypair_path: {}\n\
             address_labels:\n  \"11111111111111111111111111111111\": System Program\n\
             commitment: confirmed\n",
            from_config.display()
        ),
    )
    .expect("write config.yml");
    // The keypair is read before anything connects: the error names the file used.
    let pause = ["pool", "pause", "--pool", POOL, "--dry-run"];
    let output = homeostat_at(&home, &pause, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("from-config.json"),
        "{}",
        stderr(&output)
    );
    // `-k` before the command or after it: a global flag.
    let flag = home.join("from-flag.json");
    let flag = flag.to_str().expect("utf-8");
    for args in [
        [&["-k", flag][..], &pause[..]].concat(),
        [&pause[..], &["--keypair", flag][..]].concat(),
    ] {
        let output = homeostat_at(&home, &args, &[]);
        assert!(
            stderr(&output).contains("from-flag.json"),
            "{}",
            stderr(&output)
        );
    }
    let missing = home.join("missing.yml");
    let output = homeostat_at(
        &home,
        &[&pause[..], &["-C", missing.to_str().expect("utf-8")]].concat(),
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("missing.yml") && stderr(&output).contains("Solana CLI config"),
        "{}",
        stderr(&output)
    );
    // Every command's help lists the global options under their own heading.
    let help = stdout(&homeostat_at(&home, &["swap", "--help"], &[]));
    let global = help
        .split("Global options:")
        .nth(1)
        .expect("a Global options heading");
    for option in [
        "--url",
        "--keypair",
        "--commitment",
        "--solana-config",
        "--output",
    ] {
        assert!(
            global.contains(option),
            "{option} under Global options:\n{help}"
        );
    }
    // The simulator does not need it: a broken one is not read.
    std::fs::write(solana.join("config.yml"), "json_rpc_url \"x\"\n").expect("write");
    let output = homeostat_at(&home, &["completions", "bash"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = homeostat_at(&home, &pause, &[]);
    assert!(stderr(&output).contains("line 1"), "{}", stderr(&output));
}

#[test]
fn completions_cover_every_command_for_each_shell() {
    let home = temp_dir("completions");
    for shell in ["bash", "zsh", "fish"] {
        let output = homeostat_at(&home, &["completions", shell], &[]);
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        for word in [
            "homeostat",
            "simulate",
            "update-params",
            "--priority-fee",
            "--output",
        ] {
            assert!(script.contains(word), "{shell}: no {word} in\n{script}");
        }
    }
    let output = homeostat_at(&home, &["completions", "tcsh"], &[]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn no_color_turns_the_help_plain() {
    let home = temp_dir("no-color");
    let forced = homeostat_at(&home, &["pool", "--help"], &[("CLICOLOR_FORCE", "1")]);
    assert!(stdout(&forced).contains('\u{1b}'), "{}", stdout(&forced));
    let plain = homeostat_at(
        &home,
        &["pool", "--help"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(plain.status.success());
    assert!(!stdout(&plain).contains('\u{1b}'), "{}", stdout(&plain));
    // A usage error, too.
    let plain = homeostat_at(
        &home,
        &["launch"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(!stderr(&plain).contains('\u{1b}'), "{}", stderr(&plain));
}
