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

/// What caused an error, shared so that errors stay `Clone`.
pub type Source = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// Why an SDK call failed. What a user should do about it is the binaries' to say: the
/// variants say what happened.
#[derive(Clone, Debug)]
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
    /// The cluster's address is not a URL a request can be built for.
    NotAUrl {
        /// The address given.
        url: String,
    },
    /// The node could not be reached: the connection refused or timed out.
    Unreachable {
        /// The node's URL.
        url: String,
        /// The HTTP or websocket client's error.
        source: Source,
    },
    /// The node answered a request with an error.
    Node {
        /// The JSON-RPC method asked.
        method: String,
        /// The client's error, with the node's answer.
        source: Source,
    },
    /// The node's answer lacks what its method returns.
    Malformed {
        /// The JSON-RPC method asked.
        method: &'static str,
        /// What is wrong with the answer.
        problem: &'static str,
    },
    /// A transaction could not be built.
    Build {
        /// The step that failed: serialising, compiling the v0 message, signing.
        step: &'static str,
        /// Its error.
        source: Source,
    },
    /// No signer was given to pay for a transaction.
    NoPayer,
    /// A simulated or sent transaction failed with an error no program names.
    Failed {
        /// What failed: `the simulation`, `transaction <signature>`.
        what: String,
        /// The runtime's error.
        error: String,
    },
    /// The event subscription ended before the node confirmed it.
    SubscriptionEnded,
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
            Self::NotAUrl { url } => write!(f, "RPC: `{url}` is not a URL"),
            Self::Unreachable { url, source } => {
                write!(f, "RPC: cannot reach the node at {url} ({source})")
            }
            Self::Node { method, source } => write!(f, "RPC: {method}: {source}"),
            Self::Malformed { method, problem } => write!(f, "RPC: {method}: {problem}"),
            Self::Build { step, source } => write!(f, "{step}: {source}"),
            Self::NoPayer => write!(f, "no signer to pay"),
            Self::Failed { what, error } => write!(f, "{what} failed: {error}"),
            Self::SubscriptionEnded => {
                write!(f, "the event subscription ended before it was made")
            }
            Self::Expired {
                blockhashes,
                sends,
                compute_unit_price,
            } => write!(
                f,
                "the transaction was not confirmed before its blockhash expired ({blockhashes} \
                 blockhash(es), {sends} sends, {compute_unit_price} micro-lamports per compute \
                 unit) and did not execute: the cluster is congested or the priority fee too \
                 low"
            ),
        }
    }
}

impl std::error::Error for SdkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unreachable { source, .. }
            | Self::Node { source, .. }
            | Self::Build { source, .. } => Some(&**source),
            Self::Math(error) => Some(error),
            _ => None,
        }
    }
}

impl SdkError {
    /// Whether this failed in the exchange with the node — its address, the connection,
    /// its answer, or a transaction built, sent and failed without a named error — rather
    /// than in the program's or an account's checks (what the keeper retries).
    pub fn is_rpc_failure(&self) -> bool {
        matches!(
            self,
            Self::NotAUrl { .. }
                | Self::Unreachable { .. }
                | Self::Node { .. }
                | Self::Malformed { .. }
                | Self::Build { .. }
                | Self::NoPayer
                | Self::Failed { .. }
                | Self::SubscriptionEnded
        )
    }
}

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
