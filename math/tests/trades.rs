//! Sized trades: hand-computed amounts, the float reference, and the economic properties
//! a user relies on (splitting never helps, round trips never gain, exact-in and exact-out
//! agree, everything rounds toward the pool).

mod common;
#[path = "trades/reference.rs"]
mod reference;

use common::fx;
use homeostat_math::{
    BaseAtoms, ConstantProductCurve, Curve, Direction, Fixed, LinearCurve, MathErrorKind,
    PrintDepth, QuoteAtoms, Reserves,
};
use proptest::prelude::*;
use reference::{
    base_slack, end_ask, end_bid, reference_buy_exact_in, reference_buy_exact_out,
    reference_sell_exact_in,
};

fn curve(mid: i64, half_spread: f64, skew: f64, lot: u64) -> LinearCurve {
    LinearCurve {
        mid: Fixed::from_int(mid),
        half_spread: fx(half_spread),
        skew: fx(skew),
        skew_low: fx(skew),
        lot,
        mid_guard: false,
        depth: PrintDepth::NONE,
    }
}

#[test]
fn hand_computed_linear_trades_in_all_four_forms() {
    // mid 100, half-spread 1, skew 0.5 per unit, q = 0.
    for lot in [1u64, 1_000, 1_000_000_000] {
        let c = curve(100, 1.0, 0.5, lot);
        // Sell 10 units: average bid at q = 5 is 100 − 1 − 2.5 = 96.5 → 965.
        assert_eq!(
            c.sell_base_exact_in(0, BaseAtoms::new(10 * lot))
                .unwrap()
                .get(),
            965,
            "lot {lot}"
        );
        // Buy 10 units: average ask at q = −5 is 101 + 2.5 = 103.5 → 1035.
        assert_eq!(
            c.buy_base_exact_out(0, BaseAtoms::new(10 * lot))
                .unwrap()
                .get(),
            1035,
            "lot {lot}"
        );
        // The inverse problems, solved in closed form: √(101² + 1035) = 106, √(99² − 965) = 94.
        assert_eq!(
            c.buy_base_exact_in(0, QuoteAtoms::new(1035)).unwrap().get(),
            10 * lot,
            "lot {lot}"
        );
        assert_eq!(
            c.sell_base_exact_out(0, QuoteAtoms::new(965))
                .unwrap()
                .get(),
            10 * lot,
            "lot {lot}"
        );
    }
}

#[test]
fn trades_round_toward_the_pool() {
    // mid 1, no spread or skew, lot 3: one base atom is worth 1/3 quote atom.
    let c = curve(1, 0.0, 0.0, 3);
    assert_eq!(
        c.sell_base_exact_in(0, BaseAtoms::new(1)).unwrap().get(),
        0,
        "0.33 out rounds down"
    );
    assert_eq!(
        c.buy_base_exact_out(0, BaseAtoms::new(1)).unwrap().get(),
        1,
        "0.33 in rounds up"
    );
    assert_eq!(c.buy_base_exact_in(0, QuoteAtoms::new(1)).unwrap().get(), 3);
    assert_eq!(
        c.sell_base_exact_out(0, QuoteAtoms::new(1)).unwrap().get(),
        3
    );
    assert_eq!(
        c.buy_base_exact_out(0, BaseAtoms::new(4)).unwrap().get(),
        2,
        "1.33 in rounds up"
    );
    assert_eq!(
        c.sell_base_exact_in(0, BaseAtoms::new(5)).unwrap().get(),
        1,
        "1.67 out rounds down"
    );
}

#[test]
fn the_quote_must_stay_positive_along_the_path() {
    // bid(q) = 99 − q: selling 99 units from 0 reaches a zero bid.
    let c = curve(100, 1.0, 1.0, 1);
    assert!(c.sell_base_exact_in(0, BaseAtoms::new(98)).is_ok());
    assert_eq!(
        c.sell_base_exact_in(0, BaseAtoms::new(99))
            .unwrap_err()
            .kind,
        MathErrorKind::QuoteNotPositive
    );
    assert_eq!(
        c.max_base_before_zero_quote(Direction::BaseToQuote, 0)
            .unwrap()
            .get(),
        98
    );
    assert_eq!(
        c.max_base_before_zero_quote(Direction::QuoteToBase, 0)
            .unwrap()
            .get(),
        u64::MAX
    );
    // The most the bid can pay is the area under it: 99²/2 = 4900.5.
    assert!(c.sell_base_exact_out(0, QuoteAtoms::new(4_900)).is_ok());
    assert_eq!(
        c.sell_base_exact_out(0, QuoteAtoms::new(4_901))
            .unwrap_err()
            .kind,
        MathErrorKind::QuoteNotPositive
    );
    // Deep long inventory: the ask itself is below zero, nothing can be bought there.
    assert_eq!(
        c.buy_base_exact_out(200, BaseAtoms::new(1))
            .unwrap_err()
            .kind,
        MathErrorKind::QuoteNotPositive
    );
    assert_eq!(
        c.buy_base_exact_in(200, QuoteAtoms::new(1))
            .unwrap_err()
            .kind,
        MathErrorKind::QuoteNotPositive
    );
    assert_eq!(
        c.sell_base_exact_out(150, QuoteAtoms::new(1))
            .unwrap_err()
            .kind,
        MathErrorKind::QuoteNotPositive
    );
}

#[test]
fn constant_product_hand_computed() {
    let c = ConstantProductCurve {
        reserves: Reserves {
            base: BaseAtoms::new(1_000),
            quote: QuoteAtoms::new(100_000),
        },
    };
    assert_eq!(
        c.exact_in(Direction::BaseToQuote.input(100)).unwrap().get(),
        9_090
    ); // 9090.9
    assert_eq!(
        c.exact_out(Direction::BaseToQuote.output(9_090))
            .unwrap()
            .get(),
        100
    ); // 99.989 → 100
    assert_eq!(
        c.exact_in(Direction::QuoteToBase.input(10_000))
            .unwrap()
            .get(),
        90
    ); // 90.9
    assert_eq!(
        c.exact_out(Direction::QuoteToBase.output(90))
            .unwrap()
            .get(),
        9_891
    ); // 9890.1 → 9891
    assert_eq!(
        c.exact_out(Direction::QuoteToBase.output(1_000))
            .unwrap_err()
            .kind,
        MathErrorKind::InsufficientLiquidity
    );
    let empty = ConstantProductCurve {
        reserves: Reserves {
            base: BaseAtoms::new(0),
            quote: QuoteAtoms::new(5),
        },
    };
    assert_eq!(
        empty
            .exact_in(Direction::BaseToQuote.input(1))
            .unwrap_err()
            .kind,
        MathErrorKind::InsufficientLiquidity
    );
    let curve = Curve::ConstantProduct(c);
    assert_eq!(
        curve
            .exact_in(Direction::BaseToQuote.input(100), 12_345)
            .unwrap()
            .get(),
        9_090,
        "inventory does not matter"
    );
}

#[test]
fn overflow_sized_inputs_are_errors_not_panics() {
    let c = curve(1_000_000, 1.0, 10.0, 1);
    assert_eq!(
        c.buy_base_exact_out(0, BaseAtoms::new(u64::MAX))
            .unwrap_err()
            .kind,
        MathErrorKind::Overflow
    );
    assert!(c
        .sell_base_exact_in(i128::MAX / 4, BaseAtoms::new(1))
        .is_err());
    assert!(c
        .buy_base_exact_in(0, QuoteAtoms::new(u64::MAX))
        .is_ok_and(|base| !base.is_zero()));
}

#[test]
fn the_mid_guard_keeps_every_trade_on_the_pools_side_of_the_mid() {
    // Pool long 10 units with skew 0.5: the marginal ask is 101 − 5 = 96 < mid.
    let mut c = curve(100, 1.0, 0.5, 1);
    assert_eq!(
        c.buy_base_exact_out(10, BaseAtoms::new(2)).unwrap().get(),
        2 * 96 + 1
    ); // avg ask at q=9: 96.5
    assert_eq!(
        c.buy_base_exact_in(10, QuoteAtoms::new(193)).unwrap().get(),
        2
    );
    c.mid_guard = true;
    assert_eq!(
        c.buy_base_exact_out(10, BaseAtoms::new(2)).unwrap().get(),
        200,
        "never below the mid"
    );
    assert_eq!(
        c.buy_base_exact_in(10, QuoteAtoms::new(193)).unwrap().get(),
        1,
        "193 buys 1.93 at the mid"
    );
    // Pool short 10 units: the marginal bid is 99 + 5 = 104 > mid.
    let mut c = curve(100, 1.0, 0.5, 1);
    assert_eq!(
        c.sell_base_exact_in(-10, BaseAtoms::new(2)).unwrap().get(),
        2 * 104 - 1
    ); // avg bid at q=-9: 103.5
    c.mid_guard = true;
    assert_eq!(
        c.sell_base_exact_in(-10, BaseAtoms::new(2)).unwrap().get(),
        200,
        "never above the mid"
    );
    assert_eq!(
        c.sell_base_exact_out(-10, QuoteAtoms::new(200))
            .unwrap()
            .get(),
        2
    );
    // Where the quotes do not cross the mid the guard changes nothing.
    let plain = curve(100, 1.0, 0.5, 1);
    assert_eq!(
        c.sell_base_exact_in(0, BaseAtoms::new(2)).unwrap().get(),
        plain
            .sell_base_exact_in(0, BaseAtoms::new(2))
            .unwrap()
            .get()
    );
}

#[test]
fn the_mid_guard_prices_a_purchase_that_sheds_inventory_past_a_crossed_ask() {
    // bid/ask(q) = 99/101 − q: at q = 200 the marginal ask is −99. A purchase reduces the
    // inventory; with the guard it costs the mid, without it there is no price.
    let mut c = curve(100, 1.0, 1.0, 1);
    assert_eq!(
        c.buy_base_exact_out(200, BaseAtoms::new(10))
            .unwrap_err()
            .kind,
        MathErrorKind::QuoteNotPositive
    );
    c.mid_guard = true;
    assert_eq!(
        c.buy_base_exact_out(200, BaseAtoms::new(10)).unwrap().get(),
        1_000,
        "10 at the mid"
    );
    assert_eq!(
        c.buy_base_exact_in(200, QuoteAtoms::new(1_000))
            .unwrap()
            .get(),
        10,
        "1000 buys 10 at the mid"
    );
    // A purchase so large that the path's average ask passes the mid pays the curve:
    // from q = 200, 390 lots average ask 101 − (200 − 195) = 96 < 100 → mid; 400 lots
    // average 101 − 0 = 101 > 100 → 40 400.
    assert_eq!(
        c.buy_base_exact_out(200, BaseAtoms::new(390))
            .unwrap()
            .get(),
        39_000
    );
    assert_eq!(
        c.buy_base_exact_out(200, BaseAtoms::new(400))
            .unwrap()
            .get(),
        40_400
    );
    assert_eq!(
        c.buy_base_exact_in(200, QuoteAtoms::new(40_400))
            .unwrap()
            .get(),
        400
    );
    // With no skew at all and a crossed ask (impossible from a model, possible by hand).
    let mut flat = curve(100, 1.0, 0.0, 1);
    flat.half_spread = fx(-200.0);
    flat.mid_guard = true;
    assert_eq!(
        flat.buy_base_exact_in(0, QuoteAtoms::new(1_000))
            .unwrap()
            .get(),
        10
    );
}

#[test]
fn prices_up_to_the_domain_maximum_solve_without_overflow() {
    // A 1-BTC lot at $1.09M per BTC in 6-decimal USDC: 2^40 quote atoms per lot, whose
    // square (2^80) is past the 128-bit range. The closed forms never square the price.
    let mid = 1i64 << 40;
    let lot = 100_000_000; // 8 decimals
    let c = LinearCurve {
        mid: Fixed::from_int(mid),
        half_spread: Fixed::from_int(mid / 1_000),
        skew: Fixed::from_int(mid / 10_000),
        skew_low: Fixed::from_int(mid / 10_000),
        lot,
        mid_guard: true,
        depth: PrintDepth::NONE,
    };
    let quote = 5 * mid as u64; // about 5 BTC worth
    let base = c
        .buy_base_exact_in(3 * lot as i128, QuoteAtoms::new(quote))
        .unwrap()
        .get();
    assert!(
        (base as f64 - reference_buy_exact_in(&c, 3 * lot as i128, quote)).abs() <= 2.0,
        "{base}"
    );
    assert!(
        c.buy_base_exact_out(3 * lot as i128, BaseAtoms::new(base))
            .unwrap()
            .get()
            <= quote
    );
    let sold = c
        .sell_base_exact_out(-(lot as i128), QuoteAtoms::new(quote))
        .unwrap()
        .get();
    let paid = c
        .sell_base_exact_in(-(lot as i128), BaseAtoms::new(sold))
        .unwrap()
        .get();
    assert!(paid >= quote, "{sold} base pays {paid} ≥ {quote}");
    assert!(
        c.sell_base_exact_in(-(lot as i128), BaseAtoms::new(sold - 1))
            .unwrap()
            .get()
            <= quote + 1
    );
}

#[test]
fn each_skew_product_takes_the_end_of_its_interval_that_favours_the_pool() {
    // The skew is known to lie in [0.4, 0.6]. Short inventory (q < 0): the smaller skew
    // raises the bid least — the pool pays less; long inventory: the larger skew.
    let mut c = curve(100, 1.0, 0.6, 1);
    c.skew_low = fx(0.4);
    let low = curve(100, 1.0, 0.4, 1);
    let high = curve(100, 1.0, 0.6, 1);
    for q in [-50i128, -3, 0, 3, 50] {
        let paid = c.sell_base_exact_in(q, BaseAtoms::new(4)).unwrap().get();
        assert!(
            paid <= low.sell_base_exact_in(q, BaseAtoms::new(4)).unwrap().get()
                && paid <= high.sell_base_exact_in(q, BaseAtoms::new(4)).unwrap().get(),
            "q {q}"
        );
        let charged = c.buy_base_exact_out(q, BaseAtoms::new(4)).unwrap().get();
        assert!(
            charged >= low.buy_base_exact_out(q, BaseAtoms::new(4)).unwrap().get()
                && charged >= high.buy_base_exact_out(q, BaseAtoms::new(4)).unwrap().get(),
            "q {q}"
        );
        let bought = c.buy_base_exact_in(q, QuoteAtoms::new(400)).unwrap().get();
        assert!(
            bought
                <= low
                    .buy_base_exact_in(q, QuoteAtoms::new(400))
                    .unwrap()
                    .get()
                && bought
                    <= high
                        .buy_base_exact_in(q, QuoteAtoms::new(400))
                        .unwrap()
                        .get(),
            "q {q}"
        );
        let given = c
            .sell_base_exact_out(q, QuoteAtoms::new(300))
            .unwrap()
            .get();
        assert!(
            given
                >= low
                    .sell_base_exact_out(q, QuoteAtoms::new(300))
                    .unwrap()
                    .get()
                && given
                    >= high
                        .sell_base_exact_out(q, QuoteAtoms::new(300))
                        .unwrap()
                        .get(),
            "q {q}"
        );
    }
    // Short 50 with the interval: the average bid at q = −48 uses 0.4 → 99 + 19.2.
    assert_eq!(
        c.sell_base_exact_in(-50, BaseAtoms::new(4)).unwrap().get(),
        472
    );
}

/// A random linear curve and a pre-trade inventory, in the documented domain.
fn market() -> impl Strategy<Value = (LinearCurve, i128)> {
    (
        1.0f64..1.0e6,
        0.0f64..0.05,
        0.0f64..0.01,
        prop_oneof![
            Just(1u64),
            Just(1_000),
            Just(1_000_000),
            Just(1_000_000_000)
        ],
        -100.0f64..100.0,
        any::<bool>(),
        prop_oneof![Just(0.0f64), 0.0f64..0.01],
        (-20.0f64..20.0, -20.0f64..20.0),
    )
        .prop_map(
            |(
                mid,
                spread_frac,
                skew_frac,
                lot,
                q_lots,
                mid_guard,
                slope_frac,
                (sell_left, buy_left),
            )| {
                let curve = LinearCurve {
                    mid: fx(mid),
                    half_spread: fx(mid * spread_frac),
                    skew: fx(mid * skew_frac),
                    skew_low: fx(mid * skew_frac),
                    lot,
                    mid_guard,
                    depth: PrintDepth {
                        slope: fx(mid * slope_frac),
                        left: [sell_left, buy_left].map(|lots| (lots * lot as f64) as i128),
                    },
                };
                (curve, (q_lots * lot as f64) as i128)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every form within 1e-9 relative (+1 atom of rounding) of the float reference, and
    /// never on the trader's side of it beyond 1e-9 relative.
    #[test]
    fn amounts_match_the_float_reference((c, q) in market(), lots in 0.001f64..50.0) {
        let base = ((lots * c.lot as f64) as u64).max(1);
        // The curve and the depth premium each round by up to an atom.
        let atoms = if c.depth.slope.is_zero() { 1.0 } else { 2.0 };
        if let Ok(out) = c.sell_base_exact_in(q, BaseAtoms::new(base)).map(|atoms| atoms.get()) {
            let expected = reference_sell_exact_in(&c, q, base).max(0.0);
            prop_assert!(out as f64 <= expected * (1.0 + 1e-9) + 1e-6, "out {out} > {expected}");
            prop_assert!(out as f64 >= expected * (1.0 - 1e-9) - atoms, "out {out} << {expected}");
        }
        let cost = c.buy_base_exact_out(q, BaseAtoms::new(base)).unwrap().get();
        let expected = reference_buy_exact_out(&c, q, base);
        prop_assert!(cost as f64 >= expected * (1.0 - 1e-9) - 1e-6, "cost {cost} < {expected}");
        prop_assert!(cost as f64 <= expected * (1.0 + 1e-9) + atoms, "cost {cost} >> {expected}");
        let bought = c.buy_base_exact_in(q, QuoteAtoms::new(cost)).unwrap().get();
        let expected = reference_buy_exact_in(&c, q, cost);
        prop_assert!(bought as f64 <= expected * (1.0 + 1e-9) + 1e-6, "bought {bought} > {expected}");
        prop_assert!(bought as f64 >= expected * (1.0 - 1e-9) - base_slack(&c, end_ask(&c, q, base)), "bought {bought} << {expected}");
    }

    /// Selling in N pieces never pays more than selling at once; buying in N pieces never
    /// costs less. (With a linear skew the exact integrals are equal; rounding decides.)
    #[test]
    fn splitting_a_trade_never_beats_doing_it_at_once((c, q) in market(), lots in 0.01f64..20.0, pieces in 2usize..8) {
        let total = ((lots * c.lot as f64) as u64).max(pieces as u64);
        let piece = total / pieces as u64;
        let sizes: Vec<u64> = (0..pieces).map(|i| if i + 1 == pieces { total - piece * (pieces as u64 - 1) } else { piece }).collect();
        if let Ok(at_once) = c.sell_base_exact_in(q, BaseAtoms::new(total)).map(|atoms| atoms.get()) {
            let (mut inventory, mut curve) = (q, c);
            let mut split = 0u64;
            for size in &sizes {
                split += curve.sell_base_exact_in(inventory, BaseAtoms::new(*size)).unwrap().get();
                inventory += i128::from(*size);
                curve.depth.left[0] -= i128::from(*size);
            }
            prop_assert!(split <= at_once, "sell split {split} > at once {at_once}");
        }
        let at_once = c.buy_base_exact_out(q, BaseAtoms::new(total)).unwrap().get();
        let (mut inventory, mut curve) = (q, c);
        let mut split = 0u64;
        for size in &sizes {
            split += curve.buy_base_exact_out(inventory, BaseAtoms::new(*size)).unwrap().get();
            inventory -= i128::from(*size);
            curve.depth.left[1] -= i128::from(*size);
        }
        prop_assert!(split >= at_once, "buy split {split} < at once {at_once}");
    }

    /// A round trip never makes money, whichever leg comes first and whichever form.
    #[test]
    fn a_round_trip_never_gains((c, q) in market(), lots in 0.001f64..20.0) {
        let base = ((lots * c.lot as f64) as u64).max(1);
        // Sell exactly `base`, then buy exactly `base` back.
        if let Ok(received) = c.sell_base_exact_in(q, BaseAtoms::new(base)).map(|atoms| atoms.get()) {
            let paid = c.buy_base_exact_out(q + i128::from(base), BaseAtoms::new(base)).unwrap().get();
            prop_assert!(paid >= received, "sold for {received}, bought back for {paid}");
        }
        // Spend quote on base (exact-in), then sell that base straight back.
        let spend = c.buy_base_exact_out(q, BaseAtoms::new(base)).unwrap().get();
        let got = c.buy_base_exact_in(q, QuoteAtoms::new(spend)).unwrap().get();
        if let Ok(back) = c.sell_base_exact_in(q - i128::from(got), BaseAtoms::new(got)).map(|atoms| atoms.get()) {
            prop_assert!(back <= spend, "spent {spend}, got back {back}");
        }
    }

    /// exact-in and exact-out agree: the exact-out price of what exact-in paid is no more
    /// than what was given, and what exact-out charges delivers at least what was asked.
    #[test]
    fn exact_in_and_exact_out_are_consistent((c, q) in market(), lots in 0.001f64..20.0) {
        let base = ((lots * c.lot as f64) as u64).max(1);
        if let Ok(quote_out) = c.sell_base_exact_in(q, BaseAtoms::new(base)).map(|atoms| atoms.get()) {
            if quote_out > 0 {
                let needed = c.sell_base_exact_out(q, QuoteAtoms::new(quote_out)).unwrap().get();
                prop_assert!(needed as f64 <= base as f64 + base_slack(&c, end_bid(&c, q, base)), "exact-out wants {needed} for what {base} already bought");
                let delivered = c.sell_base_exact_in(q, BaseAtoms::new(needed)).unwrap().get();
                prop_assert!(delivered >= quote_out, "paying {needed} delivers {delivered} < {quote_out}");
            }
        }
        let cost = c.buy_base_exact_out(q, BaseAtoms::new(base)).unwrap().get();
        let bought = c.buy_base_exact_in(q, QuoteAtoms::new(cost)).unwrap().get();
        // `cost` was rounded up, so it may buy a little more than `base`, never less
        // (beyond the inverse's rounding) — and never more than it pays for.
        let slack = base_slack(&c, end_ask(&c, q, base));
        prop_assert!(bought as f64 + slack >= base as f64, "exact-in for {cost} gives {bought} < {base}");
        prop_assert!(c.buy_base_exact_out(q, BaseAtoms::new(bought)).unwrap().get() <= cost);
    }

    /// No input panics: arbitrary bits in every field.
    #[test]
    fn no_panic_for_arbitrary_inputs(mid in any::<i128>(), h in any::<i128>(), k in any::<i128>(), lot in any::<u64>(), q in any::<i128>(), amount in any::<u64>(), base in any::<u64>(), quote in any::<u64>(), guard in any::<bool>(), slope in any::<i128>(), left in any::<[i128; 2]>()) {
        let c = LinearCurve { mid: Fixed::from_bits(mid), half_spread: Fixed::from_bits(h), skew: Fixed::from_bits(k), skew_low: Fixed::from_bits(k), lot, mid_guard: guard, depth: PrintDepth { slope: Fixed::from_bits(slope), left } };
        let _ = c.sell_base_exact_in(q, BaseAtoms::new(amount));
        let _ = c.sell_base_exact_out(q, QuoteAtoms::new(amount));
        let _ = c.buy_base_exact_in(q, QuoteAtoms::new(amount));
        let _ = c.buy_base_exact_out(q, BaseAtoms::new(amount));
        let _ = c.max_base_before_zero_quote(Direction::BaseToQuote, q);
        let cp = ConstantProductCurve { reserves: Reserves { base: BaseAtoms::new(base), quote: QuoteAtoms::new(quote) } };
        let _ = cp.exact_in(Direction::QuoteToBase.input(amount));
        let _ = cp.exact_out(Direction::BaseToQuote.output(amount));
    }

    /// The size `max_base_before_zero_quote` reports is exactly the largest sale the
    /// positivity check accepts: it sells, one atom more does not.
    #[test]
    fn the_largest_sale_before_a_zero_bid_is_exact(mid in 1i128..(1i128 << 60), h in 0i128..(1i128 << 50), k in 1i128..(1i128 << 56), lot in 1u64..1_000_000_000, q in -(1i128 << 40)..(1i128 << 40), slope in prop_oneof![Just(0i128), 0i128..(1i128 << 56)], left in -(1i128 << 40)..(1i128 << 40)) {
        let c = LinearCurve { mid: Fixed::from_bits(mid << 20), half_spread: Fixed::from_bits(h), skew: Fixed::from_bits(k), skew_low: Fixed::from_bits(k), lot, mid_guard: false, depth: PrintDepth { slope: Fixed::from_bits(slope), left: [left, 0] } };
        let Ok(largest) = c.max_base_before_zero_quote(Direction::BaseToQuote, q).map(BaseAtoms::get) else {
            return Ok(());
        };
        prop_assume!(largest < u64::MAX);
        if largest > 0 {
            let result = c.sell_base_exact_in(q, BaseAtoms::new(largest));
            prop_assert!(
                !matches!(result, Err(ref e) if e.kind == MathErrorKind::QuoteNotPositive),
                "{largest}: {result:?}"
            );
        }
        let beyond = c.sell_base_exact_in(q, BaseAtoms::new(largest + 1));
        prop_assert!(
            matches!(beyond, Err(ref e) if e.kind == MathErrorKind::QuoteNotPositive),
            "{}: {beyond:?}", largest + 1
        );
    }
}
