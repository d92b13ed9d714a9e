//! Why `homeostat calibrate` failed: the flag or file at fault, the estimate that could
//! not be made, or the service's round.

use std::path::PathBuf;

use homeostat_sdk::calibrate::CalibrationError;

use super::service::Failure;
use crate::args::ConnectionError;
use crate::error::FileError;
use crate::pool_config::ConfigFileError;

/// Why the command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CalibrateError {
    /// A setting that must be a positive number.
    #[error("{flag} must be a positive number, not {value}")]
    NotPositive {
        /// The flag.
        flag: &'static str,
        /// Its value.
        value: f64,
    },
    /// `--target-inventory` that is not positive lots.
    #[error("--target-inventory must be positive lots, not {0}")]
    TargetInventory(f64),
    /// `--history` without the pool's parameters.
    #[error("--history needs --config: the pool's current parameters")]
    HistoryNeedsConfig,
    /// Neither a pool nor a history.
    #[error("give --pool (the pool's history over RPC) or --history (a simulator run's)")]
    NoPool,
    /// The `--history` file cannot be used.
    #[error("{0}")]
    History(#[from] HistoryError),
    /// The `--config` file cannot be used.
    #[error("{0}")]
    Config(#[from] ConfigFileError),
    /// No estimate or proposal could be made.
    #[error("{0}")]
    Calibration(#[from] CalibrationError),
    /// The cluster's settings could not be read.
    #[error("{0}")]
    Connection(#[from] ConnectionError),
    /// The runtime did not start.
    #[error("the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The signal handlers could not be installed.
    #[error("the signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    /// `--metrics-addr` could not be bound.
    #[error("{0}")]
    Metrics(#[from] homeostat_keeper::metrics::BindError),
    /// The bound `--metrics-addr` has no address.
    #[error("--metrics-addr: {0}")]
    MetricsAddr(#[source] std::io::Error),
    /// The report could not be written to standard output.
    #[error("standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// The one round (without `--every`) failed.
    #[error("{0}")]
    Round(#[source] Failure),
    /// The service could not write its own files.
    #[error("stopping: {0}")]
    Stopping(#[source] Failure),
    /// `--max-failures` rounds in a row failed.
    // The last failure ends the message: the remedy `main` prints for it follows.
    #[error(
        "{failures} rounds in a row failed (--max-failures {max}): stopping so the \
         supervisor notices, the journal intact; the last ({}): {last}",
        last.class()
    )]
    TooManyFailures {
        /// Rounds failed in a row.
        failures: u32,
        /// `--max-failures`.
        max: u32,
        /// The last failure.
        #[source]
        last: Failure,
    },
}

/// Why a `--history` file cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HistoryError {
    /// It could not be read.
    #[error("{0}")]
    Unreadable(#[from] FileError),
    /// It is not JSON.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// It is JSON, not a history.
    #[error("{}: {source}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The entry at fault.
        #[source]
        source: MalformedHistory,
    },
}

/// What in a history's JSON is not a history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MalformedHistory {
    /// A list is missing.
    #[error("no `{0}` list")]
    NoList(&'static str),
    /// An entry lacks a number.
    #[error("{list}: entry {entry} has no number at {index}")]
    NoNumber {
        /// The list.
        list: &'static str,
        /// The entry, as JSON.
        entry: String,
        /// Where the number should be.
        index: usize,
    },
    /// A fill whose side is neither.
    #[error("fills: entry {0}: the side must be \"bid\" or \"ask\"")]
    Side(String),
    /// Entries out of time order.
    #[error("prints, quotes and fills must each be in time order")]
    Unsorted,
}
