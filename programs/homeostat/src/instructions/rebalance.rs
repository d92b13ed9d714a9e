use anchor_lang::prelude::*;

use crate::errors::HomeostatError;
use crate::events::RebalanceRequested;
use crate::state::Pool;
use crate::token::vault_balances;

/// Asks the keeper to hedge when the pool's net delta has left its band.
///
/// Keeper-gated (not permissionless): the request commits the keeper to an off-chain
/// trade, so only the party that will execute it may open one, and no reward accounting
/// is needed.
///
/// Specification:
/// - `keeper` signs and is the pool's keeper (`Unauthorized`).
/// - `base_vault` / `quote_vault` are the pool's (`has_one`).
/// - The oracle passes every swap oracle check (docs/instructions.md).
/// - `Pool::prepare_rebalance`: the previous request has been answered by `record_hedge`
///   (`RebalancePending`); at least `min_rebalance_interval` seconds since the last
///   request (`RebalanceTooSoon`); |net delta| = |gross_position − hedge_position| > the band
///   (`Pool::hedge_band`: derived from the model with `hedge_cost_bps`, at least
///   `rebalance_band`) (`WithinBand`).
/// - `Pool::book_rebalance`: increments `rebalance_seq` and emits `RebalanceRequested` with it, asking for the
///   hedge that brings the net delta back to the band's edge, and reporting the book's
///   gross delta, inventory, net delta and model gamma at the request.
#[event_cpi]
#[derive(Accounts)]
pub struct Rebalance<'info> {
    /// The pool's keeper.
    pub keeper: Signer<'info>,
    /// The pool.
    #[account(
        mut,
        has_one = keeper @ HomeostatError::Unauthorized,
        has_one = base_vault,
        has_one = quote_vault,
    )]
    pub pool: AccountLoader<'info, Pool>,
    /// CHECK: validated by `Pool::read_oracle` (owner, layout, verification, feed, age, confidence).
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the quote/USD print of a two-feed pool, validated like `oracle`; omitted
    /// (the program id in its place) for a single-feed pool.
    pub quote_oracle: Option<UncheckedAccount<'info>>,
    /// Base vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::vault_balances`).
    pub base_vault: UncheckedAccount<'info>,
    /// Quote vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::vault_balances`).
    pub quote_vault: UncheckedAccount<'info>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<Rebalance>) -> Result<()> {
    let clock = Clock::get()?;
    let event = {
        let accounts = &ctx.accounts;
        let mut pool = accounts.pool.load_mut()?;
        let oracle = pool.read_oracle(
            &accounts.oracle,
            accounts.quote_oracle.as_deref(),
            clock.unix_timestamp,
        )?;
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        let plan = pool.prepare_rebalance(&oracle, reserves, clock.unix_timestamp)?;
        pool.book_rebalance(&plan, &oracle, clock.unix_timestamp)?;
        pool.invariant()?;
        RebalanceRequested {
            pool: accounts.pool.key(),
            seq: pool.rebalance_seq,
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
            oracle_price: oracle.mid.into(),
            oracle_publish_time: oracle.publish_time,
            gross_delta: plan.reserves.base.get(),
            gross_position: plan.gross_position,
            hedge_position: pool.hedge_position,
            net_delta: plan.net_delta,
            gamma_per_percent: pool
                .params
                .model()?
                .book_gamma_per_percent(plan.reserves.base),
            band: plan.band,
            target_hedge_delta: plan.target_hedge_delta,
        }
    };
    emit_cpi!(event);
    Ok(())
}
