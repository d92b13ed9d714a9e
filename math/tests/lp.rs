//! LP share accounting: first deposit, later deposits, withdrawals, locked shares.

use homeostat_math::lp::{
    deposit_amounts, total_shares, withdraw_amounts, DepositAmounts, WithdrawAmounts, LOCKED_SHARES,
};
use homeostat_math::{BaseAtoms, MathErrorKind, QuoteAtoms, Reserves};

const POOL: Reserves = Reserves {
    base: BaseAtoms::new(1_000_000),
    quote: QuoteAtoms::new(4_000_000),
};

#[test]
fn first_deposit_locks_shares_and_sets_the_ratio() {
    let first = deposit_amounts(
        Reserves::default(),
        0,
        false,
        BaseAtoms::new(1_000_000),
        QuoteAtoms::new(4_000_000),
    )
    .unwrap();
    assert_eq!(
        first,
        DepositAmounts {
            base: BaseAtoms::new(1_000_000),
            quote: QuoteAtoms::new(4_000_000),
            shares: 2_000_000 - LOCKED_SHARES
        }
    );
    assert!(
        deposit_amounts(
            Reserves::default(),
            0,
            false,
            BaseAtoms::new(30),
            QuoteAtoms::new(30)
        )
        .unwrap_err()
        .kind
            == MathErrorKind::ZeroShares,
        "√900 < locked shares"
    );
    assert_eq!(
        deposit_amounts(
            Reserves::default(),
            0,
            false,
            BaseAtoms::new(0),
            QuoteAtoms::new(30)
        )
        .unwrap_err()
        .kind,
        MathErrorKind::ZeroAmount
    );
}

#[test]
fn later_deposits_follow_the_ratio_and_round_for_the_pool() {
    let supply = 2_000_000 - LOCKED_SHARES;
    // Offer 10% of each side: shares = 10% of the total, amounts exactly 10%.
    let deposit = deposit_amounts(
        POOL,
        supply,
        true,
        BaseAtoms::new(100_000),
        QuoteAtoms::new(1_000_000),
    )
    .unwrap();
    assert_eq!(
        deposit,
        DepositAmounts {
            base: BaseAtoms::new(100_000),
            quote: QuoteAtoms::new(400_000),
            shares: 200_000
        }
    );
    // Amounts in round up.
    let odd = deposit_amounts(
        POOL,
        supply,
        true,
        BaseAtoms::new(7),
        QuoteAtoms::new(1_000_000),
    )
    .unwrap();
    assert_eq!(odd.shares, 14);
    assert_eq!((odd.base.get(), odd.quote.get()), (7, 28));
    assert_eq!(
        deposit_amounts(POOL, supply, true, BaseAtoms::new(0), QuoteAtoms::new(1))
            .unwrap_err()
            .kind,
        MathErrorKind::ZeroShares
    );
}

#[test]
fn withdrawals_are_pro_rata_and_round_down() {
    let supply = 2_000_000 - LOCKED_SHARES;
    let out = withdraw_amounts(POOL, supply, true, 3).unwrap();
    assert_eq!(
        out,
        WithdrawAmounts {
            base: BaseAtoms::new(1),
            quote: QuoteAtoms::new(6)
        }
    );
    let everything = withdraw_amounts(POOL, supply, true, supply).unwrap();
    assert!(
        everything.base < POOL.base && everything.quote < POOL.quote,
        "locked shares keep their part"
    );
    assert_eq!(
        withdraw_amounts(POOL, supply, true, supply + 1)
            .unwrap_err()
            .kind,
        MathErrorKind::InsufficientLiquidity
    );
    assert_eq!(
        withdraw_amounts(POOL, supply, true, 0).unwrap_err().kind,
        MathErrorKind::ZeroAmount
    );
}

#[test]
fn locked_shares_outlive_every_minted_share() {
    // All minted shares burned: the locked shares still own what is left, so the next
    // depositor buys in at the pool's ratio instead of resetting it.
    let leftover = Reserves {
        base: BaseAtoms::new(500),
        quote: QuoteAtoms::new(2_000),
    };
    let deposit = deposit_amounts(
        leftover,
        0,
        true,
        BaseAtoms::new(500),
        QuoteAtoms::new(2_000),
    )
    .unwrap();
    assert_eq!(deposit.shares, LOCKED_SHARES);
    assert_eq!(total_shares(0, true).unwrap(), LOCKED_SHARES);
    assert_eq!(total_shares(7, false).unwrap(), 7);
}
