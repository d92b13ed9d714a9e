//! Operation counts (feature `op-count`): how many wide products and quotients, 128-bit
//! products and divisions and square-root steps a computation performs — what its
//! compute-unit cost on SBF is made of (docs/performance.md, "Compute units"). Without the
//! feature every count compiles to nothing. Counts are per thread.

/// What one computation cost, by kind of operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// 128 × 128 → 256-bit products of two factors above 64 bits (each four 64 × 64 →
    /// 128-bit multiplications).
    pub wide_products: u64,
    /// 256-bit products with one factor within 64 bits (two multiplications).
    pub half_wide_products: u64,
    /// 256 ÷ 128-bit quotients (schoolbook, several 128-bit divisions each).
    pub wide_quotients: u64,
    /// Divisions whose operands both fit 64 bits: one `u64` division (alone, and the steps
    /// of the wide quotients, as for the two kinds below).
    pub divisions_64: u64,
    /// 128-bit dividends by divisors that fit 64 bits (`divlu`: 32-bit digits).
    pub divisions_by_64: u64,
    /// 128-bit divisions by divisors above 64 bits (a `divlu` estimate and a correction).
    pub divisions_by_128: u64,
    /// `u64 · u64 → u128` products (alone, and 256-bit products of two factors within 64
    /// bits).
    pub products_128: u64,
    /// `u64::isqrt` of a radicand's top 64 bits: the first guess of every square root.
    pub roots_64: u64,
    /// Newton steps of square roots (each a division, counted with the divisions: a
    /// word-wise one for 128-bit radicands, a wide quotient for 256-bit ones).
    pub root_iterations: u64,
}

/// A kind of counted operation.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "op-count"), allow(dead_code))]
pub(crate) enum Op {
    WideProduct,
    HalfWideProduct,
    WideQuotient,
    Division64,
    Division128By64,
    Division128By128,
    Product128,
    Root64,
    RootIteration,
}

#[cfg(feature = "op-count")]
mod counting {
    extern crate std;
    use core::cell::Cell;

    use super::{Op, OpCounts};

    std::thread_local! {
        static COUNTS: Cell<OpCounts> = const { Cell::new(OpCounts {
            wide_products: 0,
            half_wide_products: 0,
            wide_quotients: 0,
            divisions_64: 0,
            divisions_by_64: 0,
            divisions_by_128: 0,
            products_128: 0,
            roots_64: 0,
            root_iterations: 0,
        }) };
    }

    pub(crate) fn record(op: Op) {
        COUNTS.with(|counts| {
            let mut now = counts.get();
            let slot = match op {
                Op::WideProduct => &mut now.wide_products,
                Op::HalfWideProduct => &mut now.half_wide_products,
                Op::WideQuotient => &mut now.wide_quotients,
                Op::Division64 => &mut now.divisions_64,
                Op::Division128By64 => &mut now.divisions_by_64,
                Op::Division128By128 => &mut now.divisions_by_128,
                Op::Product128 => &mut now.products_128,
                Op::Root64 => &mut now.roots_64,
                Op::RootIteration => &mut now.root_iterations,
            };
            *slot = slot.saturating_add(1);
            counts.set(now);
        });
    }

    /// The counts since the last `take` on this thread, and resets them.
    pub fn take() -> OpCounts {
        COUNTS.with(|counts| counts.replace(OpCounts::default()))
    }
}

#[cfg(feature = "op-count")]
pub use counting::take;

/// Counts one operation (nothing without the `op-count` feature).
#[inline(always)]
pub(crate) fn record(op: Op) {
    #[cfg(feature = "op-count")]
    counting::record(op);
    #[cfg(not(feature = "op-count"))]
    let _ = op;
}
