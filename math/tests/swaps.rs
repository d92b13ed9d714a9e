//! Whole swaps: fees, limits, balances and the largest trade that fits.

mod common;

use common::fx;
use homeostat_math::{
    BaseAtoms, ConstantProductCurve, Curve, Direction, Fee, FeeSchedule, Fixed, Limits,
    LinearCurve, MathErrorKind, PrintDepth, QuoteAtoms, Reserves, SwapContext,
};
use proptest::prelude::*;

const FEES: FeeSchedule = FeeSchedule {
    fee_bps: 30,
    protocol_share_bps: 2_000,
};

fn context(inventory: i128) -> SwapContext {
    SwapContext {
        // mid 100, half-spread 1, no skew, 1 atom per unit: bid 99, ask 101.
        curve: Curve::Linear(LinearCurve {
            mid: Fixed::from_int(100),
            half_spread: Fixed::ONE,
            skew: Fixed::ZERO,
            skew_low: Fixed::ZERO,
            lot: 1,
            mid_guard: true,
            depth: PrintDepth::NONE,
        }),
        risk_position: inventory,
        position: inventory,
        limits: Limits {
            inventory_cap: BaseAtoms::new(100),
            max_trade_base: BaseAtoms::new(50),
        },
        fees: FEES,
        reserves: Reserves {
            base: BaseAtoms::new(1_000),
            quote: QuoteAtoms::new(100_000),
        },
    }
}

#[test]
fn exact_in_charges_the_fee_on_the_input_and_prices_the_rest() {
    let quote = context(0)
        .quote_exact_in(Direction::BaseToQuote, 40)
        .unwrap();
    // fee ⌈40 · 0.003⌉ = 1, protocol ⌊1 · 0.2⌋ = 0; 39 base at 99.
    assert_eq!(
        quote.fee,
        Fee {
            total: 1,
            protocol: 0
        }
    );
    assert_eq!(
        (quote.amount_in, quote.amount_out, quote.base_amount.get()),
        (40, 39 * 99, 39)
    );
    assert_eq!(
        (quote.gross_position_before, quote.gross_position_after),
        (0, 39)
    );

    let quote = context(0)
        .quote_exact_in(Direction::QuoteToBase, 5_000)
        .unwrap();
    // fee ⌈15⌉ = 15, protocol 3; 4985 quote at 101 buys 49 base (49.36).
    assert_eq!(
        quote.fee,
        Fee {
            total: 15,
            protocol: 3
        }
    );
    assert_eq!(
        (
            quote.amount_out,
            quote.base_amount.get(),
            quote.gross_position_after
        ),
        (49, 49, -49)
    );
}

#[test]
fn exact_out_grosses_up_so_the_fee_is_never_short() {
    let quote = context(0)
        .quote_exact_out(Direction::QuoteToBase, 10)
        .unwrap();
    // 10 base at 101 = 1010 net; gross ⌈1010 / 0.997⌉ = 1014, fee 4 ≥ ⌈1014 · 0.003⌉ = 4.
    assert_eq!(
        (quote.amount_in, quote.fee.total, quote.amount_out),
        (1_014, 4, 10)
    );
    let quote = context(0)
        .quote_exact_out(Direction::BaseToQuote, 990)
        .unwrap();
    // 990 quote at 99 needs 10 base; gross ⌈10 / 0.997⌉ = 11.
    assert_eq!(
        (quote.amount_in, quote.fee.total, quote.base_amount.get()),
        (11, 1, 10)
    );
}

#[test]
fn every_limit_has_its_own_error() {
    let ctx = context(80);
    let error = |result: homeostat_math::Result<_>| {
        result
            .map(|_: homeostat_math::SwapQuote| ())
            .unwrap_err()
            .kind
    };
    assert_eq!(
        error(ctx.quote_exact_in(Direction::BaseToQuote, 0)),
        MathErrorKind::ZeroAmount
    );
    assert_eq!(
        error(ctx.quote_exact_out(Direction::QuoteToBase, 0)),
        MathErrorKind::ZeroAmount
    );
    // 1 atom of quote: QuoteAtoms::new(the fee takes it all.)
    assert_eq!(
        error(ctx.quote_exact_in(Direction::QuoteToBase, 1)),
        MathErrorKind::ZeroAmount
    );
    // 50 quote buys less than one base atom at 101.
    assert_eq!(
        error(ctx.quote_exact_in(Direction::QuoteToBase, 50)),
        MathErrorKind::ZeroAmount
    );
    assert_eq!(
        error(ctx.quote_exact_in(Direction::BaseToQuote, 30)),
        MathErrorKind::InventoryCapExceeded
    );
    assert_eq!(
        error(ctx.quote_exact_in(Direction::BaseToQuote, 60)),
        MathErrorKind::TradeTooLarge
    );
    assert_eq!(
        error(context(-80).quote_exact_out(Direction::QuoteToBase, 30)),
        MathErrorKind::InventoryCapExceeded
    );
    assert_eq!(
        error(ctx.quote_exact_out(Direction::QuoteToBase, 51)),
        MathErrorKind::TradeTooLarge
    );
    let poor = SwapContext {
        reserves: Reserves {
            base: BaseAtoms::new(5),
            quote: QuoteAtoms::new(100),
        },
        ..context(0)
    };
    assert_eq!(
        error(poor.quote_exact_out(Direction::QuoteToBase, 6)),
        MathErrorKind::InsufficientLiquidity
    );
    assert_eq!(
        error(poor.quote_exact_out(Direction::BaseToQuote, 101)),
        MathErrorKind::InsufficientLiquidity
    );
    assert_eq!(
        error(poor.quote_exact_in(Direction::BaseToQuote, 10)),
        MathErrorKind::InsufficientLiquidity
    );
    let bad_fees = SwapContext {
        fees: FeeSchedule {
            fee_bps: 1_001,
            protocol_share_bps: 0,
        },
        ..context(0)
    };
    assert_eq!(
        error(bad_fees.quote_exact_in(Direction::BaseToQuote, 10)),
        MathErrorKind::InvalidParameter
    );
}

#[test]
fn a_trade_that_reduces_inventory_beyond_a_lowered_cap_is_allowed() {
    let limits = Limits {
        inventory_cap: BaseAtoms::new(100),
        max_trade_base: BaseAtoms::new(50),
    };
    assert!(limits
        .check(Direction::QuoteToBase, 150, BaseAtoms::new(10))
        .is_ok());
    assert_eq!(
        limits
            .check(Direction::BaseToQuote, 150, BaseAtoms::new(1))
            .unwrap_err()
            .kind,
        MathErrorKind::InventoryCapExceeded
    );
    // Crossing zero to the other side is limited by the cap there.
    assert!(limits
        .check(Direction::QuoteToBase, 60, BaseAtoms::new(50))
        .is_ok());
    assert_eq!(limits.max_base(Direction::BaseToQuote, 80).get(), 20);
    assert_eq!(limits.max_base(Direction::QuoteToBase, 80).get(), 50);
    assert_eq!(limits.max_base(Direction::BaseToQuote, 150).get(), 0);
}

#[test]
fn max_trade_is_the_largest_trade_that_passes() {
    let ctx = context(80);
    let sell = ctx.max_trade(Direction::BaseToQuote).unwrap().unwrap();
    assert_eq!(sell.base_amount.get(), 20, "the cap binds");
    let (one_more, _) = FEES.gross_up(21).unwrap();
    assert!(ctx
        .quote_exact_in(Direction::BaseToQuote, one_more)
        .is_err());
    let buy = ctx.max_trade(Direction::QuoteToBase).unwrap().unwrap();
    assert_eq!(buy.base_amount.get(), 50, "max trade size binds");
    // Liquidity binds: 1000 quote buys at most 10 base at 99.
    let poor = SwapContext {
        reserves: Reserves {
            base: BaseAtoms::new(5),
            quote: QuoteAtoms::new(1_000),
        },
        ..context(0)
    };
    let sell = poor.max_trade(Direction::BaseToQuote).unwrap().unwrap();
    assert_eq!((sell.base_amount.get(), sell.amount_out), (10, 990));
    assert_eq!(
        poor.max_trade(Direction::QuoteToBase)
            .unwrap()
            .unwrap()
            .base_amount
            .get(),
        5
    );
    assert_eq!(
        context(100).max_trade(Direction::BaseToQuote).unwrap(),
        None
    );
}

#[test]
fn constant_product_swaps_use_the_same_fees_and_limits() {
    let ctx = SwapContext {
        curve: Curve::ConstantProduct(ConstantProductCurve {
            reserves: Reserves {
                base: BaseAtoms::new(1_000),
                quote: QuoteAtoms::new(100_000),
            },
        }),
        ..context(0)
    };
    let quote = ctx.quote_exact_in(Direction::BaseToQuote, 41).unwrap();
    // fee 1; 40 base: BaseAtoms::new(⌊100000·40/1040⌋ = 3846.)
    assert_eq!((quote.fee.total, quote.amount_out), (1, 3_846));
    let buy = ctx.max_trade(Direction::QuoteToBase).unwrap().unwrap();
    assert_eq!(buy.base_amount.get(), 50);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Fee accounting never loses an atom; the max trade always executes and one more atom
    /// of input never does.
    #[test]
    fn swaps_are_consistent(q in -120i128..120, amount in 1u64..20_000, fee_bps in 0u16..=1_000, share in 0u16..=10_000, skew in 0.0f64..0.5, quote_reserve in 0u64..12_000, base_reserve in 0u64..80) {
        let mut ctx = context(q);
        ctx.reserves = Reserves { base: BaseAtoms::new(base_reserve), quote: QuoteAtoms::new(quote_reserve )};
        ctx.fees = FeeSchedule { fee_bps, protocol_share_bps: share };
        ctx.curve = Curve::Linear(LinearCurve { mid: Fixed::from_int(100), half_spread: Fixed::ONE, skew: fx(skew), skew_low: fx(skew), lot: 1, mid_guard: true, depth: PrintDepth::NONE });
        for direction in [Direction::BaseToQuote, Direction::QuoteToBase] {
            if let Ok(quote) = ctx.quote_exact_in(direction, amount) {
                prop_assert!(quote.fee.protocol <= quote.fee.total && quote.fee.total <= quote.amount_in);
                prop_assert!(ctx.limits.check(direction, q, quote.base_amount).is_ok());
            }
            if let Ok(quote) = ctx.quote_exact_out(direction, amount) {
                prop_assert!(quote.fee.total as u128 * 10_000 >= quote.amount_in as u128 * fee_bps as u128);
            }
            if let Some(max) = ctx.max_trade(direction).unwrap() {
                prop_assert!(ctx.limits.check(direction, q, max.base_amount).is_ok());
                let available = if direction == Direction::BaseToQuote { quote_reserve } else { base_reserve };
                prop_assert!(max.amount_out <= available);
                if direction == Direction::BaseToQuote {
                    // The smallest input that would move one more base atom fails.
                    let (gross, _) = ctx.fees.gross_up(max.base_amount.get() + 1).unwrap();
                    prop_assert!(ctx.quote_exact_in(direction, gross).is_err());
                } else {
                    prop_assert!(ctx.quote_exact_out(direction, max.base_amount.get() + 1).is_err());
                }
            }
        }
    }
}

#[test]
fn flow_inventory_is_the_base_held_beyond_the_target_per_share() {
    use homeostat_math::flow_inventory;
    // Target 1 000 base atoms over 400 shares (2.5 per share).
    assert_eq!(
        flow_inventory(BaseAtoms::new(1_000), 400, BaseAtoms::new(1_000), 400).unwrap(),
        0
    );
    assert_eq!(
        flow_inventory(BaseAtoms::new(1_300), 400, BaseAtoms::new(1_000), 400).unwrap(),
        300,
        "long"
    );
    assert_eq!(
        flow_inventory(BaseAtoms::new(700), 400, BaseAtoms::new(1_000), 400).unwrap(),
        -300,
        "short"
    );
    // A pro-rata deposit (base and shares × 3) scales q with the pool.
    assert_eq!(
        flow_inventory(BaseAtoms::new(3_900), 1_200, BaseAtoms::new(1_000), 400).unwrap(),
        900
    );
    // Exact at the target's own depth; elsewhere the target rounds down (under an atom):
    // 1 share of a 1-atom-per-3-shares target is 0.33… atoms, so q is 1.
    assert_eq!(
        flow_inventory(BaseAtoms::new(7), 3, BaseAtoms::new(7), 3).unwrap(),
        0
    );
    assert_eq!(
        flow_inventory(BaseAtoms::new(1), 1, BaseAtoms::new(1), 3).unwrap(),
        1
    );
    // No target yet: nothing to deviate from.
    assert_eq!(
        flow_inventory(BaseAtoms::new(5), 0, BaseAtoms::new(0), 0).unwrap(),
        0
    );
    // No price anywhere: the same reserves at any oracle give the same q.
}

#[test]
fn the_risk_position_credits_part_of_the_hedge_toward_zero() {
    use homeostat_math::risk_position;
    assert_eq!(risk_position(1_000, 600, 0).unwrap(), 1_000, "no credit");
    assert_eq!(
        risk_position(1_000, 600, 10_000).unwrap(),
        400,
        "full credit"
    );
    assert_eq!(risk_position(1_000, 600, 5_000).unwrap(), 700);
    assert_eq!(risk_position(-1_000, -600, 5_000).unwrap(), -700);
    // 333.3 of 1 000 at 33.33 %: the credit rounds toward zero.
    assert_eq!(risk_position(0, 1_000, 3_333).unwrap(), -333);
    assert_eq!(risk_position(0, -1_000, 3_333).unwrap(), 333);
    assert_eq!(
        risk_position(0, 1, 10_001).unwrap_err().kind,
        MathErrorKind::InvalidParameter
    );
}

#[test]
fn the_cap_binds_on_the_gross_position_and_the_curve_prices_the_risk_position() {
    // Gross position at the cap (100), risk position 0 (the hedge is fully credited).
    let mut ctx = context(0);
    ctx.position = 100;
    let refused = ctx.quote_exact_in(Direction::BaseToQuote, 10).unwrap_err();
    assert_eq!(refused.kind, MathErrorKind::InventoryCapExceeded);
    // Selling the pool base reduces the gross position: allowed, priced at the risk
    // position's quotes (no skew here: the ask is 101 per atom).
    let quote = ctx.quote_exact_out(Direction::QuoteToBase, 10).unwrap();
    assert_eq!(
        (quote.gross_position_before, quote.gross_position_after),
        (100, 90)
    );
    let same_curve = context(0)
        .quote_exact_out(Direction::QuoteToBase, 10)
        .unwrap();
    assert_eq!(quote.amount_in, same_curve.amount_in);
    assert_eq!(
        ctx.max_trade(Direction::BaseToQuote).unwrap(),
        None,
        "no room to buy at the cap"
    );
}
