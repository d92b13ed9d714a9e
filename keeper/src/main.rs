//! `homeostat-keeper`: hedges one pool's net delta on a venue and records it on chain.
//!
//! Every option comes from, in order of precedence: a command-line flag, its environment
//! variable, the `--config` TOML file (same names, with `_` for `-`), the Solana CLI's
//! configuration (`--url`, `--keypair`, `--commitment` only), the default
//! (`homeostat_keeper::settings`). The flags are `homeostat_keeper::cli`; the service
//! itself is `homeostat_keeper::service`.
//!
//! Exit codes: 0 when the run is done (`--once`, a passing `--dry-run`) or stopped by
//! SIGTERM or SIGINT; 1 when it failed (the error is the last line on stderr: `error: …`,
//! or an `ERROR` event with `--log-format json`); 2 for a usage error: the command line
//! (its flags and variables) does not parse or a value in it is out of range.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use homeostat_keeper::cli::{init_logging, report_error, Cli};
use homeostat_keeper::service::{self, Error};
use homeostat_keeper::solana_config::SolanaConfig;

fn start(cli: Cli) -> Result<(), Error> {
    let mode = cli.mode();
    let solana = SolanaConfig::load(cli.solana_config.as_deref())?;
    let settings = cli.settings.resolve_over(cli.config.as_deref(), solana)?;
    init_logging(&settings)?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(service::run(&settings, mode))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(shell) = cli.completions {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "homeostat-keeper",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    // A value on the command line out of its range is a usage error, as clap's own are
    // (exit 2); the same value from the --config file is a failure (exit 1).
    if let Err(error) = cli.settings.check() {
        Cli::command()
            .error(clap::error::ErrorKind::ValueValidation, error)
            .exit();
    }
    match start(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report_error(&error);
            ExitCode::FAILURE
        }
    }
}
