//! A pool's history as the estimators read it: oracle prints, what the pool quoted and
//! for how long, its fills — recorded by the simulator, or rebuilt from the pool's
//! `Swapped` events ([`from_swaps`]).

/// The pool's side of a fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The pool bought base (a trader sold): its bid filled.
    Bid,
    /// The pool sold base (a trader bought): its ask filled.
    Ask,
}

impl Side {
    /// Both sides.
    pub const BOTH: [Self; 2] = [Self::Bid, Self::Ask];

    /// `bid` or `ask`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bid => "bid",
            Self::Ask => "ask",
        }
    }

    /// The distance of `price` from `fair` on this side, a fraction of `fair`: positive
    /// when the pool's price is on its own side of fair (a bid below, an ask above).
    pub fn distance(self, price: f64, fair: f64) -> f64 {
        match self {
            Self::Bid => (fair - price) / fair,
            Self::Ask => (price - fair) / fair,
        }
    }
}

/// An oracle print: the price observed at `t` (seconds), whenever it was published.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Print {
    /// Observation time, seconds.
    pub t: f64,
    /// Price, quote per base.
    pub price: f64,
}

/// What the pool quoted for one lot from `t` for `duration` seconds (`None`: no quote
/// on that side — refused, paused, at the cap).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuoteSample {
    /// Start, seconds.
    pub t: f64,
    /// How long the quote stood, seconds.
    pub duration: f64,
    /// Price the pool paid for one lot, quote per base.
    pub bid: Option<f64>,
    /// Price the pool charged for one lot, quote per base.
    pub ask: Option<f64>,
}

/// A fill of the pool.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fill {
    /// Time, seconds.
    pub t: f64,
    /// The pool's side.
    pub side: Side,
    /// Average price per base, quote per base (fee included).
    pub price: f64,
    /// Size, lots.
    pub size: f64,
}

/// A pool's history: prints, quotes and fills, each sorted by time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Oracle prints.
    pub prints: Vec<Print>,
    /// What the pool quoted, and for how long.
    pub quotes: Vec<QuoteSample>,
    /// The pool's fills.
    pub fills: Vec<Fill>,
}

impl History {
    /// Only what happened in `[from, to)` seconds (prints are kept a markout beyond, so
    /// the last fills still have a fair price after them).
    pub fn window(&self, from: f64, to: f64, after: f64) -> Self {
        Self {
            prints: self
                .prints
                .iter()
                .filter(|print| print.t >= from && print.t < to + after)
                .copied()
                .collect(),
            quotes: self
                .quotes
                .iter()
                .filter(|quote| quote.t >= from && quote.t < to)
                .copied()
                .collect(),
            fills: self
                .fills
                .iter()
                .filter(|fill| fill.t >= from && fill.t < to)
                .copied()
                .collect(),
        }
    }

    /// The fair price at `t`: the prints either side of it, interpolated; `None` before
    /// the first print or after the last (a fair price needs a later print).
    pub fn fair(&self, t: f64) -> Option<f64> {
        let after = self.prints.partition_point(|print| print.t < t);
        let next = self.prints.get(after)?;
        if next.t == t {
            return Some(next.price);
        }
        let before = self.prints.get(after.checked_sub(1)?)?;
        let weight = (t - before.t) / (next.t - before.t);
        Some(before.price + weight * (next.price - before.price))
    }
}

/// A swap as the calibration reads it: when it landed (the block's time, seconds) and its
/// event.
pub type TimedSwap = (f64, homeostat::events::Swapped);

/// A pool's history rebuilt from its `Swapped` events alone (what `homeostat calibrate`
/// reads over RPC): each event's print is a print; each swap is a fill at its average
/// price; between two swaps the pool quotes one lot at the event's half-spread and skew
/// around the oracle — taken to be the fair price, in pieces of at most `piece_secs`. The
/// quotes' widening between swaps (a print's age) and refusals are not seen: a history of
/// frequent swaps reads closest (docs/calibration.md, "Failure modes").
pub fn from_swaps(
    swaps: &[TimedSwap],
    lot: u64,
    base_decimals: u8,
    quote_decimals: u8,
    piece_secs: f64,
) -> History {
    let base_unit = 10f64.powi(i32::from(base_decimals));
    let quote_unit = 10f64.powi(i32::from(quote_decimals));
    // Quote atoms per lot → quote per base.
    let per_base =
        |price: homeostat::StoredFixed| price.get().to_f64() / quote_unit * base_unit / lot as f64;
    let mut history = History::default();
    let mut prints: Vec<Print> = swaps
        .iter()
        .map(|(_, swap)| Print {
            t: swap.oracle_publish_time as f64,
            price: per_base(swap.oracle_price),
        })
        .filter(|print| print.price > 0.0)
        .collect();
    prints.sort_by(|a, b| a.t.total_cmp(&b.t));
    prints.dedup_by(|later, earlier| later.t == earlier.t);
    history.prints = prints;
    for (index, (t, swap)) in swaps.iter().enumerate() {
        let (base, quote) = match swap.direction {
            0 => (swap.amount_in, swap.amount_out),
            _ => (swap.amount_out, swap.amount_in),
        };
        if base > 0 {
            history.fills.push(Fill {
                t: *t,
                side: if swap.direction == 0 {
                    Side::Bid
                } else {
                    Side::Ask
                },
                price: (quote as f64 / quote_unit) / (base as f64 / base_unit),
                size: base as f64 / lot as f64,
            });
        }
        // Ratios to the mid: the fixed-point scale cancels.
        let mid = swap.oracle_price.to_bits() as f64;
        if mid <= 0.0 {
            continue;
        }
        let (half, skew) = (
            swap.half_spread.to_bits() as f64 / mid,
            swap.skew.to_bits() as f64 / mid,
        );
        let q = swap.gross_position_after as f64 / lot as f64;
        // One lot sold to the pool moves q to q + 1, one bought from it to q − 1: each
        // at the marginal quote halfway.
        let (bid, ask) = (half + skew * (q + 0.5), half - skew * (q - 0.5));
        let end = swaps.get(index + 1).map_or(*t, |(next, _)| *next);
        let mut start = *t;
        while start < end {
            let duration = (end - start).min(piece_secs.max(f64::MIN_POSITIVE));
            if let Some(fair) = history.fair(start) {
                history.quotes.push(QuoteSample {
                    t: start,
                    duration,
                    bid: Some(fair * (1.0 - bid)),
                    ask: Some(fair * (1.0 + ask)),
                });
            }
            start += duration;
        }
    }
    history
}
