//! LP share accounting, pure: how many shares a deposit mints and what a withdrawal pays.
//!
//! Total shares are the LP mint's supply plus `LOCKED_SHARES`, which the first deposit
//! locks forever without minting them. Shares minted round down, amounts paid in round
//! up, amounts paid out round down: every rounding favours the pool's existing LPs.

use anchor_lang::prelude::*;
use homeostat_math::{mul_div_u64, Reserves, Rounding};

use crate::errors::MathResultExt;

use crate::constants::LOCKED_SHARES;
use crate::errors::HomeostatError;

/// What a deposit moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositAmounts {
    /// Base atoms in.
    pub base: u64,
    /// Quote atoms in.
    pub quote: u64,
    /// Shares minted to the depositor.
    pub shares: u64,
}

/// What a withdrawal pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawAmounts {
    /// Base atoms out.
    pub base: u64,
    /// Quote atoms out.
    pub quote: u64,
}

/// Total share supply: minted shares plus the locked ones once the first deposit has
/// locked them (they stay locked even if every minted share is later burned).
pub fn total_shares(lp_supply: u64, locked: bool) -> Result<u64> {
    if !locked {
        return Ok(lp_supply);
    }
    lp_supply
        .checked_add(LOCKED_SHARES)
        .ok_or_else(|| error!(HomeostatError::MathOverflow))
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
    max_base: u64,
    max_quote: u64,
) -> Result<DepositAmounts> {
    require!(max_base > 0 || max_quote > 0, HomeostatError::ZeroAmount);
    if !locked {
        require!(max_base > 0 && max_quote > 0, HomeostatError::ZeroAmount);
        let root = (u128::from(max_base) * u128::from(max_quote)).isqrt();
        let root = u64::try_from(root).map_err(|_| error!(HomeostatError::MathOverflow))?;
        let shares = root
            .checked_sub(LOCKED_SHARES)
            .filter(|shares| *shares > 0)
            .ok_or(HomeostatError::ZeroShares)?;
        return Ok(DepositAmounts {
            base: max_base,
            quote: max_quote,
            shares,
        });
    }
    let supply = total_shares(lp_supply, locked)?;
    let mut shares = u64::MAX;
    for (max, reserve) in [(max_base, reserves.base), (max_quote, reserves.quote)] {
        if reserve > 0 {
            shares = shares.min(mul_div_u64(max, supply, reserve, Rounding::Down).math()?);
        }
    }
    require!(shares != u64::MAX && shares > 0, HomeostatError::ZeroShares);
    Ok(DepositAmounts {
        base: mul_div_u64(shares, reserves.base, supply, Rounding::Up).math()?,
        quote: mul_div_u64(shares, reserves.quote, supply, Rounding::Up).math()?,
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
    require!(shares > 0, HomeostatError::ZeroAmount);
    require!(shares <= lp_supply, HomeostatError::InsufficientLiquidity);
    let supply = total_shares(lp_supply, locked)?;
    Ok(WithdrawAmounts {
        base: mul_div_u64(shares, reserves.base, supply, Rounding::Down).math()?,
        quote: mul_div_u64(shares, reserves.quote, supply, Rounding::Down).math()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: Reserves = Reserves {
        base: 1_000_000,
        quote: 4_000_000,
    };

    #[test]
    fn first_deposit_locks_shares_and_sets_the_ratio() {
        let first = deposit_amounts(Reserves::default(), 0, false, 1_000_000, 4_000_000).unwrap();
        assert_eq!(
            first,
            DepositAmounts {
                base: 1_000_000,
                quote: 4_000_000,
                shares: 2_000_000 - LOCKED_SHARES
            }
        );
        assert!(
            deposit_amounts(Reserves::default(), 0, false, 30, 30).is_err(),
            "√900 < locked shares"
        );
        assert!(deposit_amounts(Reserves::default(), 0, false, 0, 30).is_err());
    }

    #[test]
    fn later_deposits_follow_the_ratio_and_round_for_the_pool() {
        let supply = 2_000_000 - LOCKED_SHARES;
        // Offer 10% of each side: shares = 10% of the total, amounts exactly 10%.
        let deposit = deposit_amounts(POOL, supply, true, 100_000, 1_000_000).unwrap();
        assert_eq!(
            deposit,
            DepositAmounts {
                base: 100_000,
                quote: 400_000,
                shares: 200_000
            }
        );
        // Amounts in round up.
        let odd = deposit_amounts(POOL, supply, true, 7, 1_000_000).unwrap();
        assert_eq!(odd.shares, 14);
        assert_eq!((odd.base, odd.quote), (7, 28));
        assert_eq!(
            deposit_amounts(POOL, supply, true, 0, 1).unwrap_err(),
            error!(HomeostatError::ZeroShares)
        );
    }

    #[test]
    fn withdrawals_are_pro_rata_and_round_down() {
        let supply = 2_000_000 - LOCKED_SHARES;
        let out = withdraw_amounts(POOL, supply, true, 3).unwrap();
        assert_eq!(out, WithdrawAmounts { base: 1, quote: 6 });
        let everything = withdraw_amounts(POOL, supply, true, supply).unwrap();
        assert!(
            everything.base < POOL.base && everything.quote < POOL.quote,
            "locked shares keep their part"
        );
        assert!(withdraw_amounts(POOL, supply, true, supply + 1).is_err());
        assert!(withdraw_amounts(POOL, supply, true, 0).is_err());
    }

    #[test]
    fn locked_shares_outlive_every_minted_share() {
        // All minted shares burned: the locked shares still own what is left, so the next
        // depositor buys in at the pool's ratio instead of resetting it.
        let leftover = Reserves {
            base: 500,
            quote: 2_000,
        };
        let deposit = deposit_amounts(leftover, 0, true, 500, 2_000).unwrap();
        assert_eq!(deposit.shares, LOCKED_SHARES);
        assert_eq!(total_shares(0, true).unwrap(), LOCKED_SHARES);
        assert_eq!(total_shares(7, false).unwrap(), 7);
    }
}
