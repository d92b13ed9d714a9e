//! The pools a trade can go to: Homeostat pools run by the program's own state code
//! (through [`PoolSnapshot`], bit for bit what the program executes), and constant-product
//! baselines without an oracle.

use anchor_lang::prelude::Pubkey;
use homeostat::oracle::pro::ProUpdate;
use homeostat::oracle::PriceUpdate;
use homeostat::state::{Pool, PriceSource, PushQuoteArgs};
use homeostat::PoolParams;
use homeostat_localnet::{
    price_update, pro_feed, pyth_price, ONE_BASE, ONE_QUOTE, PRO_CHANNEL_200MS, PRO_FEED_ID,
    START_TIME,
};
use homeostat_math::{Direction, SwapContext, SwapQuote};
use homeostat_sdk::quote::PoolSnapshot;
use homeostat_sdk::SdkError;

use super::price::Print;

/// The trader's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The trader buys SOL: the pool sells at its ask.
    Buy,
    /// The trader sells SOL: the pool buys at its bid.
    Sell,
}

impl Side {
    /// Both sides.
    pub const BOTH: [Self; 2] = [Self::Buy, Self::Sell];

    fn direction(self) -> Direction {
        match self {
            Self::Buy => Direction::QuoteToBase,
            Self::Sell => Direction::BaseToQuote,
        }
    }
}

/// What a trade did to a pool, in whole tokens: what the pool received (negative: paid).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fill {
    /// SOL into the pool.
    pub base: f64,
    /// USDC into the pool.
    pub quote: f64,
    /// The fee the LPs keep, USDC at `price`.
    pub lp_fee: f64,
    /// The protocol's share of the fee (it leaves the LPs' reserves), USDC at `price`.
    pub protocol_fee: f64,
}

/// SOL as base atoms (rounded down: never more than asked).
pub fn base_atoms(sol: f64) -> u64 {
    (sol * ONE_BASE as f64).max(0.0) as u64
}

fn sol(atoms: u64) -> f64 {
    atoms as f64 / ONE_BASE as f64
}

fn usdc(atoms: u64) -> f64 {
    atoms as f64 / ONE_QUOTE as f64
}

/// The program's clock second at `ms` since the start.
pub fn clock_second(ms: u64) -> i64 {
    START_TIME + (ms / 1_000) as i64
}

/// A print as the Pyth `PriceUpdateV2` the program reads: published at the second it was
/// observed.
pub fn price_update_of(print: &Print) -> PriceUpdate {
    price_update(
        pyth_price(print.price),
        pyth_price(print.confidence),
        clock_second(print.observed_ms),
    )
}

/// The program's clock in microseconds at `ms` since the start: a Pyth Pro update's
/// timestamp.
pub fn pro_timestamp_us(ms: u64) -> u64 {
    (clock_second(0) as u64) * 1_000_000 + ms * 1_000
}

/// A print as the Pyth Pro update a transaction posts (`post_pro_price`): the local
/// feed, published at the microsecond it was observed.
pub fn pro_update_of(print: &Print) -> ProUpdate {
    ProUpdate {
        timestamp_us: pro_timestamp_us(print.observed_ms),
        channel: PRO_CHANNEL_200MS,
        base: pro_feed(pyth_price(print.price), pyth_price(print.confidence)),
        quote: None,
    }
}

/// What a transaction to a Homeostat pool carries: a push print (the oracle account), and
/// for a Pyth Pro pool the signed update it posts before the swap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Carried {
    /// The Pyth push print.
    pub push: Print,
    /// The Pyth Pro update posted first (`pro` pools).
    pub pro: Option<Print>,
}

/// A Homeostat pool in memory.
#[derive(Clone, Debug)]
pub struct HomeostatPool {
    snapshot: PoolSnapshot,
}

/// A Homeostat pool priced with one print at one instant: every quote against it is the
/// program's for that transaction.
#[derive(Clone)]
pub struct Priced {
    context: SwapContext,
    snapshot: PoolSnapshot,
    /// The price the program chose: the print's, or the quoter's.
    source: PriceSource,
    /// The Pyth Pro update the transaction posts first.
    pro: Option<Print>,
}

impl HomeostatPool {
    /// The pool `params` with `liquidity_sol` SOL and their value in USDC at `print`.
    pub fn open(params: &PoolParams, print: &Print, liquidity_sol: f64) -> Result<Self, SdkError> {
        let (base, quote) = Self::deposit(print, liquidity_sol);
        let snapshot = crate::replica::open(params, price_update_of(print), base, quote)?;
        Ok(Self { snapshot })
    }

    /// The first deposit, atoms: `liquidity_sol` SOL and their value in USDC at `print`.
    pub fn deposit(print: &Print, liquidity_sol: f64) -> (u64, u64) {
        (
            base_atoms(liquidity_sol),
            (liquidity_sol * print.price * ONE_QUOTE as f64) as u64,
        )
    }

    /// The pool as the program left it (`--onchain`): its accounts replace the state.
    pub fn replace(&mut self, snapshot: PoolSnapshot) {
        self.snapshot = PoolSnapshot {
            oracle: self.snapshot.oracle,
            now: self.snapshot.now,
            slot: self.snapshot.slot,
            ..snapshot
        };
    }

    /// The pool account as the program left it after an instruction that moves no tokens
    /// (`set_quoter`, `push_quote`; `--onchain`).
    pub fn replace_state(&mut self, pool: Pool) {
        self.snapshot.pool = pool;
    }

    /// `set_pro_feeds` as the program applies it: the local Pyth Pro feed.
    pub fn set_pro_feed(&mut self) -> Result<(), anchor_lang::error::Error> {
        self.snapshot.pool.set_pro_feeds(PRO_FEED_ID, 0)
    }

    /// `set_quoter` as the program applies it (`Pool::set_quoter`): prop-AMM mode.
    pub fn set_quoter(&mut self, quoter: Pubkey) {
        self.snapshot.pool.set_quoter(quoter);
    }

    /// `push_quote` in `slot` as the program applies it (`Pool::push_quote`); fails as it
    /// would.
    pub fn push_quote(
        &mut self,
        quote: &PushQuoteArgs,
        slot: u64,
    ) -> Result<(), anchor_lang::error::Error> {
        self.snapshot.pool.push_quote(quote, slot)
    }

    /// `update_params` as the program applies it (`Pool::apply_params`); fails as it would.
    pub fn apply_params(&mut self, params: &PoolParams) -> Result<(), anchor_lang::error::Error> {
        let coefficients = params.validate()?;
        self.snapshot.pool.apply_params(params, &coefficients)
    }

    /// The pool's state.
    pub fn pool(&self) -> &Pool {
        &self.snapshot.pool
    }

    /// The LPs' reserves (vaults less protocol fees owed), whole tokens.
    pub fn reserves(&self) -> (f64, f64) {
        self.snapshot
            .reserves()
            .map(|reserves| (sol(reserves.base.get()), usdc(reserves.quote.get())))
            .unwrap_or((0.0, 0.0))
    }

    /// The pool at `now_ms`, in `slot`, priced by a transaction carrying `carried` — its
    /// Pyth Pro update posted first (`Pool::book_pro_update`), then `Pool::prepare_swap`:
    /// the quoter's price when it is usable, else the pool's Pyth price (the posted Pro
    /// update while fresh, else the push print); fails as the program would (stale, older
    /// than the newest print used, too uncertain, no usable quote in a pool that then
    /// refuses).
    pub fn priced(&self, carried: &Carried, now_ms: u64, slot: u64) -> Result<Priced, SdkError> {
        let now = clock_second(now_ms);
        let mut pool = self.snapshot.pool;
        if let Some(pro) = &carried.pro {
            pool.book_pro_update(&pro_update_of(pro), now)?;
        }
        let snapshot = PoolSnapshot {
            pool,
            oracle: price_update_of(&carried.push),
            now,
            slot,
            ..self.snapshot
        };
        let (_, prepared) = snapshot.context()?;
        Ok(Priced {
            context: prepared.context,
            snapshot,
            source: prepared.source,
            pro: carried.pro,
        })
    }

    /// Executes `quote` as the program would (`PoolSnapshot::after_swap`), priced as
    /// `priced` was; returns the fill at the true price `price`.
    pub fn execute(&mut self, priced: &Priced, quote: &SwapQuote, price: f64) -> Fill {
        let Ok(next) = priced.snapshot.after_swap(quote.direction, quote) else {
            return Fill::default();
        };
        self.snapshot = PoolSnapshot {
            oracle: self.snapshot.oracle,
            now: self.snapshot.now,
            slot: self.snapshot.slot,
            ..next
        };
        let fee_value = |atoms: u64| match quote.direction {
            Direction::BaseToQuote => sol(atoms) * price,
            Direction::QuoteToBase => usdc(atoms),
        };
        let protocol_fee = fee_value(quote.fee.protocol);
        let (base, quote_flow) = match quote.direction {
            Direction::BaseToQuote => (
                sol(quote.amount_in - quote.fee.protocol),
                -usdc(quote.amount_out),
            ),
            Direction::QuoteToBase => (
                -sol(quote.amount_out),
                usdc(quote.amount_in - quote.fee.protocol),
            ),
        };
        Fill {
            base,
            quote: quote_flow,
            lp_fee: fee_value(quote.fee.total) - protocol_fee,
            protocol_fee,
        }
    }
}

impl Priced {
    /// The print the transaction carries, the Pyth Pro update it posts first, its clock
    /// second and its slot.
    pub fn transaction(&self) -> (PriceUpdate, Option<Print>, i64, u64) {
        (
            self.snapshot.oracle,
            self.pro,
            self.snapshot.now,
            self.snapshot.slot,
        )
    }

    /// Whether the quoter's price prices it (prop-AMM mode), not the print.
    pub fn quoted(&self) -> bool {
        matches!(self.source, PriceSource::Quoter { .. })
    }

    /// The program's quote for moving `sol` SOL on `side`: exact-out for a purchase,
    /// exact-in (the fee in SOL included) for a sale.
    pub fn quote(&self, side: Side, sol: f64) -> Option<SwapQuote> {
        let atoms = base_atoms(sol);
        if atoms == 0 {
            return None;
        }
        match side {
            Side::Buy => self.context.quote_exact_out(side.direction(), atoms),
            Side::Sell => self.context.quote_exact_in(side.direction(), atoms),
        }
        .ok()
    }

    /// USDC the trader pays (buy) or receives (sell) for `sol` SOL.
    pub fn value(&self, side: Side, sol: f64) -> Option<f64> {
        self.quote(side, sol).map(|quote| match side {
            Side::Buy => usdc(quote.amount_in),
            Side::Sell => usdc(quote.amount_out),
        })
    }

    /// The pool's lot, SOL.
    pub fn lot_sol(&self) -> f64 {
        sol(self.snapshot.pool.params.lot)
    }

    /// The largest trade on `side` the pool accepts, SOL.
    pub fn max_sol(&self, side: Side) -> f64 {
        match self.context.max_trade(side.direction()) {
            Ok(Some(quote)) => match side {
                Side::Buy => sol(quote.amount_out),
                Side::Sell => sol(quote.amount_in),
            },
            _ => 0.0,
        }
    }
}

/// A constant-product pool `x·y = k` with the fee taken on the input and kept by the LPs,
/// and no oracle: whatever its price, it trades.
#[derive(Clone, Debug)]
pub struct ConstantProduct {
    /// SOL reserve.
    pub base: f64,
    /// USDC reserve.
    pub quote: f64,
    /// Fee on the input, a fraction.
    pub fee: f64,
}

impl ConstantProduct {
    /// USDC paid (buy) or received (sell) for `sol` SOL; `None` past the reserve.
    pub fn value(&self, side: Side, sol: f64) -> Option<f64> {
        let k = self.base * self.quote;
        match side {
            Side::Buy if sol < self.base => {
                Some((k / (self.base - sol) - self.quote) / (1.0 - self.fee))
            }
            Side::Sell if sol > 0.0 => Some(self.quote - k / (self.base + sol * (1.0 - self.fee))),
            _ => None,
        }
    }

    /// The size on `side` whose marginal price reaches `limit` (USDC per SOL): the
    /// profit-maximising trade of someone who values SOL at `limit`; 0 if none pays.
    pub fn trade_to(&self, side: Side, limit: f64) -> f64 {
        let (k, keep) = (self.base * self.quote, 1.0 - self.fee);
        match side {
            // Marginal cost k/((x−b)²·(1−f)) = limit.
            Side::Buy => (self.base - (k / (limit * keep)).sqrt()).max(0.0),
            // Marginal proceeds k(1−f)/(x+b(1−f))² = limit.
            Side::Sell => (((k * keep / limit).sqrt() - self.base) / keep).max(0.0),
        }
    }

    /// Trades `sol` SOL on `side`; the fee is valued at `price`.
    pub fn execute(&mut self, side: Side, sol: f64, price: f64) -> Fill {
        let Some(value) = self.value(side, sol) else {
            return Fill::default();
        };
        let (base, quote, lp_fee) = match side {
            Side::Buy => (-sol, value, value * self.fee),
            Side::Sell => (sol, -value, sol * self.fee * price),
        };
        self.base += base;
        self.quote += quote;
        Fill {
            base,
            quote,
            lp_fee,
            protocol_fee: 0.0,
        }
    }

    /// The marginal price, USDC per SOL.
    pub fn price(&self) -> f64 {
        self.quote / self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_product_arbitrage_stops_where_the_marginal_price_meets_the_limit() {
        let pool = ConstantProduct {
            base: 1_000.0,
            quote: 150_000.0,
            fee: 0.003,
        };
        for (side, limit) in [(Side::Buy, 152.0), (Side::Sell, 148.0)] {
            let size = pool.trade_to(side, limit);
            assert!(size > 0.0);
            let step = 1e-4;
            let value = |s: f64| pool.value(side, s).expect("in range");
            let marginal = (value(size + step) - value(size)) / step;
            assert!((marginal - limit).abs() < 1e-3, "{side:?} {marginal}");
            // Profit is maximal there: a little more or less earns less.
            let profit = |s: f64| match side {
                Side::Buy => s * limit - value(s),
                Side::Sell => value(s) - s * limit,
            };
            assert!(profit(size) > profit(size * 0.99) && profit(size) > profit(size * 1.01));
        }
        // Inside the fee band nothing pays.
        assert_eq!(pool.trade_to(Side::Buy, 150.3), 0.0);
        assert_eq!(pool.trade_to(Side::Sell, 149.7), 0.0);
    }

    #[test]
    fn a_constant_product_trade_keeps_the_product_up_to_the_fee() {
        let mut pool = ConstantProduct {
            base: 1_000.0,
            quote: 150_000.0,
            fee: 0.0,
        };
        let k = pool.base * pool.quote;
        let fill = pool.execute(Side::Buy, 10.0, 150.0);
        assert!((pool.base * pool.quote - k).abs() < 1e-6 * k);
        assert_eq!(fill.base, -10.0);
        assert!(fill.quote > 1_500.0);
    }
}
