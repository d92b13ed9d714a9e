//! Where a Homeostat pool's swaps take their price (docs/oracle.md, "Three price sources").
//! Every swap carries a Pyth print, which the program checks (feed, age, confidence, never
//! older than the newest it used) whatever the source; a source decides what else feeds
//! the pool: nothing (`glft`), or a quoter's pushes (`prop`, prop-AMM mode). The program
//! then chooses — `Pool::prepare_swap`, the same code the statistics path and `--onchain`
//! run — the quoter's price while it is unexpired and within `quote_band_bps` of the
//! print, else the print (or a refusal, per `quote_fallback`).
//!
//! The third, `pro`, is Pyth Pro's signed updates: a feed of its own (an `Oracle` at
//! `pro_interval_ms`, `Market::pro_oracle`), whose update a transaction carries and posts
//! before its swap (`post_pro_price`, `Pool::book_pro_update`); the pool prices from it
//! while it is fresh, from the push print otherwise.

use anchor_lang::prelude::Pubkey;
use homeostat::state::PushQuoteArgs;
use homeostat::StoredFixed;
use homeostat_localnet::{ONE_BASE, ONE_QUOTE};
use homeostat_math::Fixed;

use super::scenario::{PoolKind, Scenario};

/// What prices a Homeostat pool besides the print its swaps carry.
#[derive(Clone, Debug)]
pub enum Source {
    /// The oracle's Pyth prints alone: the pool prices on the print a swap carries.
    Pyth,
    /// Prop-AMM mode: a quoter pushes its price; swaps still carry the oracle's prints,
    /// which bound it.
    Quoter(Quoter),
    /// Pyth Pro: each transaction carries a signed update of its own feed, not older than
    /// the last one posted, and the push print beside it.
    Pro,
}

impl Source {
    /// The source of a pool of `kind` (none for the constant-product pools, which read no
    /// price).
    pub fn of(kind: PoolKind, scenario: &Scenario) -> Option<Self> {
        match kind {
            PoolKind::Glft => Some(Self::Pyth),
            PoolKind::Prop => Some(Self::Quoter(Quoter::new(scenario))),
            PoolKind::Pro => Some(Self::Pro),
            PoolKind::Cp | PoolKind::CpDynamic => None,
        }
    }
}

/// The simulated quoter: an operator who sees the reference venue's mid (the true price:
/// the venue is infinitely deep around it) `latency_ms` late and pushes it every
/// `interval_ms` as a `PushQuoteArgs` — the next sequence number, valid through
/// `valid_slots` slots after its own, the scenario's offsets.
#[derive(Clone, Debug)]
pub struct Quoter {
    interval_ms: u64,
    latency_ms: u64,
    valid_slots: u64,
    /// Offsets below the bid and above the ask, fractions of the price.
    bid_offset: f64,
    ask_offset: f64,
    /// When the next push is due, ms since the start.
    next_ms: u64,
    /// The last sequence pushed.
    sequence: u64,
}

impl Quoter {
    /// The quoter's key in the statistics path (`--onchain` signs with a keypair of its
    /// own; the key never changes a price).
    pub const KEY: Pubkey = Pubkey::new_from_array([0x51; 32]);

    /// The quoter of `scenario`; its first push is due at once.
    pub fn new(scenario: &Scenario) -> Self {
        Self {
            interval_ms: u64::from(scenario.quote_interval_ms),
            latency_ms: u64::from(scenario.prop_latency_ms),
            valid_slots: u64::from(scenario.quote_valid_slots),
            bid_offset: scenario.quote_bid_offset_bps / 10_000.0,
            ask_offset: scenario.quote_ask_offset_bps / 10_000.0,
            next_ms: 0,
            sequence: 0,
        }
    }

    /// How old the price it pushes is, milliseconds.
    pub fn latency_ms(&self) -> u64 {
        self.latency_ms
    }

    /// The quote it pushes at `now_ms` in `slot`, if one is due: `seen` (USDC per SOL, the
    /// mid it saw `latency_ms` ago) as quote atoms per lot of `lot` base atoms.
    pub fn due(&mut self, now_ms: u64, slot: u64, seen: f64, lot: u64) -> Option<PushQuoteArgs> {
        if now_ms < self.next_ms {
            return None;
        }
        while self.next_ms <= now_ms {
            self.next_ms += self.interval_ms.max(1);
        }
        let per_lot = seen * ONE_QUOTE as f64 * lot as f64 / ONE_BASE as f64;
        let fixed = |value: f64| {
            crate::numbers::bits_from_f64_down(value)
                .ok()
                .map(|bits| StoredFixed::from(Fixed::from_bits(bits)))
        };
        self.sequence += 1;
        Some(PushQuoteArgs {
            sequence: self.sequence,
            valid_until: slot + self.valid_slots,
            price: fixed(per_lot)?,
            bid_offset: fixed(per_lot * self.bid_offset)?,
            ask_offset: fixed(per_lot * self.ask_offset)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quoter_pushes_on_its_cadence_with_rising_sequences_and_its_expiry() {
        let scenario = Scenario {
            quote_interval_ms: 1_000,
            quote_valid_slots: 3,
            quote_ask_offset_bps: 2.0,
            ..Scenario::default()
        };
        let mut quoter = Quoter::new(&scenario);
        let pushes: Vec<(u64, PushQuoteArgs)> = (1..=10u64)
            .filter_map(|block| {
                let quote = quoter.due(block * 400, block, 150.0, ONE_BASE)?;
                Some((block, quote))
            })
            .collect();
        // Blocks at 400, 800, 1 200, … ms: one push per second, the first at once.
        let blocks: Vec<u64> = pushes.iter().map(|(block, _)| *block).collect();
        assert_eq!(blocks, [1, 3, 5, 8, 10]);
        for (n, (block, quote)) in pushes.iter().enumerate() {
            assert_eq!(quote.sequence, n as u64 + 1);
            assert_eq!(quote.valid_until, block + 3);
            // 150 USDC per SOL: 150 × 10⁶ quote atoms per 1-SOL lot, 2 bp above the ask.
            let price = quote.price.get().to_f64();
            assert!((price - 150e6).abs() < 1e-6, "{price}");
            let ask = quote.ask_offset.get().to_f64();
            assert!((ask - 150e6 * 2e-4).abs() < 1e-6, "{ask}");
            assert_eq!(quote.bid_offset.get(), Fixed::ZERO);
        }
    }
}
