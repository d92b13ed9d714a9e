//! The hedge ledger: the position the keeper holds off-chain for a pool, its average entry
//! price and the P&L realised by reducing it — so the pool knows not just how much is
//! hedged but at what price, and what the hedge is worth at the oracle.
//!
//! Sign convention (the pool's `hedge_position`): positive = base sold off-chain (short),
//! offsetting a long inventory; negative = base bought. Prices are quote atoms per lot;
//! P&L is in quote atoms. A short of `P` entered at `E` is worth `(E − p)·P/lot` at price
//! `p`; a long, `(p − E)·|P|/lot`. Entry prices average over additions; reductions realise
//! P&L at the entry price; a fill through zero realises the whole position and opens the
//! rest at the fill price. Reporting, not settlement: amounts round toward zero.

use crate::error::{MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, Rounding};
use crate::units::LotPrice;

/// A pool's hedge book.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HedgeLedger {
    /// Hedge position, base atoms (positive: short base off-chain).
    pub position: i64,
    /// Average entry price of the open position, quote atoms per lot (zero when flat).
    pub entry_price: LotPrice,
    /// P&L realised by reductions so far, quote atoms.
    pub realized_pnl: i128,
}

/// `sign · (entry − price) · base / lot` in quote atoms, toward zero: the P&L of `base`
/// atoms of a position whose direction is `sign` (+1 short, −1 long).
#[track_caller]
fn pnl(sign: i64, entry: LotPrice, price: LotPrice, base: u64, lot: u64) -> Result<i128> {
    let per_lot = entry.get().checked_sub(price.get())?;
    let value = per_lot.mul_div(Fixed::from_u64(base), Fixed::from_u64(lot), Rounding::Down)?;
    let magnitude = i128::from(value.abs().to_u64(Rounding::Down)?);
    let signed = if value.is_negative() {
        magnitude.wrapping_neg()
    } else {
        magnitude
    };
    Ok(if sign >= 0 {
        signed
    } else {
        signed.wrapping_neg()
    })
}

impl HedgeLedger {
    /// The book after a fill of `filled_base` (same sign convention) at `price` per `lot`.
    #[track_caller]
    pub fn record(&self, filled_base: i64, price: LotPrice, lot: u64) -> Result<Self> {
        if filled_base == 0 {
            return Ok(*self);
        }
        let position = self
            .position
            .checked_add(filled_base)
            .or_math(MathErrorKind::Overflow)?;
        let same_side = self.position == 0 || (self.position > 0) == (filled_base > 0);
        if same_side {
            // Weighted average of the entry and the fill.
            let held = Fixed::from_u64(self.position.unsigned_abs());
            let added = Fixed::from_u64(filled_base.unsigned_abs());
            let total = held.checked_add(added)?;
            let entry = self
                .entry_price
                .get()
                .mul_div(held, total, Rounding::Down)?
                .checked_add(price.get().mul_div(added, total, Rounding::Down)?)?;
            return Ok(Self {
                position,
                entry_price: LotPrice::new(entry),
                realized_pnl: self.realized_pnl,
            });
        }
        let sign = self.position.signum();
        let closed = filled_base.unsigned_abs().min(self.position.unsigned_abs());
        let realized = self
            .realized_pnl
            .checked_add(pnl(sign, self.entry_price, price, closed, lot)?)
            .or_math(MathErrorKind::Overflow)?;
        let entry_price = match position {
            0 => LotPrice::ZERO,
            // Through zero: the remainder opens at the fill price.
            p if p.signum() != sign => price,
            _ => self.entry_price,
        };
        Ok(Self {
            position,
            entry_price,
            realized_pnl: realized,
        })
    }

    /// What the open position is worth at `mark` (e.g. the oracle mid), quote atoms.
    #[track_caller]
    pub fn unrealized_pnl(&self, mark: LotPrice, lot: u64) -> Result<i128> {
        if self.position == 0 {
            return Ok(0);
        }
        pnl(
            self.position.signum(),
            self.entry_price,
            mark,
            self.position.unsigned_abs(),
            lot,
        )
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    const LOT: u64 = 1_000;

    fn price(value: i64) -> LotPrice {
        LotPrice::new(Fixed::from_int(value))
    }

    #[test]
    fn additions_average_reductions_realise_and_a_flip_reopens() {
        let book = HedgeLedger::default();
        // Short 10 lots at 150, then 10 more at 160: entry 155.
        let book = book.record(10 * LOT as i64, price(150), LOT).unwrap();
        let book = book.record(10 * LOT as i64, price(160), LOT).unwrap();
        assert_eq!((book.position, book.entry_price), (20_000, price(155)));
        // Worth (155 − 150)·20 = 100 at 150.
        assert_eq!(book.unrealized_pnl(price(150), LOT).unwrap(), 100);
        // Buy back 5 lots at 145: realises (155 − 145)·5 = 50; entry unchanged.
        let book = book.record(-5 * LOT as i64, price(145), LOT).unwrap();
        assert_eq!(
            (book.position, book.entry_price, book.realized_pnl),
            (15_000, price(155), 50)
        );
        // Buy 25 lots at 165: closes 15 at a loss of (155 − 165)·15 = −150, opens 10 long at 165.
        let book = book.record(-25 * LOT as i64, price(165), LOT).unwrap();
        assert_eq!(
            (book.position, book.entry_price, book.realized_pnl),
            (-10_000, price(165), -100)
        );
        // A long is worth (p − entry): at 170, +50.
        assert_eq!(book.unrealized_pnl(price(170), LOT).unwrap(), 50);
        // Closing exactly flattens the book.
        let book = book.record(10 * LOT as i64, price(160), LOT).unwrap();
        assert_eq!(
            (book.position, book.entry_price, book.realized_pnl),
            (0, LotPrice::ZERO, -150)
        );
        assert_eq!(book.unrealized_pnl(price(1), LOT).unwrap(), 0);
        assert_eq!(book.record(0, price(1), LOT).unwrap(), book);
    }
}
