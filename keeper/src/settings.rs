//! The keeper's settings: one struct read from flags, environment, a TOML file and one
//! defaults table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use homeostat_sdk::cli_conventions::DEFAULT_KEYPAIR;
use homeostat_sdk::landing::Landing;
use serde::Deserialize;

use crate::planner::PlannerConfig;
use crate::retry::Backoff;
use crate::solana_config::SolanaConfig;

/// The keeper's settings. Every field is optional: a run takes each from, in order, a
/// command-line flag, its environment variable, the `--config` TOML file (same names, `_`
/// for `-`), then [`Settings::defaults`]; a setting none of them gives is required.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// JSON-RPC URL or moniker (mainnet-beta, devnet, testnet, localhost) [default: the
    /// Solana CLI config's json_rpc_url, else localhost].
    #[arg(short = 'u', long, env = "HOMEOSTAT_URL")]
    pub url: Option<String>,
    /// The keeper authority's keypair file (signs and pays) [default: the Solana CLI
    /// config's keypair_path, else ~/.config/solana/id.json].
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
    /// The journal (SQLite file; created if missing) [default: keeper.sqlite].
    #[arg(long, env = "HOMEOSTAT_KEEPER_JOURNAL")]
    pub journal: Option<PathBuf>,
    /// Seconds between steps [default: 10].
    #[arg(long, env = "HOMEOSTAT_KEEPER_INTERVAL_SECS")]
    pub interval_secs: Option<u64>,
    /// Smallest hedge worth the venue's fee, base atoms; smaller requests are closed with
    /// a zero fill [default: 0].
    #[arg(long, env = "HOMEOSTAT_KEEPER_MIN_ORDER_BASE")]
    pub min_order_base: Option<u64>,
    /// Largest hedge per request, base atoms [default: no limit].
    #[arg(long, env = "HOMEOSTAT_KEEPER_MAX_ORDER_BASE")]
    pub max_order_base: Option<u64>,
    /// Tries per RPC or venue call before giving up on a transient failure [default: 6].
    #[arg(long, env = "HOMEOSTAT_KEEPER_RETRY_ATTEMPTS")]
    pub retry_attempts: Option<u32>,
    /// First retry delay, milliseconds; doubles up to 10 s [default: 250].
    #[arg(long, env = "HOMEOSTAT_KEEPER_RETRY_INITIAL_MS")]
    pub retry_initial_ms: Option<u64>,
    /// `paper` (simulated fills), `binance` (USDⓈ-M perpetual futures) or `hyperliquid`
    /// (perpetuals) [default: paper].
    #[arg(long, env = "HOMEOSTAT_KEEPER_VENUE")]
    pub venue: Option<String>,
    /// Paper venue: fee, basis points of the notional [default: 5].
    #[arg(long, env = "HOMEOSTAT_KEEPER_PAPER_FEE_BPS")]
    pub paper_fee_bps: Option<u32>,
    /// Paper venue: price moved against the keeper, basis points [default: 2].
    #[arg(long, env = "HOMEOSTAT_KEEPER_PAPER_SLIPPAGE_BPS")]
    pub paper_slippage_bps: Option<u32>,
    /// Binance: REST base URL [default: https://fapi.binance.com].
    #[arg(long, env = "BINANCE_FUTURES_URL")]
    pub binance_url: Option<String>,
    /// Binance: API key.
    #[arg(long, env = "BINANCE_API_KEY", hide_env_values = true)]
    pub binance_api_key: Option<String>,
    /// Binance: API secret (prefer the environment variable to the flag).
    #[arg(long, env = "BINANCE_API_SECRET", hide_env_values = true)]
    pub binance_api_secret: Option<String>,
    /// Binance: perpetual symbol hedging the pool's base [default: SOLUSDT].
    #[arg(long, env = "BINANCE_SYMBOL")]
    pub binance_symbol: Option<String>,
    /// Binance: the symbol's quantity step (LOT_SIZE), base atoms [default: 10000000].
    #[arg(long, env = "BINANCE_QUANTITY_STEP")]
    pub binance_quantity_step: Option<u64>,
    /// Binance: taker fee estimate, basis points, for fills whose commission cannot be
    /// read [default: 5].
    #[arg(long, env = "BINANCE_TAKER_FEE_BPS")]
    pub binance_taker_fee_bps: Option<u32>,
    /// Binance: the asset commissions are read in, the symbol's quote asset; a commission
    /// in any other (BNB) falls back to the estimate [default: USDT].
    #[arg(long, env = "BINANCE_COMMISSION_ASSET")]
    pub binance_commission_asset: Option<String>,
    /// Binance: recvWindow, milliseconds [default: 5000].
    #[arg(long, env = "BINANCE_RECV_WINDOW_MS")]
    pub binance_recv_window_ms: Option<u64>,
    /// Hyperliquid: API base URL [default: https://api.hyperliquid.xyz].
    #[arg(long, env = "HYPERLIQUID_URL")]
    pub hyperliquid_url: Option<String>,
    /// Hyperliquid: `mainnet` or `testnet`, the chain signatures are for (testnet's URL is
    /// https://api.hyperliquid-testnet.xyz) [default: mainnet].
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
    /// Hyperliquid: the perpetual hedging the pool's base [default: SOL].
    #[arg(long, env = "HYPERLIQUID_COIN")]
    pub hyperliquid_coin: Option<String>,
    /// Hyperliquid: how far through the oracle price the IOC limit is set, basis points
    /// [default: 50].
    #[arg(long, env = "HYPERLIQUID_SLIPPAGE_BPS")]
    pub hyperliquid_slippage_bps: Option<u32>,
    /// Hyperliquid: taker fee estimate, basis points, for fills whose fee cannot be read
    /// [default: 5].
    #[arg(long, env = "HYPERLIQUID_TAKER_FEE_BPS")]
    pub hyperliquid_taker_fee_bps: Option<u32>,
    /// Largest difference between the venue account's position and the pool's recorded
    /// hedge, base atoms, before the keeper stops (checked at start and after every hedge;
    /// raise it if the account also trades other things) [default: 0].
    #[arg(long, env = "HOMEOSTAT_KEEPER_POSITION_TOLERANCE_BASE")]
    pub position_tolerance_base: Option<u64>,
    /// Consecutive failed steps after which the keeper exits non-zero, so a supervisor
    /// notices (0: never) [default: 10].
    #[arg(long, env = "HOMEOSTAT_KEEPER_MAX_FAILURES")]
    pub max_failures: Option<u32>,
    /// Log level: error, warn, info, debug or trace; the HTTP libraries (reqwest, hyper,
    /// h2, rustls) log at warn at most [default: info].
    #[arg(long, env = "HOMEOSTAT_LOG")]
    pub log: Option<String>,
    /// Log format: `text` (one line per event) or `json` (one JSON object per line)
    /// [default: text].
    #[arg(long, env = "HOMEOSTAT_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Serve Prometheus metrics at /metrics and a health check at /health on this address
    /// (e.g. 127.0.0.1:9464) while the keeper loops (not with --once or --dry-run)
    /// [default: off].
    #[arg(long, env = "HOMEOSTAT_KEEPER_METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// /health answers 200 while the last successful step ended within this many
    /// --interval-secs, 503 otherwise [default: 3].
    #[arg(long, env = "HOMEOSTAT_KEEPER_HEALTH_INTERVALS")]
    pub health_intervals: Option<u32>,
    /// Compute-unit price of the keeper's transactions: micro-lamports per compute unit
    /// (e.g. 5000) or a percentile of recent fees on the pool (p0 … p100) [default: p75].
    #[arg(long, env = "HOMEOSTAT_PRIORITY_FEE")]
    pub priority_fee: Option<String>,
    /// The most micro-lamports per compute unit ever paid [default: 1000000].
    #[arg(long, env = "HOMEOSTAT_MAX_PRIORITY_FEE")]
    pub max_priority_fee: Option<u64>,
    /// Wait until a transaction is processed, confirmed or finalized [default: the Solana
    /// CLI config's commitment, else confirmed].
    #[arg(long, env = "HOMEOSTAT_COMMITMENT")]
    pub commitment: Option<String>,
    /// How --dry-run prints its report: `json-compact` (one JSON line per pool), `json`
    /// or `display` (indented `name: value` lines) [default: json-compact].
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
    /// The one defaults table: what a setting is when no flag, variable or file sets it.
    /// Settings absent here (pool, oracle, API keys; `max_order_base` and `quote_oracle`,
    /// where absence means "no limit" and "one feed") have no default.
    pub fn defaults() -> Self {
        Self {
            url: Some("localhost".into()),
            keypair: Some(DEFAULT_KEYPAIR.into()),
            journal: Some(PathBuf::from("keeper.sqlite")),
            interval_secs: Some(10),
            min_order_base: Some(0),
            retry_attempts: Some(Backoff::default().attempts),
            retry_initial_ms: Some(250),
            venue: Some("paper".into()),
            paper_fee_bps: Some(5),
            paper_slippage_bps: Some(2),
            binance_url: Some("https://fapi.binance.com".into()),
            binance_symbol: Some("SOLUSDT".into()),
            binance_quantity_step: Some(10_000_000),
            binance_taker_fee_bps: Some(5),
            binance_commission_asset: Some("USDT".into()),
            binance_recv_window_ms: Some(5_000),
            hyperliquid_url: Some(crate::hyperliquid::MAINNET_URL.into()),
            hyperliquid_chain: Some("mainnet".into()),
            hyperliquid_coin: Some("SOL".into()),
            hyperliquid_slippage_bps: Some(50),
            hyperliquid_taker_fee_bps: Some(5),
            position_tolerance_base: Some(0),
            max_failures: Some(10),
            log: Some("info".into()),
            log_format: Some("text".into()),
            health_intervals: Some(3),
            // A rebalance that lands late hedges a stale delta: above the median.
            priority_fee: Some("p75".into()),
            max_priority_fee: Some(1_000_000),
            commitment: Some("confirmed".into()),
            // The keeper's report is for a supervisor or a script first.
            output: Some(crate::output::Output::JsonCompact),
            ..Self::default()
        }
    }

    /// These settings over the `--config` file's (if any), over [`Settings::defaults`].
    pub fn resolve(self, file: Option<&Path>) -> Result<Self, String> {
        self.resolve_over(file, SolanaConfig::default())
    }

    /// These settings over the `--config` file's (if any), over the Solana CLI's
    /// configuration (`solana`: the cluster, keypair and commitment the `solana` command
    /// uses), over [`Settings::defaults`].
    pub fn resolve_over(self, file: Option<&Path>, solana: SolanaConfig) -> Result<Self, String> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|error| format!("{}: {error}", path.display()))?;
                toml::from_str::<Self>(&text)
                    .map_err(|error| format!("{}: {error}", path.display()))?
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

    /// Every numeric setting within its range, named with it when not: the review found
    /// a 200 % paper fee, `min-order-base` above `max-order-base` and interval 0 accepted.
    pub fn check(&self) -> Result<(), String> {
        fn within(name: &str, value: Option<u64>, low: u64, high: u64) -> Result<(), String> {
            match value {
                Some(value) if !(low..=high).contains(&value) => {
                    Err(format!("--{name} {value}: must be in [{low}, {high}]"))
                }
                _ => Ok(()),
            }
        }
        let bps = |value: Option<u32>| value.map(u64::from);
        within("interval-secs", self.interval_secs, 1, 86_400)?;
        within("retry-attempts", self.retry_attempts.map(u64::from), 1, 100)?;
        within("retry-initial-ms", self.retry_initial_ms, 1, 60_000)?;
        within("paper-fee-bps", bps(self.paper_fee_bps), 0, 1_000)?;
        within("paper-slippage-bps", bps(self.paper_slippage_bps), 0, 1_000)?;
        within(
            "binance-taker-fee-bps",
            bps(self.binance_taker_fee_bps),
            0,
            1_000,
        )?;
        within(
            "binance-quantity-step",
            self.binance_quantity_step,
            1,
            u64::MAX,
        )?;
        // Binance refuses a recvWindow above 60 000 ms.
        within(
            "binance-recv-window-ms",
            self.binance_recv_window_ms,
            1,
            60_000,
        )?;
        within(
            "health-intervals",
            self.health_intervals.map(u64::from),
            1,
            1_000,
        )?;
        // An IOC limit at the oracle price itself would rarely fill.
        within(
            "hyperliquid-slippage-bps",
            bps(self.hyperliquid_slippage_bps),
            1,
            1_000,
        )?;
        within(
            "hyperliquid-taker-fee-bps",
            bps(self.hyperliquid_taker_fee_bps),
            0,
            1_000,
        )?;
        one_of("venue", self.venue.as_deref(), &VENUES)?;
        one_of(
            "hyperliquid-chain",
            self.hyperliquid_chain.as_deref(),
            &["mainnet", "testnet"],
        )?;
        one_of("log", self.log.as_deref(), &LOG_LEVELS)?;
        // The fee and commitment parse as the CLI's do, with the CLI's messages.
        self.landing()?;
        one_of("log-format", self.log_format.as_deref(), &LOG_FORMATS)?;
        if let (Some(min), Some(max)) = (self.min_order_base, self.max_order_base) {
            if min > max {
                return Err(format!(
                    "--min-order-base {min} is above --max-order-base {max}: no hedge could be placed"
                ));
            }
        }
        Ok(())
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
            pools: if self.pools.is_empty() {
                fallback.pools
            } else {
                self.pools
            },
        }
    }

    /// The settings of each pool this keeper serves, resolved: without `[[pools]]`, these
    /// settings; with them, each table over these settings (its journal, if it names
    /// none, `<journal stem>.<pool>.<extension>` beside `journal`), or — when `pool` is
    /// set too (a flag, for a drill on one pool) — only that pool's table. Refused: a
    /// table without `pool` or with a process-wide setting, a pool served twice, two
    /// pools on one journal or hedging one venue symbol (each position check would see
    /// the other's hedge).
    pub fn pools(&self) -> Result<Vec<Settings>, String> {
        if self.pools.is_empty() {
            return Ok(vec![self.clone()]);
        }
        let top = Self {
            pools: Vec::new(),
            pool: None,
            ..self.clone()
        };
        let mut resolved: Vec<Settings> = Vec::new();
        for (index, entry) in self.pools.iter().enumerate() {
            let name = |setting: &str| format!("[[pools]] #{}: {setting}", index + 1);
            let pool = entry
                .pool
                .clone()
                .ok_or_else(|| format!("{}: every pool table needs `pool`", name("pool")))?;
            for (setting, set) in [
                ("log", entry.log.is_some()),
                ("log_format", entry.log_format.is_some()),
                ("metrics_addr", entry.metrics_addr.is_some()),
                ("health_intervals", entry.health_intervals.is_some()),
                ("output", entry.output.is_some()),
                ("pools", !entry.pools.is_empty()),
            ] {
                if set {
                    return Err(format!(
                        "{}: `{setting}` is the whole process's; set it at the file's top level",
                        name(setting)
                    ));
                }
            }
            let journal = entry.journal.clone().or_else(|| {
                top.journal
                    .as_deref()
                    .map(|journal| journal_of(journal, &pool))
            });
            let settings = Self {
                journal,
                ..entry.clone()
            }
            .or(top.clone());
            settings
                .check()
                .map_err(|error| format!("{}: {error}", name(&pool)))?;
            for other in &resolved {
                let clash = if other.pool == settings.pool {
                    Some("is listed twice")
                } else if other.journal == settings.journal {
                    Some("shares its journal with another pool")
                } else if settings.venue.as_deref() != Some("paper")
                    && other.venue == settings.venue
                    && other.venue_symbol() == settings.venue_symbol()
                {
                    Some("hedges the same venue symbol as another pool")
                } else {
                    None
                };
                if let Some(clash) = clash {
                    return Err(format!(
                        "pool {pool} {clash} ({}): one journal, venue account and symbol per pool",
                        other.pool.as_deref().unwrap_or_default()
                    ));
                }
            }
            resolved.push(settings);
        }
        match &self.pool {
            Some(pool) => resolved
                .into_iter()
                .find(|settings| settings.pool.as_deref() == Some(pool))
                .map(|settings| vec![settings])
                .ok_or_else(|| format!("--pool {pool} is not among the file's [[pools]]")),
            None => Ok(resolved),
        }
    }

    /// What the venue hedges this pool with: the symbol (or coin) and the account.
    fn venue_symbol(&self) -> Option<(&str, Option<&str>)> {
        match self.venue.as_deref() {
            Some("binance") => Some((
                self.binance_symbol.as_deref()?,
                self.binance_api_key.as_deref(),
            )),
            Some("hyperliquid") => Some((
                self.hyperliquid_coin.as_deref()?,
                self.hyperliquid_account
                    .as_deref()
                    .or(self.hyperliquid_secret_key.as_deref()),
            )),
            _ => None,
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
    pub fn landing(&self) -> Result<Landing, String> {
        let mut landing = Landing::default();
        if let Some(fee) = &self.priority_fee {
            landing.priority_fee = fee
                .parse()
                .map_err(|error| format!("--priority-fee: {error}"))?;
        }
        if let Some(cap) = self.max_priority_fee {
            landing.max_priority_fee = cap;
        }
        if let Some(commitment) = &self.commitment {
            landing.commitment = commitment
                .parse()
                .map_err(|error| format!("--commitment: {error}"))?;
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

/// Pool `pool`'s journal in a keeper of many pools whose `journal` is `base`: its own
/// file beside it, `keeper.sqlite` → `keeper.<pool>.sqlite`.
pub fn journal_of(base: &Path, pool: &str) -> PathBuf {
    let stem = base.file_stem().map_or_else(
        || "keeper".into(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    let name = match base.extension() {
        Some(extension) => format!("{stem}.{pool}.{}", extension.to_string_lossy()),
        None => format!("{stem}.{pool}"),
    };
    base.with_file_name(name)
}

/// The values `--venue` takes.
pub const VENUES: [&str; 3] = ["paper", "binance", "hyperliquid"];

/// The values `--log` takes.
pub const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
/// The values `--log-format` takes.
pub const LOG_FORMATS: [&str; 2] = ["text", "json"];

/// `value` unless it is set to something outside `allowed`, named with them.
fn one_of(name: &str, value: Option<&str>, allowed: &[&str]) -> Result<(), String> {
    match value {
        Some(value) if !allowed.contains(&value) => Err(format!(
            "--{name} `{value}`: must be one of {}",
            allowed.join(", ")
        )),
        _ => Ok(()),
    }
}

/// `value`, or the error a user reads when no flag, variable, file or default set it.
pub fn required<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T, String> {
    value
        .as_ref()
        .ok_or_else(|| format!("--{name} is required (flag, environment variable or config file)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Command};

    #[test]
    fn the_help_states_every_default_of_the_table() {
        let help = Settings::augment_args(Command::new("keeper"))
            .render_long_help()
            .to_string();
        let defaults = Settings::defaults();
        let shown = [
            (
                "journal",
                defaults
                    .journal
                    .as_ref()
                    .map(|path| path.display().to_string()),
            ),
            (
                "interval-secs",
                defaults.interval_secs.map(|v| v.to_string()),
            ),
            (
                "min-order-base",
                defaults.min_order_base.map(|v| v.to_string()),
            ),
            (
                "retry-attempts",
                defaults.retry_attempts.map(|v| v.to_string()),
            ),
            (
                "retry-initial-ms",
                defaults.retry_initial_ms.map(|v| v.to_string()),
            ),
            ("venue", defaults.venue.clone()),
            ("max-failures", defaults.max_failures.map(|v| v.to_string())),
            (
                "paper-fee-bps",
                defaults.paper_fee_bps.map(|v| v.to_string()),
            ),
            (
                "paper-slippage-bps",
                defaults.paper_slippage_bps.map(|v| v.to_string()),
            ),
            ("binance-url", defaults.binance_url.clone()),
            ("binance-symbol", defaults.binance_symbol.clone()),
            (
                "binance-quantity-step",
                defaults.binance_quantity_step.map(|v| v.to_string()),
            ),
            (
                "binance-taker-fee-bps",
                defaults.binance_taker_fee_bps.map(|v| v.to_string()),
            ),
            (
                "binance-commission-asset",
                defaults.binance_commission_asset.clone(),
            ),
            (
                "binance-recv-window-ms",
                defaults.binance_recv_window_ms.map(|v| v.to_string()),
            ),
            (
                "position-tolerance-base",
                defaults.position_tolerance_base.map(|v| v.to_string()),
            ),
            ("hyperliquid-url", defaults.hyperliquid_url.clone()),
            ("hyperliquid-chain", defaults.hyperliquid_chain.clone()),
            ("hyperliquid-coin", defaults.hyperliquid_coin.clone()),
            (
                "hyperliquid-slippage-bps",
                defaults.hyperliquid_slippage_bps.map(|v| v.to_string()),
            ),
            (
                "hyperliquid-taker-fee-bps",
                defaults.hyperliquid_taker_fee_bps.map(|v| v.to_string()),
            ),
            ("log", defaults.log.clone()),
            ("log-format", defaults.log_format.clone()),
            (
                "health-intervals",
                defaults.health_intervals.map(|v| v.to_string()),
            ),
        ];
        for (flag, value) in shown {
            let value = value.expect("a default");
            let section = help
                .split(&format!("--{flag} <"))
                .nth(1)
                .unwrap_or_else(|| panic!("--{flag} in the help"));
            let section = section.split("\n      --").next().unwrap_or(section);
            assert!(
                section.contains(&format!("[default: {value}]")),
                "--{flag}: the help must say [default: {value}]:\n{section}"
            );
        }
        // The cluster, keypair and commitment: the Solana CLI's config, then the table.
        let normalized = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for (setting, value) in [
            ("json_rpc_url", defaults.url.clone()),
            ("keypair_path", Some(DEFAULT_KEYPAIR.into())),
            ("commitment", defaults.commitment.clone()),
        ] {
            let value = value.expect("a default");
            let shown = format!("[default: the Solana CLI config's {setting}, else {value}]");
            assert!(normalized.contains(&shown), "{shown} in the help");
        }
        assert!(DEFAULT_KEYPAIR.ends_with(".config/solana/id.json"));
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_the_defaults() {
        let folder = std::env::temp_dir().join(format!("keeper-settings-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("keeper.toml");
        std::fs::write(&file, "interval_secs = 3\nvenue = \"binance\"\n").unwrap();
        let flags = Settings {
            venue: Some("paper".into()),
            ..Settings::default()
        };
        let resolved = flags.resolve(Some(&file)).unwrap();
        assert_eq!(resolved.venue.as_deref(), Some("paper"), "the flag");
        assert_eq!(resolved.interval_secs, Some(3), "the file");
        assert_eq!(resolved.retry_initial_ms, Some(250), "the default");
        assert_eq!(resolved.pool, None, "no default");
        assert_eq!(
            required(&resolved.pool, "pool").unwrap_err(),
            "--pool is required (flag, environment variable or config file)"
        );
        std::fs::write(&file, "intervall_secs = 3\n").unwrap();
        let error = Settings::default().resolve(Some(&file)).unwrap_err();
        assert!(error.contains("unknown field `intervall_secs`"), "{error}");
    }
}

#[cfg(test)]
mod ranges {
    use super::*;

    #[test]
    fn every_setting_out_of_its_range_is_named() {
        let cases: [(Settings, &str); 8] = [
            (
                Settings {
                    health_intervals: Some(0),
                    ..Settings::default()
                },
                "--health-intervals 0: must be in [1, 1000]",
            ),
            (
                Settings {
                    log: Some("verbose".into()),
                    ..Settings::default()
                },
                "--log `verbose`: must be one of error, warn, info, debug, trace",
            ),
            (
                Settings {
                    log_format: Some("xml".into()),
                    ..Settings::default()
                },
                "--log-format `xml`: must be one of text, json",
            ),
            (
                Settings {
                    paper_fee_bps: Some(20_000),
                    ..Settings::default()
                },
                "--paper-fee-bps 20000: must be in [0, 1000]",
            ),
            (
                Settings {
                    interval_secs: Some(0),
                    ..Settings::default()
                },
                "--interval-secs 0: must be in [1, 86400]",
            ),
            (
                Settings {
                    min_order_base: Some(10),
                    max_order_base: Some(5),
                    ..Settings::default()
                },
                "--min-order-base 10 is above --max-order-base 5",
            ),
            (
                Settings {
                    retry_attempts: Some(0),
                    ..Settings::default()
                },
                "--retry-attempts 0",
            ),
            (
                Settings {
                    binance_recv_window_ms: Some(90_000),
                    ..Settings::default()
                },
                "--binance-recv-window-ms 90000",
            ),
        ];
        for (settings, expected) in cases {
            let error = settings.resolve(None).expect_err(expected);
            assert!(error.contains(expected), "{error}");
        }
        Settings::default()
            .resolve(None)
            .expect("the defaults are in range");
    }
}

#[cfg(test)]
mod pools {
    use super::*;

    /// `text` as a `--config` file resolved under no flags.
    fn resolved(text: &str) -> Result<Settings, String> {
        static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!("keeper-pools-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let number = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = folder.join(format!("{number}.toml"));
        std::fs::write(&file, text).unwrap();
        Settings::default().resolve(Some(&file))
    }

    const TWO: &str = "journal = \"/var/lib/k/keeper.sqlite\"\nvenue = \"binance\"\n\
        binance_api_key = \"k\"\nmin_order_base = 5\n\n\
        [[pools]]\npool = \"PoolA\"\noracle = \"OracleA\"\nbinance_symbol = \"SOLUSDT\"\n\n\
        [[pools]]\npool = \"PoolB\"\noracle = \"OracleB\"\nbinance_symbol = \"JTOUSDT\"\n\
        journal = \"/srv/b.sqlite\"\nmin_order_base = 7\n";

    #[test]
    fn each_pool_takes_the_top_level_under_its_own_settings() {
        let settings = resolved(TWO).unwrap();
        let pools = settings.pools().unwrap();
        assert_eq!(pools.len(), 2);
        let (a, b) = (&pools[0], &pools[1]);
        assert_eq!(a.pool.as_deref(), Some("PoolA"));
        assert_eq!(
            a.journal.as_deref(),
            Some(Path::new("/var/lib/k/keeper.PoolA.sqlite")),
            "its own journal beside the top level's"
        );
        assert_eq!(b.journal.as_deref(), Some(Path::new("/srv/b.sqlite")));
        assert_eq!((a.min_order_base, b.min_order_base), (Some(5), Some(7)));
        assert_eq!(a.binance_symbol.as_deref(), Some("SOLUSDT"));
        assert_eq!(b.binance_symbol.as_deref(), Some("JTOUSDT"));
        assert_eq!(b.interval_secs, Some(10), "the defaults under both");
        // `--pool` picks one table: a drill on one pool of the file.
        let one = Settings {
            pool: Some("PoolB".into()),
            ..settings.clone()
        };
        assert_eq!(one.pools().unwrap()[0].oracle.as_deref(), Some("OracleB"));
        let error = Settings {
            pool: Some("PoolC".into()),
            ..settings
        }
        .pools()
        .unwrap_err();
        assert!(error.contains("PoolC is not among"), "{error}");
        // Without tables: the one pool of the settings.
        let single = resolved("pool = \"P\"\n").unwrap().pools().unwrap();
        assert_eq!(
            single[0].journal.as_deref(),
            Some(Path::new("keeper.sqlite"))
        );
    }

    #[test]
    fn clashing_or_misplaced_pool_settings_are_refused() {
        let clash = |text: &str, expected: &str| {
            let error = resolved(text).unwrap_err();
            assert!(error.contains(expected), "{expected}: {error}");
        };
        clash(
            "[[pools]]\npool = \"A\"\n[[pools]]\npool = \"A\"\n",
            "pool A is listed twice",
        );
        clash(
            "[[pools]]\npool = \"A\"\njournal = \"j\"\n[[pools]]\npool = \"B\"\njournal = \"j\"\n",
            "shares its journal",
        );
        clash(
            "venue = \"binance\"\n[[pools]]\npool = \"A\"\n[[pools]]\npool = \"B\"\n",
            "hedges the same venue symbol",
        );
        clash(
            "[[pools]]\npool = \"A\"\nlog = \"debug\"\n",
            "`log` is the whole process's",
        );
        clash(
            "[[pools]]\noracle = \"O\"\n",
            "every pool table needs `pool`",
        );
        clash(
            "[[pools]]\npool = \"A\"\ninterval_secs = 0\n",
            "--interval-secs 0",
        );
        clash(
            "[[pools]]\npool = \"A\"\nvenu = \"paper\"\n",
            "unknown field `venu`",
        );
        // Paper venues keep no account: two may share a symbol.
        resolved("[[pools]]\npool = \"A\"\n[[pools]]\npool = \"B\"\n").unwrap();
    }

    #[test]
    fn a_pool_journal_sits_beside_the_base() {
        assert_eq!(
            journal_of(Path::new("/a/keeper.sqlite"), "P"),
            PathBuf::from("/a/keeper.P.sqlite")
        );
        assert_eq!(journal_of(Path::new("j"), "P"), PathBuf::from("j.P"));
    }
}
