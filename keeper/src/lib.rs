//! # homeostat-keeper
//!
//! Closes the inventory-control loop: when a pool's net delta leaves its band, the keeper
//! sends `rebalance`, plans a hedge from the `RebalanceRequested` event, executes it on a
//! venue, and reports it with `record_hedge`. Every step is journaled (SQLite) before the
//! next one, so a keeper killed anywhere and restarted finishes what it started and never
//! hedges a sequence number twice.
//!
//! * [`planner`]: the hedge order for a request (band, minimum and maximum order size).
//! * [`venue`]: where hedges execute — the [`venue::PaperVenue`] (fees, slippage, idempotent
//!   client order ids) for tests and the simulator; [`binance`]: Binance USDⓈ-M perpetual
//!   futures over REST (signed, rate-limited).
//! * [`events`]: the program's events from an [`events::EventSource`], replayed into the
//!   journal; [`rpc`]: the pool and its events on a cluster.
//! * [`retry`]: exponential backoff for transient failures.
//! * [`journal`]: the durable record of events, orders, fills and on-chain records.
//! * [`keeper`]: the loop, generic over the chain connection ([`keeper::Chain`]) and venue.
//! * `local` (feature `localnet`): a [`keeper::Chain`] on the in-process runtime.
//! * [`settings`]: flags, environment, TOML file and the one defaults table;
//!   [`service`]: the dry run and the loop the `homeostat-keeper` binary runs; [`cli`]: its
//!   command line and logs; [`shutdown`]: SIGTERM and SIGINT, honoured anywhere;
//!   [`metrics`]: Prometheus metrics and the health check; [`solana_config`]: the Solana
//!   CLI's configuration file.
//! * [`quoter`]: prop-AMM mode's quoter (`homeostat-keeper --quoter`): the venue's price
//!   pushed with `push_quote`, its sequence numbers journaled before they are sent.
#![deny(missing_docs)]

pub mod binance;
pub mod cli;
pub mod events;
pub mod hyperliquid;
pub mod journal;
pub mod keeper;
#[cfg(feature = "localnet")]
pub mod local;
pub mod metrics;
pub mod output;
pub mod planner;
pub mod quoter;
pub mod retry;
pub mod rpc;
pub mod service;
pub mod settings;
pub mod shutdown;
pub mod solana_config;
pub mod venue;

use core::fmt;

use homeostat_sdk::{SdkError, Source};

/// Why a keeper step failed. Every failure leaves the journal consistent: rerunning the
/// step resumes where it stopped. What an operator should do about one is the binary's to
/// say (`main.rs`).
#[derive(Debug)]
pub enum KeeperError {
    /// The cluster or the program refused what the keeper was doing.
    Chain {
        /// What the keeper was doing: `rebalance`, `snapshot`, …
        context: String,
        /// The SDK's error.
        source: SdkError,
    },
    /// What the chain shows does not allow the step (a pool that cannot be priced) or
    /// contradicts the keeper's record (a rebalance without its event, a request the
    /// journal lacks): the keeper stops rather than guess.
    ChainState(String),
    /// The keeper's key is not the pool's keeper: it can neither rebalance nor record.
    NotThePoolsKeeper {
        /// The keeper's key.
        key: String,
        /// The pool's keeper.
        keeper: String,
    },
    /// The quoter's key is not the pool's quoter: it cannot push quotes.
    NotThePoolsQuoter {
        /// The quoter's key.
        key: String,
        /// The pool's quoter (the default key: none).
        quoter: String,
    },
    /// The program would refuse the `record_hedge` the keeper was about to send
    /// (`Pool::prepare_record_hedge` on the pool as just read): nothing was sent. The fill
    /// stays in the journal, unrecorded, and the record is tried again each step.
    RecordRefused {
        /// The request.
        seq: u64,
        /// The hedge change it would have recorded, base atoms, signed as the request.
        filled_base: i64,
        /// The program's error, named (`SdkError::Program`).
        source: SdkError,
    },
    /// The venue failed or refused, or its answer could not be used.
    Venue(String),
    /// The paper venue's arithmetic failed (its touch, a fill's notional or fee).
    VenueMath {
        /// What it was computing.
        context: &'static str,
        /// The math crate's error.
        source: homeostat_math::MathError,
    },
    /// The venue's client could not be set up or sign: what it was doing, and why.
    VenueClient {
        /// What failed: `HTTP client`, `API secret`, `clock`.
        context: &'static str,
        /// The error.
        source: Source,
    },
    /// The venue refused a request with its own error code (e.g. Binance `-2019`, margin
    /// insufficient).
    VenueRejected {
        /// The venue's error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The journal could not be read or written.
    Journal(rusqlite::Error),
    /// The exchange with the node failed (unreachable, an error answer, a transaction that
    /// failed unnamed): worth retrying, as [`KeeperError::Transient`].
    Node {
        /// What the keeper was doing.
        context: String,
        /// The SDK's error.
        source: SdkError,
    },
    /// A failure worth retrying: the node or venue unreachable, overloaded or rate
    /// limiting; an order whose execution status is unknown (it is looked up by client
    /// id before anything is sent again).
    Transient {
        /// What happened.
        message: String,
        /// How long the server asked to wait, if it did.
        retry_after: Option<std::time::Duration>,
    },
}

impl fmt::Display for KeeperError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Chain { context, source } => write!(f, "chain: {context}: {source}"),
            Self::ChainState(message) => write!(f, "chain: {message}"),
            Self::NotThePoolsKeeper { key, keeper } => write!(
                f,
                "chain: the keypair {key} is not this pool's keeper ({keeper}): it cannot \
                 rebalance or record hedges"
            ),
            Self::NotThePoolsQuoter { key, quoter } => write!(
                f,
                "chain: the keypair {key} is not this pool's quoter ({quoter}): it cannot push \
                 quotes"
            ),
            Self::RecordRefused {
                seq,
                filled_base,
                source,
            } => write!(
                f,
                "chain: record_hedge {seq} ({filled_base} base atoms) not sent: the program \
                 would refuse it: {source}"
            ),
            Self::Venue(message) => write!(f, "venue: {message}"),
            Self::VenueMath { context, source } => write!(f, "venue: {context}: {source}"),
            Self::VenueClient { context, source } => write!(f, "venue: {context}: {source}"),
            Self::VenueRejected { code, message } => {
                write!(f, "venue refused (code {code}): {message}")
            }
            Self::Journal(error) => write!(f, "journal: {error}"),
            Self::Node { context, source } => write!(f, "transient: {context}: {source}"),
            Self::Transient { message, .. } => write!(f, "transient: {message}"),
        }
    }
}

impl std::error::Error for KeeperError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Chain { source, .. }
            | Self::Node { source, .. }
            | Self::RecordRefused { source, .. } => Some(source),
            Self::VenueClient { source, .. } => Some(&**source),
            Self::VenueMath { source, .. } => Some(source),
            Self::Journal(error) => Some(error),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for KeeperError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Journal(error)
    }
}

impl KeeperError {
    /// Whether another try may succeed: [`KeeperError::Transient`] and
    /// [`KeeperError::Node`].
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. } | Self::Node { .. })
    }

    /// How long the server asked to wait before another try, if it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Transient { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Result alias.
pub type Result<T> = core::result::Result<T, KeeperError>;
