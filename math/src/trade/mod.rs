//! Sized trades: what a trade of size Δ costs or pays, integrating the marginal quote over
//! the inventory path it causes.
//!
//! Amounts are token atoms ([`BaseAtoms`], [`QuoteAtoms`]); inventory `q` is the pool's
//! base inventory deviation in base atoms (`i128`, signed). Every rounding favours the
//! pool: amounts out round down, amounts in round up, and every intermediate rounds in
//! whichever direction makes the final amount smaller (out) or larger (in).

use crate::error::{ensure, MathError, MathErrorKind, OrMathError, Result};
use crate::fixed::{Fixed, Rounding};
use crate::ops::{record, Op};
use crate::units::{BaseAtoms, QuoteAtoms, TokenAtoms};
use crate::wide::div_rem;

mod depth;

pub(crate) use depth::bisect;
use depth::{doubled, largest_where};

/// Pool balances available to pay out, in atoms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reserves {
    /// Base token atoms.
    pub base: BaseAtoms,
    /// Quote token atoms.
    pub quote: QuoteAtoms,
}

impl Reserves {
    /// Whether these reserves can pay `amount` out.
    pub fn cover(&self, amount: TokenAtoms) -> bool {
        match amount {
            TokenAtoms::Base(base) => base <= self.base,
            TokenAtoms::Quote(quote) => quote <= self.quote,
        }
    }
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
    pub fn inventory_after(self, inventory: i128, base_amount: BaseAtoms) -> Result<i128> {
        let base_amount = base_amount.signed();
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
    /// Output for exactly `amount_in` (no fees): quote for base in, base for quote in.
    #[track_caller]
    pub fn exact_in(&self, amount_in: TokenAtoms, inventory: i128) -> Result<TokenAtoms> {
        Ok(match (self, amount_in) {
            (Self::Linear(c), TokenAtoms::Base(base_in)) => {
                TokenAtoms::Quote(c.sell_base_exact_in(inventory, base_in)?)
            }
            (Self::Linear(c), TokenAtoms::Quote(quote_in)) => {
                TokenAtoms::Base(c.buy_base_exact_in(inventory, quote_in)?)
            }
            (Self::ConstantProduct(c), amount_in) => c.exact_in(amount_in)?,
        })
    }

    /// Input needed for exactly `amount_out` (no fees): base for quote out, quote for base
    /// out.
    #[track_caller]
    pub fn exact_out(&self, amount_out: TokenAtoms, inventory: i128) -> Result<TokenAtoms> {
        Ok(match (self, amount_out) {
            (Self::Linear(c), TokenAtoms::Quote(quote_out)) => {
                TokenAtoms::Base(c.sell_base_exact_out(inventory, quote_out)?)
            }
            (Self::Linear(c), TokenAtoms::Base(base_out)) => {
                TokenAtoms::Quote(c.buy_base_exact_out(inventory, base_out)?)
            }
            (Self::ConstantProduct(c), amount_out) => c.exact_out(amount_out)?,
        })
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
    fn value_of(&self, base_amount: BaseAtoms, price: Fixed, rounding: Rounding) -> Result<Fixed> {
        Fixed::from_u64(base_amount.get()).mul_div(price, Fixed::from_u64(self.lot), rounding)
    }

    /// Trader sells exactly `base_in`; returns the quote paid out:
    /// `⌊Δ · bid(q + Δ/2) / lot⌋`. The marginal bid must stay positive along the path.
    #[track_caller]
    fn sell_base_exact_in_linear(&self, inventory: i128, base_in: BaseAtoms) -> Result<QuoteAtoms> {
        self.sell_value_linear(inventory, base_in)?
            .to_u64(Rounding::Down)
            .map(QuoteAtoms::new)
    }

    /// [`LinearCurve::sell_base_exact_in_linear`] before rounding to whole atoms.
    #[track_caller]
    /// The positivity check is the whole sale's (`end_bid_positive`: the depth premium
    /// included when the curve has one), so [`LinearCurve::sell_base_exact_in`] does not
    /// repeat it.
    fn sell_value_linear(&self, inventory: i128, base_in: BaseAtoms) -> Result<Fixed> {
        ensure(
            self.end_bid_positive(inventory, base_in)?,
            MathErrorKind::QuoteNotPositive,
        )?;
        let midpoint = doubled(inventory)?
            .checked_add(base_in.signed())
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
    fn buy_base_exact_out_linear(
        &self,
        inventory: i128,
        base_out: BaseAtoms,
    ) -> Result<QuoteAtoms> {
        self.buy_cost_linear(inventory, base_out)?
            .to_u64(Rounding::Up)
            .map(QuoteAtoms::new)
    }

    /// [`LinearCurve::buy_base_exact_out_linear`] before rounding to whole atoms.
    #[track_caller]
    fn buy_cost_linear(&self, inventory: i128, base_out: BaseAtoms) -> Result<Fixed> {
        if !self.mid_guard {
            ensure(
                self.ask_at(inventory, Rounding::Down)?.is_positive(),
                MathErrorKind::QuoteNotPositive,
            )?;
        }
        let midpoint = doubled(inventory)?
            .checked_sub(base_out.signed())
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
    fn base_at_mid(&self, quote: QuoteAtoms, rounding: Rounding) -> Result<BaseAtoms> {
        Fixed::from_u64(quote.get())
            .mul_div(Fixed::from_u64(self.lot), self.mid, rounding)?
            .to_u64(rounding)
            .map(BaseAtoms::new)
    }

    /// Trader pays exactly `quote_in`; returns the base paid out. Solves
    /// `u·(a₀ + skew·u/2) = Q` for `u = Δ/lot` in closed form,
    /// `Δ = 2·Q·lot / (a₀ + √(a₀² + 2·skew·Q))` — the form without cancellation, its root
    /// taken from an exact 256-bit radicand — with the denominator rounded up. Without the
    /// mid guard `a₀` must be positive; with it, `Q` buys at most `Q·lot/mid`, which also
    /// prices a purchase whose starting ask has crossed zero.
    #[track_caller]
    fn buy_base_exact_in_linear(&self, inventory: i128, quote_in: QuoteAtoms) -> Result<BaseAtoms> {
        let ask = self.ask_at(inventory, Rounding::Up)?;
        let at_mid = || self.base_at_mid(quote_in, Rounding::Down);
        if !ask.is_positive() {
            ensure(self.mid_guard, MathErrorKind::QuoteNotPositive)?;
            if self.skew.is_zero() {
                return at_mid();
            }
        }
        // Doubling is exact: an addition, not a product.
        let quote = Fixed::from_u64(quote_in.get());
        let twice_quote = quote.checked_add(quote)?;
        let root =
            Fixed::root_of_square_with_product(ask, self.skew, twice_quote, false, Rounding::Up)?;
        let denominator = ask.checked_add(root)?;
        ensure(denominator.is_positive(), MathErrorKind::QuoteNotPositive)?;
        let base = BaseAtoms::new(
            twice_quote
                .mul_div(Fixed::from_u64(self.lot), denominator, Rounding::Down)?
                .to_u64(Rounding::Down)?,
        );
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
    fn sell_base_exact_out_linear(
        &self,
        inventory: i128,
        quote_out: QuoteAtoms,
    ) -> Result<BaseAtoms> {
        let bid = self.bid_at(inventory, Rounding::Down)?;
        ensure(bid.is_positive(), MathErrorKind::QuoteNotPositive)?;
        // Doubling is exact: an addition, not a product.
        let quote = Fixed::from_u64(quote_out.get());
        let twice_quote = quote.checked_add(quote)?;
        let root =
            Fixed::root_of_square_with_product(bid, self.skew, twice_quote, true, Rounding::Down)
                .map_err(|error| match error.kind {
                MathErrorKind::OutOfDomain => MathError::new(MathErrorKind::QuoteNotPositive),
                _ => error,
            })?;
        let denominator = bid.checked_add(root)?;
        let base = BaseAtoms::new(
            twice_quote
                .mul_div(Fixed::from_u64(self.lot), denominator, Rounding::Up)?
                .to_u64(Rounding::Up)?,
        );
        if self.mid_guard {
            return Ok(base.max(self.base_at_mid(quote_out, Rounding::Up)?));
        }
        Ok(base)
    }

    /// The largest base amount that can move in `direction` from `inventory` before the
    /// marginal quote reaches zero (`u64::MAX` if it never does): exactly the largest sale
    /// whose end bid passes [`LinearCurve::sell_base_exact_in`]'s positivity check.
    #[track_caller]
    pub fn max_base_before_zero_quote(
        &self,
        direction: Direction,
        inventory: i128,
    ) -> Result<BaseAtoms> {
        let steepness = self.skew.checked_add(self.depth.slope)?;
        if direction == Direction::QuoteToBase || steepness.is_zero() {
            // Selling base out of the pool only raises the ask.
            return Ok(BaseAtoms::MAX);
        }
        let positive_after = |base: u64| self.end_bid_positive(inventory, BaseAtoms::new(base));
        if !positive_after(0)? {
            return Ok(BaseAtoms::ZERO);
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
        largest_where(candidate, positive_after).map(BaseAtoms::new)
    }
}

impl ConstantProductCurve {
    /// The reserves of the input and the output token of a trade in `direction`.
    fn reserves_in_out(&self, direction: Direction) -> (u128, u128) {
        let Reserves { base, quote } = self.reserves;
        let (base, quote) = (u128::from(base.get()), u128::from(quote.get()));
        match direction {
            Direction::BaseToQuote => (base, quote),
            Direction::QuoteToBase => (quote, base),
        }
    }

    /// `⌊y·Δx / (x + Δx)⌋`: the other token for exactly `amount_in`.
    #[track_caller]
    pub fn exact_in(&self, amount_in: TokenAtoms) -> Result<TokenAtoms> {
        let direction = amount_in.direction_in();
        let (reserve_in, reserve_out) = self.reserves_in_out(direction);
        ensure(
            reserve_in > 0 && reserve_out > 0,
            MathErrorKind::InsufficientLiquidity,
        )?;
        let amount_in = u128::from(amount_in.get());
        record(Op::Product128);
        // Both factors are below 2^64, so the product fits.
        let numerator = reserve_out.saturating_mul(amount_in);
        let denominator = reserve_in.saturating_add(amount_in);
        let (out, _) = div_rem(numerator, denominator).or_math(MathErrorKind::DivisionByZero)?;
        let out = u64::try_from(out).or_math(MathErrorKind::Overflow)?;
        Ok(direction.output(out))
    }

    /// `⌈x·Δy / (y − Δy)⌉`: the other token needed for exactly `amount_out`; fails unless
    /// `Δy < y`.
    #[track_caller]
    pub fn exact_out(&self, amount_out: TokenAtoms) -> Result<TokenAtoms> {
        let direction = amount_out.direction_out();
        let (reserve_in, reserve_out) = self.reserves_in_out(direction);
        ensure(reserve_in > 0, MathErrorKind::InsufficientLiquidity)?;
        let amount_out = u128::from(amount_out.get());
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
        let amount_in = u64::try_from(amount_in).or_math(MathErrorKind::Overflow)?;
        Ok(direction.input(amount_in))
    }
}
