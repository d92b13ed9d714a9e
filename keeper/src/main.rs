//! `homeostat-keeper`: hedges one pool's net delta on a venue and records it on chain.
//!
//! Every option comes from, in order of precedence: a command-line flag, its environment
//! variable, the `--config` TOML file (same names, with `_` for `-`), the default.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use clap::Parser;
use homeostat_keeper::binance::{Binance, BinanceConfig};
use homeostat_keeper::events::catch_up;
use homeostat_keeper::journal::Journal;
use homeostat_keeper::keeper::{Chain, Keeper, Step};
use homeostat_keeper::planner::HedgeOrder;
use homeostat_keeper::planner::{plan, HedgeRoom, PlannerConfig};
use homeostat_keeper::retry::Backoff;
use homeostat_keeper::rpc::{RpcChain, RpcEvents};
use homeostat_keeper::venue::{Fill, PaperVenue, Venue};
use homeostat_keeper::KeeperError;
use homeostat_sdk::cli_conventions::{read_keypair, resolve_url, DEFAULT_KEYPAIR};
use homeostat_sdk::instructions::Oracles;
use serde::Deserialize;
use serde_json::json;

/// Hedges a Homeostat pool's net delta: when it leaves the pool's band, sends `rebalance`,
/// hedges the requested amount on the venue, and records it with `record_hedge` — exactly
/// once per request, across crashes (SQLite journal). docs/keeper.md is the operations
/// guide.
#[derive(Debug, Parser)]
#[command(name = "homeostat-keeper", version, about, long_about = None)]
struct Cli {
    /// TOML file with any of the options below (flags and environment variables win).
    #[arg(long, env = "HOMEOSTAT_KEEPER_CONFIG")]
    config: Option<PathBuf>,
    /// Print what the keeper would do now (net delta, band, the order it would place, the
    /// venue account's position against the pool's record) as JSON, and exit without
    /// sending anything or touching the journal.
    #[arg(long)]
    dry_run: bool,
    /// Run one step (catch up on events, then rebalance/hedge/record if needed) and exit.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    settings: Settings,
}

/// The keeper's settings; every field is optional here and resolved against the file and
/// the defaults.
#[derive(Debug, Default, Clone, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// JSON-RPC URL or moniker (mainnet-beta, devnet, testnet, localhost) [default: localhost].
    #[arg(short = 'u', long, env = "HOMEOSTAT_URL")]
    url: Option<String>,
    /// The keeper authority's keypair file (signs and pays) [default: ~/.config/solana/id.json].
    #[arg(short = 'k', long, env = "HOMEOSTAT_KEYPAIR")]
    keypair: Option<String>,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: Option<String>,
    /// The Pyth PriceUpdateV2 account `rebalance` reads.
    #[arg(long, env = "HOMEOSTAT_ORACLE")]
    oracle: Option<String>,
    /// The quote token's USD PriceUpdateV2 account, for a pool priced by two feeds.
    #[arg(long, env = "HOMEOSTAT_QUOTE_ORACLE")]
    quote_oracle: Option<String>,
    /// The journal (SQLite file; created if missing) [default: keeper.sqlite].
    #[arg(long, env = "HOMEOSTAT_KEEPER_JOURNAL")]
    journal: Option<PathBuf>,
    /// Seconds between steps [default: 10].
    #[arg(long, env = "HOMEOSTAT_KEEPER_INTERVAL_SECS")]
    interval_secs: Option<u64>,
    /// Smallest hedge worth the venue's fee, base atoms; smaller requests are closed with
    /// a zero fill [default: 0].
    #[arg(long, env = "HOMEOSTAT_KEEPER_MIN_ORDER_BASE")]
    min_order_base: Option<u64>,
    /// Largest hedge per request, base atoms [default: no limit].
    #[arg(long, env = "HOMEOSTAT_KEEPER_MAX_ORDER_BASE")]
    max_order_base: Option<u64>,
    /// Tries per RPC or venue call before giving up on a transient failure [default: 6].
    #[arg(long, env = "HOMEOSTAT_KEEPER_RETRY_ATTEMPTS")]
    retry_attempts: Option<u32>,
    /// First retry delay, milliseconds; doubles up to 10 s [default: 250].
    #[arg(long, env = "HOMEOSTAT_KEEPER_RETRY_INITIAL_MS")]
    retry_initial_ms: Option<u64>,
    /// `paper` (simulated fills) or `binance` (USDⓈ-M perpetual futures) [default: paper].
    #[arg(long, env = "HOMEOSTAT_KEEPER_VENUE")]
    venue: Option<String>,
    /// Paper venue: fee, basis points of the notional [default: 5].
    #[arg(long, env = "HOMEOSTAT_KEEPER_PAPER_FEE_BPS")]
    paper_fee_bps: Option<u32>,
    /// Paper venue: price moved against the keeper, basis points [default: 2].
    #[arg(long, env = "HOMEOSTAT_KEEPER_PAPER_SLIPPAGE_BPS")]
    paper_slippage_bps: Option<u32>,
    /// Binance: REST base URL [default: https://fapi.binance.com].
    #[arg(long, env = "BINANCE_FUTURES_URL")]
    binance_url: Option<String>,
    /// Binance: API key.
    #[arg(long, env = "BINANCE_API_KEY", hide_env_values = true)]
    binance_api_key: Option<String>,
    /// Binance: API secret (prefer the environment variable to the flag).
    #[arg(long, env = "BINANCE_API_SECRET", hide_env_values = true)]
    binance_api_secret: Option<String>,
    /// Binance: perpetual symbol hedging the pool's base [default: SOLUSDT].
    #[arg(long, env = "BINANCE_SYMBOL")]
    binance_symbol: Option<String>,
    /// Binance: the symbol's quantity step (LOT_SIZE), base atoms [default: 10000000].
    #[arg(long, env = "BINANCE_QUANTITY_STEP")]
    binance_quantity_step: Option<u64>,
    /// Binance: taker fee estimate, basis points, for fills whose commission cannot be
    /// read [default: 5].
    #[arg(long, env = "BINANCE_TAKER_FEE_BPS")]
    binance_taker_fee_bps: Option<u32>,
    /// Binance: the asset commissions are read in, the symbol's quote asset; a commission
    /// in any other (BNB) falls back to the estimate [default: USDT].
    #[arg(long, env = "BINANCE_COMMISSION_ASSET")]
    binance_commission_asset: Option<String>,
    /// Binance: recvWindow, milliseconds [default: 5000].
    #[arg(long, env = "BINANCE_RECV_WINDOW_MS")]
    binance_recv_window_ms: Option<u64>,
    /// Largest difference between the venue account's position and the pool's recorded
    /// hedge, base atoms, before the keeper stops (checked at start and after every hedge;
    /// raise it if the account also trades other things) [default: 0].
    #[arg(long, env = "HOMEOSTAT_KEEPER_POSITION_TOLERANCE_BASE")]
    position_tolerance_base: Option<u64>,
    /// Log level: error, warn, info, debug or trace [default: info].
    #[arg(long, env = "HOMEOSTAT_LOG")]
    log: Option<String>,
}

impl Settings {
    /// `self` where set, else `fallback`.
    fn or(self, fallback: Self) -> Self {
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
            position_tolerance_base: self
                .position_tolerance_base
                .or(fallback.position_tolerance_base),
            log: self.log.or(fallback.log),
        }
    }

    fn backoff(&self) -> Backoff {
        let default = Backoff::default();
        Backoff {
            attempts: self.retry_attempts.unwrap_or(default.attempts).max(1),
            initial: self
                .retry_initial_ms
                .map_or(default.initial, Duration::from_millis),
            max: default.max,
        }
    }

    fn planner(&self) -> PlannerConfig {
        PlannerConfig {
            min_order_base: self.min_order_base.unwrap_or(0),
            max_order_base: self.max_order_base.unwrap_or(u64::MAX),
        }
    }
}

type Error = Box<dyn std::error::Error>;

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, Error> {
    value.as_deref().ok_or_else(|| {
        format!("--{name} is required (flag, environment variable or config file)").into()
    })
}

fn parse_key(name: &str, value: &str) -> Result<Pubkey, Error> {
    value
        .parse()
        .map_err(|_| format!("--{name}: `{value}` is not a base-58 public key").into())
}

/// The configured venue.
enum AnyVenue {
    Paper(PaperVenue),
    Binance(Box<Binance>),
}

impl Venue for AnyVenue {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: i128,
        lot: u64,
    ) -> homeostat_keeper::Result<Fill> {
        match self {
            Self::Paper(venue) => venue.execute(order, reference_price, lot).await,
            Self::Binance(venue) => venue.execute(order, reference_price, lot).await,
        }
    }

    async fn find(&mut self, client_id: &str, lot: u64) -> homeostat_keeper::Result<Option<Fill>> {
        match self {
            Self::Paper(venue) => venue.find(client_id, lot).await,
            Self::Binance(venue) => venue.find(client_id, lot).await,
        }
    }

    async fn position(&mut self) -> homeostat_keeper::Result<i128> {
        match self {
            Self::Paper(venue) => venue.position().await,
            Self::Binance(venue) => venue.position().await,
        }
    }
}

async fn venue(settings: &Settings, chain: &RpcChain) -> Result<AnyVenue, Error> {
    match settings.venue.as_deref().unwrap_or("paper") {
        "paper" => Ok(AnyVenue::Paper(PaperVenue::new(
            settings.paper_fee_bps.unwrap_or(5),
            settings.paper_slippage_bps.unwrap_or(2),
        ))),
        "binance" => {
            // Quantities and prices convert with the pool's mints' decimals.
            let pool = chain.client().liquidity().await?.pool;
            Ok(AnyVenue::Binance(Box::new(Binance::new(BinanceConfig {
                base_url: settings
                    .binance_url
                    .clone()
                    .unwrap_or_else(|| "https://fapi.binance.com".into()),
                api_key: required(&settings.binance_api_key, "binance-api-key")?.to_string(),
                api_secret: required(&settings.binance_api_secret, "binance-api-secret")?
                    .to_string(),
                symbol: settings
                    .binance_symbol
                    .clone()
                    .unwrap_or_else(|| "SOLUSDT".into()),
                base_decimals: pool.base_decimals,
                quote_decimals: pool.quote_decimals,
                quantity_step: settings.binance_quantity_step.unwrap_or(10_000_000),
                taker_fee_bps: settings.binance_taker_fee_bps.unwrap_or(5),
                commission_asset: settings
                    .binance_commission_asset
                    .clone()
                    .unwrap_or_else(|| "USDT".into()),
                recv_window_ms: settings.binance_recv_window_ms.unwrap_or(5_000),
                min_request_interval: Duration::from_millis(100),
                backoff: settings.backoff(),
            })?)))
        }
        other => Err(format!("--venue must be `paper` or `binance`, not `{other}`").into()),
    }
}

/// The dry run's look at the venue: the account's position against the pool's record (the
/// journal is not consulted), or why the venue could not be asked. A paper account has
/// nothing to ask: it starts at the pool's record.
async fn venue_check(mut venue: AnyVenue, hedge_position: i64) -> serde_json::Value {
    if let AnyVenue::Paper(_) = venue {
        return json!({ "name": "paper" });
    }
    let expected = -i128::from(hedge_position);
    match venue.position().await {
        Ok(position) => json!({
            "name": "binance",
            "position": position.to_string(),
            "expected_position": expected.to_string(),
            "matches": position == expected,
        }),
        Err(error) => json!({ "name": "binance", "error": error.to_string() }),
    }
}

/// The settings from the flags and environment, then the config file.
fn settings(cli: &Cli) -> Result<Settings, Error> {
    let file = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            toml::from_str::<Settings>(&text)
                .map_err(|error| format!("{}: {error}", path.display()))?
        }
        None => Settings::default(),
    };
    Ok(cli.settings.clone().or(file))
}

async fn run(cli: &Cli, settings: Settings) -> Result<(), Error> {
    let url = resolve_url(settings.url.as_deref().unwrap_or("localhost"));
    let pool = parse_key("pool", required(&settings.pool, "pool")?)?;
    let oracles = Oracles {
        oracle: parse_key("oracle", required(&settings.oracle, "oracle")?)?,
        quote_oracle: settings
            .quote_oracle
            .as_deref()
            .map(|key| parse_key("quote oracle", key))
            .transpose()?,
    };
    let keypair = read_keypair(settings.keypair.as_deref().unwrap_or(DEFAULT_KEYPAIR))?;
    let backoff = settings.backoff();
    let planner = settings.planner();
    let mut chain = RpcChain::connect(&url, pool, oracles, keypair, backoff).await?;
    chain.check_authority().await?;

    if cli.dry_run {
        let view = chain.view().await?;
        let out_of_band =
            view.unpriced.is_none() && view.net_delta.unsigned_abs() > u128::from(view.band);
        let order = plan(
            &chain.pool_id(),
            view.rebalance_seq + 1,
            view.net_delta,
            HedgeRoom::new(view.hedge_position, view.max_hedge_position),
            &planner,
        );
        let venue = venue(&settings, &chain).await?;
        let venue = venue_check(venue, view.hedge_position).await;
        println!(
            "{}",
            json!({
                "pool": pool.to_string(),
                "net_delta": view.net_delta.to_string(),
                "unpriced": view.unpriced,
                "band": view.band,
                "hedge_position": view.hedge_position,
                "pending_request": view.rebalance_seq > view.recorded_seq,
                "would_rebalance": out_of_band && view.seconds_until_rebalance == 0,
                "seconds_until_rebalance": view.seconds_until_rebalance,
                "order": order.filter(|_| out_of_band).map(|order| json!({
                    "seq": order.seq,
                    "client_id": order.client_id,
                    "side": order.side.as_str(),
                    "base": order.base,
                })),
                "venue": venue,
            })
        );
        return Ok(());
    }

    let journal_path = settings
        .journal
        .clone()
        .unwrap_or_else(|| PathBuf::from("keeper.sqlite"));
    let journal = Journal::open(&journal_path)?;
    let mut events = RpcEvents::new(&url, &chain, journal.cursor()?);
    let venue = venue(&settings, &chain).await?;
    let tolerance = settings.position_tolerance_base.unwrap_or(0);
    let interval = Duration::from_secs(settings.interval_secs.unwrap_or(10).max(1));
    tracing::info!(%pool, journal = %journal_path.display(), "keeper started");
    let mut keeper = Keeper::new(chain, venue, journal, planner);
    // A paper account keeps nothing between runs: it starts where the pool's record (and
    // the journal's fills on their way to it) says a real one would stand.
    if matches!(keeper.venue, AnyVenue::Paper(_)) {
        let position = keeper.expected_venue_position().await?;
        if let AnyVenue::Paper(paper) = &mut keeper.venue {
            *paper = std::mem::take(paper).with_position(position);
        }
    }
    let mut check_position = true;
    loop {
        match catch_up(&mut events, keeper.journal(), &pool).await {
            Ok(0) => {}
            Ok(applied) => tracing::info!(applied, "caught up on the pool's events"),
            Err(error) => tracing::warn!("event catch-up failed, retrying next step: {error}"),
        }
        match keeper.step().await {
            Ok(Step::Idle) => tracing::debug!("net delta within band"),
            Ok(Step::Waiting { seconds }) => tracing::info!(seconds, "out of band; rate-limited"),
            Ok(Step::Recorded { seq, filled_base }) => {
                tracing::info!(seq, filled_base, "request hedged and recorded");
                check_position = true;
            }
            Err(KeeperError::Journal(error)) => return Err(format!("journal: {error}").into()),
            // `--once` reports what the single step could not do.
            Err(error) if cli.once => return Err(format!("step failed: {error}").into()),
            Err(error) => tracing::warn!("step failed, resuming next step: {error}"),
        }
        if check_position {
            match keeper.reconcile().await {
                Ok(check) if check.difference().unsigned_abs() > u128::from(tolerance) => {
                    return Err(format!(
                        "the venue account holds {} base atoms but the pool's record implies {} \
                         (difference {}, tolerance {tolerance}): something else trades this \
                         account, or a fill was never recorded. Stopping; the journal is \
                         intact. See docs/keeper.md, \"Position check\".",
                        check.venue_position,
                        check.expected_position,
                        check.difference()
                    )
                    .into());
                }
                Ok(check) => {
                    check_position = false;
                    tracing::info!(position = %check.venue_position, "venue position matches the pool's record");
                }
                Err(error) => tracing::warn!("position check failed, retrying next step: {error}"),
            }
        }
        if cli.once {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("interrupted; the journal holds every unfinished request");
                return Ok(());
            }
            _ = terminated() => {
                tracing::info!("terminated; the journal holds every unfinished request");
                return Ok(());
            }
        }
    }
}

/// Resolves when the process receives SIGTERM (a service manager's stop): the loop then
/// ends between steps, as on Ctrl-C. Never resolves where there is no such signal.
async fn terminated() {
    #[cfg(unix)]
    {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await
}

fn start(cli: &Cli) -> Result<(), Error> {
    let settings = settings(cli)?;
    let level = settings.log.as_deref().unwrap_or("info");
    let level: tracing::Level = level
        .parse()
        .map_err(|_| format!("--log: `{level}` is not error, warn, info, debug or trace"))?;
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(cli, settings))
}

fn main() -> ExitCode {
    let result = start(&Cli::parse());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
