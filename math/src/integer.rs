//! Integer-atom arithmetic with named rounding: the one mul-div of fees, LP shares and
//! amounts.

use crate::error::{MathErrorKind, OrMathError, Result};
use crate::fixed::Rounding;
use crate::ops::{record, Op};
use crate::wide::div_rem;

/// `value · numerator / denominator` in atoms, rounded as asked, through a `u128`
/// product (exact: two `u64`s always fit). `DivisionByZero` for a zero denominator,
/// `Overflow` when the quotient does not fit a `u64`. The one atom-level mul-div of fees,
/// LP shares and amounts.
#[track_caller]
pub fn mul_div_u64(
    value: u64,
    numerator: u64,
    denominator: u64,
    rounding: Rounding,
) -> Result<u64> {
    let round_up = rounding == Rounding::Up;
    record(Op::Product128);
    let product = u128::from(value).saturating_mul(u128::from(numerator));
    let (quotient, remainder) =
        div_rem(product, u128::from(denominator)).or_math(MathErrorKind::DivisionByZero)?;
    let inexact = remainder != 0;
    let quotient = quotient.saturating_add(u128::from(round_up && inexact));
    u64::try_from(quotient).or_math(MathErrorKind::Overflow)
}
