//! The quote of a book, with no I/O: the price and offsets `push_quote` takes, the next
//! sequence number, and whether the pool would price a swap on the quote.

use std::time::Duration;

use homeostat::oracle::OraclePrice;
use homeostat::state::PriceSource;
use homeostat_math::{Fixed, Rounding};
use homeostat_sdk::Pool;

use super::book::Book;
use super::PushQuoteArgs;
use crate::{KeeperError, Result};

/// What the quoter's settings make of a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteConfig {
    /// Slots a quote stays valid after the slot it was made in.
    pub valid_slots: u64,
    /// Basis points of the mid added below the venue's bid.
    pub bid_offset_bps: u32,
    /// Basis points of the mid added above the venue's ask.
    pub ask_offset_bps: u32,
    /// The oldest book a quote is made from.
    pub max_book_age: Duration,
}

/// The quote of `book` made at `slot` under `sequence`: the venue's mid as the price, each
/// offset the venue's half-spread on its side plus the configured basis points of the mid
/// (rounded up: wider, in the pool's favour), valid through `slot + valid_slots`. So the
/// pool's bid and ask, before its own spread and skew, are the venue's touch moved out by
/// the configured offsets: the pool never quotes inside the book it hedges on, where every
/// hedge pays the half-spread. A crossed or empty book is refused.
pub fn compose(
    book: &Book,
    slot: u64,
    sequence: u64,
    config: &QuoteConfig,
) -> Result<PushQuoteArgs> {
    let invalid = |problem: String| KeeperError::Venue(format!("book: {problem}"));
    let (bid, ask) = (book.bid.get(), book.ask.get());
    if !bid.is_positive() || ask < bid {
        return Err(invalid(format!(
            "an empty or crossed book (bid {bid:?}, ask {ask:?})"
        )));
    }
    let math = |error: homeostat_math::MathError| invalid(error.to_string());
    // Down: either way the offsets below give back the touch exactly.
    let mid = bid
        .checked_add(ask)
        .and_then(|sum| sum.mul_div(Fixed::ONE, Fixed::from_int(2), Rounding::Down))
        .map_err(math)?;
    let widen = |bps: u32| {
        mid.mul_div(
            Fixed::from_u64(u64::from(bps)),
            Fixed::from_u64(homeostat_math::fees::BPS_DENOMINATOR),
            Rounding::Up,
        )
    };
    let bid_offset = mid
        .checked_sub(bid)
        .and_then(|half| half.checked_add(widen(config.bid_offset_bps)?))
        .map_err(math)?;
    let ask_offset = ask
        .checked_sub(mid)
        .and_then(|half| half.checked_add(widen(config.ask_offset_bps)?))
        .map_err(math)?;
    let valid_until = slot
        .checked_add(config.valid_slots)
        .ok_or_else(|| invalid(format!("slot {slot} + {} overflows", config.valid_slots)))?;
    Ok(PushQuoteArgs {
        sequence,
        valid_until,
        price: mid.into(),
        bid_offset: bid_offset.into(),
        ask_offset: ask_offset.into(),
    })
}

/// The next sequence number: above every one the journal has reserved (`high_water`) and
/// the pool has seen (`on_chain`), and at least the clock in microseconds since the epoch —
/// so even a quoter whose journal was lost (a new machine) starts above anything it sent
/// before, as long as its clock has not gone back. Capped at `i64::MAX`, the journal's
/// range.
pub fn next_sequence(high_water: u64, on_chain: u64, clock_micros: u64) -> Result<u64> {
    let next = high_water
        .max(on_chain)
        .checked_add(1)
        .map(|next| next.max(clock_micros))
        .filter(|next| i64::try_from(*next).is_ok());
    next.ok_or_else(|| {
        KeeperError::ChainState(format!(
            "no sequence number left above {} (journal) and {on_chain} (pool)",
            high_water
        ))
    })
}

/// Microseconds since the epoch by this machine's clock (0 before it).
pub fn clock_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
        })
}

/// Whether a swap at `slot` would execute at `quote`'s price had it landed: the program's
/// own `Pool::push_quote` and `Pool::swap_price` on a copy of the pool — unexpired, and
/// within the pool's `quote_band_bps` of the Pyth mid. One that would not changes nothing
/// on chain but costs a fee.
pub fn prices_the_pool(pool: &Pool, pyth: &OraclePrice, quote: &PushQuoteArgs, slot: u64) -> bool {
    let mut probe = *pool;
    probe.push_quote(quote, slot).is_ok()
        && matches!(
            probe.swap_price(pyth, slot),
            Ok((_, PriceSource::Quoter { .. }))
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeostat_math::LotPrice;

    fn book(bid: i64, ask: i64) -> Book {
        Book {
            bid: LotPrice::new(Fixed::from_int(bid)),
            ask: LotPrice::new(Fixed::from_int(ask)),
            age: Duration::ZERO,
            seen: tokio::time::Instant::now(),
        }
    }

    const CONFIG: QuoteConfig = QuoteConfig {
        valid_slots: 4,
        bid_offset_bps: 0,
        ask_offset_bps: 0,
        max_book_age: Duration::from_secs(1),
    };

    #[test]
    fn the_mid_prices_and_the_offsets_give_back_the_touch() {
        // 149.95 / 150.05 USDC per SOL, in quote atoms per lot (1 SOL, 6 decimals).
        let quote = compose(&book(149_950_000, 150_050_000), 1_000, 7, &CONFIG).unwrap();
        assert_eq!(quote.sequence, 7);
        assert_eq!(quote.valid_until, 1_004, "the slot plus the valid slots");
        assert_eq!(quote.price.get(), Fixed::from_int(150_000_000));
        assert_eq!(quote.bid_offset.get(), Fixed::from_int(50_000));
        assert_eq!(quote.ask_offset.get(), Fixed::from_int(50_000));
        // An odd spread: the mid rounds down, and the touch is still exact.
        let odd = Book {
            ask: LotPrice::new(Fixed::from_bits(Fixed::from_int(150_050_000).to_bits() + 1)),
            ..book(149_950_000, 0)
        };
        let quote = compose(&odd, 1_000, 8, &CONFIG).unwrap();
        let bid = quote.price.get().checked_sub(quote.bid_offset.get());
        let ask = quote.price.get().checked_add(quote.ask_offset.get());
        assert_eq!((bid.unwrap(), ask.unwrap()), (odd.bid.get(), odd.ask.get()));
    }

    #[test]
    fn configured_offsets_widen_each_side_by_basis_points_of_the_mid_rounded_up() {
        let config = QuoteConfig {
            bid_offset_bps: 2,
            ask_offset_bps: 5,
            ..CONFIG
        };
        let quote = compose(&book(149_950_000, 150_050_000), 0, 1, &config).unwrap();
        // 2 bp of 150 USDC is 0.03; 5 bp 0.075: on top of the 0.05 half-spread.
        assert_eq!(quote.bid_offset.get(), Fixed::from_int(80_000));
        assert_eq!(quote.ask_offset.get(), Fixed::from_int(125_000));
        let thin = compose(&book(1, 1), 0, 1, &config).unwrap();
        assert!(
            thin.ask_offset.get() > Fixed::ZERO,
            "5 bp of one atom rounds up, not to nothing"
        );
    }

    #[test]
    fn a_crossed_or_empty_book_makes_no_quote() {
        for (bid, ask) in [(150, 149), (0, 150), (-1, 150)] {
            let error = compose(&book(bid, ask), 0, 1, &CONFIG).unwrap_err();
            assert!(error.to_string().contains("empty or crossed"), "{error}");
        }
        assert!(
            compose(&book(1, 1), u64::MAX, 1, &CONFIG).is_err(),
            "slot overflow"
        );
    }

    #[test]
    fn sequences_rise_above_the_journal_the_pool_and_the_clock() {
        assert_eq!(next_sequence(10, 3, 0).unwrap(), 11, "the journal");
        assert_eq!(next_sequence(10, 30, 0).unwrap(), 31, "the pool");
        assert_eq!(next_sequence(10, 30, 5_000).unwrap(), 5_000, "the clock");
        assert!(next_sequence(u64::MAX, 0, 0).is_err());
        assert!(
            next_sequence(0, i64::MAX as u64, 0).is_err(),
            "beyond the journal"
        );
        let now = clock_micros();
        assert!(now > 1_700_000_000_000_000, "microseconds since the epoch");
    }
}
