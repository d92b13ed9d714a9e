//! The float reference the sized trades are held to: each form's exact amount in `f64`,
//! and the slack an inverse may fall short by.

use homeostat_math::{Direction, LinearCurve};

use crate::common::f;

/// The depth premium of moving `base` on `direction`'s side.
fn reference_premium(c: &LinearCurve, direction: Direction, base: f64) -> f64 {
    let left = c.depth.left[direction as usize] as f64;
    let lot = c.lot as f64;
    f(c.depth.slope) * ((base - left).max(0.0).powi(2) - (-left).max(0.0).powi(2))
        / (2.0 * lot * lot)
}
pub(super) fn reference_sell_exact_in(c: &LinearCurve, q: i128, base: u64) -> f64 {
    let (mid, h, k, lot) = (f(c.mid), f(c.half_spread), f(c.skew), c.lot as f64);
    let linear = base as f64 * (mid - h - k * (q as f64 + base as f64 / 2.0) / lot) / lot;
    let guarded = if c.mid_guard {
        linear.min(base as f64 * mid / lot)
    } else {
        linear
    };
    guarded - reference_premium(c, Direction::BaseToQuote, base as f64)
}
pub(super) fn reference_buy_exact_out(c: &LinearCurve, q: i128, base: u64) -> f64 {
    let (mid, h, k, lot) = (f(c.mid), f(c.half_spread), f(c.skew), c.lot as f64);
    let linear = base as f64 * (mid + h - k * (q as f64 - base as f64 / 2.0) / lot) / lot;
    let guarded = if c.mid_guard {
        linear.max(base as f64 * mid / lot)
    } else {
        linear
    };
    guarded + reference_premium(c, Direction::QuoteToBase, base as f64)
}
pub(super) fn reference_buy_exact_in(c: &LinearCurve, q: i128, quote: u64) -> f64 {
    let (mid, h, k, lot) = (f(c.mid), f(c.half_spread), f(c.skew), c.lot as f64);
    let a0 = mid + h - k * q as f64 / lot;
    let linear = 2.0 * quote as f64 * lot / (a0 + (a0 * a0 + 2.0 * k * quote as f64).sqrt());
    let closed = if c.mid_guard {
        linear.min(quote as f64 * lot / mid)
    } else {
        linear
    };
    if c.depth.slope.is_zero() {
        return closed;
    }
    // With a premium: bisect the (increasing) exact-out cost, from below the closed form.
    let cost = |base: f64| {
        let linear = base * (mid + h - k * (q as f64 - base / 2.0) / lot) / lot;
        let guarded = if c.mid_guard {
            linear.max(base * mid / lot)
        } else {
            linear
        };
        guarded + reference_premium(c, Direction::QuoteToBase, base)
    };
    let (mut low, mut high) = (0.0f64, closed.max(1.0));
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if cost(middle) <= quote as f64 {
            low = middle;
        } else {
            high = middle;
        }
    }
    low
}

/// How far an inverse (exact-in purchase, exact-out sale) may fall short of the exact
/// answer, base atoms, always in the pool's favour: an atom of rounding — and, with a depth
/// premium, whose two pieces each round toward the pool, two atoms and up to four quote
/// atoms' worth at `marginal`, the marginal quote (premium included) where the trade ends.
pub(super) fn base_slack(c: &LinearCurve, marginal: f64) -> f64 {
    if c.depth.slope.is_zero() {
        1.0
    } else {
        2.0 + 4.0 * c.lot as f64 / marginal.max(f64::MIN_POSITIVE)
    }
}

/// The depth premium's marginal part after moving `base` on a side with `left`, quote
/// atoms per lot.
fn marginal_premium(c: &LinearCurve, left: i128, base: u64) -> f64 {
    f(c.depth.slope) * (base as f64 - left as f64).max(0.0) / c.lot as f64
}

/// The marginal bid after selling `base` from `q`, premium included.
pub(super) fn end_bid(c: &LinearCurve, q: i128, base: u64) -> f64 {
    let bid =
        f(c.mid) - f(c.half_spread) - f(c.skew) * (q + i128::from(base)) as f64 / c.lot as f64;
    bid - marginal_premium(c, c.depth.left[0], base)
}

/// The marginal ask after buying `base` from `q`, premium (and the mid guard) included.
pub(super) fn end_ask(c: &LinearCurve, q: i128, base: u64) -> f64 {
    let ask =
        f(c.mid) + f(c.half_spread) - f(c.skew) * (q - i128::from(base)) as f64 / c.lot as f64;
    let ask = if c.mid_guard { ask.max(f(c.mid)) } else { ask };
    ask + marginal_premium(c, c.depth.left[1], base)
}
