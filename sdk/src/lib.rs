//! # homeostat-sdk
//!
//! What a trader, an LP or a keeper needs to use a Homeostat pool from Rust:
//!
//! * [`pda`]: every program-derived address.
//! * [`accounts`]: decoding the pool and Pyth `PriceUpdateV2` accounts.
//! * [`quote`]: off-chain quotes from a [`quote::PoolSnapshot`] — the program's own code
//!   path over the same bytes, so a quote equals the executed amounts exactly; the largest
//!   trade that fits; slippage and LP helpers.
//! * [`instructions`]: a builder for every instruction.
//! * [`calibrate`]: the model's parameters estimated from a pool's own fills and prints,
//!   and the bounded `update_params` change they imply.
//! * `rpc` (feature `rpc`): a pool on a real cluster — fetch, quote, send, and read the
//!   program's events from its transactions ([`events`]); `landing`: transactions that
//!   land (compute budget from simulation, priority fee, resend, confirm); `cli_conventions`: cluster
//!   monikers and keypair files as the Solana CLI reads them.
#![deny(missing_docs)]

pub mod accounts;
pub mod calibrate;
#[cfg(feature = "rpc")]
pub mod cli_conventions;
pub mod events;
pub mod instructions;
#[cfg(feature = "rpc")]
pub mod landing;
pub mod pda;
pub mod quote;
#[cfg(feature = "rpc")]
pub mod rpc;

pub use homeostat::oracle::PriceUpdate;
pub use homeostat::state::Pool;
pub use homeostat::PoolParams;
pub use homeostat_math as math;

use core::fmt;

/// Why an SDK call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkError {
    /// The account is not what it should be (owner, discriminator or size).
    WrongAccount {
        /// What was expected.
        expected: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The program would reject this (stale oracle, paused pool, ...): its error code
    /// and message.
    Program {
        /// The error number (6000+ for the program's own errors, below for Anchor's).
        code: u32,
        /// The program error's name, e.g. `StaleOracle`.
        name: String,
        /// Its message.
        message: String,
    },
    /// The math rejected the trade (cap, size, liquidity, ...); displayed as the program
    /// error the transaction would fail with.
    Math(homeostat_math::MathError),
    /// An account does not exist on the cluster.
    NotFound {
        /// Which account.
        account: &'static str,
        /// Its address.
        address: String,
    },
    /// The cluster could not be reached or answered with an error.
    Rpc(String),
    /// A transaction was not confirmed before each of its blockhashes expired: it never
    /// executed (see `landing`).
    Expired {
        /// Blockhashes it was signed with, each tried until it expired.
        blockhashes: u32,
        /// Times it was sent in all.
        sends: u32,
        /// The compute-unit price it offered, micro-lamports per CU.
        compute_unit_price: u64,
    },
}

impl fmt::Display for SdkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongAccount { expected, reason } => write!(f, "not a {expected}: {reason}"),
            Self::Program {
                code,
                name,
                message,
            } => write!(f, "{name} (error {code}): {message}"),
            // As the program reports it: the named error it fails with (6000 + the kind).
            // The source location stays in `Debug`, for whoever debugs the math.
            Self::Math(error) => {
                let named = homeostat::errors::HomeostatError::from_math(error.kind);
                write!(f, "{}", Self::from_code(named.into()))
            }
            Self::NotFound { account, address } => {
                write!(f, "{account} {address} does not exist on this cluster")
            }
            Self::Rpc(message) => write!(f, "RPC: {message}"),
            Self::Expired {
                blockhashes,
                sends,
                compute_unit_price,
            } => write!(
                f,
                "the transaction was not confirmed before its blockhash expired ({blockhashes} \
                 blockhash(es), {sends} sends, {compute_unit_price} micro-lamports per compute \
                 unit) and did not execute: the cluster is congested or the priority fee too \
                 low — send again with a higher --priority-fee or --max-priority-fee"
            ),
        }
    }
}

impl std::error::Error for SdkError {}

impl From<homeostat_math::MathError> for SdkError {
    fn from(error: homeostat_math::MathError) -> Self {
        Self::Math(error)
    }
}

impl From<anchor_lang::error::Error> for SdkError {
    fn from(error: anchor_lang::error::Error) -> Self {
        match error {
            anchor_lang::error::Error::AnchorError(error) => Self::Program {
                code: error.error_code_number,
                name: error.error_name.clone(),
                message: error.error_msg.clone(),
            },
            other => Self::Program {
                code: 0,
                name: "ProgramError".into(),
                message: other.to_string(),
            },
        }
    }
}

impl SdkError {
    /// The program error with a custom error `code`, named when it is one of the program's
    /// own (6000 and up) — what a failed transaction reports when its logs are not at hand.
    pub fn from_code(code: u32) -> Self {
        match homeostat::errors::HomeostatError::from_code(code) {
            Some(error) => Self::Program {
                code,
                name: error.name(),
                message: error.to_string(),
            },
            None if (100..6_000).contains(&code) => Self::Program {
                code,
                name: "AnchorError".into(),
                message: "an account or argument failed Anchor's checks \
                          (anchor_lang::error::ErrorCode)"
                    .into(),
            },
            None => Self::Program {
                code,
                name: "Custom".into(),
                message: "custom error of this or a called program (e.g. SPL Token: 1 is \
                          insufficient funds)"
                    .into(),
            },
        }
    }

    /// The program error a failed transaction's logs report, if any: Anchor logs
    /// `AnchorError ... Error Code: <name>. Error Number: <code>. Error Message: <message>.`
    /// for the program's own errors and for its account checks.
    pub fn from_program_logs(logs: &[String]) -> Option<Self> {
        logs.iter().find_map(|line| {
            let rest = line.split_once("Error Code: ")?.1;
            let (name, rest) = rest.split_once(". Error Number: ")?;
            let (code, message) = rest.split_once(". Error Message: ")?;
            Some(Self::Program {
                code: code.parse().ok()?,
                name: name.to_string(),
                message: message.trim_end_matches('.').to_string(),
            })
        })
    }
}

/// Result alias.
pub type Result<T> = core::result::Result<T, SdkError>;
