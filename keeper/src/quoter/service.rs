//! The quoter service, `homeostat-keeper --quoter`: the chain and book the settings name,
//! the dry run, `--once`, and the loop — a step every `--quoter-interval-ms` until SIGTERM
//! or SIGINT — with its metrics and logs.
//!
//! What stops it: its journal failing, its key no longer the pool's quoter, and
//! `--max-failures` failures in a row that are not transient (a pool it cannot read, pushes
//! the program refuses). A node or venue that fails never does: the quoter pushes nothing
//! meanwhile, the pool's quote expires, and it resumes when they answer.

use std::sync::Arc;
use std::time::Duration;

use homeostat_sdk::cli_conventions::{parse_key, read_keypair, resolve_url};
use homeostat_sdk::instructions::Oracles;
use serde_json::json;

use super::book::{AnyBook, BinanceBook, PaperBook};
use super::journal::QuoteJournal;
use super::metrics::QuoterMetrics;
use super::quote::QuoteConfig;
use super::rpc::{PushOptions, RpcQuoteChain};
use super::{plan, Landed, Outcome, Plan, QuoteChain, Quoter, Report};
use crate::binance::book::BookTicker;
use crate::metrics::{self, Exposition};
use crate::output::{render, Output};
use crate::service::{lock_journal_of, serve_until_stopped, Error, Mode};
use crate::settings::{required, Settings};
use crate::shutdown::Shutdown;
use crate::venue::PaperVenue;
use crate::KeeperError;

/// Solana's slot time, what `valid_until` is counted in.
const SLOT: Duration = Duration::from_millis(400);

/// The quoter on resolved `settings` until it is done or SIGTERM or SIGINT stops it:
/// [`run_until`] with the signal handlers installed first.
pub async fn run(settings: &Settings, mode: Mode) -> Result<(), Error> {
    let shutdown = Shutdown::on_signals()?;
    run_until(settings, mode, shutdown).await
}

/// The quoter on resolved `settings` until it is done or `shutdown` asks it to stop —
/// wherever it is: every sequence number it may have sent is journaled before the send,
/// so a stop anywhere leaves nothing to redo. A stopped quoter returns `Ok`, except a dry
/// run, whose checks did not all run.
pub async fn run_until(settings: &Settings, mode: Mode, shutdown: Shutdown) -> Result<(), Error> {
    serve_until_stopped(
        mode,
        shutdown,
        "stopped; the pool's last quote expires by itself, and the next start stays above every sequence number journaled",
        serve(settings, mode),
    )
    .await
}

/// The one pool of the settings: a quoter serves one (with `[[pools]]`, the one `--pool`
/// picks).
fn one_pool(settings: &Settings) -> Result<Settings, Error> {
    let pools = settings.pools()?;
    match <[Settings; 1]>::try_from(pools) {
        Ok([pool]) => Ok(pool),
        Err(pools) => Err(format!(
            "a quoter serves one pool, and these settings name {}: pick one with --pool",
            pools.len()
        )
        .into()),
    }
}

/// What the settings make of a book.
pub fn quote_config(settings: &Settings) -> Result<QuoteConfig, Error> {
    Ok(QuoteConfig {
        valid_slots: *required(&settings.quoter_valid_slots, "quoter-valid-slots")?,
        bid_offset_bps: *required(&settings.quoter_bid_offset_bps, "quoter-bid-offset-bps")?,
        ask_offset_bps: *required(&settings.quoter_ask_offset_bps, "quoter-ask-offset-bps")?,
        max_book_age: Duration::from_millis(*required(
            &settings.quoter_max_book_age_ms,
            "quoter-max-book-age-ms",
        )?),
    })
}

/// The book source the settings name: the paper venue's touch or Binance's book ticker
/// (a book slower than the age limit to arrive is stale on arrival: that is its timeout).
pub fn book_source(settings: &Settings, config: &QuoteConfig) -> Result<AnyBook, Error> {
    match required(&settings.venue, "venue")?.as_str() {
        "paper" => Ok(AnyBook::Paper(PaperBook(PaperVenue::new(
            *required(&settings.paper_fee_bps, "paper-fee-bps")?,
            *required(&settings.paper_slippage_bps, "paper-slippage-bps")?,
        )))),
        "binance" => Ok(AnyBook::Binance(BinanceBook(BookTicker::new(
            required(&settings.binance_url, "binance-url")?,
            required(&settings.binance_symbol, "binance-symbol")?,
            config.max_book_age,
        )?))),
        other => Err(
            format!("--venue `{other}`: the quoter reads its book from paper or binance").into(),
        ),
    }
}

/// The pool's chain as the quoter's key, checked to be the pool's quoter.
async fn connect(settings: &Settings, config: &QuoteConfig) -> Result<RpcQuoteChain, Error> {
    let url = resolve_url(required(&settings.url, "url")?);
    let pool = parse_key("pool", required(&settings.pool, "pool")?)?;
    let oracles = Oracles {
        oracle: parse_key("oracle", required(&settings.oracle, "oracle")?)?,
        quote_oracle: settings
            .quote_oracle
            .as_deref()
            .map(|key| parse_key("quote oracle", key))
            .transpose()?,
    };
    let keypair = read_keypair(required(&settings.quoter_keypair, "quoter-keypair")?)?;
    let options = PushOptions {
        compute_unit_limit: *required(
            &settings.quoter_compute_unit_limit,
            "quoter-compute-unit-limit",
        )?,
        landing: settings.landing()?,
        timeout: validity(config).max(Duration::from_secs(1)),
    };
    let chain =
        RpcQuoteChain::connect(&url, pool, oracles, keypair, options, settings.backoff()).await?;
    chain.check_quoter(&settings.backoff()).await?;
    Ok(chain)
}

/// How long a quote stays valid once made.
fn validity(config: &QuoteConfig) -> Duration {
    SLOT.saturating_mul(u32::try_from(config.valid_slots).unwrap_or(u32::MAX))
}

/// A task aborted when this guard is dropped: the metrics responder ends with the quoter.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The quoter itself, [`run_until`] without the stop.
async fn serve(settings: &Settings, mode: Mode) -> Result<(), Error> {
    let settings = one_pool(settings)?;
    let config = quote_config(&settings)?;
    let interval = Duration::from_millis(*required(
        &settings.quoter_interval_ms,
        "quoter-interval-ms",
    )?);
    let intervals = *required(&settings.health_intervals, "health-intervals")?;
    let metrics = Arc::new(QuoterMetrics::new(
        settings.pool.as_deref().unwrap_or_default(),
        settings.venue.as_deref().unwrap_or("unknown"),
        interval.saturating_mul(intervals),
    ));
    // Bound first: a taken address fails the start before anything is sent.
    let _responder = match (settings.metrics_addr, mode) {
        (Some(addr), Mode::Forever) => {
            let listener = metrics::bind(addr).await?;
            tracing::info!(addr = %listener.local_addr()?, "serving /metrics and /health");
            let served = Arc::clone(&metrics) as Arc<dyn Exposition>;
            Some(AbortOnDrop(tokio::spawn(metrics::serve(listener, served))))
        }
        _ => None,
    };
    let chain = connect(&settings, &config).await?;
    let book = book_source(&settings, &config)?;
    let journal_path = required(&settings.quoter_journal, "quoter-journal")?;
    if mode == Mode::DryRun {
        let high_water = match QuoteJournal::open_read_only(journal_path)? {
            Some(journal) => journal.high_water()?,
            None => 0,
        };
        return dry_run(&settings, chain, book, high_water, &config).await;
    }
    // One quoter per journal: two would each take the other's sequence numbers.
    let _lock = lock_journal_of("quoter", journal_path)?;
    let journal = QuoteJournal::open(journal_path)?;
    let key = chain.key();
    tracing::info!(pool = %settings.pool.as_deref().unwrap_or_default(), quoter = %key, journal = %journal_path.display(), high_water = journal.high_water()?, "quoter started");
    let mut quoter = Quoter::new(chain, book, journal, config, key);
    if mode == Mode::Once {
        return once(&mut quoter, &config).await;
    }
    let mut supervisor = Supervisor::new(settings.max_failures.unwrap_or(0));
    let mut tick = tokio::time::interval(interval);
    // A step that overran (a slow node) is followed by the next at once, then the cadence.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let step = quoter.step().await;
        supervisor.after(step, &metrics)?;
    }
}

/// `--once`: one step that must push, then its landing awaited for as long as the quote
/// is valid.
async fn once(
    quoter: &mut Quoter<RpcQuoteChain, AnyBook>,
    config: &QuoteConfig,
) -> Result<(), Error> {
    let report = quoter.step().await?;
    let Outcome::Pushed {
        sequence,
        signature,
        ..
    } = &report.outcome
    else {
        return Err(format!("nothing pushed: {}", describe(&report.outcome)).into());
    };
    tracing::info!(sequence, %signature, "quote pushed");
    let deadline = tokio::time::Instant::now() + validity(config) + Duration::from_secs(2);
    while tokio::time::Instant::now() < deadline {
        let statuses = quoter.chain.statuses(std::slice::from_ref(signature)).await;
        match statuses
            .ok()
            .and_then(|mut statuses| statuses.pop().flatten())
        {
            Some(Landed::Executed) => {
                tracing::info!(sequence, "quote landed");
                return Ok(());
            }
            Some(Landed::Refused(error)) => {
                return Err(format!("quote {sequence} refused: {error}").into())
            }
            None => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    Err(format!("quote {sequence} not seen on chain before it expired").into())
}

/// Why an outcome pushed nothing, for a person.
fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Pushed { sequence, .. } => format!("pushed {sequence}"),
        Outcome::Stale { age, venue_error } => {
            let age = age.map_or("no book".into(), |age| format!("the book is {age:?} old"));
            match venue_error {
                Some(error) => format!("{age}, and the venue failed: {error}"),
                None => age,
            }
        }
        Outcome::OutOfBand { price, pyth } => {
            format!("the pool would not price on {price:.6} (Pyth {pyth:.6}): outside its band")
        }
        Outcome::Unpriced(reason) => format!("swaps are refused whatever the quote: {reason}"),
    }
}

/// The dry run: what a step would push now, as one JSON object; nothing journaled or sent.
/// Fails when it would push nothing.
async fn dry_run(
    settings: &Settings,
    mut chain: RpcQuoteChain,
    mut book: AnyBook,
    high_water: u64,
    config: &QuoteConfig,
) -> Result<(), Error> {
    let view = chain.read().await?;
    let mut last = None;
    let planned = plan(&mut book, &mut last, &view, high_water, config).await?;
    let quote = match &planned {
        Plan::Push(quote) => Some(quote),
        Plan::Skip(_) => None,
    };
    let report = json!({
        "pool": settings.pool,
        "quoter": chain.key().to_string(),
        "slot": view.slot,
        "journal_high_water": high_water,
        "book": last.map(|book| json!({
            "bid": format!("{:.6}", book.bid),
            "ask": format!("{:.6}", book.ask),
            "age_ms": book.age.as_millis().to_string(),
        })),
        "pyth_mid": view.pyth.as_ref().ok().map(|pyth| format!("{:.6}", pyth.mid)),
        "quote": quote.map(|quote| json!({
            "sequence": quote.sequence,
            "valid_until": quote.valid_until,
            "price": format!("{:.6}", quote.price.get()),
            "bid_offset": format!("{:.6}", quote.bid_offset.get()),
            "ask_offset": format!("{:.6}", quote.ask_offset.get()),
        })),
        "would_push": quote.is_some(),
        "problem": match &planned {
            Plan::Skip(outcome) => Some(describe(outcome)),
            Plan::Push(_) => None,
        },
    });
    println!(
        "{}",
        render(&report, settings.output.unwrap_or(Output::JsonCompact))
    );
    match planned {
        Plan::Push(_) => Ok(()),
        Plan::Skip(outcome) => Err(format!("it would push nothing: {}", describe(&outcome)).into()),
    }
}

/// The loop's judge: logs each change of what the quoter is doing (and each push at
/// debug), counts the metrics, and ends the run on what a restart would not cure.
struct Supervisor {
    max_failures: u32,
    failures: u32,
    doing: &'static str,
}

impl Supervisor {
    fn new(max_failures: u32) -> Self {
        Self {
            max_failures,
            failures: 0,
            doing: "starting",
        }
    }

    /// Takes in a step's result; an error ends the run.
    fn after(&mut self, step: crate::Result<Report>, metrics: &QuoterMetrics) -> Result<(), Error> {
        let report = match step {
            Ok(report) => report,
            Err(error) => return self.failed(error, metrics),
        };
        metrics.step(&report);
        for (sequence, error) in &report.settled.refused {
            tracing::warn!(sequence, "push refused: {error}");
        }
        // Refusals and failures are "in a row" until a push lands.
        if report.settled.landed > 0 {
            self.failures = 0;
        }
        let refused = u32::try_from(report.settled.refused.len()).unwrap_or(u32::MAX);
        self.count(refused, || {
            report
                .settled
                .refused
                .last()
                .map(|(_, error)| format!("pushes refused: {error}"))
                .unwrap_or_default()
        })?;
        let doing = match &report.outcome {
            Outcome::Pushed {
                sequence,
                valid_until,
                price,
                ..
            } => {
                tracing::debug!(sequence, valid_until, %price, slot = report.slot, "quote pushed");
                "pushing"
            }
            Outcome::Stale { .. } => "stale",
            Outcome::OutOfBand { .. } => "out_of_band",
            Outcome::Unpriced(_) => "unpriced",
        };
        if doing != self.doing {
            match doing {
                "pushing" => tracing::info!(slot = report.slot, "pushing quotes"),
                _ => tracing::warn!(
                    slot = report.slot,
                    "not pushing: {}; the pool's quote expires and swaps fall back",
                    describe(&report.outcome)
                ),
            }
            self.doing = doing;
        }
        Ok(())
    }

    /// A failed step: the journal or the key end the run; a transient failure never does;
    /// any other counts toward `--max-failures`.
    fn failed(&mut self, error: KeeperError, metrics: &QuoterMetrics) -> Result<(), Error> {
        metrics.failed();
        match error {
            KeeperError::Journal(error) => return Err(format!("journal: {error}").into()),
            error @ KeeperError::NotThePoolsQuoter { .. } => return Err(error.into()),
            error if error.is_transient() => {
                if self.doing != "failing" {
                    tracing::warn!("step failed, retrying every interval: {error}");
                    self.doing = "failing";
                }
            }
            error => {
                tracing::warn!("step failed: {error}");
                self.count(1, || error.to_string())?;
            }
        }
        Ok(())
    }

    /// Adds `failures` to the run of failures; an error naming the last (`last`) once it
    /// reaches `--max-failures` (0: never).
    fn count(&mut self, failures: u32, last: impl FnOnce() -> String) -> Result<(), Error> {
        self.failures = self.failures.saturating_add(failures);
        if failures > 0 && self.max_failures > 0 && self.failures >= self.max_failures {
            return Err(format!(
                "{} failures in a row (--max-failures {}); the last: {}. Stopping so the \
                 supervisor notices; the journal is intact.",
                self.failures,
                self.max_failures,
                last()
            )
            .into());
        }
        Ok(())
    }
}
