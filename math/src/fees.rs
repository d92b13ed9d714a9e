//! Trading fees, charged in the input token on top of the model's spread.
//!
//! The fee rounds up (the pool never undercharges); the protocol's share of it rounds down
//! (the LPs' part is never shortchanged). All integer; nothing is lost: `lp + protocol = fee`.

use crate::error::{ensure, MathErrorKind, Result};
use crate::fixed::Rounding;
use crate::integer::mul_div_u64;

/// One basis point is 1/10 000.
pub const BPS_DENOMINATOR: u64 = 10_000;
/// Highest fee rate accepted: 10%.
pub const MAX_FEE_BPS: u16 = 1_000;

/// Fee rate and the protocol's share of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSchedule {
    /// Fee, in basis points of the input amount.
    pub fee_bps: u16,
    /// Protocol's share of the fee, in basis points of the fee.
    pub protocol_share_bps: u16,
}

/// A fee split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fee {
    /// Total fee, in input-token atoms.
    pub total: u64,
    /// The protocol's part of `total`.
    pub protocol: u64,
}

impl FeeSchedule {
    /// Checks `fee_bps ≤ MAX_FEE_BPS` and `protocol_share_bps ≤ 10 000`.
    #[track_caller]
    pub fn validate(&self) -> Result<()> {
        ensure(
            self.fee_bps <= MAX_FEE_BPS && u64::from(self.protocol_share_bps) <= BPS_DENOMINATOR,
            MathErrorKind::InvalidParameter,
        )
    }

    #[track_caller]
    fn split(&self, total: u64) -> Result<Fee> {
        let protocol = mul_div_u64(
            total,
            u64::from(self.protocol_share_bps),
            BPS_DENOMINATOR,
            Rounding::Down,
        )?;
        Ok(Fee { total, protocol })
    }

    /// The fee on a gross input: `⌈gross · fee_bps / 10 000⌉`.
    #[track_caller]
    pub fn fee_on_gross(&self, gross_in: u64) -> Result<Fee> {
        self.validate()?;
        let total = mul_div_u64(
            gross_in,
            u64::from(self.fee_bps),
            BPS_DENOMINATOR,
            Rounding::Up,
        )?;
        self.split(total)
    }

    /// The gross input whose fee leaves at least `net_in` for the curve:
    /// `⌈net · 10 000 / (10 000 − fee_bps)⌉`, and the fee it carries.
    #[track_caller]
    pub fn gross_up(&self, net_in: u64) -> Result<(u64, Fee)> {
        self.validate()?;
        let kept = BPS_DENOMINATOR.saturating_sub(u64::from(self.fee_bps));
        let gross = mul_div_u64(net_in, BPS_DENOMINATOR, kept, Rounding::Up)?;
        // The gross-up rounds up, so the fee computed on it may leave one atom more than
        // `net_in`; charging `gross − net_in` keeps the identity `gross = net + fee` exact.
        let total = gross.saturating_sub(net_in);
        Ok((gross, self.split(total)?))
    }
}
