//! The quoter (`homeostat-keeper --quoter`, prop-AMM mode): its pushes and the pool's
//! fall-back on the in-process runtime (`pushes`), its fault campaign (`faults`), and the
//! binary against the local cluster and a local Binance book ticker (`binary`).

mod binary;
mod faults;
mod pushes;

use std::time::Duration;

use homeostat::PoolParams;
use homeostat_keeper::quoter::book::{Book, BookSource};
use homeostat_keeper::quoter::quote::QuoteConfig;
use homeostat_keeper::quoter::QuoteView;
use homeostat_keeper::{KeeperError, Result};
use homeostat_localnet::{Harness, PoolAddresses, TransactionError};
use homeostat_math::{Fixed, LotPrice};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// The quoter's settings in these tests: the binary's defaults.
pub(crate) const CONFIG: QuoteConfig = QuoteConfig {
    valid_slots: 4,
    bid_offset_bps: 0,
    ask_offset_bps: 0,
    max_book_age: Duration::from_secs(1),
};

/// `whole` USDC per SOL in the program's unit (quote atoms per lot: 1 SOL, 6 decimals).
pub(crate) fn usdc(whole: f64) -> Fixed {
    Fixed::from_int((whole * 1e6).round() as i64)
}

/// A seeded pool (Pyth at 150, band 1 %) with `params`, and its quoter.
pub(crate) async fn quoted_pool(params: PoolParams) -> (Harness, PoolAddresses, Keypair) {
    let (mut harness, pool, quoter) = Harness::with_quoter(params).await;
    // The quoter pays for its own pushes.
    harness.airdrop(&quoter.pubkey(), 1_000_000_000).await;
    (harness, pool, quoter)
}

/// The price one SOL bought now executes at (`Swapped::oracle_price`), or the refusal.
pub(crate) async fn buy_price(
    harness: &mut Harness,
    pool: &PoolAddresses,
) -> core::result::Result<Fixed, TransactionError> {
    let swapped = harness.buy_one_base(pool, &[]).await?;
    Ok(swapped.oracle_price.get())
}

/// What a scripted venue answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Answer {
    /// This touch, just changed.
    Fresh { bid: Fixed, ask: Fixed },
    /// This touch, unchanged for `age`.
    Aged {
        bid: Fixed,
        ask: Fixed,
        age: Duration,
    },
    /// Unreachable.
    Down,
    /// An answer that is no book.
    Garbage,
}

/// A venue answering what the test says.
pub(crate) struct ScriptedBook {
    /// The next answers, then `answer` for ever.
    pub answer: Answer,
    /// How many times it was asked.
    pub asked: u64,
}

impl ScriptedBook {
    /// A venue whose touch is `bid` / `ask` (whole USDC).
    pub(crate) fn at(bid: f64, ask: f64) -> Self {
        Self {
            answer: Answer::Fresh {
                bid: usdc(bid),
                ask: usdc(ask),
            },
            asked: 0,
        }
    }
}

impl BookSource for ScriptedBook {
    async fn book(&mut self, _view: &QuoteView) -> Result<Book> {
        self.asked += 1;
        let seen = tokio::time::Instant::now();
        match self.answer {
            Answer::Fresh { bid, ask } => Ok(Book {
                bid: LotPrice::new(bid),
                ask: LotPrice::new(ask),
                age: Duration::ZERO,
                seen,
            }),
            Answer::Aged { bid, ask, age } => Ok(Book {
                bid: LotPrice::new(bid),
                ask: LotPrice::new(ask),
                age,
                seen,
            }),
            Answer::Down => Err(KeeperError::Transient {
                message: "venue unreachable: connection refused".into(),
                retry_after: None,
            }),
            Answer::Garbage => Err(KeeperError::Venue("book ticker: `<html>`".into())),
        }
    }
}
