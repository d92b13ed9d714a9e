//! The Solana CLI's conventions, on the binary: the Solana CLI's configuration file as the
//! default source of the keypair, the exit-code policy (2 for a usage error, 1 for a
//! failure — the same bad `--priority-fee` as `homeostat`'s, cli/tests/cli.rs), shell
//! completions and `NO_COLOR`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use solana_keypair::Keypair;

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("keeper-conventions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("temp folder");
    path
}

/// The binary with `args`, `HOME` at `home` and nothing else from the environment but
/// `env`.
fn keeper(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_homeostat-keeper"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .envs(env.iter().copied())
        .output()
        .expect("run homeostat-keeper")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Two valid-looking keys for `--pool` and `--oracle`.
const POOL: &str = "11111111111111111111111111111112";
const ORACLE: &str = "11111111111111111111111111111113";

#[test]
fn a_bad_value_on_the_command_line_exits_2_and_in_the_config_file_1() {
    let home = folder("exit-codes");
    for args in [
        &["--priority-fee", "p200"][..],
        &["--interval-secs", "0"],
        &["--commitment", "recent"],
        &["--interval-secs", "ten"],
        &["--no-such-flag"],
    ] {
        let output = keeper(&home, args, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
    }
    // From the environment, too: clap reads it with the flags.
    let output = keeper(&home, &[], &[("HOMEOSTAT_PRIORITY_FEE", "p200")]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--priority-fee"),
        "{}",
        stderr(&output)
    );

    let file = home.join("keeper.toml");
    std::fs::write(&file, "priority_fee = \"p200\"\n").expect("write");
    let output = keeper(&home, &["--config", file.to_str().expect("utf-8")], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("error: --priority-fee: priority fee `p200`"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&home).expect("clean up");
}

#[test]
fn the_solana_cli_config_names_the_keypair_unless_a_flag_does() {
    let home = folder("solana-config");
    let solana = home.join(".config/solana/cli");
    std::fs::create_dir_all(&solana).expect("config folder");
    let from_config = home.join("from-config.json");
    std::fs::write(
        solana.join("config.yml"),
        format!(
            "---\njson_rpc_url: \"http://127.0.0.1:9\"\nwebsocket_url: \"\"\nkeypair_path: {}\n\
             address_labels:\n  \"11111111111111111111111111111111\": System Program\n\
             commitment: finalized\n",
            from_config.display()
        ),
    )
    .expect("write config.yml");
    let run = ["--once", "--pool", POOL, "--oracle", ORACLE];
    // The keypair is read before anything connects: its error names the file used.
    let output = keeper(&home, &run, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("from-config.json"),
        "{}",
        stderr(&output)
    );

    let flag = home.join("from-flag.json");
    let output = keeper(
        &home,
        &[&run[..], &["-k", flag.to_str().expect("utf-8")]].concat(),
        &[],
    );
    assert!(
        stderr(&output).contains("from-flag.json"),
        "{}",
        stderr(&output)
    );

    let missing = home.join("missing.yml");
    let output = keeper(
        &home,
        &[
            &run[..],
            &["--solana-config", missing.to_str().expect("utf-8")],
        ]
        .concat(),
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("missing.yml") && stderr(&output).contains("Solana CLI config"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_dir_all(&home).expect("clean up");
}

#[test]
fn completions_are_printed_for_each_shell() {
    let home = folder("completions");
    for shell in ["bash", "zsh", "fish"] {
        let output = keeper(&home, &["--completions", shell], &[]);
        assert!(output.status.success(), "{shell}: {}", stderr(&output));
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(
            script.contains("homeostat-keeper") && script.contains("priority-fee"),
            "{shell}: {script}"
        );
    }
    let output = keeper(&home, &["--completions", "tcsh"], &[]);
    assert_eq!(output.status.code(), Some(2));
    std::fs::remove_dir_all(&home).expect("clean up");
}

#[test]
fn no_color_keeps_escape_codes_out_of_the_logs() {
    let home = folder("no-color");
    let keypair = home.join("keeper.json");
    solana_keypair::write_keypair_file(&Keypair::new(), &keypair).expect("write keypair");
    // A node that is not there: the keeper logs its retries (WARN), then fails.
    let args = [
        "--once",
        "--pool",
        POOL,
        "--oracle",
        ORACLE,
        "--url",
        "http://127.0.0.1:9",
        "--retry-attempts",
        "2",
        "--retry-initial-ms",
        "1",
        "-k",
        keypair.to_str().expect("utf-8"),
    ];
    let forced = keeper(&home, &args, &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(forced.status.code(), Some(1), "{}", stderr(&forced));
    assert!(stderr(&forced).contains("\u{1b}["), "{}", stderr(&forced));
    let plain = keeper(&home, &args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert_eq!(plain.status.code(), Some(1), "{}", stderr(&plain));
    assert!(stderr(&plain).contains("WARN"), "{}", stderr(&plain));
    assert!(!stderr(&plain).contains('\u{1b}'), "{}", stderr(&plain));
    std::fs::remove_dir_all(&home).expect("clean up");
}
