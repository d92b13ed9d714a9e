//! The example files of examples/keeper/ held to the binary: the configuration parses into
//! the keeper's settings and drives a dry run on the local cluster; the systemd unit's
//! `ExecStart` and the container's `ENTRYPOINT` + `CMD` are command lines the keeper's own
//! parser accepts, and the paths, ports and names around them agree with each other.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};
use homeostat_keeper::cli::Cli;
use homeostat_keeper::service::Mode;
use homeostat_keeper::settings::Settings;
use homeostat_localnet::*;

use crate::cluster::{keeper_args, keeper_binary, skewed};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/keeper")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(example(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// The file's lines with `\` continuations joined and `#` comment lines dropped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.starts_with('#') || trimmed.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    assert!(current.is_empty(), "a continuation runs off the end");
    lines
}

/// The keeper's parser over `args` (the binary's name first).
fn parse(args: &[String]) -> Cli {
    Cli::try_parse_from(args).unwrap_or_else(|error| panic!("{args:?}: {error}"))
}

/// Every environment variable the keeper reads.
fn environment_variables() -> BTreeSet<String> {
    Cli::command()
        .get_arguments()
        .filter_map(|argument| argument.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect()
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], flag: &str) -> &'a str {
    let at = args
        .iter()
        .position(|arg| arg == flag)
        .unwrap_or_else(|| panic!("{flag} in {args:?}"));
    &args[at + 1]
}

#[test]
fn the_many_pools_example_resolves_into_one_keeper_per_pool() {
    let settings = Settings::default()
        .resolve(Some(&example("pools.toml")))
        .expect("the example parses and is in range");
    let pools = settings.pools().expect("its pools are consistent");
    assert_eq!(pools.len(), 2);
    let (sol, jto) = (&pools[0], &pools[1]);
    assert_eq!(
        (sol.venue.as_deref(), jto.venue.as_deref()),
        (Some("binance"), Some("hyperliquid"))
    );
    assert_eq!(jto.hyperliquid_coin.as_deref(), Some("JTO"));
    assert_eq!(sol.interval_secs, Some(10), "the shared top level");
    assert_ne!(sol.journal, jto.journal, "a journal each");
    assert!(sol
        .journal
        .as_deref()
        .unwrap()
        .starts_with("/var/lib/homeostat-keeper"));
    assert!(
        !read("pools.toml").contains("secret"),
        "no credential in the file"
    );
}

#[tokio::test]
async fn the_example_configuration_is_the_keepers_and_drives_a_dry_run() {
    let path = example("keeper.toml");
    let settings = Settings::default()
        .resolve(Some(&path))
        .expect("the example parses and is in range");
    assert_eq!(settings.venue.as_deref(), Some("binance"));
    assert_eq!(settings.log_format.as_deref(), Some("json"));
    assert_eq!(
        settings.metrics_addr,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    assert_eq!(settings.health_intervals, Some(3));
    assert_eq!(
        settings.journal.as_deref(),
        Some(Path::new("/var/lib/homeostat-keeper/keeper.sqlite"))
    );
    assert!(
        settings.binance_api_secret.is_none() && !read("keeper.toml").contains("api_secret ="),
        "no secret in the file"
    );

    // As printed, with what only an operator knows given as flags (which win over the
    // file), and the paper venue for want of an exchange account: a dry run plans the hedge.
    let (harness, pool, url) = skewed().await;
    let folder = temp_folder("keeper-example-config");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let output = keeper_binary(keeper_args(
        &url,
        &keypair,
        &pool,
        &harness.oracle,
        &[
            "--config",
            path.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--venue",
            "paper",
            "--dry-run",
        ],
    ))
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["would_rebalance"], true, "{plan}");
    assert_eq!(plan["order"]["side"], "sell", "{plan}");
    // The file's log format applies.
    for line in stderr.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("a JSON log line: {line}"));
    }
}

#[test]
fn the_systemd_units_command_line_is_the_keepers() {
    let unit = read("homeostat-keeper.service");
    let lines = logical_lines(&unit);
    for section in ["[Unit]", "[Service]", "[Install]"] {
        assert!(lines.iter().any(|line| line == section), "{section}");
    }
    let setting = |key: &str| -> String {
        lines
            .iter()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key}= in the unit"))
            .trim()
            .to_string()
    };
    // systemd substitutes ${CREDENTIALS_DIRECTORY} before running the command.
    let exec = setting("ExecStart").replace(
        "${CREDENTIALS_DIRECTORY}",
        "/run/credentials/homeostat-keeper.service",
    );
    assert!(
        !exec.contains('$'),
        "only the credentials directory: {exec}"
    );
    let args: Vec<String> = exec.split_whitespace().map(str::to_string).collect();
    assert_eq!(args[0], "/usr/local/bin/homeostat-keeper");
    let cli = parse(&args);
    assert_eq!(cli.mode(), Mode::Forever, "a service runs the loop");
    assert_eq!(
        cli.settings.log_format.as_deref(),
        Some("json"),
        "journald keeps JSON lines whole"
    );
    assert_eq!(
        cli.settings.metrics_addr,
        Some("127.0.0.1:9464".parse().unwrap())
    );
    assert_eq!(flag(&args, "--config"), "/etc/homeostat/keeper.toml");
    // The keypair is the credential the unit loads; the journal is in its state directory.
    let (credential, source) = setting("LoadCredential")
        .split_once(':')
        .map(|(name, source)| (name.to_string(), source.to_string()))
        .expect("name:path");
    assert_eq!(
        Path::new(flag(&args, "--keypair")).file_name().unwrap(),
        credential.as_str()
    );
    assert!(source.starts_with("/etc/homeostat/"), "{source}");
    let journal = Path::new(flag(&args, "--journal"));
    assert_eq!(
        journal.parent().unwrap(),
        Path::new("/var/lib").join(setting("StateDirectory"))
    );
    // Stopped by SIGTERM (exit 0); restarted after an exit 1 (--max-failures).
    assert_eq!(setting("KillSignal"), "SIGTERM");
    assert_eq!(setting("Restart"), "on-failure");
    // The unit's flags over the example file: a complete, in-range configuration.
    let settings = cli
        .settings
        .resolve(Some(&example("keeper.toml")))
        .expect("resolves");
    assert_eq!(settings.journal.as_deref(), Some(journal));
}

#[test]
fn the_containers_command_line_is_the_keepers() {
    let dockerfile = read("Dockerfile");
    let lines = logical_lines(&dockerfile);
    let instructions = |name: &str| -> Vec<String> {
        lines
            .iter()
            .filter_map(|line| line.strip_prefix(&format!("{name} ")))
            .map(|rest| rest.trim().to_string())
            .collect()
    };
    let one = |name: &str| -> String {
        let found = instructions(name);
        assert_eq!(found.len(), 1, "one {name}: {found:?}");
        found[0].clone()
    };
    // Exec form (JSON arrays): the keeper is PID 1 and receives `docker stop`'s SIGTERM.
    let entrypoint: Vec<String> =
        serde_json::from_str(&one("ENTRYPOINT")).expect("ENTRYPOINT in exec form");
    let cmd: Vec<String> = serde_json::from_str(&one("CMD")).expect("CMD in exec form");
    let args: Vec<String> = entrypoint.iter().chain(&cmd).cloned().collect();
    let cli = parse(&args);
    assert_eq!(cli.mode(), Mode::Forever);
    assert_eq!(one("STOPSIGNAL"), "SIGTERM");
    let user = one("USER");
    assert!(user != "root" && user != "0", "{user}");

    // The context is the repository's root: its build output stays out (BuildKit reads
    // `<Dockerfile>.dockerignore` beside the file).
    let ignored = read("Dockerfile.dockerignore");
    for path in ["target", ".git"] {
        assert!(ignored.lines().any(|line| line == path), "{path} ignored");
    }
    // The binary the build stage builds is the one the entry point runs.
    let build = one("RUN cargo").to_string();
    assert!(
        build.contains("-p homeostat-keeper") && build.contains("--release"),
        "{build}"
    );
    let copies = instructions("COPY");
    let binary = copies
        .iter()
        .find(|copy| copy.starts_with("--from=build "))
        .expect("the binary from the build stage");
    let parts: Vec<&str> = binary.split_whitespace().collect();
    assert_eq!(parts[1], "/src/target/release/homeostat-keeper");
    assert_eq!(parts[2], entrypoint[0]);
    // The configuration it reads is the example, copied where --config says.
    let config = copies
        .iter()
        .find(|copy| copy.ends_with(".toml"))
        .expect("the configuration");
    let (source, destination) = config.split_once(' ').unwrap();
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(source)
            .exists(),
        "{source}"
    );
    assert_eq!(cli.config.as_deref(), Some(Path::new(destination)));
    // Its environment is the keeper's; the journal on the volume.
    let known = environment_variables();
    let mut environment = Vec::new();
    for env in instructions("ENV") {
        let (name, value) = env.split_once('=').expect("ENV NAME=value");
        assert!(known.contains(name), "{name} is not a keeper variable");
        environment.push((name.to_string(), value.to_string()));
    }
    let journal = environment
        .iter()
        .find(|(name, _)| name == "HOMEOSTAT_KEEPER_JOURNAL")
        .map(|(_, value)| PathBuf::from(value))
        .expect("the journal's variable");
    assert_eq!(
        journal.parent().unwrap(),
        Path::new(&one("VOLUME")),
        "the journal outlives the container"
    );
    // Metrics on every interface of the container, on the port it exposes.
    let metrics = cli.settings.metrics_addr.expect("--metrics-addr");
    assert!(metrics.ip().is_unspecified(), "{metrics}");
    assert_eq!(one("EXPOSE"), metrics.port().to_string());
    cli.settings
        .resolve(Some(&example("keeper.toml")))
        .expect("resolves");
}
