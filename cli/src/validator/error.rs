//! Why `homeostat localnet --validator` could not start, or stopped: what is missing,
//! which file, or the validator's own last words.

use std::path::PathBuf;

use anchor_lang::solana_program::program_error::ProgramError;
use homeostat_sdk::SdkError;

use super::VALIDATOR_VERSION;
use crate::error::FileError;
use crate::localnet::WriteKeypairError;

/// Why the validator's world could not start, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ValidatorError {
    /// `solana-test-validator` is not installed.
    #[error("solana-test-validator not found (on PATH or in ~/.cargo/bin)")]
    NotInstalled,
    /// Another version is.
    #[error("{} is `{found}`, not version {VALIDATOR_VERSION}", binary.display())]
    Version {
        /// The binary.
        binary: PathBuf,
        /// What its `--version` says.
        found: String,
    },
    /// A program's SBF build is missing.
    #[error("{} not found", path.display())]
    MissingProgram {
        /// Where it was looked for.
        path: PathBuf,
        /// Which.
        program: SbfProgram,
    },
    /// A file or folder (the binary, its log, the preloaded accounts) failed.
    #[error("{0}")]
    File(#[from] FileError),
    /// No loopback port could be had.
    #[error("no free loopback port: {0}")]
    Port(#[source] std::io::Error),
    /// No two adjacent ones (RPC and websocket).
    #[error("no two adjacent free loopback ports found")]
    NoAdjacentPorts,
    /// `--port 65535`.
    #[error("--port: the websocket takes the next port; 65535 has none")]
    NoWebsocketPort,
    /// The lookup table's account could not be encoded (its `InstructionError`).
    #[error("the lookup table: {0}")]
    LookupTable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The validator ended.
    #[error(
        "solana-test-validator stopped ({status}); its last lines ({}):\n{tail}",
        log.display()
    )]
    Stopped {
        /// How.
        status: std::process::ExitStatus,
        /// Its log.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// The validator did not answer in time.
    #[error(
        "solana-test-validator did not answer within {secs} s; its last lines ({}):\n{tail}",
        log.display()
    )]
    Timeout {
        /// How long it had.
        secs: u64,
        /// Its log.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// A transaction building the world failed.
    #[error("building the world on the validator: {source} (its log: {})", log.display())]
    Build {
        /// The validator's log.
        log: PathBuf,
        /// Why.
        #[source]
        source: WorldError,
    },
    /// The world's keypair files could not be written.
    #[error("{0}")]
    Keypair(#[from] WriteKeypairError),
    /// The signal handlers could not be installed.
    #[error("the signal handlers: {0}")]
    Signals(#[source] std::io::Error),
}

/// The SBF builds the validator runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbfProgram {
    /// The Homeostat program.
    Homeostat,
    /// The stand-in for Pyth's receiver.
    PythMock,
}

/// Why a transaction building the world failed.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// An SPL Token instruction could not be built.
    #[error("{0}")]
    Instruction(#[from] ProgramError),
    /// A transaction failed.
    #[error("{0}")]
    Send(#[from] SdkError),
}
