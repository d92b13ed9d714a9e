//! Off-chain quotes identical to what the program executes.
//!
//! A [`PoolSnapshot`] holds the bytes the program reads for a swap — the pool, its two
//! vault balances, the oracle update, the clock — and runs the program's own code over
//! them (`Pool::prepare_swap`, then `homeostat_math`, then `Pool::book_swap`). If nothing
//! changes between the quote and the transaction, the executed amounts equal the quote bit
//! for bit.

use anchor_lang::prelude::Pubkey;
use homeostat::math::lp::{DepositAmounts, WithdrawAmounts};
use homeostat::oracle::pro::{decode_payload, split_message};
use homeostat::oracle::PriceUpdate;
use homeostat::state::{Pool, PreparedSwap, RebalancePlan, SwapClock};
use homeostat_math::{BaseAtoms, Direction, QuoteAtoms, Reserves, SwapQuote};

use crate::Result;

/// Everything a swap is priced from.
#[derive(Clone, Copy, Debug)]
pub struct PoolSnapshot {
    /// The pool account.
    pub pool: Pool,
    /// Base vault balance.
    pub base_vault: BaseAtoms,
    /// Quote vault balance.
    pub quote_vault: QuoteAtoms,
    /// The oracle update the swap will pass.
    pub oracle: PriceUpdate,
    /// The quote/USD update, for a two-feed pool.
    pub quote_oracle: Option<PriceUpdate>,
    /// The cluster's unix time when the swap executes.
    pub now: i64,
    /// The cluster's slot when the swap executes (a quoter's price expires by slot).
    pub slot: u64,
}

impl PoolSnapshot {
    /// The pool after the steps before pricing, and what the swap is priced from —
    /// `Pool::prepare_swap`, the program's own code. Fails as the program would (paused
    /// pool, bad oracle).
    pub fn context(&self) -> Result<(Pool, PreparedSwap)> {
        let mut pool = self.pool;
        let prepared = pool.prepare_swap(
            &self.oracle,
            self.quote_oracle.as_ref(),
            self.vaults(),
            SwapClock {
                now: self.now,
                slot: self.slot,
            },
        )?;
        Ok((pool, prepared))
    }

    /// This snapshot after the swap `quote` executes in `direction`, as the program leaves
    /// the accounts: the pool prepared and booked (`Pool::book_swap`), the input added to
    /// its vault and the output taken from the other. For simulations that trade against
    /// the snapshot instead of a cluster.
    pub fn after_swap(&self, direction: Direction, quote: &SwapQuote) -> Result<Self> {
        let (mut pool, _) = self.context()?;
        pool.book_swap(direction, quote)?;
        let Reserves {
            base: base_vault,
            quote: quote_vault,
        } = quote.settle(self.vaults())?;
        Ok(Self {
            pool,
            base_vault,
            quote_vault,
            ..*self
        })
    }

    /// This snapshot after posting the Pyth Pro `message` (`post_pro_price`, the program's
    /// own `Pool::book_pro_update`), for quoting a swap that carries it. The signature is
    /// not checked here: the program checks it.
    pub fn after_pro_message(&self, message: &[u8]) -> Result<Self> {
        let mut pool = self.pool;
        let (feed_id, quote_feed_id) = pool.pro_feeds()?;
        let (_, payload) = split_message(message)?;
        let update = decode_payload(payload, feed_id, quote_feed_id)?;
        pool.book_pro_update(&update, self.now)?;
        Ok(Self { pool, ..*self })
    }

    /// The request `rebalance` would open now — the program's own checks and size
    /// (`Pool::prepare_rebalance`, priced from the push print(s) as the instruction is).
    /// Fails as the program would (a pending request, too soon, within the band, a bad
    /// oracle).
    pub fn rebalance_plan(&self) -> Result<RebalancePlan> {
        let oracle =
            self.pool
                .price_from_updates(&self.oracle, self.quote_oracle.as_ref(), self.now)?;
        Ok(self
            .pool
            .prepare_rebalance(&oracle, self.reserves()?, self.now)?)
    }

    /// The vaults' balances.
    pub fn vaults(&self) -> Reserves {
        Reserves {
            base: self.base_vault,
            quote: self.quote_vault,
        }
    }

    /// The LPs' reserves: vault balances less protocol fees owed.
    pub fn reserves(&self) -> Result<Reserves> {
        Ok(self.pool.lp_reserves(self.vaults())?)
    }

    /// What paying exactly `amount_in` (fee included) yields.
    pub fn quote_exact_in(&self, direction: Direction, amount_in: u64) -> Result<SwapQuote> {
        Ok(self
            .context()?
            .1
            .context
            .quote_exact_in(direction, amount_in)?)
    }

    /// What receiving exactly `amount_out` costs (fee included).
    pub fn quote_exact_out(&self, direction: Direction, amount_out: u64) -> Result<SwapQuote> {
        Ok(self
            .context()?
            .1
            .context
            .quote_exact_out(direction, amount_out)?)
    }

    /// The largest trade in `direction` that passes every limit and that the pool can pay.
    pub fn max_trade(&self, direction: Direction) -> Result<Option<SwapQuote>> {
        Ok(self.context()?.1.context.max_trade(direction)?)
    }

    /// The pool's gross position — the base its reserves hold beyond the target — base
    /// atoms (`Pool::gross_position`: no oracle needed).
    pub fn gross_position(&self) -> Result<i128> {
        Ok(self.pool.gross_position(self.reserves()?)?)
    }

    /// The exposure nobody has hedged yet, `gross_position − hedge_position`, base atoms
    /// (`Pool::net_delta`): what the keeper brings back into the band.
    pub fn net_delta(&self) -> Result<i128> {
        Ok(self.pool.net_delta(self.reserves()?)?)
    }

    /// The band the net delta may wander in before `rebalance` fires, base atoms — the
    /// program's own rule (`Pool::band_now`: derived from the model with
    /// `hedge_cost_bps`, at least `rebalance_band`).
    pub fn hedge_band(&self) -> Result<u64> {
        let oracle =
            self.pool
                .price_from_updates(&self.oracle, self.quote_oracle.as_ref(), self.now)?;
        Ok(self.pool.band_now(&oracle, self.reserves()?)?)
    }

    /// The position the quotes skew on, base atoms (`Pool::risk_position`).
    pub fn risk_position(&self) -> Result<i128> {
        Ok(self.pool.risk_position(self.reserves()?)?)
    }
}

/// `min_amount_out` for an exact-in swap quoted at `amount_out`, tolerating `tolerance_bps`
/// of adverse movement: `⌊amount_out · (1 − tolerance)⌋`.
pub fn min_out(amount_out: u64, tolerance_bps: u16) -> u64 {
    let kept = 10_000u128.saturating_sub(u128::from(tolerance_bps));
    u64::try_from(u128::from(amount_out) * kept / 10_000).unwrap_or(u64::MAX)
}

/// `max_amount_in` for an exact-out swap quoted at `amount_in`, tolerating `tolerance_bps`:
/// `⌈amount_in · (1 + tolerance)⌉`.
pub fn max_in(amount_in: u64, tolerance_bps: u16) -> u64 {
    let scaled = u128::from(amount_in) * (10_000 + u128::from(tolerance_bps));
    u64::try_from(scaled.div_ceil(10_000)).unwrap_or(u64::MAX)
}

/// What a deposit by `owner` of at most `max_base` / `max_quote` takes and mints, given the
/// LP mint's supply — the program's own checks and amounts (`Pool::prepare_deposit`): a
/// paused pool, an operator pool's stranger or a first deposit not the admin's is refused
/// here as the program would refuse it.
pub fn deposit_quote(
    pool: &Pool,
    owner: &Pubkey,
    reserves: Reserves,
    lp_supply: u64,
    (max_base, max_quote): (BaseAtoms, QuoteAtoms),
) -> Result<DepositAmounts> {
    Ok(pool.prepare_deposit(owner, reserves, lp_supply, (max_base, max_quote))?)
}

/// What burning `shares` pays `owner` — the program's own checks and amounts
/// (`Pool::prepare_withdraw`).
pub fn withdraw_quote(
    pool: &Pool,
    owner: &Pubkey,
    reserves: Reserves,
    lp_supply: u64,
    shares: u64,
) -> Result<WithdrawAmounts> {
    Ok(pool.prepare_withdraw(owner, reserves, lp_supply, shares)?)
}

/// Total LP shares including the ones locked by the first deposit — the program's own
/// count (`homeostat_math::lp::total_shares`).
pub fn total_shares(pool: &Pool, lp_supply: u64) -> Result<u64> {
    Ok(homeostat::math::lp::total_shares(
        lp_supply,
        pool.shares_are_locked(),
    )?)
}
