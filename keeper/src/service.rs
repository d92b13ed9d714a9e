//! The keeper service: the venue the settings name, the dry run, and the loop — catch up
//! on the pool's events, step, check the venue position — that the binary runs.

use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use homeostat_math::LotPrice;
use homeostat_sdk::cli_conventions::{parse_key, read_keypair, resolve_url};
use homeostat_sdk::instructions::Oracles;
use serde_json::json;
use tracing::Instrument;

use crate::binance::{Binance, BinanceConfig};
use crate::events::catch_up;
use crate::hyperliquid::{Hyperliquid, HyperliquidConfig};
use crate::journal::Journal;
use crate::keeper::{Chain, Keeper, Step};
use crate::metrics::{self, HealthRule, Metrics};
use crate::output::{render, Output};
use crate::planner::{plan, HedgeOrder, HedgeRoom, PlannerConfig};
use crate::rpc::{RpcChain, RpcEvents};
use crate::settings::{required, Settings};
use crate::shutdown::Shutdown;
use crate::venue::{Fill, PaperVenue, Venue};
use crate::KeeperError;

/// Why the service stopped early: a message for the operator.
pub type Error = Box<dyn std::error::Error>;

/// How long the service runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Print what the keeper would do now (net delta, band, the order it would place, the
    /// venue account's position against the pool's record, a journaled fill) as JSON;
    /// send nothing, write no journal.
    DryRun,
    /// One step (catch up, then rebalance/hedge/record if needed); a failed step is an
    /// error.
    Once,
    /// Step every `interval_secs` until interrupted; failed steps are retried.
    Forever,
}

/// The configured venue.
pub enum AnyVenue {
    /// Simulated fills.
    Paper(PaperVenue),
    /// Binance USDⓈ-M perpetual futures.
    Binance(Box<Binance>),
    /// Hyperliquid perpetuals.
    Hyperliquid(Box<Hyperliquid>),
}

impl Venue for AnyVenue {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: LotPrice,
        lot: u64,
    ) -> crate::Result<Fill> {
        match self {
            Self::Paper(venue) => venue.execute(order, reference_price, lot).await,
            Self::Binance(venue) => venue.execute(order, reference_price, lot).await,
            Self::Hyperliquid(venue) => venue.execute(order, reference_price, lot).await,
        }
    }

    async fn find(&mut self, client_id: &str, lot: u64) -> crate::Result<Option<Fill>> {
        match self {
            Self::Paper(venue) => venue.find(client_id, lot).await,
            Self::Binance(venue) => venue.find(client_id, lot).await,
            Self::Hyperliquid(venue) => venue.find(client_id, lot).await,
        }
    }

    async fn position(&mut self) -> crate::Result<i128> {
        match self {
            Self::Paper(venue) => venue.position().await,
            Self::Binance(venue) => venue.position().await,
            Self::Hyperliquid(venue) => venue.position().await,
        }
    }
}

/// The venue the settings name.
pub async fn venue(settings: &Settings, chain: &RpcChain) -> Result<AnyVenue, Error> {
    match required(&settings.venue, "venue")?.as_str() {
        "paper" => Ok(AnyVenue::Paper(PaperVenue::new(
            *required(&settings.paper_fee_bps, "paper-fee-bps")?,
            *required(&settings.paper_slippage_bps, "paper-slippage-bps")?,
        ))),
        "binance" => {
            // Quantities and prices convert with the pool's mints' decimals.
            let pool = chain.client().liquidity().await?.pool;
            Ok(AnyVenue::Binance(Box::new(Binance::new(BinanceConfig {
                base_url: required(&settings.binance_url, "binance-url")?.clone(),
                api_key: required(&settings.binance_api_key, "binance-api-key")?.to_string(),
                api_secret: required(&settings.binance_api_secret, "binance-api-secret")?
                    .to_string(),
                symbol: required(&settings.binance_symbol, "binance-symbol")?.clone(),
                base_decimals: pool.base_decimals,
                quote_decimals: pool.quote_decimals,
                quantity_step: *required(&settings.binance_quantity_step, "binance-quantity-step")?,
                taker_fee_bps: *required(&settings.binance_taker_fee_bps, "binance-taker-fee-bps")?,
                commission_asset: required(
                    &settings.binance_commission_asset,
                    "binance-commission-asset",
                )?
                .clone(),
                recv_window_ms: *required(
                    &settings.binance_recv_window_ms,
                    "binance-recv-window-ms",
                )?,
                min_request_interval: Duration::from_millis(100),
                backoff: settings.backoff(),
            })?)))
        }
        "hyperliquid" => {
            let pool = chain.client().liquidity().await?.pool;
            Ok(AnyVenue::Hyperliquid(Box::new(Hyperliquid::new(
                HyperliquidConfig {
                    base_url: required(&settings.hyperliquid_url, "hyperliquid-url")?.clone(),
                    mainnet: required(&settings.hyperliquid_chain, "hyperliquid-chain")?
                        == "mainnet",
                    secret_key: required(
                        &settings.hyperliquid_secret_key,
                        "hyperliquid-secret-key",
                    )?
                    .clone(),
                    account: settings.hyperliquid_account.clone(),
                    coin: required(&settings.hyperliquid_coin, "hyperliquid-coin")?.clone(),
                    base_decimals: pool.base_decimals,
                    quote_decimals: pool.quote_decimals,
                    slippage_bps: *required(
                        &settings.hyperliquid_slippage_bps,
                        "hyperliquid-slippage-bps",
                    )?,
                    taker_fee_bps: *required(
                        &settings.hyperliquid_taker_fee_bps,
                        "hyperliquid-taker-fee-bps",
                    )?,
                    backoff: settings.backoff(),
                },
            )?)))
        }
        other => Err(format!(
            "--venue must be one of {}, not `{other}`",
            crate::settings::VENUES.join(", ")
        )
        .into()),
    }
}

/// The dry run's look at the venue: the account's position against the pool's record (the
/// journal is not consulted) — matching when within `tolerance` base atoms, as the
/// keeper's own position check counts it — or why the venue could not be asked. A paper
/// account has nothing to ask: it starts at the pool's record.
pub async fn venue_check(
    mut venue: AnyVenue,
    hedge_position: i64,
    tolerance: u64,
) -> serde_json::Value {
    let name = match &venue {
        AnyVenue::Paper(_) => return json!({ "name": "paper" }),
        AnyVenue::Binance(_) => "binance",
        AnyVenue::Hyperliquid(_) => "hyperliquid",
    };
    let expected = -i128::from(hedge_position);
    let mut check = match venue.position().await {
        Ok(position) => json!({
            "name": name,
            "position": position.to_string(),
            "expected_position": expected.to_string(),
            "tolerance": tolerance,
            "matches": (position - expected).unsigned_abs() <= u128::from(tolerance),
        }),
        Err(error) => return json!({ "name": name, "error": error.to_string() }),
    };
    // What holding the hedge cost or earned in funding over the last day.
    if let AnyVenue::Hyperliquid(venue) = &venue {
        let day_ago = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |now| now.as_millis().saturating_sub(86_400_000));
        check["funding_24h_quote_atoms"] = match venue
            .funding_since(u64::try_from(day_ago).unwrap_or(0))
            .await
        {
            Ok(funding) => json!(funding.to_string()),
            Err(error) => json!({ "error": error.to_string() }),
        };
    }
    check
}

/// The venue's name as the metrics label it.
fn venue_name(settings: &Settings) -> &str {
    settings.venue.as_deref().unwrap_or("unknown")
}

/// A task aborted when this guard is dropped: the metrics responder ends with the service.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Takes `<journal>.lock` for the life of the keeper, or says another keeper holds it.
pub fn lock_journal(journal: &std::path::Path) -> Result<std::fs::File, Error> {
    lock_journal_of("keeper", journal)
}

/// Takes `<journal>.lock` for the life of a `service` (`keeper`, `quoter`), or says
/// another one holds it.
pub fn lock_journal_of(service: &str, journal: &std::path::Path) -> Result<std::fs::File, Error> {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    let path = std::path::PathBuf::from(name);
    match try_lock_file(&path)? {
        Some(file) => Ok(file),
        None => Err(format!(
            "the journal {} is in use by another {service} (its lock {} is held): one \
             {service} per journal",
            journal.display(),
            path.display()
        )
        .into()),
    }
}

/// Takes an exclusive lock on `path` (created if absent) for as long as the returned file
/// lives; `None` when another process holds it. The keeper's journal and the localnet's
/// folder are locked this way.
// `File::try_lock` is std's from Rust 1.89: the keeper and the CLI are built with the
// project's toolchain (1.95); the workspace's 1.84 is the program's (platform-tools).
#[allow(clippy::incompatible_msrv)]
pub fn try_lock_file(path: &std::path::Path) -> Result<Option<std::fs::File>, LockError> {
    let failed = |source| LockError {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(error)) => Err(failed(error)),
    }
}

/// A lock file that could not be opened or locked.
#[derive(Debug)]
pub struct LockError {
    /// The lock file.
    pub path: std::path::PathBuf,
    /// Why.
    pub source: std::io::Error,
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// What `--once` would do now, printed as one JSON object, nothing sent: the pending
/// request's order if there is one (what `--once` finishes first) — as the journal planned
/// it, with the fill it already holds, when a previous run got that far — else the order a
/// new request would bring — the program's own plan (`PoolView::next_request`) — and the
/// venue's check. The journal is only read (if it
/// exists). Fails when a check fails: what `--once` would trip over.
async fn dry_run(
    settings: &Settings,
    chain: &mut RpcChain,
    pool: Pubkey,
    planner: &PlannerConfig,
) -> Result<(), Error> {
    let view = chain.view().await?;
    let pending = view.rebalance_seq > view.recorded_seq;
    let request = if pending {
        Some((view.rebalance_seq, i128::from(view.pending_request_base)))
    } else {
        view.next_request
            .map(|target| (view.rebalance_seq + 1, target))
    };
    // A previous run's progress on the pending request: `--once` carries it on from there.
    let journal_path = required(&settings.journal, "journal")?;
    let journaled = match (pending, Journal::open_read_only(journal_path)?) {
        (true, Some(journal)) => journal
            .unfinished()?
            .into_iter()
            .find(|work| work.seq == view.rebalance_seq),
        _ => None,
    };
    let order = match &journaled {
        Some(work) if work.planned => work.order.clone(),
        _ => request.and_then(|(seq, target)| {
            plan(
                &chain.pool_id(),
                seq,
                target,
                HedgeRoom::new(view.hedge_position, view.max_hedge_position),
                planner,
            )
        }),
    };
    let fill = journaled.as_ref().and_then(|work| work.fill);
    let venue = venue(settings, chain).await?;
    let tolerance = *required(&settings.position_tolerance_base, "position-tolerance-base")?;
    let venue = venue_check(venue, view.hedge_position, tolerance).await;
    // What would make `--once` fail, as its step and position check would find it.
    let mut problems = Vec::new();
    if let Some(error) = venue.get("error") {
        problems.push(format!("the venue cannot be asked: {error}"));
    }
    if venue.get("matches") == Some(&json!(false)) {
        problems.push(format!(
            "the venue account's position is not the pool's record (tolerance {tolerance})"
        ));
    }
    if let (false, Some(reason)) = (pending, &view.unpriced) {
        problems.push(format!(
            "nothing pending, and the pool cannot be priced now: {reason}"
        ));
    }
    let report = json!({
            "pool": pool.to_string(),
            "net_delta": view.net_delta.to_string(),
            "unpriced": view.unpriced,
            "band": view.band,
            "hedge_position": view.hedge_position,
            "pending_request": pending,
            "would_rebalance": !pending && view.next_request.is_some(),
            "seconds_until_rebalance": view.seconds_until_rebalance,
            "request": request.map(|(seq, target)| json!({ "seq": seq, "target_hedge_delta": target.to_string() })),
            "order": order.as_ref().map(|order| json!({
                "seq": order.seq,
                "client_id": order.client_id,
                "side": order.side.as_str(),
                "base": order.base,
            })),
            "journaled": journaled.as_ref().map(|work| json!({
                "seq": work.seq,
                "planned": work.planned,
                "fill": work.fill.map(|fill| json!({
                    "base": fill.base,
                    "avg_price": fill.avg_price.get().to_bits().to_string(),
                    "fee_quote": fill.fee_quote,
                })),
            })),
            // The venue is sent the order only if no fill is journaled for it (and then
            // only if it has no record of the client id).
            "would_execute": order.is_some() && fill.is_none(),
            "venue": venue,
            "problems": problems,
    });
    let output = settings.output.unwrap_or(Output::JsonCompact);
    println!("{}", render(&report, output));
    if !problems.is_empty() {
        return Err(format!("the dry run's checks failed: {}", problems.join("; ")).into());
    }
    Ok(())
}

/// The keeper service on resolved `settings` (`Settings::resolve`) until it is done or
/// SIGTERM or SIGINT (Ctrl-C) stops it: [`run_until`] with the signal handlers installed
/// first.
pub async fn run(settings: &Settings, mode: Mode) -> Result<(), Error> {
    let shutdown = Shutdown::on_signals()?;
    run_until(settings, mode, shutdown).await
}

/// The keeper service on resolved `settings` until it is done or `shutdown` asks it to
/// stop: connect, check the keeper authority, then — per `mode` — report what it would do,
/// run one step, or step every `interval_secs`.
///
/// A stop ends the service wherever it is — connecting, catching up, inside a step, in a
/// retry's back-off, between steps — as a crash there would: every journal write is
/// synchronous and complete, and whatever the step left unfinished the next start finishes
/// exactly once. A stopped service returns `Ok` (exit code 0), except a dry run, whose
/// checks did not all run.
pub async fn run_until(settings: &Settings, mode: Mode, shutdown: Shutdown) -> Result<(), Error> {
    serve_until_stopped(
        mode,
        shutdown,
        "stopped; the journal holds every unfinished request, which the next start finishes",
        serve(settings, mode),
    )
    .await
}

/// `serve` until it ends or `shutdown` asks it to stop (the keeper's service and the
/// quoter's): a stop logs `stopped` and returns `Ok`, except in a dry run, whose checks
/// did not all run.
pub(crate) async fn serve_until_stopped(
    mode: Mode,
    mut shutdown: Shutdown,
    stopped: &str,
    serve: impl std::future::Future<Output = Result<(), Error>>,
) -> Result<(), Error> {
    tokio::select! {
        biased;
        reason = shutdown.requested() => {
            if mode == Mode::DryRun {
                return Err(format!("{reason}: stopped before the dry run's checks finished").into());
            }
            tracing::info!(signal = reason, "{stopped}");
            Ok(())
        }
        result = serve => result,
    }
}

/// The service itself, [`run_until`] without the stop: every pool of the settings
/// ([`Settings::pools`]), one responder for all of them.
async fn serve(settings: &Settings, mode: Mode) -> Result<(), Error> {
    let pools = settings.pools()?;
    let metrics: Vec<Arc<Metrics>> = pools
        .iter()
        .map(|pool| {
            Arc::new(Metrics::new(
                pool.pool.as_deref().unwrap_or_default(),
                venue_name(pool),
            ))
        })
        .collect();
    // The responder first: a supervisor's probe sees 503 "starting" while the keeper
    // connects, and a taken address fails the start before anything is sent.
    let responder = match (settings.metrics_addr, mode) {
        // The loop's: a `--once` run ends before anyone could scrape it (and must not
        // fail on the address a running service holds).
        (Some(addr), Mode::Forever) => {
            let listener = metrics::bind(addr).await?;
            let addr = listener.local_addr()?;
            let intervals = *required(&settings.health_intervals, "health-intervals")?;
            let mut served = Vec::new();
            for (pool, metrics) in pools.iter().zip(&metrics) {
                let rule = HealthRule {
                    stale_after: interval(pool)?.saturating_mul(intervals),
                };
                served.push((Arc::clone(metrics), rule));
            }
            tracing::info!(%addr, "serving /metrics and /health");
            Some(AbortOnDrop(tokio::spawn(metrics::serve(
                listener,
                Arc::new(served),
            ))))
        }
        _ => None,
    };
    let scraped = responder.is_some();
    if let ([pool], [metrics]) = (pools.as_slice(), metrics.as_slice()) {
        return serve_pool(pool, mode, Arc::clone(metrics), scraped).await;
    }
    // Many pools: each runs on its own, and one that stops (its --max-failures, a
    // refused journal, a position mismatch) is logged while the others go on.
    let runs = pools.iter().zip(&metrics).map(|(pool, metrics)| {
        let key = pool.pool.clone().unwrap_or_default();
        let span = tracing::info_span!("pool", pool = %key);
        async move {
            let result = serve_pool(pool, mode, Arc::clone(metrics), scraped)
                .instrument(span)
                .await;
            if let Err(error) = &result {
                tracing::error!(pool = %key, "pool stopped; the others go on: {error}");
            }
            result.map_err(|error| format!("{key}: {error}"))
        }
    });
    let failed: Vec<String> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} pools failed: {}",
            failed.len(),
            pools.len(),
            failed.join("; ")
        )
        .into())
    }
}

/// The pause between a pool's steps.
fn interval(settings: &Settings) -> Result<Duration, Error> {
    Ok(Duration::from_secs(
        (*required(&settings.interval_secs, "interval-secs")?).max(1),
    ))
}

/// One pool's keeper, counted in `metrics` (and its pool gauges read after each step
/// when `scraped`): connect, check the keeper authority, then — per `mode` — report what
/// it would do, run one step, or step every `interval_secs`.
async fn serve_pool(
    settings: &Settings,
    mode: Mode,
    metrics: Arc<Metrics>,
    scraped: bool,
) -> Result<(), Error> {
    let url = resolve_url(required(&settings.url, "url")?);
    let pool = parse_key("pool", required(&settings.pool, "pool")?)?;
    let interval = interval(settings)?;
    let planner = settings.planner();
    let mut chain = connect(settings, &url, pool).await?;
    if mode == Mode::DryRun {
        return dry_run(settings, &mut chain, pool, &planner).await;
    }
    let journal_path = required(&settings.journal, "journal")?;
    // One keeper per journal: two would each see the other's requests as unfinished work.
    let _lock = lock_journal(journal_path)?;
    let journal = Journal::open(journal_path)?;
    let mut events = RpcEvents::new(&url, &chain, journal.cursor()?);
    let venue = venue(settings, &chain).await?;
    let tolerance = *required(&settings.position_tolerance_base, "position-tolerance-base")?;
    tracing::info!(%pool, journal = %journal_path.display(), "keeper started");
    let mut keeper = Keeper::new(chain, venue, journal, planner);
    start_paper_where_the_record_stands(&mut keeper).await?;
    let mut check_position = true;
    let mut failures = Failures {
        count: 0,
        max: settings.max_failures.unwrap_or(0),
    };
    loop {
        match catch_up(&mut events, keeper.journal(), &pool).await {
            Ok(0) => {}
            Ok(applied) => tracing::info!(applied, "caught up on the pool's events"),
            Err(error) => tracing::warn!("event catch-up failed, retrying next step: {error}"),
        }
        // A stop ends the step where it is (`run_until`), its retries and back-off
        // included: what it left unfinished is in the journal, which the next start
        // finishes exactly once (the crash drill of docs/keeper.md).
        let step = keeper.step().await;
        count_step(&mut keeper, &step, &metrics, scraped).await;
        if failures.after(step, mode)? {
            check_position = true;
        }
        if check_position {
            check_position = !venue_position_matches(&mut keeper, tolerance).await?;
        }
        if mode == Mode::Once {
            return Ok(());
        }
        tokio::time::sleep(interval).await;
    }
}

type PoolKeeper = Keeper<RpcChain, AnyVenue>;

/// The pool's chain with this keeper's key, checked to be the pool's keeper.
async fn connect(settings: &Settings, url: &str, pool: Pubkey) -> Result<RpcChain, Error> {
    let oracles = Oracles {
        oracle: parse_key("oracle", required(&settings.oracle, "oracle")?)?,
        quote_oracle: settings
            .quote_oracle
            .as_deref()
            .map(|key| parse_key("quote oracle", key))
            .transpose()?,
    };
    let keypair = read_keypair(required(&settings.keypair, "keypair")?)?;
    let landing = settings.landing()?;
    let chain = RpcChain::connect(url, pool, oracles, keypair, settings.backoff())
        .await?
        .with_landing(landing);
    chain.check_authority().await?;
    Ok(chain)
}

/// A paper account keeps nothing between runs: it starts where the pool's record (and the
/// journal's fills on their way to it) says a real one would stand.
async fn start_paper_where_the_record_stands(keeper: &mut PoolKeeper) -> Result<(), Error> {
    if matches!(keeper.venue, AnyVenue::Paper(_)) {
        let position = keeper.expected_venue_position().await?;
        if let AnyVenue::Paper(paper) = &mut keeper.venue {
            *paper = std::mem::take(paper).with_position(position);
        }
    }
    Ok(())
}

/// `step` in the metrics, and the pool's gauges as the step left it when `scraped`.
async fn count_step(
    keeper: &mut PoolKeeper,
    step: &crate::Result<Step>,
    metrics: &Metrics,
    scraped: bool,
) {
    match step {
        Ok(step) => metrics.step_succeeded(step),
        Err(error) => metrics.step_failed(error),
    }
    if step.is_ok() && scraped {
        // One more read, for a scraper.
        match keeper.chain.view().await {
            Ok(view) => metrics.pool_read(&view),
            Err(error) => tracing::debug!("metrics: the pool could not be read: {error}"),
        }
    }
}

/// Failed steps in a row, and how many stop the keeper (0: never).
struct Failures {
    count: u32,
    max: u32,
}

impl Failures {
    /// Logs `step`; an error when it ends the run. `Ok(true)` when it recorded a hedge
    /// (the venue position is checked again).
    fn after(&mut self, step: crate::Result<Step>, mode: Mode) -> Result<bool, Error> {
        match step {
            Ok(step) => {
                self.count = 0;
                match step {
                    Step::Idle => tracing::debug!("net delta within band"),
                    Step::Waiting { seconds } => {
                        tracing::info!(seconds, "out of band; rate-limited")
                    }
                    Step::Recorded { seq, filled_base } => {
                        tracing::info!(seq, filled_base, "request hedged and recorded");
                        return Ok(true);
                    }
                }
            }
            Err(KeeperError::Journal(error)) => return Err(format!("journal: {error}").into()),
            // `--once` reports what the single step could not do.
            Err(error) if mode == Mode::Once => return Err(format!("step failed: {error}").into()),
            Err(error) => {
                self.count = self.count.saturating_add(1);
                let (failures, max_failures) = (self.count, self.max);
                if max_failures > 0 && failures >= max_failures {
                    return Err(format!(
                        "{failures} steps in a row failed (--max-failures {max_failures}); the \
                         last: {error}. Stopping so the supervisor notices; the journal is intact."
                    )
                    .into());
                }
                tracing::warn!(failures, "step failed, resuming next step: {error}");
            }
        }
        Ok(false)
    }
}

/// Whether the venue account's position matches the pool's record within `tolerance`
/// (`false` when it could not be checked: again next step); an error, stopping the
/// keeper, when it does not.
async fn venue_position_matches(keeper: &mut PoolKeeper, tolerance: u64) -> Result<bool, Error> {
    match keeper.reconcile().await {
        Ok(check) if check.difference().unsigned_abs() > u128::from(tolerance) => Err(format!(
            "the venue account holds {} base atoms but the pool's record implies {} \
                 (difference {}, tolerance {tolerance}): something else trades this \
                 account, or a fill was never recorded. Stopping; the journal is \
                 intact. See docs/keeper.md, \"Position check\".",
            check.venue_position,
            check.expected_position,
            check.difference()
        )
        .into()),
        Ok(check) => {
            tracing::info!(position = %check.venue_position, "venue position matches the pool's record");
            Ok(true)
        }
        Err(error) => {
            tracing::warn!("position check failed, retrying next step: {error}");
            Ok(false)
        }
    }
}
