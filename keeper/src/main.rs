//! `homeostat-keeper`: hedges one pool's net delta on a venue and records it on chain.
//!
//! Every option comes from, in order of precedence: a command-line flag, its environment
//! variable, the `--config` TOML file (same names, with `_` for `-`), the default
//! (`homeostat_keeper::settings`). The service itself is `homeostat_keeper::service`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use homeostat_keeper::service::{self, Mode};
use homeostat_keeper::settings::{required, Settings};

/// Hedges a Homeostat pool's net delta: when it leaves the pool's band, sends `rebalance`,
/// hedges the requested amount on the venue, and records it with `record_hedge` — exactly
/// once per request, across crashes (SQLite journal). docs/keeper.md is the operations
/// guide.
#[derive(Debug, Parser)]
#[command(name = "homeostat-keeper", version, about, long_about = None)]
struct Cli {
    /// TOML file with any of the options below (flags and environment variables win).
    #[arg(long, env = "HOMEOSTAT_KEEPER_CONFIG")]
    config: Option<PathBuf>,
    /// Print what the keeper would do now (net delta, band, the order it would place, the
    /// venue account's position against the pool's record) as JSON, and exit without
    /// sending anything or touching the journal.
    #[arg(long)]
    dry_run: bool,
    /// Run one step (catch up on events, then rebalance/hedge/record if needed) and exit.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    settings: Settings,
}

fn start(cli: Cli) -> Result<(), service::Error> {
    let settings = cli.settings.resolve(cli.config.as_deref())?;
    let level = required(&settings.log, "log")?;
    let level: tracing::Level = level
        .parse()
        .map_err(|_| format!("--log: `{level}` is not error, warn, info, debug or trace"))?;
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mode = match (cli.dry_run, cli.once) {
        (true, _) => Mode::DryRun,
        (false, true) => Mode::Once,
        (false, false) => Mode::Forever,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(service::run(&settings, mode))
}

fn main() -> ExitCode {
    match start(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
