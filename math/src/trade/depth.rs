//! The depth premium's trades: beyond a print's depth each lot moves the quote by the
//! depth slope, so a trade crosses two pieces — the curve alone, then the curve with the
//! premium — and the inverses (exact-in purchases, exact-out sales) solve both pieces and
//! check the answer against the forward form, with the searches below.

use super::{fixed_from_i128, Direction, LinearCurve, PrintDepth};
use crate::error::{ensure, MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, Rounding};
use crate::units::{BaseAtoms, QuoteAtoms};

impl LinearCurve {
    /// Trader sells exactly `base_in`; returns the quote paid out: the curve's
    /// [`LinearCurve::sell_base_exact_in_linear`] less the depth premium. The marginal
    /// bid, premium included, must stay positive along the path.
    #[track_caller]
    pub fn sell_base_exact_in(&self, inventory: i128, base_in: BaseAtoms) -> Result<QuoteAtoms> {
        if self.depth.slope.is_zero() {
            return self.sell_base_exact_in_linear(inventory, base_in);
        }
        let out = self.sell_value_linear(inventory, base_in)?;
        out.checked_sub(self.depth_premium(Direction::BaseToQuote, base_in)?)?
            .max(Fixed::ZERO)
            .to_u64(Rounding::Down)
            .map(QuoteAtoms::new)
    }

    /// Trader buys exactly `base_out`; returns the quote charged: the curve's
    /// [`LinearCurve::buy_base_exact_out_linear`] plus the depth premium.
    #[track_caller]
    pub fn buy_base_exact_out(&self, inventory: i128, base_out: BaseAtoms) -> Result<QuoteAtoms> {
        if self.depth.slope.is_zero() {
            return self.buy_base_exact_out_linear(inventory, base_out);
        }
        self.buy_cost_linear(inventory, base_out)?
            .checked_add(self.depth_premium(Direction::QuoteToBase, base_out)?)?
            .to_u64(Rounding::Up)
            .map(QuoteAtoms::new)
    }

    /// Trader pays exactly `quote_in`; returns the base paid out. With a depth premium the
    /// marginal ask is linear in two pieces (the curve's up to the depth left, steeper
    /// beyond), each solved in closed form ([`LinearCurve::buy_base_exact_in_linear`]).
    /// The mid guard prices at `max(curve, mid) + premium`, so the answer is the smaller of
    /// the curve's solution and the one at the flat mid.
    #[track_caller]
    pub fn buy_base_exact_in(&self, inventory: i128, quote_in: QuoteAtoms) -> Result<BaseAtoms> {
        if self.depth.slope.is_zero() {
            return self.buy_base_exact_in_linear(inventory, quote_in);
        }
        // The ask only rises along a purchase: the guard binds only if it starts below the
        // mid (and otherwise the bare curve prices as this one).
        let guard_binds = self.mid_guard && self.ask_at(inventory, Rounding::Down)? < self.mid;
        // Within the depth left the premium is zero and the curve's own answer stands; what
        // the depth costs on the curve says which side of it `quote_in` lands.
        let left = self.depth_left(Direction::QuoteToBase);
        let mut depth_cost = None;
        if left > 0 {
            let left = atoms_left(left);
            match self.buy_base_exact_out_linear(inventory, left) {
                Ok(cost) if quote_in > cost => depth_cost = (!guard_binds).then_some(cost),
                // Within it — or past u64 (or unpriceable): no input reaches beyond it.
                _ => {
                    return Ok(self
                        .buy_base_exact_in_linear(inventory, quote_in)?
                        .min(left))
                }
            }
        }
        let on_curve = self.buy_in_with_depth(&self.bare(), inventory, quote_in, depth_cost);
        let solved = if guard_binds {
            let flat = self.flat_at_mid();
            let at_mid = self.buy_in_with_depth(&flat, inventory, quote_in, None)?;
            match on_curve {
                Ok(base) => base.min(at_mid),
                Err(error) if error.kind == MathErrorKind::QuoteNotPositive => at_mid,
                Err(error) => return Err(error),
            }
        } else {
            on_curve?
        };
        // The pieces round apart; exact-out rounds the whole. Where they disagree (by an
        // atom of quote), the largest base below the answer that exact-out says the input
        // pays for.
        let pays = |base: u64| {
            Ok(base == 0 || self.buy_base_exact_out(inventory, BaseAtoms::new(base))? <= quote_in)
        };
        if pays(solved.get())? {
            return Ok(solved);
        }
        largest_below(solved.get(), pays).map(BaseAtoms::new)
    }

    /// Trader receives exactly `quote_out`; returns the base charged. The inverse of
    /// [`LinearCurve::sell_base_exact_in`] in two pieces like
    /// [`LinearCurve::buy_base_exact_in`]; under the mid guard the larger of the curve's
    /// answer and the flat mid's.
    #[track_caller]
    pub fn sell_base_exact_out(&self, inventory: i128, quote_out: QuoteAtoms) -> Result<BaseAtoms> {
        if self.depth.slope.is_zero() {
            return self.sell_base_exact_out_linear(inventory, quote_out);
        }
        // As for purchases: the bid only falls along a sale, so the guard binds only if it
        // starts above the mid; what the depth pays on the curve says whether `quote_out`
        // needs more than the depth.
        let guard_binds = self.mid_guard && self.bid_at(inventory, Rounding::Up)? > self.mid;
        let left = self.depth_left(Direction::BaseToQuote);
        let mut depth_paid = None;
        if left > 0 {
            let left = atoms_left(left);
            if let Ok(paid) = self.sell_base_exact_in_linear(inventory, left) {
                if quote_out <= paid {
                    return self.sell_base_exact_out_linear(inventory, quote_out);
                }
                depth_paid = (!guard_binds).then_some(paid);
            }
        }
        let solved = self
            .sell_out_with_depth(&self.bare(), inventory, quote_out, depth_paid)
            .and_then(|base| {
                if !guard_binds {
                    return Ok(base);
                }
                let at_mid =
                    self.sell_out_with_depth(&self.flat_at_mid(), inventory, quote_out, None)?;
                Ok(base.max(at_mid))
            });
        let base = match solved {
            Ok(base) => base,
            // The pieces' roundings can put a sale that ends at the last positive bid just
            // past it: exact-in, below, decides.
            Err(error) if error.kind == MathErrorKind::QuoteNotPositive => BaseAtoms::ZERO,
            Err(error) => return Err(error),
        };
        // As for purchases: where the pieces' rounding falls short, the smallest base above
        // the answer that exact-in says delivers `quote_out`; where it rounds past the last
        // positive bid (a base atom worth a lot or more), the smallest below it. A base
        // exact-in refuses is too much, never short.
        let short = |base: u64| match self.sell_base_exact_in(inventory, BaseAtoms::new(base)) {
            Ok(paid) => Ok(paid < quote_out),
            Err(error) if error.kind == MathErrorKind::QuoteNotPositive => Ok(false),
            Err(error) => Err(error),
        };
        let last_short = match self.sell_base_exact_in(inventory, base) {
            Ok(paid) if paid >= quote_out => return Ok(base),
            Ok(_) => largest_where(base.get(), short)?,
            Err(error) if error.kind == MathErrorKind::QuoteNotPositive => {
                largest_below(base.get(), short)?
            }
            Err(error) => return Err(error),
        };
        let needed = BaseAtoms::new(last_short).checked_add(BaseAtoms::new(1))?;
        // Exact-in refuses where no base delivers `quote_out`: so does this.
        self.sell_base_exact_in(inventory, needed)?;
        Ok(needed)
    }

    /// This curve with its bid `bid_offset` lower and its ask `ask_offset` higher (quote
    /// atoms per lot, ≥ 0): a quoter's per-side offsets. A linear curve's quotes are
    /// `mid ± half_spread`, so the offsets move the mid by `(ask − bid)/2` (rounded down)
    /// and widen the half-spread by `(ask + bid)/2` (rounded up, plus the ulp the mid's
    /// rounding may take from the ask): both quotes at least as far out as asked.
    #[track_caller]
    pub fn with_offsets(&self, bid_offset: Fixed, ask_offset: Fixed) -> Result<Self> {
        ensure(
            !bid_offset.is_negative() && !ask_offset.is_negative(),
            MathErrorKind::InvalidParameter,
        )?;
        let twice_mid = self
            .mid
            .checked_add(self.mid)?
            .checked_add(ask_offset)?
            .checked_sub(bid_offset)?;
        let widening = bid_offset
            .checked_add(ask_offset)?
            .div(Fixed::from_u64(2), Rounding::Up)?
            .checked_add(Fixed::EPSILON)?;
        Ok(Self {
            mid: twice_mid.div(Fixed::from_u64(2), Rounding::Down)?,
            half_spread: self.half_spread.checked_add(widening)?,
            ..*self
        })
    }

    /// This curve without its depth premium and mid guard: the pieces the premium's
    /// inverses are solved on.
    fn bare(&self) -> Self {
        Self {
            mid_guard: false,
            depth: PrintDepth::NONE,
            ..*self
        }
    }

    /// The mid guard's flat price: every marginal quote at the mid.
    fn flat_at_mid(&self) -> Self {
        Self {
            half_spread: Fixed::ZERO,
            skew: Fixed::ZERO,
            skew_low: Fixed::ZERO,
            ..self.bare()
        }
    }

    /// The depth left on `direction`'s side, base atoms (negative once past it).
    fn depth_left(&self, direction: Direction) -> i128 {
        self.depth.left[direction as usize]
    }

    /// `slope·((Δ − left)₊² − (−left)₊²) / (2·lot²)` quote atoms for moving `base` in
    /// `direction`, rounded up: the premium beyond the print's depth, written as
    /// `slope·(a − b)/lot · (a + b)/(2·lot)` so no square of atoms is formed.
    #[track_caller]
    fn depth_premium(&self, direction: Direction, base: BaseAtoms) -> Result<Fixed> {
        let left = self.depth_left(direction);
        let beyond = base
            .signed()
            .checked_sub(left)
            .or_math(MathErrorKind::Overflow)?
            .max(0);
        if beyond == 0 {
            return Ok(Fixed::ZERO);
        }
        let before = left.checked_neg().or_math(MathErrorKind::Overflow)?.max(0);
        let lot = Fixed::from_u64(self.lot);
        let (difference, sum) = (
            beyond
                .checked_sub(before)
                .or_math(MathErrorKind::Overflow)?,
            beyond
                .checked_add(before)
                .or_math(MathErrorKind::Overflow)?,
        );
        self.depth
            .slope
            .mul_div(fixed_from_i128(difference)?, lot, Rounding::Up)?
            .mul_div(fixed_from_i128(sum)?, lot.checked_add(lot)?, Rounding::Up)
    }

    /// Whether the marginal bid after selling `base` from `inventory`, premium included,
    /// is positive: the curve's bid at the end less `slope·(base − left)₊/lot`.
    #[track_caller]
    pub(super) fn end_bid_positive(&self, inventory: i128, base: BaseAtoms) -> Result<bool> {
        let end = Direction::BaseToQuote.inventory_after(inventory, base)?;
        let bid = self.bid_at(end, Rounding::Down)?;
        if self.depth.slope.is_zero() {
            return Ok(bid.is_positive());
        }
        let beyond = base
            .signed()
            .checked_sub(self.depth_left(Direction::BaseToQuote))
            .or_math(MathErrorKind::Overflow)?
            .max(0);
        let premium = self.depth.slope.mul_div(
            fixed_from_i128(beyond)?,
            Fixed::from_u64(self.lot),
            Rounding::Up,
        )?;
        Ok(bid.checked_sub(premium)?.is_positive())
    }

    /// `curve` (bare) beyond the depth of `direction`'s side, as a curve of its own: the
    /// marginal quote continues with `skew + slope`, which is the bare curve with its mid
    /// moved by `slope·(q ∓ left)/lot` — up for purchases (rounded up), for sales
    /// `slope·(q + left)/lot` rounded down: both make the pool's side dearer.
    #[track_caller]
    fn beyond_depth(&self, curve: &Self, direction: Direction, inventory: i128) -> Result<Self> {
        let left = self.depth_left(direction);
        let (anchor, rounding) = match direction {
            Direction::QuoteToBase => (inventory.checked_sub(left), Rounding::Up),
            Direction::BaseToQuote => (inventory.checked_add(left), Rounding::Down),
        };
        let anchor = anchor.or_math(MathErrorKind::Overflow)?;
        let shift = self.depth.slope.mul_div(
            fixed_from_i128(anchor)?,
            Fixed::from_u64(self.lot),
            rounding,
        )?;
        Ok(Self {
            mid: curve.mid.checked_add(shift)?,
            skew: curve.skew.checked_add(self.depth.slope)?,
            skew_low: curve.skew_low.checked_add(self.depth.slope)?,
            ..*curve
        })
    }

    /// `quote_in` spent on `curve` (bare) with this curve's depth: within the depth left
    /// the curve's own answer (never past the depth), beyond it the rest on
    /// [`LinearCurve::beyond_depth`]. `depth_cost`: what the depth costs on `curve`, when
    /// the caller has it.
    #[track_caller]
    fn buy_in_with_depth(
        &self,
        curve: &Self,
        inventory: i128,
        quote_in: QuoteAtoms,
        depth_cost: Option<QuoteAtoms>,
    ) -> Result<BaseAtoms> {
        let direction = Direction::QuoteToBase;
        let left = self.depth_left(direction);
        let steep = self.beyond_depth(curve, direction, inventory)?;
        if left <= 0 {
            return steep.buy_base_exact_in_linear(inventory, quote_in);
        }
        let left = atoms_left(left);
        let within = match depth_cost {
            Some(cost) => cost,
            None => curve.buy_base_exact_out_linear(inventory, left)?,
        };
        if quote_in <= within {
            return Ok(curve
                .buy_base_exact_in_linear(inventory, quote_in)?
                .min(left));
        }
        let at_depth = direction.inventory_after(inventory, left)?;
        let rest = steep.buy_base_exact_in_linear(at_depth, quote_in.saturating_sub(within))?;
        left.checked_add(rest)
    }

    /// `quote_out` received from `curve` (bare) with this curve's depth: the base charged,
    /// in the two pieces of [`LinearCurve::buy_in_with_depth`] (`depth_paid`: what the
    /// depth pays on `curve`, when the caller has it).
    #[track_caller]
    fn sell_out_with_depth(
        &self,
        curve: &Self,
        inventory: i128,
        quote_out: QuoteAtoms,
        depth_paid: Option<QuoteAtoms>,
    ) -> Result<BaseAtoms> {
        let direction = Direction::BaseToQuote;
        let left = self.depth_left(direction);
        let steep = self.beyond_depth(curve, direction, inventory)?;
        if left <= 0 {
            return steep.sell_base_exact_out_linear(inventory, quote_out);
        }
        let left = atoms_left(left);
        let within = match depth_paid {
            Some(paid) => Ok(paid),
            None => curve.sell_base_exact_in_linear(inventory, left),
        };
        match within {
            Ok(within) if quote_out > within => {
                let at_depth = direction.inventory_after(inventory, left)?;
                let rest =
                    steep.sell_base_exact_out_linear(at_depth, quote_out.saturating_sub(within))?;
                left.checked_add(rest)
            }
            _ => curve.sell_base_exact_out_linear(inventory, quote_out),
        }
    }
}

/// The largest `u64` where `holds` is true, for a `holds` true up to some point and false
/// after it (true at 0), searched from `guess`: doubling steps away from it until the
/// answer is bracketed, then bisection — a step or two when the guess is off by rounding.
#[track_caller]
pub(super) fn largest_where(guess: u64, holds: impl Fn(u64) -> Result<bool>) -> Result<u64> {
    if !holds(guess)? {
        return largest_below(guess, holds);
    }
    let (mut low, mut step) = (guess, 1u64);
    let high = loop {
        let next = low.saturating_add(step);
        if next == low {
            return Ok(low);
        }
        if !holds(next)? {
            break next;
        }
        low = next;
        step = step.saturating_mul(2);
    };
    bisect(low, high, holds)
}

/// [`largest_where`] below `fails`, a point where `holds` is false.
#[track_caller]
pub(super) fn largest_below(fails: u64, holds: impl Fn(u64) -> Result<bool>) -> Result<u64> {
    let (mut high, mut step) = (fails, 1u64);
    let low = loop {
        let next = high.saturating_sub(step);
        if holds(next)? {
            break next;
        }
        if next == 0 {
            return Ok(0);
        }
        high = next;
        step = step.saturating_mul(2);
    };
    bisect(low, high, holds)
}

/// The last point where `holds` is true between `low` (where it is) and `high` (where it
/// is not).
#[track_caller]
pub(crate) fn bisect(
    mut low: u64,
    mut high: u64,
    holds: impl Fn(u64) -> Result<bool>,
) -> Result<u64> {
    while high.saturating_sub(low) > 1 {
        let middle = low.saturating_add(high.saturating_sub(low) >> 1);
        if holds(middle)? {
            low = middle;
        } else {
            high = middle;
        }
    }
    Ok(low)
}

/// A positive depth left as base atoms (a depth past `u64` counts as the most there is).
fn atoms_left(left: i128) -> BaseAtoms {
    BaseAtoms::new(u64::try_from(left).unwrap_or(u64::MAX))
}

#[track_caller]
pub(super) fn doubled(inventory: i128) -> Result<i128> {
    inventory.checked_mul(2).or_math(MathErrorKind::Overflow)
}
