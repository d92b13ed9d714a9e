//! LP share accounting, pure: how many shares a deposit mints and what a withdrawal pays.
//!
//! Total shares are the LP mint's supply plus `LOCKED_SHARES`, which the first deposit
//! locks forever without minting them. Shares minted round down, amounts paid in round
//! up, amounts paid out round down: every rounding favours the pool's existing LPs.

use crate::error::{ensure, MathErrorKind, OrMathError, Result};
use crate::fixed::Rounding;
use crate::integer::mul_div_u64;
use crate::trade::Reserves;
use crate::units::{BaseAtoms, QuoteAtoms};

/// LP shares locked forever by the first deposit (virtual: counted in the share supply,
/// never minted), so inflating the share price by donation costs the attacker ~all of
/// the donation.
pub const LOCKED_SHARES: u64 = 1_000;

/// What a deposit moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositAmounts {
    /// Base atoms in.
    pub base: BaseAtoms,
    /// Quote atoms in.
    pub quote: QuoteAtoms,
    /// Shares minted to the depositor.
    pub shares: u64,
}

/// What a withdrawal pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawAmounts {
    /// Base atoms out.
    pub base: BaseAtoms,
    /// Quote atoms out.
    pub quote: QuoteAtoms,
}

/// Total share supply: minted shares plus the locked ones once the first deposit has
/// locked them (they stay locked even if every minted share is later burned).
pub fn total_shares(lp_supply: u64, locked: bool) -> Result<u64> {
    if !locked {
        return Ok(lp_supply);
    }
    lp_supply
        .checked_add(LOCKED_SHARES)
        .or_math(MathErrorKind::Overflow)
}

/// The deposit of at most `max_base` / `max_quote` in the pool's current proportions.
///
/// First deposit (shares not yet locked): takes both maxima as given, sets the ratio, and mints
/// `⌊√(base·quote)⌋ − LOCKED_SHARES` shares (error if that is not positive).
/// Later deposits: `shares = min over sides of ⌊max·S/R⌋`, amounts `⌈shares·R/S⌉`.
pub fn deposit_amounts(
    reserves: Reserves,
    lp_supply: u64,
    locked: bool,
    max_base: BaseAtoms,
    max_quote: QuoteAtoms,
) -> Result<DepositAmounts> {
    ensure(
        !max_base.is_zero() || !max_quote.is_zero(),
        MathErrorKind::ZeroAmount,
    )?;
    if !locked {
        ensure(
            !max_base.is_zero() && !max_quote.is_zero(),
            MathErrorKind::ZeroAmount,
        )?;
        // Two u64s always fit a u128 product.
        let root = crate::wide::isqrt_128(
            u128::from(max_base.get()).saturating_mul(u128::from(max_quote.get())),
        );
        let root = u64::try_from(root).or_math(MathErrorKind::Overflow)?;
        let shares = root
            .checked_sub(LOCKED_SHARES)
            .filter(|shares| *shares > 0)
            .or_math(MathErrorKind::ZeroShares)?;
        return Ok(DepositAmounts {
            base: max_base,
            quote: max_quote,
            shares,
        });
    }
    let supply = total_shares(lp_supply, locked)?;
    let mut shares = u64::MAX;
    let sides = [
        (max_base.get(), reserves.base.get()),
        (max_quote.get(), reserves.quote.get()),
    ];
    for (max, reserve) in sides {
        if reserve > 0 {
            shares = shares.min(mul_div_u64(max, supply, reserve, Rounding::Down)?);
        }
    }
    ensure(shares != u64::MAX && shares > 0, MathErrorKind::ZeroShares)?;
    Ok(DepositAmounts {
        base: BaseAtoms::new(mul_div_u64(
            shares,
            reserves.base.get(),
            supply,
            Rounding::Up,
        )?),
        quote: QuoteAtoms::new(mul_div_u64(
            shares,
            reserves.quote.get(),
            supply,
            Rounding::Up,
        )?),
        shares,
    })
}

/// The pro-rata payout for burning `shares`: `⌊shares·R/S⌋` of each side.
pub fn withdraw_amounts(
    reserves: Reserves,
    lp_supply: u64,
    locked: bool,
    shares: u64,
) -> Result<WithdrawAmounts> {
    ensure(shares > 0, MathErrorKind::ZeroAmount)?;
    ensure(shares <= lp_supply, MathErrorKind::InsufficientLiquidity)?;
    let supply = total_shares(lp_supply, locked)?;
    Ok(WithdrawAmounts {
        base: BaseAtoms::new(mul_div_u64(
            shares,
            reserves.base.get(),
            supply,
            Rounding::Down,
        )?),
        quote: QuoteAtoms::new(mul_div_u64(
            shares,
            reserves.quote.get(),
            supply,
            Rounding::Down,
        )?),
    })
}
