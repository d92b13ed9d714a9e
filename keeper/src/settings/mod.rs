//! The keeper's settings: one struct read from flags, environment, a TOML file and one
//! defaults table ([`DEFAULTS`]).

mod checks;
mod defaults;
mod error;
mod pools;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use defaults::{show_defaults, DEFAULTS};
pub use error::SettingsError;
use homeostat_sdk::landing::Landing;
pub use pools::journal_of;
use serde::Deserialize;

use crate::planner::PlannerConfig;
use crate::retry::Backoff;
use crate::solana_config::SolanaConfig;

/// The keeper's settings. Every field is optional: a run takes each from, in order, a
/// command-line flag, its environment variable, the `--config` TOML file (same names, `_`
/// for `-`), then [`DEFAULTS`]; a setting none of them gives is required.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// JSON-RPC URL or moniker (mainnet-beta, devnet, testnet, localhost).
    #[arg(short = 'u', long, env = "HOMEOSTAT_URL")]
    pub url: Option<String>,
    /// The keeper authority's keypair file (signs and pays).
    #[arg(short = 'k', long, env = "HOMEOSTAT_KEYPAIR")]
    pub keypair: Option<String>,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub pool: Option<String>,
    /// The Pyth PriceUpdateV2 account `rebalance` reads.
    #[arg(long, env = "HOMEOSTAT_ORACLE")]
    pub oracle: Option<String>,
    /// The quote token's USD PriceUpdateV2 account, for a pool priced by two feeds.
    #[arg(long, env = "HOMEOSTAT_QUOTE_ORACLE")]
    pub quote_oracle: Option<String>,
    /// The journal (SQLite file; created if missing).
    #[arg(long, env = "HOMEOSTAT_KEEPER_JOURNAL")]
    pub journal: Option<PathBuf>,
    /// Seconds between steps.
    #[arg(long, env = "HOMEOSTAT_KEEPER_INTERVAL_SECS")]
    pub interval_secs: Option<u64>,
    /// Smallest hedge worth the venue's fee, base atoms; smaller requests are closed with a
    /// zero fill.
    #[arg(long, env = "HOMEOSTAT_KEEPER_MIN_ORDER_BASE")]
    pub min_order_base: Option<u64>,
    /// Largest hedge per request, base atoms [default: no limit].
    #[arg(long, env = "HOMEOSTAT_KEEPER_MAX_ORDER_BASE")]
    pub max_order_base: Option<u64>,
    /// Tries per RPC or venue call before giving up on a transient failure.
    #[arg(long, env = "HOMEOSTAT_KEEPER_RETRY_ATTEMPTS")]
    pub retry_attempts: Option<u32>,
    /// First retry delay, milliseconds; doubles up to 10 s.
    #[arg(long, env = "HOMEOSTAT_KEEPER_RETRY_INITIAL_MS")]
    pub retry_initial_ms: Option<u64>,
    /// `paper` (simulated fills), `binance` (USDⓈ-M perpetual futures) or `hyperliquid`
    /// (perpetuals). The quoter reads its book from `paper` (the paper venue's touch around
    /// the pool's Pyth price) or `binance` (the symbol's book ticker).
    #[arg(long, env = "HOMEOSTAT_KEEPER_VENUE")]
    pub venue: Option<String>,
    /// Paper venue: fee, basis points of the notional.
    #[arg(long, env = "HOMEOSTAT_KEEPER_PAPER_FEE_BPS")]
    pub paper_fee_bps: Option<u32>,
    /// Paper venue: price moved against the keeper, basis points.
    #[arg(long, env = "HOMEOSTAT_KEEPER_PAPER_SLIPPAGE_BPS")]
    pub paper_slippage_bps: Option<u32>,
    /// Binance: REST base URL.
    #[arg(long, env = "BINANCE_FUTURES_URL")]
    pub binance_url: Option<String>,
    /// Binance: API key.
    #[arg(long, env = "BINANCE_API_KEY", hide_env_values = true)]
    pub binance_api_key: Option<String>,
    /// Binance: API secret (prefer the environment variable to the flag).
    #[arg(long, env = "BINANCE_API_SECRET", hide_env_values = true)]
    pub binance_api_secret: Option<String>,
    /// Binance: perpetual symbol hedging the pool's base.
    #[arg(long, env = "BINANCE_SYMBOL")]
    pub binance_symbol: Option<String>,
    /// Binance: the symbol's quantity step (LOT_SIZE), base atoms.
    #[arg(long, env = "BINANCE_QUANTITY_STEP")]
    pub binance_quantity_step: Option<u64>,
    /// Binance: taker fee estimate, basis points, for fills whose commission cannot be read.
    #[arg(long, env = "BINANCE_TAKER_FEE_BPS")]
    pub binance_taker_fee_bps: Option<u32>,
    /// Binance: the asset commissions are read in, the symbol's quote asset; a commission in
    /// any other (BNB) falls back to the estimate.
    #[arg(long, env = "BINANCE_COMMISSION_ASSET")]
    pub binance_commission_asset: Option<String>,
    /// Binance: recvWindow, milliseconds.
    #[arg(long, env = "BINANCE_RECV_WINDOW_MS")]
    pub binance_recv_window_ms: Option<u64>,
    /// Hyperliquid: API base URL.
    #[arg(long, env = "HYPERLIQUID_URL")]
    pub hyperliquid_url: Option<String>,
    /// Hyperliquid: `mainnet` or `testnet`, the chain signatures are for (testnet's URL is
    /// https://api.hyperliquid-testnet.xyz).
    #[arg(long, env = "HYPERLIQUID_CHAIN")]
    pub hyperliquid_chain: Option<String>,
    /// Hyperliquid: the signing key, hex — the account's, or an API wallet's approved for
    /// it (prefer the environment variable to the flag).
    #[arg(long, env = "HYPERLIQUID_SECRET_KEY", hide_env_values = true)]
    pub hyperliquid_secret_key: Option<String>,
    /// Hyperliquid: the account traded, 0x… (needed when the key is an API wallet's)
    /// [default: the key's address].
    #[arg(long, env = "HYPERLIQUID_ACCOUNT")]
    pub hyperliquid_account: Option<String>,
    /// Hyperliquid: the perpetual hedging the pool's base.
    #[arg(long, env = "HYPERLIQUID_COIN")]
    pub hyperliquid_coin: Option<String>,
    /// Hyperliquid: how far through the oracle price the IOC limit is set, basis points.
    #[arg(long, env = "HYPERLIQUID_SLIPPAGE_BPS")]
    pub hyperliquid_slippage_bps: Option<u32>,
    /// Hyperliquid: taker fee estimate, basis points, for fills whose fee cannot be read.
    #[arg(long, env = "HYPERLIQUID_TAKER_FEE_BPS")]
    pub hyperliquid_taker_fee_bps: Option<u32>,
    /// Largest difference between the venue account's position and the pool's recorded hedge,
    /// base atoms, before the keeper stops (checked at start and after every hedge; raise it if
    /// the account also trades other things).
    #[arg(long, env = "HOMEOSTAT_KEEPER_POSITION_TOLERANCE_BASE")]
    pub position_tolerance_base: Option<u64>,
    /// Consecutive failed steps after which the keeper exits non-zero, so a supervisor notices
    /// (0: never).
    #[arg(long, env = "HOMEOSTAT_KEEPER_MAX_FAILURES")]
    pub max_failures: Option<u32>,
    /// Log level: error, warn, info, debug or trace; the HTTP libraries (reqwest, hyper, h2,
    /// rustls) log at warn at most.
    #[arg(long, env = "HOMEOSTAT_LOG")]
    pub log: Option<String>,
    /// Log format: `text` (one line per event) or `json` (one JSON object per line).
    #[arg(long, env = "HOMEOSTAT_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Serve Prometheus metrics at /metrics and a health check at /health on this address
    /// (e.g. 127.0.0.1:9464) while the keeper loops (not with --once or --dry-run)
    /// [default: off].
    #[arg(long, env = "HOMEOSTAT_KEEPER_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// /health answers 200 while the last successful step ended within this many
    /// --interval-secs, 503 otherwise.
    #[arg(long, env = "HOMEOSTAT_KEEPER_HEALTH_INTERVALS")]
    pub health_intervals: Option<u32>,
    /// Compute-unit price of the keeper's transactions: micro-lamports per compute unit (e.g.
    /// 5000) or a percentile of recent fees on the pool (p0 … p100).
    #[arg(long, env = "HOMEOSTAT_PRIORITY_FEE")]
    pub priority_fee: Option<String>,
    /// The most micro-lamports per compute unit ever paid.
    #[arg(long, env = "HOMEOSTAT_MAX_PRIORITY_FEE")]
    pub max_priority_fee: Option<u64>,
    /// Wait until a transaction is processed, confirmed or finalized.
    #[arg(long, env = "HOMEOSTAT_COMMITMENT")]
    pub commitment: Option<String>,
    /// Quoter (`--quoter`): the pool's quoter keypair file (signs `push_quote` and pays
    /// its fees); never the `--keypair` or the Solana CLI's, so no other key signs quotes.
    #[arg(long, env = "HOMEOSTAT_QUOTER_KEYPAIR")]
    pub quoter_keypair: Option<String>,
    /// Quoter: its journal of the sequence numbers it has used (SQLite file; created if
    /// missing).
    #[arg(long, env = "HOMEOSTAT_QUOTER_JOURNAL")]
    pub quoter_journal: Option<PathBuf>,
    /// Quoter: milliseconds between pushes.
    #[arg(long, env = "HOMEOSTAT_QUOTER_INTERVAL_MS")]
    pub quoter_interval_ms: Option<u64>,
    /// Quoter: slots a pushed price stays valid (`valid_until` = the cluster's slot plus
    /// this): how long the pool keeps a quote once the quoter stops.
    #[arg(long, env = "HOMEOSTAT_QUOTER_VALID_SLOTS")]
    pub quoter_valid_slots: Option<u64>,
    /// Quoter: basis points of the mid added below the venue's bid.
    #[arg(long, env = "HOMEOSTAT_QUOTER_BID_OFFSET_BPS")]
    pub quoter_bid_offset_bps: Option<u32>,
    /// Quoter: basis points of the mid added above the venue's ask.
    #[arg(long, env = "HOMEOSTAT_QUOTER_ASK_OFFSET_BPS")]
    pub quoter_ask_offset_bps: Option<u32>,
    /// Quoter: the oldest venue book it pushes from, milliseconds; older (or no book), it
    /// stops pushing and the pool's quote expires.
    #[arg(long, env = "HOMEOSTAT_QUOTER_MAX_BOOK_AGE_MS")]
    pub quoter_max_book_age_ms: Option<u64>,
    /// Quoter: the compute-unit limit of a push (`push_quote`'s budget plus the two
    /// compute-budget instructions'); the priority fee is paid on it.
    #[arg(long, env = "HOMEOSTAT_QUOTER_COMPUTE_UNIT_LIMIT")]
    pub quoter_compute_unit_limit: Option<u32>,
    /// How --dry-run prints its report: `json-compact` (one JSON line per pool), `json` or
    /// `display` (indented `name: value` lines).
    #[arg(long, value_enum, env = "HOMEOSTAT_OUTPUT")]
    pub output: Option<crate::output::Output>,
    /// The pools one keeper serves: the `--config` file's `[[pools]]` tables, each with
    /// any setting but the process's own (log, log_format, metrics_addr,
    /// health_intervals) over the file's top level ([`Settings::pools`]).
    #[arg(skip)]
    #[serde(default)]
    pub pools: Vec<Settings>,
}

impl Settings {
    /// These settings over the `--config` file's (if any), over [`Settings::defaults`].
    pub fn resolve(self, file: Option<&Path>) -> Result<Self, SettingsError> {
        self.resolve_over(file, SolanaConfig::default())
    }

    /// These settings over the `--config` file's (if any), over the Solana CLI's
    /// configuration (`solana`: the cluster, keypair and commitment the `solana` command
    /// uses), over [`Settings::defaults`].
    pub fn resolve_over(
        self,
        file: Option<&Path>,
        solana: SolanaConfig,
    ) -> Result<Self, SettingsError> {
        let from_file = match file {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| SettingsError::Unreadable {
                        path: path.to_path_buf(),
                        source,
                    })?;
                toml::from_str::<Self>(&text).map_err(|source| SettingsError::Malformed {
                    path: path.to_path_buf(),
                    source: Box::new(source),
                })?
            }
            None => Self::default(),
        };
        let solana = Self {
            url: solana.json_rpc_url,
            keypair: solana.keypair_path,
            commitment: solana.commitment,
            ..Self::default()
        };
        let settings = self.or(from_file).or(solana).or(Self::defaults());
        settings.check()?;
        // The pool tables, checked before anything starts.
        settings.pools()?;
        Ok(settings)
    }

    /// `self` where set, else `fallback`.
    pub fn or(self, fallback: Self) -> Self {
        Self {
            url: self.url.or(fallback.url),
            keypair: self.keypair.or(fallback.keypair),
            pool: self.pool.or(fallback.pool),
            oracle: self.oracle.or(fallback.oracle),
            quote_oracle: self.quote_oracle.or(fallback.quote_oracle),
            journal: self.journal.or(fallback.journal),
            interval_secs: self.interval_secs.or(fallback.interval_secs),
            min_order_base: self.min_order_base.or(fallback.min_order_base),
            max_order_base: self.max_order_base.or(fallback.max_order_base),
            retry_attempts: self.retry_attempts.or(fallback.retry_attempts),
            retry_initial_ms: self.retry_initial_ms.or(fallback.retry_initial_ms),
            venue: self.venue.or(fallback.venue),
            paper_fee_bps: self.paper_fee_bps.or(fallback.paper_fee_bps),
            paper_slippage_bps: self.paper_slippage_bps.or(fallback.paper_slippage_bps),
            binance_url: self.binance_url.or(fallback.binance_url),
            binance_api_key: self.binance_api_key.or(fallback.binance_api_key),
            binance_api_secret: self.binance_api_secret.or(fallback.binance_api_secret),
            binance_symbol: self.binance_symbol.or(fallback.binance_symbol),
            binance_quantity_step: self
                .binance_quantity_step
                .or(fallback.binance_quantity_step),
            binance_taker_fee_bps: self
                .binance_taker_fee_bps
                .or(fallback.binance_taker_fee_bps),
            binance_commission_asset: self
                .binance_commission_asset
                .or(fallback.binance_commission_asset),
            binance_recv_window_ms: self
                .binance_recv_window_ms
                .or(fallback.binance_recv_window_ms),
            hyperliquid_url: self.hyperliquid_url.or(fallback.hyperliquid_url),
            hyperliquid_chain: self.hyperliquid_chain.or(fallback.hyperliquid_chain),
            hyperliquid_secret_key: self
                .hyperliquid_secret_key
                .or(fallback.hyperliquid_secret_key),
            hyperliquid_account: self.hyperliquid_account.or(fallback.hyperliquid_account),
            hyperliquid_coin: self.hyperliquid_coin.or(fallback.hyperliquid_coin),
            hyperliquid_slippage_bps: self
                .hyperliquid_slippage_bps
                .or(fallback.hyperliquid_slippage_bps),
            hyperliquid_taker_fee_bps: self
                .hyperliquid_taker_fee_bps
                .or(fallback.hyperliquid_taker_fee_bps),
            position_tolerance_base: self
                .position_tolerance_base
                .or(fallback.position_tolerance_base),
            max_failures: self.max_failures.or(fallback.max_failures),
            log: self.log.or(fallback.log),
            log_format: self.log_format.or(fallback.log_format),
            metrics_addr: self.metrics_addr.or(fallback.metrics_addr),
            health_intervals: self.health_intervals.or(fallback.health_intervals),
            priority_fee: self.priority_fee.or(fallback.priority_fee),
            max_priority_fee: self.max_priority_fee.or(fallback.max_priority_fee),
            commitment: self.commitment.or(fallback.commitment),
            output: self.output.or(fallback.output),
            quoter_keypair: self.quoter_keypair.or(fallback.quoter_keypair),
            quoter_journal: self.quoter_journal.or(fallback.quoter_journal),
            quoter_interval_ms: self.quoter_interval_ms.or(fallback.quoter_interval_ms),
            quoter_valid_slots: self.quoter_valid_slots.or(fallback.quoter_valid_slots),
            quoter_bid_offset_bps: self
                .quoter_bid_offset_bps
                .or(fallback.quoter_bid_offset_bps),
            quoter_ask_offset_bps: self
                .quoter_ask_offset_bps
                .or(fallback.quoter_ask_offset_bps),
            quoter_max_book_age_ms: self
                .quoter_max_book_age_ms
                .or(fallback.quoter_max_book_age_ms),
            quoter_compute_unit_limit: self
                .quoter_compute_unit_limit
                .or(fallback.quoter_compute_unit_limit),
            pools: if self.pools.is_empty() {
                fallback.pools
            } else {
                self.pools
            },
        }
    }

    /// The retry policy: `retry_attempts` tries (at least one), the first delay
    /// `retry_initial_ms`, doubling up to the default ceiling.
    pub fn backoff(&self) -> Backoff {
        let default = Backoff::default();
        Backoff {
            attempts: self.retry_attempts.unwrap_or(default.attempts).max(1),
            initial: self
                .retry_initial_ms
                .map_or(default.initial, Duration::from_millis),
            max: default.max,
        }
    }

    /// How transactions are sent: `priority_fee` under `max_priority_fee`, confirmed at
    /// `commitment`; errors name the setting.
    pub fn landing(&self) -> Result<Landing, SettingsError> {
        let mut landing = Landing::default();
        if let Some(fee) = &self.priority_fee {
            landing.priority_fee = fee.parse().map_err(|error| SettingsError::Unparsable {
                name: "priority-fee",
                source: Box::new(error),
            })?;
        }
        if let Some(cap) = self.max_priority_fee {
            landing.max_priority_fee = cap;
        }
        if let Some(commitment) = &self.commitment {
            landing.commitment = commitment
                .parse()
                .map_err(|error| SettingsError::Unparsable {
                    name: "commitment",
                    source: Box::new(error),
                })?;
        }
        Ok(landing)
    }

    /// The hedge sizing: `min_order_base` up to `max_order_base` (none: no limit).
    pub fn planner(&self) -> PlannerConfig {
        PlannerConfig {
            min_order_base: self.min_order_base.unwrap_or(0),
            max_order_base: self.max_order_base.unwrap_or(u64::MAX),
        }
    }
}

/// The values `--venue` takes.
pub const VENUES: [&str; 3] = ["paper", "binance", "hyperliquid"];

/// The values `--log` takes.
pub const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
/// The values `--log-format` takes.
pub const LOG_FORMATS: [&str; 2] = ["text", "json"];

/// `value`, or the error a user reads when no flag, variable, file or default set it.
pub fn required<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T, SettingsError> {
    value.as_ref().ok_or_else(|| SettingsError::Required {
        name: name.to_string(),
    })
}
