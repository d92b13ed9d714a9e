//! The papers' unit quotes, exactly: with the marginal half-spread `H = c1`, a one-lot
//! trade at inventory q executes at Avellaneda–Stoikov's / GLFT's unit bid
//! `s − c1 − (2q+1)·K/2` and ask `s + c1 − (2q−1)·K/2`, and an n-lot trade costs n
//! successive one-lot trades (up to rounding, in the pool's favour).

mod common;

use common::{f, fx, rel_err};
use homeostat_math::{
    BaseAtoms, Curve, Fixed, InventoryModel, LinearCurve, MarketState, ModelKind, ModelParams,
    PoolModel, Reserves, SpreadConfig, Units,
};
use proptest::prelude::*;

/// 100 quote tokens of 6 decimals per lot: prices in quote atoms per lot are ~1e8, so a
/// one-lot amount carries the paper's quotes to six decimals.
const ATOMS: f64 = 1e6;
const LOT: u64 = 1_000_000_000;

/// Section 4 of Avellaneda & Stoikov (2008) in relative units (the parameters times the
/// mid): γ = 0.1 → 10, k = 1.5 → 150, σ = 2 → σ/s = 0.02, τ = 1.
fn paper_curve(kind: ModelKind, mid_guard: bool) -> (LinearCurve, PoolModel) {
    let model = PoolModel::new(ModelParams {
        kind,
        units: Units::Relative,
        risk_aversion: Fixed::from_int(10),
        order_decay: Fixed::from_int(150),
        arrival_intensity: Fixed::from_int(140),
        horizon: Fixed::ONE,
    })
    .unwrap();
    let market = MarketState {
        mid: Fixed::from_int(100_000_000),
        confidence: Fixed::ZERO,
        variance: fx(0.02 * 0.02),
        age: 0,
    };
    let spread = SpreadConfig {
        min_half_spread: Fixed::ZERO,
        confidence_multiplier: Fixed::ZERO,
        age_multiplier: Fixed::ZERO,
        depth_slope: Fixed::ZERO,
        mid_guard,
    };
    match model
        .curve(&market, &spread, Reserves::default(), LOT)
        .unwrap()
    {
        Curve::Linear(curve) => (curve, model),
        other => panic!("{other:?}"),
    }
}

/// The paper's unit quotes at inventory q (in lots), in quote tokens.
fn paper_unit_quotes(c1: f64, skew: f64, q: f64) -> (f64, f64) {
    (
        100.0 - c1 - (2.0 * q + 1.0) * skew / 2.0,
        100.0 + c1 - (2.0 * q - 1.0) * skew / 2.0,
    )
}

/// At each inventory `qs` (lots), one lot sells to the pool at the paper's unit bid and
/// buys from it at its unit ask, each within one atom toward the pool.
fn assert_unit_trades(curve: &LinearCurve, c1: f64, skew: f64, qs: &[i64]) {
    for &q in qs {
        let (bid, ask) = paper_unit_quotes(c1, skew, q as f64);
        let inventory = i128::from(q) * i128::from(LOT);
        let paid = curve
            .sell_base_exact_in(inventory, BaseAtoms::new(LOT))
            .unwrap()
            .get() as f64
            / ATOMS;
        let charged = curve
            .buy_base_exact_out(inventory, BaseAtoms::new(LOT))
            .unwrap()
            .get() as f64
            / ATOMS;
        assert!(
            paid <= bid && bid - paid < 1.0001e-6,
            "q {q}: {paid} vs {bid}"
        );
        assert!(
            charged >= ask && charged - ask < 1.0001e-6,
            "q {q}: {charged} vs {ask}"
        );
    }
}

#[test]
fn one_lot_trades_at_the_papers_unit_quotes_avellaneda_stoikov() {
    let (curve, _) = paper_curve(ModelKind::AvellanedaStoikov, false);
    // At q = 0: the pool pays 99.154615 for one unit and charges 100.845385 for one.
    let paid = curve
        .sell_base_exact_in(0, BaseAtoms::new(LOT))
        .unwrap()
        .get();
    let charged = curve
        .buy_base_exact_out(0, BaseAtoms::new(LOT))
        .unwrap()
        .get();
    assert_eq!(paid, 99_154_614, "⌊99.154614788⌋ quote atoms");
    assert_eq!(charged, 100_845_386, "⌈100.845385211⌉ quote atoms");
    assert!((paid as f64 / ATOMS - 99.154_615).abs() < 1.0001e-6);
    assert!((charged as f64 / ATOMS - 100.845_385).abs() < 1.0001e-6);
    // The same identity away from zero inventory.
    let c1 = (1.0f64 + 0.1 / 1.5).ln() / 0.1;
    assert_unit_trades(&curve, c1, 0.4, &[-7, -2, 3, 11]);
}

#[test]
fn one_lot_trades_at_the_papers_unit_quotes_glft() {
    let (curve, model) = paper_curve(ModelKind::Glft, false);
    let c1 = (1.0f64 + 0.1 / 1.5).ln() / 0.1;
    let c2 = (0.1 / (2.0 * 140.0 * 1.5) * (1.0f64 + 0.1 / 1.5).powf(1.5 / 0.1 + 1.0)).sqrt();
    // Relative units: σ·c2 with σ = 0.02 and c2 for γ = 10, k = 150, times the mid; the
    // same number as the absolute model's 2·c2(γ = 0.1, k = 1.5).
    let skew = f(curve.skew) / ATOMS;
    assert!(rel_err(skew, 2.0 * c2) < 1e-9, "{skew} vs {}", 2.0 * c2);
    assert!(rel_err(f(model.coefficients.c1) * 100.0, c1) < 1e-9);
    assert_unit_trades(&curve, c1, skew, &[-5, 0, 4]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// An n-lot trade costs what n one-lot trades cost, up to one atom per piece of
    /// rounding — and never less for the pool.
    #[test]
    fn n_lots_cost_n_unit_trades(glft in any::<bool>(), q in -30i64..30, n in 1u64..25, sell in any::<bool>()) {
        let kind = if glft { ModelKind::Glft } else { ModelKind::AvellanedaStoikov };
        let (curve, _) = paper_curve(kind, false);
        let mut inventory = i128::from(q) * i128::from(LOT);
        let at_once = if sell {
            curve.sell_base_exact_in(inventory, BaseAtoms::new(n * LOT)).unwrap().get()
        } else {
            curve.buy_base_exact_out(inventory, BaseAtoms::new(n * LOT)).unwrap().get()
        };
        let mut pieces = 0u64;
        for _ in 0..n {
            if sell {
                pieces += curve.sell_base_exact_in(inventory, BaseAtoms::new(LOT)).unwrap().get();
                inventory += i128::from(LOT);
            } else {
                pieces += curve.buy_base_exact_out(inventory, BaseAtoms::new(LOT)).unwrap().get();
                inventory -= i128::from(LOT);
            }
        }
        let difference = at_once.abs_diff(pieces);
        prop_assert!(difference <= n, "at once {at_once}, in pieces {pieces}");
        // The pool is never worse off trading at once than the exact price says.
        let (paper_bid, paper_ask) = {
            let c1 = (1.0f64 + 0.1 / 1.5).ln() / 0.1;
            let skew = f(curve.skew) / ATOMS;
            let q = q as f64;
            let lots = n as f64;
            // The average of the n unit quotes: the unit quote at the path's midpoint.
            (
                lots * (100.0 - c1 - (2.0 * q + lots) * skew / 2.0),
                lots * (100.0 + c1 - (2.0 * q - lots) * skew / 2.0),
            )
        };
        if sell {
            prop_assert!((at_once as f64 / ATOMS) <= paper_bid + 1e-9);
        } else {
            prop_assert!((at_once as f64 / ATOMS) >= paper_ask - 1e-9);
        }
    }
}

#[test]
fn a_purchase_and_a_sale_of_one_lot_span_the_papers_unit_spread() {
    // ask − bid for one lot = 2·c1 + K: the paper's γσ²τ + (2/γ)ln(1 + γ/k).
    let (curve, _) = paper_curve(ModelKind::AvellanedaStoikov, false);
    let spread = (curve
        .buy_base_exact_out(0, BaseAtoms::new(LOT))
        .unwrap()
        .get()
        - curve
            .sell_base_exact_in(0, BaseAtoms::new(LOT))
            .unwrap()
            .get()) as f64
        / ATOMS;
    assert!((spread - 1.690_770_422_751_423).abs() < 2.1e-6, "{spread}");
}
