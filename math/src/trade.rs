//! Sized trades: what a trade of size Δ costs or pays, integrating the marginal quote over
//! the inventory path it causes.
//!
//! Amounts are token atoms (`u64`); inventory `q` is the pool's base inventory deviation in
//! base atoms (`i128`, signed). Every rounding favours the pool: amounts out round down,
//! amounts in round up, and every intermediate rounds in whichever direction makes the
//! final amount smaller (out) or larger (in).

use crate::error::{ensure, MathError, MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, Rounding};
use crate::ops::{record, Op};
use crate::wide::div_rem;

/// Pool balances available to pay out, in atoms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reserves {
    /// Base token atoms.
    pub base: u64,
    /// Quote token atoms.
    pub quote: u64,
}

/// Which way the trader goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Direction {
    /// The trader sells base for quote: the pool buys at its bid and its inventory rises.
    BaseToQuote = 0,
    /// The trader buys base with quote: the pool sells at its ask and its inventory falls.
    QuoteToBase = 1,
}

impl Direction {
    /// The inventory after moving `base_amount` atoms in this direction.
    #[track_caller]
    pub fn inventory_after(self, inventory: i128, base_amount: u64) -> Result<i128> {
        let base_amount = i128::from(base_amount);
        match self {
            Self::BaseToQuote => inventory.checked_add(base_amount),
            Self::QuoteToBase => inventory.checked_sub(base_amount),
        }
        .or_math(MathErrorKind::Overflow)
    }
}

/// A linear-skew curve in price units: quote atoms per inventory unit (`lot` base atoms).
///
/// Marginal quotes at inventory `q` (base atoms):
/// `bid(q) = mid − half_spread − skew·q/lot`, `ask(q) = mid + half_spread − skew·q/lot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearCurve {
    /// Oracle mid, quote atoms per lot.
    pub mid: Fixed,
    /// Half the bid-ask spread, quote atoms per lot (≥ 0).
    pub half_spread: Fixed,
    /// Quote shift per lot of inventory, quote atoms per lot (≥ 0): the upper end of the
    /// interval holding the model's skew.
    pub skew: Fixed,
    /// The lower end of that interval (`≤ skew`; equal when the skew is exact). Each
    /// product `skew · q` uses whichever end favours the pool for the sign of `q`.
    pub skew_low: Fixed,
    /// Inventory unit, base atoms.
    pub lot: u64,
    /// When set, no trade executes on the LPs' wrong side of the mid: a sale to the pool
    /// pays at most `Δ·mid`, a purchase from it costs at least `Δ·mid` (on average over the
    /// trade). The models' skew can push a marginal quote across the mid (the pool then
    /// pays to shed inventory); an oracle pool should shed it by hedging instead, so the
    /// program sets this. The papers' strategies (the simulator) leave it off.
    pub mid_guard: bool,
    /// The print's depth: how far the quotes stay the curve's before each further lot
    /// costs more (off when its slope is zero).
    pub depth: PrintDepth,
}

/// A print's depth. An oracle print is stale by the time it trades, and a trader who
/// knows the true price takes as much as the quotes let them; retail orders are small.
/// So each print offers, per side, `left` base atoms at the curve's own quotes; beyond,
/// every lot moves that side's marginal quote `slope` further against the trader, until
/// a newer print resets it. On top of the curve, a trade of Δ on a side with `left`
/// atoms left pays `slope·((Δ − left)₊² − (−left)₊²) / (2·lot²)` quote atoms, rounded up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrintDepth {
    /// Quote shift per lot moved beyond the depth, quote atoms per lot (≥ 0; 0: off).
    pub slope: Fixed,
    /// Base atoms left at the curve's quotes on each side, indexed by [`Direction`]
    /// (`[BaseToQuote, QuoteToBase]`); negative once the side has moved past its depth.
    pub left: [i128; 2],
}

impl PrintDepth {
    /// No depth premium: the curve's quotes at any size.
    pub const NONE: Self = Self {
        slope: Fixed::ZERO,
        left: [0; 2],
    };
}

/// `x·y = k` on the pool's reserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConstantProductCurve {
    /// The pool's reserves.
    pub reserves: Reserves,
}

/// A pricing curve from any inventory model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// Avellaneda–Stoikov or GLFT.
    Linear(LinearCurve),
    /// Constant product.
    ConstantProduct(ConstantProductCurve),
}

impl Curve {
    /// Output for exactly `amount_in` of the input token (no fees).
    #[track_caller]
    pub fn exact_in(&self, direction: Direction, amount_in: u64, inventory: i128) -> Result<u64> {
        match (self, direction) {
            (Self::Linear(c), Direction::BaseToQuote) => c.sell_base_exact_in(inventory, amount_in),
            (Self::Linear(c), Direction::QuoteToBase) => c.buy_base_exact_in(inventory, amount_in),
            (Self::ConstantProduct(c), _) => c.exact_in(direction, amount_in),
        }
    }

    /// Input needed for exactly `amount_out` of the output token (no fees).
    #[track_caller]
    pub fn exact_out(&self, direction: Direction, amount_out: u64, inventory: i128) -> Result<u64> {
        match (self, direction) {
            (Self::Linear(c), Direction::BaseToQuote) => {
                c.sell_base_exact_out(inventory, amount_out)
            }
            (Self::Linear(c), Direction::QuoteToBase) => {
                c.buy_base_exact_out(inventory, amount_out)
            }
            (Self::ConstantProduct(c), _) => c.exact_out(direction, amount_out),
        }
    }
}

#[track_caller]
fn fixed_from_i128(value: i128) -> Result<Fixed> {
    Fixed::from_i128(value)
}

impl LinearCurve {
    /// `skew · (twice_inventory / 2) / lot`: the skew at an inventory given doubled, so the
    /// midpoint of a path (`q ± Δ/2`) stays an integer. Rounded as asked, including the
    /// choice of skew: the larger end makes a positive product larger and a negative one
    /// smaller, so `Up` takes it for a positive inventory and the smaller end for a
    /// negative one (and the reverse for `Down`).
    #[track_caller]
    fn skew_at_doubled(&self, twice_inventory: i128, rounding: Rounding) -> Result<Fixed> {
        let twice_lot = i128::from(self.lot)
            .checked_mul(2)
            .or_math(MathErrorKind::Overflow)?;
        let larger = (twice_inventory >= 0) == (rounding == Rounding::Up);
        let skew = if larger { self.skew } else { self.skew_low };
        skew.mul_div(
            fixed_from_i128(twice_inventory)?,
            fixed_from_i128(twice_lot)?,
            rounding,
        )
    }

    /// Marginal bid at inventory `q`, rounded as asked.
    #[track_caller]
    pub fn bid_at(&self, inventory: i128, rounding: Rounding) -> Result<Fixed> {
        let twice = doubled(inventory)?;
        self.mid
            .checked_sub(self.half_spread)?
            .checked_sub(self.skew_at_doubled(twice, rounding.opposite())?)
    }

    /// Marginal ask at inventory `q`, rounded as asked.
    #[track_caller]
    pub fn ask_at(&self, inventory: i128, rounding: Rounding) -> Result<Fixed> {
        let twice = doubled(inventory)?;
        self.mid
            .checked_add(self.half_spread)?
            .checked_sub(self.skew_at_doubled(twice, rounding.opposite())?)
    }

    /// Reservation price `mid − skew·q/lot` at inventory `q`, rounded as asked.
    #[track_caller]
    pub fn reservation_at(&self, inventory: i128, rounding: Rounding) -> Result<Fixed> {
        let twice = doubled(inventory)?;
        self.mid
            .checked_sub(self.skew_at_doubled(twice, rounding.opposite())?)
    }

    /// `amount · price / lot`, rounded as asked: a value in quote atoms, not yet whole.
    #[track_caller]
    fn value_of(&self, base_amount: u64, price: Fixed, rounding: Rounding) -> Result<Fixed> {
        Fixed::from_u64(base_amount).mul_div(price, Fixed::from_u64(self.lot), rounding)
    }

    /// Trader sells exactly `base_in`; returns the quote paid out:
    /// `⌊Δ · bid(q + Δ/2) / lot⌋`. The marginal bid must stay positive along the path.
    #[track_caller]
    fn sell_base_exact_in_linear(&self, inventory: i128, base_in: u64) -> Result<u64> {
        self.sell_value_linear(inventory, base_in)?
            .to_u64(Rounding::Down)
    }

    /// [`LinearCurve::sell_base_exact_in_linear`] before rounding to whole atoms.
    #[track_caller]
    /// The positivity check is the whole sale's (`end_bid_positive`: the depth premium
    /// included when the curve has one), so [`LinearCurve::sell_base_exact_in`] does not
    /// repeat it.
    fn sell_value_linear(&self, inventory: i128, base_in: u64) -> Result<Fixed> {
        ensure(
            self.end_bid_positive(inventory, base_in)?,
            MathErrorKind::QuoteNotPositive,
        )?;
        let midpoint = doubled(inventory)?
            .checked_add(i128::from(base_in))
            .or_math(MathErrorKind::Overflow)?;
        // Skew rounded up lowers the average bid: the pool pays less.
        let average_bid = self
            .mid
            .checked_sub(self.half_spread)?
            .checked_sub(self.skew_at_doubled(midpoint, Rounding::Up)?)?;
        let out = self.value_of(base_in, average_bid, Rounding::Down)?;
        if self.mid_guard {
            return Ok(out.min(self.value_of(base_in, self.mid, Rounding::Down)?));
        }
        Ok(out)
    }

    /// Trader buys exactly `base_out`; returns the quote charged:
    /// `⌈Δ · ask(q − Δ/2) / lot⌉`. Without the mid guard the ask must be positive where the
    /// path starts (it only rises from there); with it, the trade costs at least `Δ·mid`,
    /// so a purchase that sheds a long inventory whose marginal ask has crossed zero is
    /// priced at the mid instead of refused.
    #[track_caller]
    fn buy_base_exact_out_linear(&self, inventory: i128, base_out: u64) -> Result<u64> {
        self.buy_cost_linear(inventory, base_out)?
            .to_u64(Rounding::Up)
    }

    /// [`LinearCurve::buy_base_exact_out_linear`] before rounding to whole atoms.
    #[track_caller]
    fn buy_cost_linear(&self, inventory: i128, base_out: u64) -> Result<Fixed> {
        if !self.mid_guard {
            ensure(
                self.ask_at(inventory, Rounding::Down)?.is_positive(),
                MathErrorKind::QuoteNotPositive,
            )?;
        }
        let midpoint = doubled(inventory)?
            .checked_sub(i128::from(base_out))
            .or_math(MathErrorKind::Overflow)?;
        // Skew rounded down raises the average ask: the pool charges more.
        let average_ask = self
            .mid
            .checked_add(self.half_spread)?
            .checked_sub(self.skew_at_doubled(midpoint, Rounding::Down)?)?;
        let price = if self.mid_guard {
            average_ask.max(self.mid)
        } else {
            average_ask
        };
        self.value_of(base_out, price, Rounding::Up)
    }

    /// `quote · lot / mid` in base atoms, rounded as asked: what `quote` buys at the mid.
    #[track_caller]
    fn base_at_mid(&self, quote: u64, rounding: Rounding) -> Result<u64> {
        Fixed::from_u64(quote)
            .mul_div(Fixed::from_u64(self.lot), self.mid, rounding)?
            .to_u64(rounding)
    }

    /// Trader pays exactly `quote_in`; returns the base paid out. Solves
    /// `u·(a₀ + skew·u/2) = Q` for `u = Δ/lot` in closed form,
    /// `Δ = 2·Q·lot / (a₀ + √(a₀² + 2·skew·Q))` — the form without cancellation, its root
    /// taken from an exact 256-bit radicand — with the denominator rounded up. Without the
    /// mid guard `a₀` must be positive; with it, `Q` buys at most `Q·lot/mid`, which also
    /// prices a purchase whose starting ask has crossed zero.
    #[track_caller]
    fn buy_base_exact_in_linear(&self, inventory: i128, quote_in: u64) -> Result<u64> {
        let ask = self.ask_at(inventory, Rounding::Up)?;
        let at_mid = || self.base_at_mid(quote_in, Rounding::Down);
        if !ask.is_positive() {
            ensure(self.mid_guard, MathErrorKind::QuoteNotPositive)?;
            if self.skew.is_zero() {
                return at_mid();
            }
        }
        // Doubling is exact: an addition, not a product.
        let quote = Fixed::from_u64(quote_in);
        let twice_quote = quote.checked_add(quote)?;
        let root =
            Fixed::root_of_square_with_product(ask, self.skew, twice_quote, false, Rounding::Up)?;
        let denominator = ask.checked_add(root)?;
        ensure(denominator.is_positive(), MathErrorKind::QuoteNotPositive)?;
        let base = twice_quote
            .mul_div(Fixed::from_u64(self.lot), denominator, Rounding::Down)?
            .to_u64(Rounding::Down)?;
        if self.mid_guard {
            return Ok(base.min(at_mid()?));
        }
        Ok(base)
    }

    /// Trader receives exactly `quote_out`; returns the base charged. Solves
    /// `u·(b₀ − skew·u/2) = Q`, `Δ = 2·Q·lot / (b₀ + √(b₀² − 2·skew·Q))` (exact 256-bit
    /// radicand), with the denominator rounded down. Fails if no trade along the positive
    /// part of the bid pays that much.
    #[track_caller]
    fn sell_base_exact_out_linear(&self, inventory: i128, quote_out: u64) -> Result<u64> {
        let bid = self.bid_at(inventory, Rounding::Down)?;
        ensure(bid.is_positive(), MathErrorKind::QuoteNotPositive)?;
        // Doubling is exact: an addition, not a product.
        let quote = Fixed::from_u64(quote_out);
        let twice_quote = quote.checked_add(quote)?;
        let root =
            Fixed::root_of_square_with_product(bid, self.skew, twice_quote, true, Rounding::Down)
                .map_err(|error| match error.kind {
                MathErrorKind::OutOfDomain => MathError::new(MathErrorKind::QuoteNotPositive),
                _ => error,
            })?;
        let denominator = bid.checked_add(root)?;
        let base = twice_quote
            .mul_div(Fixed::from_u64(self.lot), denominator, Rounding::Up)?
            .to_u64(Rounding::Up)?;
        if self.mid_guard {
            return Ok(base.max(self.base_at_mid(quote_out, Rounding::Up)?));
        }
        Ok(base)
    }

    /// The largest base amount that can move in `direction` from `inventory` before the
    /// marginal quote reaches zero (`u64::MAX` if it never does): exactly the largest sale
    /// whose end bid passes [`LinearCurve::sell_base_exact_in`]'s positivity check.
    #[track_caller]
    pub fn max_base_before_zero_quote(&self, direction: Direction, inventory: i128) -> Result<u64> {
        let steepness = self.skew.checked_add(self.depth.slope)?;
        if direction == Direction::QuoteToBase || steepness.is_zero() {
            // Selling base out of the pool only raises the ask.
            return Ok(u64::MAX);
        }
        let positive_after = |base: u64| self.end_bid_positive(inventory, base);
        if !positive_after(0)? {
            return Ok(0);
        }
        // Without a depth premium bid(q + Δ) > 0 ⇔ Δ < (mid − half_spread)·lot/skew − q,
        // within a few atoms of the check's own rounding; with one (steeper beyond the
        // depth) the same form is a first guess. The search from it settles the answer.
        let zero_at = self
            .mid
            .checked_sub(self.half_spread)?
            .mul_div(Fixed::from_u64(self.lot), steepness, Rounding::Down)?
            .checked_sub(fixed_from_i128(inventory)?)?;
        let candidate = if zero_at.is_negative() {
            0
        } else {
            zero_at.to_u64(Rounding::Down).unwrap_or(u64::MAX)
        };
        largest_where(candidate, positive_after)
    }
}

impl LinearCurve {
    /// Trader sells exactly `base_in`; returns the quote paid out: the curve's
    /// [`LinearCurve::sell_base_exact_in_linear`] less the depth premium. The marginal
    /// bid, premium included, must stay positive along the path.
    #[track_caller]
    pub fn sell_base_exact_in(&self, inventory: i128, base_in: u64) -> Result<u64> {
        if self.depth.slope.is_zero() {
            return self.sell_base_exact_in_linear(inventory, base_in);
        }
        let out = self.sell_value_linear(inventory, base_in)?;
        out.checked_sub(self.depth_premium(Direction::BaseToQuote, base_in)?)?
            .max(Fixed::ZERO)
            .to_u64(Rounding::Down)
    }

    /// Trader buys exactly `base_out`; returns the quote charged: the curve's
    /// [`LinearCurve::buy_base_exact_out_linear`] plus the depth premium.
    #[track_caller]
    pub fn buy_base_exact_out(&self, inventory: i128, base_out: u64) -> Result<u64> {
        if self.depth.slope.is_zero() {
            return self.buy_base_exact_out_linear(inventory, base_out);
        }
        self.buy_cost_linear(inventory, base_out)?
            .checked_add(self.depth_premium(Direction::QuoteToBase, base_out)?)?
            .to_u64(Rounding::Up)
    }

    /// Trader pays exactly `quote_in`; returns the base paid out. With a depth premium the
    /// marginal ask is linear in two pieces (the curve's up to the depth left, steeper
    /// beyond), each solved in closed form ([`LinearCurve::buy_base_exact_in_linear`]).
    /// The mid guard prices at `max(curve, mid) + premium`, so the answer is the smaller of
    /// the curve's solution and the one at the flat mid.
    #[track_caller]
    pub fn buy_base_exact_in(&self, inventory: i128, quote_in: u64) -> Result<u64> {
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
            let left = u64::try_from(left).unwrap_or(u64::MAX);
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
        let pays =
            |base: u64| Ok(base == 0 || self.buy_base_exact_out(inventory, base)? <= quote_in);
        if pays(solved)? {
            return Ok(solved);
        }
        largest_below(solved, pays)
    }

    /// Trader receives exactly `quote_out`; returns the base charged. The inverse of
    /// [`LinearCurve::sell_base_exact_in`] in two pieces like
    /// [`LinearCurve::buy_base_exact_in`]; under the mid guard the larger of the curve's
    /// answer and the flat mid's.
    #[track_caller]
    pub fn sell_base_exact_out(&self, inventory: i128, quote_out: u64) -> Result<u64> {
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
            let left = u64::try_from(left).unwrap_or(u64::MAX);
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
            Err(error) if error.kind == MathErrorKind::QuoteNotPositive => 0,
            Err(error) => return Err(error),
        };
        // As for purchases: where the pieces' rounding falls short, the smallest base above
        // the answer that exact-in says delivers `quote_out`; where it rounds past the last
        // positive bid (a base atom worth a lot or more), the smallest below it. A base
        // exact-in refuses is too much, never short.
        let short = |base: u64| match self.sell_base_exact_in(inventory, base) {
            Ok(paid) => Ok(paid < quote_out),
            Err(error) if error.kind == MathErrorKind::QuoteNotPositive => Ok(false),
            Err(error) => Err(error),
        };
        let last_short = match self.sell_base_exact_in(inventory, base) {
            Ok(paid) if paid >= quote_out => return Ok(base),
            Ok(_) => largest_where(base, short)?,
            Err(error) if error.kind == MathErrorKind::QuoteNotPositive => {
                largest_below(base, short)?
            }
            Err(error) => return Err(error),
        };
        let needed = last_short.checked_add(1).or_math(MathErrorKind::Overflow)?;
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
    fn depth_premium(&self, direction: Direction, base: u64) -> Result<Fixed> {
        let left = self.depth_left(direction);
        let beyond = i128::from(base)
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
    fn end_bid_positive(&self, inventory: i128, base: u64) -> Result<bool> {
        let end = Direction::BaseToQuote.inventory_after(inventory, base)?;
        let bid = self.bid_at(end, Rounding::Down)?;
        if self.depth.slope.is_zero() {
            return Ok(bid.is_positive());
        }
        let beyond = i128::from(base)
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
        quote_in: u64,
        depth_cost: Option<u64>,
    ) -> Result<u64> {
        let direction = Direction::QuoteToBase;
        let left = self.depth_left(direction);
        let steep = self.beyond_depth(curve, direction, inventory)?;
        if left <= 0 {
            return steep.buy_base_exact_in_linear(inventory, quote_in);
        }
        let left = u64::try_from(left).unwrap_or(u64::MAX);
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
        left.checked_add(rest).or_math(MathErrorKind::Overflow)
    }

    /// `quote_out` received from `curve` (bare) with this curve's depth: the base charged,
    /// in the two pieces of [`LinearCurve::buy_in_with_depth`] (`depth_paid`: what the
    /// depth pays on `curve`, when the caller has it).
    #[track_caller]
    fn sell_out_with_depth(
        &self,
        curve: &Self,
        inventory: i128,
        quote_out: u64,
        depth_paid: Option<u64>,
    ) -> Result<u64> {
        let direction = Direction::BaseToQuote;
        let left = self.depth_left(direction);
        let steep = self.beyond_depth(curve, direction, inventory)?;
        if left <= 0 {
            return steep.sell_base_exact_out_linear(inventory, quote_out);
        }
        let left = u64::try_from(left).unwrap_or(u64::MAX);
        let within = match depth_paid {
            Some(paid) => Ok(paid),
            None => curve.sell_base_exact_in_linear(inventory, left),
        };
        match within {
            Ok(within) if quote_out > within => {
                let at_depth = direction.inventory_after(inventory, left)?;
                let rest =
                    steep.sell_base_exact_out_linear(at_depth, quote_out.saturating_sub(within))?;
                left.checked_add(rest).or_math(MathErrorKind::Overflow)
            }
            _ => curve.sell_base_exact_out_linear(inventory, quote_out),
        }
    }
}

/// The largest `u64` where `holds` is true, for a `holds` true up to some point and false
/// after it (true at 0), searched from `guess`: doubling steps away from it until the
/// answer is bracketed, then bisection — a step or two when the guess is off by rounding.
#[track_caller]
fn largest_where(guess: u64, holds: impl Fn(u64) -> Result<bool>) -> Result<u64> {
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
fn largest_below(fails: u64, holds: impl Fn(u64) -> Result<bool>) -> Result<u64> {
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

#[track_caller]
fn doubled(inventory: i128) -> Result<i128> {
    inventory.checked_mul(2).or_math(MathErrorKind::Overflow)
}

impl ConstantProductCurve {
    fn reserves_in_out(&self, direction: Direction) -> (u128, u128) {
        let Reserves { base, quote } = self.reserves;
        match direction {
            Direction::BaseToQuote => (u128::from(base), u128::from(quote)),
            Direction::QuoteToBase => (u128::from(quote), u128::from(base)),
        }
    }

    /// `⌊y·Δx / (x + Δx)⌋`.
    #[track_caller]
    pub fn exact_in(&self, direction: Direction, amount_in: u64) -> Result<u64> {
        let (reserve_in, reserve_out) = self.reserves_in_out(direction);
        ensure(
            reserve_in > 0 && reserve_out > 0,
            MathErrorKind::InsufficientLiquidity,
        )?;
        let amount_in = u128::from(amount_in);
        record(Op::Product128);
        // Both factors are below 2^64, so the product fits.
        let numerator = reserve_out.saturating_mul(amount_in);
        let denominator = reserve_in.saturating_add(amount_in);
        let (out, _) = div_rem(numerator, denominator).or_math(MathErrorKind::DivisionByZero)?;
        u64::try_from(out).or_math(MathErrorKind::Overflow)
    }

    /// `⌈x·Δy / (y − Δy)⌉`; fails unless `Δy < y`.
    #[track_caller]
    pub fn exact_out(&self, direction: Direction, amount_out: u64) -> Result<u64> {
        let (reserve_in, reserve_out) = self.reserves_in_out(direction);
        ensure(reserve_in > 0, MathErrorKind::InsufficientLiquidity)?;
        let amount_out = u128::from(amount_out);
        ensure(
            amount_out < reserve_out,
            MathErrorKind::InsufficientLiquidity,
        )?;
        record(Op::Product128);
        let numerator = reserve_in.saturating_mul(amount_out);
        let denominator = reserve_out.saturating_sub(amount_out);
        let (amount_in, remainder) =
            div_rem(numerator, denominator).or_math(MathErrorKind::DivisionByZero)?;
        let amount_in = amount_in.saturating_add(u128::from(remainder != 0));
        u64::try_from(amount_in).or_math(MathErrorKind::Overflow)
    }
}
