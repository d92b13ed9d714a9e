//! Prop-AMM mode: a quoter the admin names pushes a reference price (`push_quote`), and
//! swaps price around it while it is unexpired and within a band of the pool's Pyth price
//! (docs/oracle.md, "Three price sources").

use anchor_lang::prelude::*;
use homeostat_math::{Curve, Fixed, Rounding};

use super::{Pool, StoredFixed};
use crate::constants::{QUOTE_FALLBACK_REFUSE, SLOT_MILLIS};
use crate::errors::{HomeostatError, MathResultExt};
use crate::oracle::OraclePrice;

/// What the quoter pushes: `push_quote`'s argument. The sequence number comes first, so
/// it sits at a fixed offset of the instruction data (bytes 8..16, little-endian, after
/// the discriminator), where a block engine's maker-priority scheduler reads it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushQuoteArgs {
    /// Strictly above the last pushed sequence (`QuoteSequenceNotIncreasing`).
    pub sequence: u64,
    /// The last slot this price may price a swap in (not before the current slot:
    /// `QuoteExpired`).
    pub valid_until: u64,
    /// Reference price, quote atoms per lot (> 0).
    pub price: StoredFixed,
    /// Added below the bid, quote atoms per lot (≥ 0).
    pub bid_offset: StoredFixed,
    /// Added above the ask, quote atoms per lot (≥ 0).
    pub ask_offset: StoredFixed,
}

/// Which price a swap executes at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceSource {
    /// The pool's Pyth print(s).
    Pyth,
    /// The quoter's pushed price of this sequence number.
    Quoter { sequence: u64 },
}

impl Pool {
    /// Whether the pool has a quoter (prop-AMM mode).
    pub fn has_quoter(&self) -> bool {
        self.quoter != Pubkey::default()
    }

    /// Replaces the quoter and returns the old one. The last pushed price stops pricing
    /// (its expiry cleared); the sequence stays, so no old update can be replayed.
    pub fn set_quoter(&mut self, quoter: Pubkey) -> Pubkey {
        self.pushed.valid_until = 0;
        core::mem::replace(&mut self.quoter, quoter)
    }

    /// Records a pushed quote at `slot`: a new, higher sequence, not yet expired, a
    /// positive price and offsets ≥ 0. The caller checked the quoter's signature.
    pub fn push_quote(&mut self, quote: &PushQuoteArgs, slot: u64) -> Result<()> {
        require!(
            quote.sequence > self.pushed.sequence,
            HomeostatError::QuoteSequenceNotIncreasing
        );
        require!(quote.valid_until >= slot, HomeostatError::QuoteExpired);
        require!(
            quote.price.get().is_positive()
                && !quote.bid_offset.get().is_negative()
                && !quote.ask_offset.get().is_negative(),
            HomeostatError::InvalidParameter
        );
        self.pushed.sequence = quote.sequence;
        self.pushed.slot = slot;
        self.pushed.valid_until = quote.valid_until;
        self.pushed.price = quote.price;
        self.pushed.bid_offset = quote.bid_offset;
        self.pushed.ask_offset = quote.ask_offset;
        Ok(())
    }

    /// The price a swap at `slot` executes at, given the pool's checked Pyth price: the
    /// quoter's while it is pushed, unexpired and within `quote_band_bps` of Pyth's mid
    /// (its age the slots since the push, in seconds at `SLOT_MILLIS`, rounded up; no
    /// confidence: the offsets are the quoter's widening); otherwise Pyth's, or
    /// `QuoteUnavailable` when the pool's `quote_fallback` says to refuse.
    pub fn swap_price(&self, pyth: &OraclePrice, slot: u64) -> Result<(OraclePrice, PriceSource)> {
        if !self.has_quoter() {
            return Ok((*pyth, PriceSource::Pyth));
        }
        if self.quote_usable(pyth, slot)? {
            let slots = slot.saturating_sub(self.pushed.slot);
            let age = slots
                .checked_mul(SLOT_MILLIS)
                .map(|millis| millis.div_ceil(1_000))
                .ok_or(HomeostatError::MathOverflow)?;
            let price = OraclePrice {
                mid: self.pushed.price.get(),
                confidence: Fixed::ZERO,
                age,
                ..*pyth
            };
            let source = PriceSource::Quoter {
                sequence: self.pushed.sequence,
            };
            return Ok((price, source));
        }
        require!(
            self.params.quote_fallback != QUOTE_FALLBACK_REFUSE,
            HomeostatError::QuoteUnavailable
        );
        Ok((*pyth, PriceSource::Pyth))
    }

    /// Whether the pushed quote may price a swap at `slot`: pushed, not expired, and within
    /// `quote_band_bps` of the Pyth mid (the band rounded down: strict).
    fn quote_usable(&self, pyth: &OraclePrice, slot: u64) -> Result<bool> {
        if self.pushed.sequence == 0 || slot > self.pushed.valid_until {
            return Ok(false);
        }
        let distance = self.pushed.price.get().checked_sub(pyth.mid).math()?.abs();
        let band = pyth
            .mid
            .mul_div(
                Fixed::from_u64(u64::from(self.params.quote_band_bps)),
                Fixed::from_u64(homeostat_math::fees::BPS_DENOMINATOR),
                Rounding::Down,
            )
            .math()?;
        Ok(distance <= band)
    }

    /// Moves `curve`'s quotes out by the quoter's per-side offsets when `source` is the
    /// quoter. (In place: a curve passed by value is an argument the SBF build's lowering
    /// cannot pack.)
    pub fn apply_quote_offsets(&self, curve: &mut Curve, source: PriceSource) -> Result<()> {
        if let (Curve::Linear(linear), PriceSource::Quoter { .. }) = (&mut *curve, source) {
            *linear = linear
                .with_offsets(self.pushed.bid_offset.get(), self.pushed.ask_offset.get())
                .math()?;
        }
        Ok(())
    }
}
