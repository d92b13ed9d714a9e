//! One quoter step — read the pool, read the book, make the quote, journal it, push it —
//! and the landings of earlier pushes.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use homeostat_math::LotPrice;
use tokio::time::Instant;

use super::book::{Book, BookSource};
use super::journal::QuoteJournal;
use super::quote::{clock_micros, compose, next_sequence, prices_the_pool, QuoteConfig};
use super::{Landed, PushQuoteArgs, QuoteChain, QuoteView};
use crate::{KeeperError, Result};

/// Pushes followed for their landing at most; beyond it the oldest is no longer followed.
const MAX_PENDING: usize = 256;
/// Slots past its `valid_until` a push without a status is given up as lost: it can only
/// fail now (`QuoteExpired`), and a node may take a few slots to show a status.
const LANDING_GRACE_SLOTS: u64 = 8;

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A quote journaled and sent.
    Pushed {
        /// Its sequence number.
        sequence: u64,
        /// Its last valid slot.
        valid_until: u64,
        /// Its price, quote atoms per lot.
        price: LotPrice,
        /// The age of the book it was made from.
        book_age: Duration,
        /// The push's signature.
        signature: String,
    },
    /// No book younger than the limit (`age`: the newest book's, if there is one; the
    /// venue's error when the last read failed): nothing pushed, so the pool's quote
    /// expires.
    Stale {
        /// The newest book's age.
        age: Option<Duration>,
        /// Why the last read failed, if it did.
        venue_error: Option<String>,
    },
    /// The pool would not price on the quote — outside its band of the Pyth mid: nothing
    /// pushed (it would change nothing and cost a fee).
    OutOfBand {
        /// The quote's price.
        price: LotPrice,
        /// The Pyth mid.
        pyth: LotPrice,
    },
    /// The pool's Pyth price is unusable, so every swap is refused whatever the quote:
    /// nothing pushed. Why.
    Unpriced(String),
}

/// What a step decided: push this quote, or nothing and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Push it.
    Push(PushQuoteArgs),
    /// Push nothing.
    Skip(Outcome),
}

/// How earlier pushes ended, as learnt this step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    /// Executed: the pool took their price.
    pub landed: u64,
    /// Refused by the program: each one's sequence number and error.
    pub refused: Vec<(u64, String)>,
    /// Never seen on chain before their quote expired (dropped, or too late).
    pub lost: u64,
}

/// A step's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The cluster's slot the step read.
    pub slot: u64,
    /// What it did.
    pub outcome: Outcome,
    /// Earlier pushes' landings.
    pub settled: Settled,
}

/// Where a quoter may be stopped on purpose (fault injection for crash tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopPoint {
    /// After the quote is journaled, before it is sent.
    AfterJournal,
    /// After the push is sent, before its signature is journaled.
    AfterSend,
}

#[derive(Clone, Debug)]
struct Pending {
    sequence: u64,
    valid_until: u64,
    signature: String,
}

/// The quoter of one pool.
pub struct Quoter<C, B> {
    /// Its chain.
    pub chain: C,
    /// Its book source.
    pub book: B,
    journal: QuoteJournal,
    config: QuoteConfig,
    key: Pubkey,
    last_book: Option<Book>,
    pending: Vec<Pending>,
    stop_at: Option<StopPoint>,
}

impl<C: QuoteChain, B: BookSource> Quoter<C, B> {
    /// A quoter signing as `key` over `journal` (a previous run's, whose sequence numbers
    /// it stays above).
    pub fn new(chain: C, book: B, journal: QuoteJournal, config: QuoteConfig, key: Pubkey) -> Self {
        Self {
            chain,
            book,
            journal,
            config,
            key,
            last_book: None,
            pending: Vec::new(),
            stop_at: None,
        }
    }

    /// Makes the next push stop at `point` with an error, as if the process were killed.
    pub fn stop_at(&mut self, point: StopPoint) {
        self.stop_at = Some(point);
    }

    /// The journal.
    pub fn journal(&self) -> &QuoteJournal {
        &self.journal
    }

    /// One step: read the pool (it must still name this quoter), learn how earlier pushes
    /// landed, then push the venue's price unless the book is stale, the pool would not
    /// price on it, or Pyth is unusable.
    pub async fn step(&mut self) -> Result<Report> {
        let view = self.chain.read().await?;
        check_quoter(&view, &self.key)?;
        let settled = self.settle(view.slot).await;
        let high_water = self.journal.high_water()?;
        let plan = plan(
            &mut self.book,
            &mut self.last_book,
            &view,
            high_water,
            &self.config,
        )
        .await?;
        let outcome = match plan {
            Plan::Skip(outcome) => outcome,
            Plan::Push(quote) => {
                let book_age = self
                    .last_book
                    .map_or(Duration::ZERO, |book| book.age_at(Instant::now()));
                self.push(&quote, view.slot, book_age).await?
            }
        };
        Ok(Report {
            slot: view.slot,
            outcome,
            settled,
        })
    }

    /// Journals `quote` (made at `slot`), then sends it: a stop anywhere leaves its
    /// sequence number used.
    async fn push(
        &mut self,
        quote: &PushQuoteArgs,
        slot: u64,
        book_age: Duration,
    ) -> Result<Outcome> {
        self.journal.reserve(quote, slot)?;
        self.stopped(StopPoint::AfterJournal)?;
        let signature = self.chain.push(quote).await?;
        self.stopped(StopPoint::AfterSend)?;
        self.journal.sent(quote.sequence, &signature)?;
        if self.pending.len() >= MAX_PENDING {
            self.pending.remove(0);
        }
        self.pending.push(Pending {
            sequence: quote.sequence,
            valid_until: quote.valid_until,
            signature: signature.clone(),
        });
        Ok(Outcome::Pushed {
            sequence: quote.sequence,
            valid_until: quote.valid_until,
            price: LotPrice::new(quote.price.get()),
            book_age,
            signature,
        })
    }

    fn stopped(&mut self, point: StopPoint) -> Result<()> {
        if self.stop_at == Some(point) {
            self.stop_at = None;
            return Err(KeeperError::ChainState(format!(
                "stopped {point:?} (fault injection)"
            )));
        }
        Ok(())
    }

    /// How the pending pushes ended, as far as the chain knows at `slot`; a failed lookup
    /// is tried again next step.
    async fn settle(&mut self, slot: u64) -> Settled {
        let mut settled = Settled::default();
        if self.pending.is_empty() {
            return settled;
        }
        let signatures: Vec<String> = self
            .pending
            .iter()
            .map(|pending| pending.signature.clone())
            .collect();
        let statuses = match self.chain.statuses(&signatures).await {
            Ok(statuses) => statuses,
            Err(error) => {
                tracing::debug!("push statuses unknown, asked again next step: {error}");
                return settled;
            }
        };
        let mut still = Vec::new();
        for (pending, status) in self.pending.drain(..).zip(statuses) {
            match status {
                Some(Landed::Executed) => settled.landed = settled.landed.saturating_add(1),
                Some(Landed::Refused(error)) => settled.refused.push((pending.sequence, error)),
                None if slot > pending.valid_until.saturating_add(LANDING_GRACE_SLOTS) => {
                    settled.lost = settled.lost.saturating_add(1)
                }
                None => still.push(pending),
            }
        }
        self.pending = still;
        settled
    }
}

/// Fails unless the pool's quoter is `key`: the admin may have named another (or none).
pub(super) fn check_quoter(view: &QuoteView, key: &Pubkey) -> Result<()> {
    if view.pool.quoter == *key {
        return Ok(());
    }
    Err(KeeperError::NotThePoolsQuoter {
        key: key.to_string(),
        quoter: view.pool.quoter.to_string(),
    })
}

/// What to push now for the pool `view` shows, above sequence `high_water`: reads a book
/// from `source` — one that fails leaves `last`, the newest book read, to age — and quotes
/// it unless it is older than the limit, Pyth is unusable, or the pool would not price on
/// the quote. The dry run's decision too.
pub async fn plan<B: BookSource>(
    source: &mut B,
    last: &mut Option<Book>,
    view: &QuoteView,
    high_water: u64,
    config: &QuoteConfig,
) -> Result<Plan> {
    let venue_error = match source.book(view).await {
        Ok(book) => {
            *last = Some(book);
            None
        }
        Err(error) => Some(error.to_string()),
    };
    let age = last.as_ref().map(|book| book.age_at(Instant::now()));
    let book = match (last.as_ref(), age) {
        (Some(book), Some(age)) if age <= config.max_book_age => book,
        _ => return Ok(Plan::Skip(Outcome::Stale { age, venue_error })),
    };
    let pyth = match &view.pyth {
        Ok(pyth) => pyth,
        Err(reason) => return Ok(Plan::Skip(Outcome::Unpriced(reason.to_string()))),
    };
    let sequence = next_sequence(high_water, view.pool.pushed.sequence, clock_micros())?;
    let quote = compose(book, view.slot, sequence, config)?;
    if !prices_the_pool(&view.pool, pyth, &quote, view.slot) {
        return Ok(Plan::Skip(Outcome::OutOfBand {
            price: LotPrice::new(quote.price.get()),
            pyth: LotPrice::new(pyth.mid),
        }));
    }
    Ok(Plan::Push(quote))
}
