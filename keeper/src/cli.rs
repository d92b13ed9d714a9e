//! The `homeostat-keeper` command line: its flags ([`Cli`]) and its logs ([`init_logging`]).
//! In the library so tests can hold the example unit and container files to the parser.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, FromArgMatches, Parser};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::service::Mode;
use crate::settings::{required, show_defaults, Settings, SettingsError, LOG_FORMATS, LOG_LEVELS};

/// Hedges a Homeostat pool's net delta: when it leaves the pool's band, sends `rebalance`,
/// hedges the requested amount on the venue, and records it with `record_hedge` — exactly
/// once per request, across crashes (SQLite journal). docs/keeper.md is the operations
/// guide. With `--quoter`, pushes the pool's reference price instead (docs/quoter.md).
/// Exit codes: 0 done or stopped by SIGTERM/SIGINT, 1 failed, 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "homeostat-keeper", version, about, long_about = None)]
pub struct Cli {
    /// TOML file with any of the options below (flags and environment variables win).
    #[arg(long, env = "HOMEOSTAT_KEEPER_CONFIG")]
    pub config: Option<PathBuf>,
    /// The Solana CLI's configuration, read for --url, --keypair and --commitment when
    /// neither a flag, a variable nor --config sets them [default:
    /// ~/.config/solana/cli/config.yml, if it exists].
    #[arg(short = 'C', long, env = "HOMEOSTAT_SOLANA_CONFIG")]
    pub solana_config: Option<PathBuf>,
    /// Print a completion script for this shell (bash, zsh, fish, elvish, powershell)
    /// and exit.
    #[arg(long, value_name = "SHELL")]
    pub completions: Option<clap_complete::Shell>,
    /// Print what `--once` would do now (net delta, band, the order it would place, the
    /// venue account's position against the pool's record) as JSON, and exit without
    /// sending anything or writing the journal (it only reads it); non-zero when a check
    /// fails.
    #[arg(long, conflicts_with = "once")]
    pub dry_run: bool,
    /// Run one step (catch up on events, then rebalance/hedge/record if needed) and exit.
    #[arg(long)]
    pub once: bool,
    /// Run the pool's quoter instead of its keeper (prop-AMM mode, docs/quoter.md): push
    /// the venue's price with `push_quote` every `--quoter-interval-ms`, signed by
    /// `--quoter-keypair`; with `--dry-run`, print the quote it would push; with `--once`,
    /// push one.
    #[arg(long)]
    pub quoter: bool,
    /// The keeper's settings.
    #[command(flatten)]
    pub settings: Settings,
}

impl Cli {
    /// How long the service runs.
    pub fn mode(&self) -> Mode {
        match (self.dry_run, self.once) {
            (true, _) => Mode::DryRun,
            (false, true) => Mode::Once,
            (false, false) => Mode::Forever,
        }
    }
}

/// The command line as `--help` shows it: [`Cli`]'s flags, each default from the one table
/// ([`crate::settings::DEFAULTS`]).
pub fn command() -> clap::Command {
    show_defaults(Cli::command())
}

/// The process's arguments parsed; a usage error exits 2, as clap's own do.
pub fn parse() -> Cli {
    Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|error| error.exit())
}

/// The crates that log every HTTP request and frame at debug: kept at warn (or at `level`
/// when that is quieter) whatever `--log` says.
pub const HTTP_LIBRARIES: [&str; 7] = [
    "reqwest",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "tungstenite",
    "tokio_tungstenite",
];

/// The log filter of `level`: everything at `level`, the HTTP libraries at warn at most.
pub fn log_filter(level: tracing::Level) -> Targets {
    let level = LevelFilter::from_level(level);
    let http = level.min(LevelFilter::WARN);
    HTTP_LIBRARIES
        .iter()
        .fold(Targets::new().with_default(level), |filter, target| {
            filter.with_target(*target, http)
        })
}

/// Whether this process logs JSON lines (set by [`init_logging`]).
static LOGS_JSON: AtomicBool = AtomicBool::new(false);

/// Whether [`init_logging`] set up JSON logs: the error that ends the process is then a
/// JSON line too (see [`report_error`]).
pub fn logs_json() -> bool {
    LOGS_JSON.load(Ordering::Relaxed)
}

/// Writes the error that ends the process to stderr: `error: …`, or an `ERROR` event when
/// the logs are JSON, so a log pipeline reads the keeper's last word like the others.
pub fn report_error(error: &dyn std::fmt::Display) {
    if logs_json() {
        tracing::error!("{error}");
    } else {
        eprintln!("error: {error}");
    }
}

/// Whether to write ANSI colours, as <https://no-color.org> and the CLICOLOR convention
/// say: never with `NO_COLOR` set (non-empty), always with `CLICOLOR_FORCE` (non-empty,
/// not `0`), else only on a terminal. `var` reads the environment.
pub fn colours(terminal: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty() && value != "0");
    if var("NO_COLOR").is_some_and(|value| !value.is_empty()) {
        false
    } else {
        set("CLICOLOR_FORCE") || terminal
    }
}

/// Logs to stderr at `--log`, as `--log-format` says: `text` (ANSI colours as
/// [`colours`] says) or `json` (one object per line: `timestamp`, `level`, `target`,
/// `message`, the event's fields and, in a keeper of many pools, `span` with the `pool`).
pub fn init_logging(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let level = required(&settings.log, "log")?;
    let level: tracing::Level = level.parse().map_err(|_| SettingsError::NotOneOf {
        name: "log",
        value: level.clone(),
        allowed: &LOG_LEVELS,
    })?;
    let filter = log_filter(level);
    let registry = tracing_subscriber::registry().with(filter);
    let format = required(&settings.log_format, "log-format")?.as_str();
    match format {
        "json" => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        "text" => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(colours(
                        std::io::IsTerminal::is_terminal(&std::io::stderr()),
                        |name| std::env::var_os(name),
                    )),
            )
            .try_init(),
        other => {
            return Err(SettingsError::NotOneOf {
                name: "log-format",
                value: other.to_string(),
                allowed: &LOG_FORMATS,
            }
            .into())
        }
    }
    .map_err(|error| format!("logging: {error}"))?;
    LOGS_JSON.store(format == "json", Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_http_libraries_stay_at_warn_under_debug() {
        let filter = log_filter(tracing::Level::TRACE);
        for target in [
            "hyper::proto::h1::io",
            "h2::codec",
            "reqwest::connect",
            "rustls::client",
        ] {
            assert!(
                !filter.would_enable(target, &tracing::Level::DEBUG),
                "{target}"
            );
            assert!(
                filter.would_enable(target, &tracing::Level::WARN),
                "{target}"
            );
        }
        assert!(filter.would_enable("homeostat_keeper::service", &tracing::Level::TRACE));
        assert!(filter.would_enable("homeostat_sdk::rpc", &tracing::Level::DEBUG));
        // Quieter than warn: the libraries follow.
        let filter = log_filter(tracing::Level::ERROR);
        assert!(!filter.would_enable("hyper", &tracing::Level::WARN));
        assert!(!filter.would_enable("homeostat_keeper", &tracing::Level::WARN));
    }

    #[test]
    fn no_color_wins_over_a_terminal_and_clicolor_force() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| std::ffi::OsString::from(value))
            }
        };
        assert!(colours(true, env(&[])));
        assert!(!colours(false, env(&[])));
        assert!(!colours(true, env(&[("NO_COLOR", "1")])));
        assert!(!colours(
            false,
            env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])
        ));
        assert!(colours(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(colours(true, env(&[("NO_COLOR", "")])), "empty is unset");
        assert!(!colours(false, env(&[("CLICOLOR_FORCE", "0")])));
    }

    #[test]
    fn the_modes_and_their_conflict() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("homeostat-keeper").chain(args.iter().copied()))
        };
        assert_eq!(parse(&[]).unwrap().mode(), Mode::Forever);
        assert_eq!(parse(&["--once"]).unwrap().mode(), Mode::Once);
        assert_eq!(parse(&["--dry-run"]).unwrap().mode(), Mode::DryRun);
        let error = parse(&["--dry-run", "--once"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ArgumentConflict);
        let cli = parse(&["--metrics-addr", "0.0.0.0:9464", "--log-format", "json"]).unwrap();
        assert_eq!(
            cli.settings.metrics_addr,
            Some("0.0.0.0:9464".parse().unwrap())
        );
        assert!(parse(&["--metrics-addr", "localhost"]).is_err());
    }
}
