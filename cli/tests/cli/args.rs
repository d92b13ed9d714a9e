//! Flags, usage errors, exit codes, the Solana CLI config, completions and colours.

use crate::{fails_with, homeostat, homeostat_at, stderr, stdout, temp_dir, ORACLE, POOL};

#[test]
fn help_documents_every_option() {
    let output = homeostat(&["simulate", "--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for option in [
        "--scenario",
        "--seeds",
        "--threads",
        "--pools",
        "--sweep",
        "--onchain",
        "--gamma",
        "--paths",
        "--seed",
        "--json",
        "--duration",
        "--out",
    ] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
    assert!(homeostat(&["--help"]).status.success());
}

#[test]
fn argument_errors_are_reported() {
    fails_with(
        &["simulate", "--scenario", "as2008", "--paths", "many"],
        "invalid value 'many'",
    );

    fails_with(
        &["simulate", "--scenario", "mars"],
        "unknown scenario `mars`",
    );

    fails_with(
        &[
            "simulate",
            "--scenario",
            "as2008",
            "--gamma",
            "-1",
            "--paths",
            "1",
        ],
        "gamma must be positive",
    );

    fails_with(
        &["simulate", "--scenario", "as2008", "--paths", "0"],
        "paths must be at least 1",
    );

    let output = fails_with(
        &[
            "simulate",
            "--scenario",
            "as2008",
            "--gamma",
            "0.001",
            "--paths",
            "1",
        ],
        "gamma 0.001 is outside the pool's parameter domain",
    );
    assert!(
        stdout(&output).is_empty(),
        "nothing on stdout: {}",
        stdout(&output)
    );

    fails_with(
        &[
            "simulate",
            "--scenario",
            "hour",
            "--onchain",
            "--duration",
            "10",
        ],
        "--onchain applies to adversarial and as2008 scenarios",
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
