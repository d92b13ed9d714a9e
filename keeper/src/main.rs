//! `homeostat-keeper`: hedges one pool's net delta on a venue and records it on chain.
//!
//! Every option comes from, in order of precedence: a command-line flag, its environment
//! variable, the `--config` TOML file (same names, with `_` for `-`), the default
//! (`homeostat_keeper::settings`). The flags are `homeostat_keeper::cli`; the service
//! itself is `homeostat_keeper::service`.
//!
//! Exit codes: 0 when the run is done (`--once`, a passing `--dry-run`) or stopped by
//! SIGTERM or SIGINT; 1 when it failed (the error is the last line on stderr: `error: …`,
//! or an `ERROR` event with `--log-format json`); 2 for a usage error (clap's).

use std::process::ExitCode;

use clap::Parser;
use homeostat_keeper::cli::{init_logging, report_error, Cli};
use homeostat_keeper::service::{self, Error};

fn start(cli: Cli) -> Result<(), Error> {
    let mode = cli.mode();
    let settings = cli.settings.resolve(cli.config.as_deref())?;
    init_logging(&settings)?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(service::run(&settings, mode))
}

fn main() -> ExitCode {
    match start(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report_error(&error);
            ExitCode::FAILURE
        }
    }
}
