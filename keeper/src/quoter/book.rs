//! Where the quoter's books come from, each in the program's price unit (quote atoms per
//! lot): the paper venue's touch around the pool's Pyth price, or Binance's book ticker.

use std::time::Duration;

use homeostat_math::{LotPrice, Rounding};
use tokio::time::Instant;

use super::QuoteView;
use crate::binance::book::BookTicker;
use crate::binance::decimal::price_per_lot;
use crate::venue::PaperVenue;
use crate::{KeeperError, Result};

/// A venue's best bid and ask, quote atoms per lot, and how old they were when read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Book {
    /// Best bid.
    pub bid: LotPrice,
    /// Best ask.
    pub ask: LotPrice,
    /// Its age when read: since the venue's book last changed.
    pub age: Duration,
    /// When it was read.
    pub seen: Instant,
}

impl Book {
    /// Its age at `now`: the age it was read with, plus the time since.
    pub fn age_at(&self, now: Instant) -> Duration {
        self.age
            .saturating_add(now.saturating_duration_since(self.seen))
    }
}

/// A source of books.
// One quoter reads one venue from one task; the futures need no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait BookSource {
    /// The book now, in the units of the pool `view` shows (its decimals and lot).
    async fn book(&mut self, view: &QuoteView) -> Result<Book>;
}

/// The paper venue's book: its touch ([`PaperVenue::touch`]) around the pool's Pyth mid —
/// where the paper venue fills the keeper — as old as the Pyth print. On a cluster whose
/// oracle stops publishing, it goes stale with it.
pub struct PaperBook(pub PaperVenue);

impl BookSource for PaperBook {
    async fn book(&mut self, view: &QuoteView) -> Result<Book> {
        let pyth = view
            .pyth
            .as_ref()
            .map_err(|reason| KeeperError::Venue(format!("paper: no Pyth price: {reason}")))?;
        let (bid, ask) = self.0.touch(LotPrice::new(pyth.mid))?;
        Ok(Book {
            bid,
            ask,
            age: Duration::from_secs(pyth.age),
            seen: Instant::now(),
        })
    }
}

/// Binance's book ticker for the symbol, converted with the pool's decimals and its lot
/// at the time of the call; aged from the book's last change by this machine's clock.
pub struct BinanceBook(pub BookTicker);

impl BookSource for BinanceBook {
    async fn book(&mut self, view: &QuoteView) -> Result<Book> {
        let touch = self.0.touch().await?;
        let seen = Instant::now();
        let pool = &view.pool;
        // Rounded outward: the touch widens, never narrows, in the conversion.
        let price = |text: &str, rounding| {
            price_per_lot(
                text,
                pool.base_decimals,
                pool.quote_decimals,
                pool.params.lot,
                rounding,
            )
        };
        let now_ms = super::quote::clock_micros() / 1_000;
        Ok(Book {
            bid: price(&touch.bid, Rounding::Down)?,
            ask: price(&touch.ask, Rounding::Up)?,
            // A book time ahead of this clock (skew) counts as fresh, not as negative.
            age: Duration::from_millis(now_ms.saturating_sub(touch.time_ms)),
            seen,
        })
    }
}

/// The book source the settings name.
pub enum AnyBook {
    /// The paper venue's touch around Pyth.
    Paper(PaperBook),
    /// Binance's book ticker.
    Binance(BinanceBook),
}

impl BookSource for AnyBook {
    async fn book(&mut self, view: &QuoteView) -> Result<Book> {
        match self {
            Self::Paper(book) => book.book(view).await,
            Self::Binance(book) => book.book(view).await,
        }
    }
}
