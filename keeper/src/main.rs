//! `homeostat-keeper`: hedges one pool's net delta on a venue and records it on chain; with
//! `--quoter`, pushes the pool's reference price instead (`homeostat_keeper::quoter`).
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

use homeostat_keeper::cli::{self, init_logging, report_error, Cli};
use homeostat_keeper::quoter;
use homeostat_keeper::service::{self, Error};
use homeostat_keeper::solana_config::{SolanaConfig, SolanaConfigError};
use homeostat_keeper::KeeperError;

fn start(cli: Cli) -> Result<(), Error> {
    let (mode, quoting) = (cli.mode(), cli.quoter);
    let solana = SolanaConfig::load(cli.solana_config.as_deref())?;
    let settings = cli.settings.resolve_over(cli.config.as_deref(), solana)?;
    init_logging(&settings)?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            if quoting {
                quoter::service::run(&settings, mode).await
            } else {
                service::run(&settings, mode).await
            }
        })
}

/// What the operator can do about `error`: ours for the keeper's key and the Solana CLI's
/// configuration file, else the Solana CLI's conventions' remedies.
fn advice(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    match error.downcast_ref() {
        Some(KeeperError::NotThePoolsKeeper { .. }) => {
            return Some(
                "start with the keeper's keypair, or have the pool's admin set this key as \
                 keeper (set_keeper)",
            )
        }
        Some(KeeperError::NotThePoolsQuoter { .. }) => {
            return Some(
                "start with the quoter's keypair (--quoter-keypair), or have the pool's admin \
                 set this key as quoter (set_quoter)",
            )
        }
        _ => {}
    }
    match error.downcast_ref::<SolanaConfigError>() {
        Some(SolanaConfigError::Unreadable { .. }) => {
            Some("write one with `solana config set --url …`, or pass another with --solana-config")
        }
        _ => homeostat_sdk::cli_conventions::advice(error),
    }
}

fn main() -> ExitCode {
    let cli = cli::parse();
    if let Some(shell) = cli.completions {
        clap_complete::generate(
            shell,
            &mut cli::command(),
            "homeostat-keeper",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    // A value on the command line out of its range is a usage error, as clap's own are
    // (exit 2); the same value from the --config file is a failure (exit 1).
    if let Err(error) = cli.settings.check() {
        cli::command()
            .error(clap::error::ErrorKind::ValueValidation, error)
            .exit();
    }
    match start(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match advice(&*error) {
                // One line: a supervisor's log shows the last.
                Some(advice) => report_error(&format!("{error}: {advice}")),
                None => report_error(&error),
            }
            ExitCode::FAILURE
        }
    }
}
