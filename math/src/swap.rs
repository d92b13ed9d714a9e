//! A whole swap as the program executes it: fees, the curve, the pool's limits and its
//! balances. The program and the SDK both call [`quote_exact_in`] / [`quote_exact_out`],
//! so an off-chain quote is the on-chain result, bit for bit.

use crate::error::{ensure, MathErrorKind, OrMathError, Result};
use crate::fees::{Fee, FeeSchedule};
use crate::fixed::Rounding;
use crate::integer::mul_div_u64;
use crate::trade::{bisect, Curve, Direction, Reserves};
use crate::units::{BaseAtoms, QuoteAtoms, TokenAtoms};

/// The pool's hard limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest `|inventory|`, base atoms. A trade may not take `|inventory|` above it
    /// (a trade that reduces `|inventory|` is always allowed, even beyond a lowered cap).
    pub inventory_cap: BaseAtoms,
    /// Largest base amount one trade may move.
    pub max_trade_base: BaseAtoms,
}

impl Limits {
    /// Checks one trade of `base_amount` atoms in `direction` from `inventory`.
    #[track_caller]
    pub fn check(
        &self,
        direction: Direction,
        inventory: i128,
        base_amount: BaseAtoms,
    ) -> Result<()> {
        ensure(
            base_amount <= self.max_trade_base,
            MathErrorKind::TradeTooLarge,
        )?;
        let after = direction.inventory_after(inventory, base_amount)?;
        let grows = after.unsigned_abs() > inventory.unsigned_abs();
        ensure(
            !grows || after.unsigned_abs() <= u128::from(self.inventory_cap.get()),
            MathErrorKind::InventoryCapExceeded,
        )
    }

    /// The largest base amount `direction` allows from `inventory` under these limits.
    pub fn max_base(&self, direction: Direction, inventory: i128) -> BaseAtoms {
        let cap = self.inventory_cap.signed();
        let room = match direction {
            Direction::BaseToQuote => cap.saturating_sub(inventory),
            Direction::QuoteToBase => cap.saturating_add(inventory),
        };
        let room = BaseAtoms::new(u64::try_from(room.max(0)).unwrap_or(u64::MAX));
        room.min(self.max_trade_base)
    }
}

/// Everything about a pool a swap quote depends on, besides the trade itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapContext {
    /// The model's curve for the current oracle state.
    pub curve: Curve,
    /// The risk position the curve prices at before the trade, base atoms: the gross
    /// `position` less the part of the recorded hedge the quotes credit. A trade moves it
    /// by the base it moves, as it moves `position`.
    pub risk_position: i128,
    /// The base the pool's vaults hold beyond their target before the trade, base atoms:
    /// what the inventory cap limits.
    pub position: i128,
    /// Hard limits.
    pub limits: Limits,
    /// Fees.
    pub fees: FeeSchedule,
    /// What the pool can pay out (vault balances less anything owed elsewhere).
    pub reserves: Reserves,
}

/// A fully priced swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapQuote {
    /// Direction.
    pub direction: Direction,
    /// What the trader pays, fee included (input token atoms).
    pub amount_in: u64,
    /// What the trader receives (output token atoms).
    pub amount_out: u64,
    /// Fee, part of `amount_in`, with the protocol's share.
    pub fee: Fee,
    /// Base atoms moved, i.e. the inventory change.
    pub base_amount: BaseAtoms,
    /// Gross position before (`SwapContext::position`).
    pub gross_position_before: i128,
    /// Gross position after.
    pub gross_position_after: i128,
}

impl SwapQuote {
    /// `vaults` once this swap settles: the input (fee included) paid into its token's
    /// vault, the output paid out of the other's.
    #[track_caller]
    pub fn settle(&self, vaults: Reserves) -> Result<Reserves> {
        Ok(match self.direction {
            Direction::BaseToQuote => Reserves {
                base: vaults.base.checked_add(BaseAtoms::new(self.amount_in))?,
                quote: vaults.quote.checked_sub(QuoteAtoms::new(self.amount_out))?,
            },
            Direction::QuoteToBase => Reserves {
                base: vaults.base.checked_sub(BaseAtoms::new(self.amount_out))?,
                quote: vaults.quote.checked_add(QuoteAtoms::new(self.amount_in))?,
            },
        })
    }
}

/// The pool's inventory as flow: the base atoms its LP reserves hold beyond the target,
/// `q = base − b*·S` for `S` shares outstanding and a target of `b* = target_base /
/// target_shares` base atoms per share (fixed at the first deposit). Price moves alone do
/// not move it; pro-rata deposits and withdrawals scale it with the pool. The target
/// `⌊S·target_base / target_shares⌋` is exact at `S = target_shares` and otherwise rounds
/// down (under one atom); a pool without a target (`target_shares = 0`) has `q = 0`.
#[track_caller]
pub fn flow_inventory(
    base: BaseAtoms,
    shares: u64,
    target_base: BaseAtoms,
    target_shares: u64,
) -> Result<i128> {
    if target_shares == 0 {
        return Ok(0);
    }
    let target = mul_div_u64(shares, target_base.get(), target_shares, Rounding::Down)?;
    base.signed()
        .checked_sub(i128::from(target))
        .or_math(MathErrorKind::Overflow)
}

/// The risk position the quotes skew on: the gross `position` less `hedge_credit_bps` of
/// the recorded `hedge` (the part of the inventory offset off chain that the pool's quotes
/// may treat as gone). The credit rounds toward zero: the pool never credits more of a
/// hedge than was recorded.
#[track_caller]
pub fn risk_position(position: i128, hedge: i64, hedge_credit_bps: u16) -> Result<i128> {
    ensure(
        u64::from(hedge_credit_bps) <= crate::fees::BPS_DENOMINATOR,
        MathErrorKind::InvalidParameter,
    )?;
    let credited = mul_div_u64(
        hedge.unsigned_abs(),
        u64::from(hedge_credit_bps),
        crate::fees::BPS_DENOMINATOR,
        Rounding::Down,
    )?;
    let credited = i128::from(credited);
    let credited = if hedge < 0 {
        credited.checked_neg()
    } else {
        Some(credited)
    };
    credited
        .and_then(|credited| position.checked_sub(credited))
        .or_math(MathErrorKind::Overflow)
}

/// How far `max_trade` steps the gross input down to absorb the fee's rounding.
const MAX_GROSS_STEPS: u8 = 8;

impl SwapContext {
    /// The largest base sale (at most `base`) whose payout the quote reserve covers.
    /// Payout grows with size, so: the closed-form exact-out answer for the whole reserve,
    /// then — only if rounding put it one step too far — a bisection below it.
    #[track_caller]
    fn largest_sale_paid_from_reserves(&self, base: BaseAtoms) -> Result<BaseAtoms> {
        let fits = |amount: u64| -> Result<bool> {
            let paid = self
                .curve
                .exact_in(TokenAtoms::Base(BaseAtoms::new(amount)), self.risk_position)?;
            Ok(self.reserves.cover(paid))
        };
        if fits(base.get())? {
            return Ok(base);
        }
        let candidate = match self
            .curve
            .exact_out(TokenAtoms::Quote(self.reserves.quote), self.risk_position)
        {
            Ok(needed) => needed.get().min(base.get()),
            Err(_) => base.get(),
        };
        if fits(candidate)? {
            return Ok(BaseAtoms::new(candidate));
        }
        // `fits(0)` (a zero sale pays nothing) and `!fits(candidate)`.
        bisect(0, candidate, fits).map(BaseAtoms::new)
    }

    #[track_caller]
    fn finish(
        &self,
        direction: Direction,
        amount_in: u64,
        amount_out: u64,
        fee: Fee,
    ) -> Result<SwapQuote> {
        ensure(amount_out > 0, MathErrorKind::ZeroAmount)?;
        let base_amount = BaseAtoms::new(match direction {
            Direction::BaseToQuote => amount_in.saturating_sub(fee.total),
            Direction::QuoteToBase => amount_out,
        });
        ensure(
            self.reserves.cover(direction.output(amount_out)),
            MathErrorKind::InsufficientLiquidity,
        )?;
        self.limits.check(direction, self.position, base_amount)?;
        Ok(SwapQuote {
            direction,
            amount_in,
            amount_out,
            fee,
            base_amount,
            gross_position_before: self.position,
            gross_position_after: direction.inventory_after(self.position, base_amount)?,
        })
    }

    /// The trader pays exactly `amount_in` (fee included); the curve prices the rest.
    #[track_caller]
    pub fn quote_exact_in(&self, direction: Direction, amount_in: u64) -> Result<SwapQuote> {
        ensure(amount_in > 0, MathErrorKind::ZeroAmount)?;
        let fee = self.fees.fee_on_gross(amount_in)?;
        let net_in = amount_in.saturating_sub(fee.total);
        ensure(net_in > 0, MathErrorKind::ZeroAmount)?;
        if direction == Direction::BaseToQuote {
            // Check the limits before pricing, so an oversized trade reports the limit
            // rather than whatever the curve says about it.
            self.limits
                .check(direction, self.position, BaseAtoms::new(net_in))?;
        }
        let amount_out = self
            .curve
            .exact_in(direction.input(net_in), self.risk_position)?
            .get();
        self.finish(direction, amount_in, amount_out, fee)
    }

    /// The trader receives exactly `amount_out`; returns what they pay, fee included.
    #[track_caller]
    pub fn quote_exact_out(&self, direction: Direction, amount_out: u64) -> Result<SwapQuote> {
        ensure(amount_out > 0, MathErrorKind::ZeroAmount)?;
        if direction == Direction::QuoteToBase {
            self.limits
                .check(direction, self.position, BaseAtoms::new(amount_out))?;
        }
        let amount_out_atoms = direction.output(amount_out);
        ensure(
            self.reserves.cover(amount_out_atoms),
            MathErrorKind::InsufficientLiquidity,
        )?;
        let net_in = self
            .curve
            .exact_out(amount_out_atoms, self.risk_position)?
            .get();
        let (amount_in, fee) = self.fees.gross_up(net_in)?;
        self.finish(direction, amount_in, amount_out, fee)
    }

    /// The largest trade in `direction` that passes every limit and that the pool can pay:
    /// the base amount, and the swap that moves it (`None` if no trade fits).
    ///
    /// For `BaseToQuote` the trader sends `base_amount` plus the fee (`quote.amount_in`);
    /// for `QuoteToBase` the trader receives `base_amount`.
    #[track_caller]
    pub fn max_trade(&self, direction: Direction) -> Result<Option<SwapQuote>> {
        let mut base = self.limits.max_base(direction, self.position);
        if let Curve::Linear(curve) = &self.curve {
            base = base.min(curve.max_base_before_zero_quote(direction, self.risk_position)?);
        }
        match direction {
            Direction::QuoteToBase => {
                base = base.min(self.reserves.base);
                if matches!(self.curve, Curve::ConstantProduct(_)) {
                    // x·y = k can never pay out its whole reserve.
                    base = base.min(self.reserves.base.saturating_sub(BaseAtoms::new(1)));
                }
                if base.is_zero() {
                    return Ok(None);
                }
                self.quote_exact_out(direction, base.get()).map(Some)
            }
            Direction::BaseToQuote => {
                base = self.largest_sale_paid_from_reserves(base)?;
                if base.is_zero() {
                    return Ok(None);
                }
                // The gross-up may leave one atom more of net input than `base`; step the
                // gross down (at most a few atoms) until the whole swap passes.
                let (mut gross, _) = self.fees.gross_up(base.get())?;
                let mut attempts = 0u8;
                loop {
                    match self.quote_exact_in(direction, gross) {
                        Ok(quote) => return Ok(Some(quote)),
                        Err(error)
                            if gross > 1
                                && attempts < MAX_GROSS_STEPS
                                && matches!(
                                    error.kind,
                                    MathErrorKind::TradeTooLarge
                                        | MathErrorKind::InventoryCapExceeded
                                        | MathErrorKind::InsufficientLiquidity
                                        | MathErrorKind::QuoteNotPositive
                                ) =>
                        {
                            gross = gross.saturating_sub(1);
                            attempts = attempts.saturating_add(1);
                        }
                        Err(error) => return Err(error),
                    }
                }
            }
        }
    }
}
