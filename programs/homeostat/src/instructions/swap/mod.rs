//! `swap_exact_in` and `swap_exact_out`: the accounts and execution they share (here) and
//! each form's arguments and specification (`exact_in`, `exact_out`).

use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenInterface;
use homeostat_math::{Curve, Direction, SwapContext, SwapQuote};

use crate::errors::{HomeostatError, MathResultExt};
use crate::events::Swapped;
use crate::oracle::decode_price_updates;
use crate::state::{Pool, PoolSeeds, PreparedSwap, StoredFixed, SwapClock};
use crate::token::{
    transfer_in, transfer_out, user_token_amount, vault_balances, PoolAndVaults, WithVaults,
};
use crate::trace;

pub mod exact_in;
pub mod exact_out;

pub use exact_in::SwapExactInArgs;
pub use exact_out::SwapExactOutArgs;

/// Accounts of a swap (both forms).
#[event_cpi]
#[derive(Accounts)]
pub struct Swap<'info> {
    /// Trader.
    pub trader: Signer<'info>,
    /// The pool.
    #[account(
        mut,
        has_one = base_mint,
        has_one = quote_mint,
        has_one = base_vault,
        has_one = quote_vault,
    )]
    pub pool: AccountLoader<'info, Pool>,
    /// CHECK: validated by `Pool::prepare_swap` (owner, layout, verification, feed, age, confidence).
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the quote/USD print of a two-feed pool, validated like `oracle`; omitted
    /// (the program id in its place) for a single-feed pool.
    pub quote_oracle: Option<UncheckedAccount<'info>>,
    /// Base mint.
    /// CHECK: the pool's (`has_one`), owned by `base_token_program`; decimals: the pool's.
    #[account(owner = base_token_program.key())]
    pub base_mint: UncheckedAccount<'info>,
    /// Quote mint.
    /// CHECK: the pool's (`has_one`), owned by `quote_token_program`; decimals: the pool's.
    #[account(owner = quote_token_program.key())]
    pub quote_mint: UncheckedAccount<'info>,
    /// Base vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::token_amount`).
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    /// Quote vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::token_amount`).
    #[account(mut)]
    pub quote_vault: UncheckedAccount<'info>,
    /// Trader's base account.
    /// CHECK: a token account of the base mint, checked in place (`token::user_token_amount`).
    #[account(mut)]
    pub trader_base: UncheckedAccount<'info>,
    /// Trader's quote account.
    /// CHECK: a token account of the quote mint, checked in place (`token::user_token_amount`).
    #[account(mut)]
    pub trader_quote: UncheckedAccount<'info>,
    /// Token program of the base mint.
    pub base_token_program: Interface<'info, TokenInterface>,
    /// Token program of the quote mint.
    pub quote_token_program: Interface<'info, TokenInterface>,
}

impl<'info> WithVaults<'info> for Swap<'info> {
    fn pool_and_vaults(&self) -> PoolAndVaults<'_, 'info> {
        (&self.pool, &self.base_vault, &self.quote_vault)
    }
}

/// Which amount the trader fixed, and the slippage bound on the other.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SwapKind {
    /// Pay exactly `amount`, receive at least `min_out`.
    ExactIn { amount: u64, min_out: u64 },
    /// Receive exactly `amount`, pay at most `max_in`.
    ExactOut { amount: u64, max_in: u64 },
}

pub(crate) fn direction_from(value: u8) -> Result<Direction> {
    match value {
        0 => Ok(Direction::BaseToQuote),
        1 => Ok(Direction::QuoteToBase),
        _ => err!(HomeostatError::InvalidParameter),
    }
}

/// Prepares the pool (`Pool::prepare_swap`), prices the swap with the math crate, books
/// it (`Pool::book_swap`), moves the tokens, checks the invariant and emits `Swapped`.
pub(crate) fn execute(ctx: Context<Swap>, direction: Direction, kind: SwapKind) -> Result<()> {
    trace::point("trace-overhead");
    trace::point("accounts");
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let accounts = &ctx.accounts;
    accounts.refuse_vaults_as(&[
        ("trader_base", &accounts.trader_base),
        ("trader_quote", &accounts.trader_quote),
    ])?;
    // What Anchor's `token::mint` / `token::token_program` constraints checked, in place.
    user_token_amount(
        &accounts.trader_base,
        &accounts.base_mint.key(),
        &accounts.base_token_program.key(),
    )?;
    user_token_amount(
        &accounts.trader_quote,
        &accounts.quote_mint.key(),
        &accounts.quote_token_program.key(),
    )?;
    trace::point("trader-accounts");
    let (quote, oracle, curve, variance, seeds, decimals) = {
        let mut pool = accounts.pool.load_mut()?;
        let (update, quote_update) = decode_price_updates(
            &pool,
            &accounts.oracle,
            accounts.quote_oracle.as_deref(),
            now,
        )?;
        trace::point("oracle-decode");
        let PreparedSwap {
            oracle, context, ..
        } = pool.prepare_swap(
            &update,
            quote_update.as_ref(),
            vault_balances(&accounts.base_vault, &accounts.quote_vault)?,
            SwapClock {
                now,
                slot: clock.slot,
            },
        )?;
        trace::point("prepare-swap");
        let quote = price(&context, direction, kind)?;
        trace::point("quote");
        pool.book_swap(direction, &quote)?;
        (
            quote,
            oracle,
            context.curve,
            pool.variance.get(),
            pool.signer_seeds(),
            (pool.base_decimals, pool.quote_decimals),
        )
    };

    trace::point("book-swap");
    move_tokens(accounts, direction, &quote, &seeds, decimals)?;

    trace::point("transfers");
    ctx.accounts.check_vaults()?;
    trace::point("invariant");
    let accounts = &ctx.accounts;
    let (half_spread, skew) = match curve {
        Curve::Linear(linear) => (linear.half_spread.into(), linear.skew.into()),
        Curve::ConstantProduct(_) => (StoredFixed::ZERO, StoredFixed::ZERO),
    };
    emit_cpi!(Swapped {
        pool: accounts.pool.key(),
        trader: accounts.trader.key(),
        direction: direction as u8,
        exact_in: matches!(kind, SwapKind::ExactIn { .. }),
        amount_in: quote.amount_in,
        amount_out: quote.amount_out,
        fee: quote.fee.total,
        protocol_fee: quote.fee.protocol,
        gross_position_before: quote.gross_position_before,
        gross_position_after: quote.gross_position_after,
        oracle_price: oracle.mid.into(),
        oracle_confidence: oracle.confidence.into(),
        oracle_publish_time: oracle.publish_time,
        half_spread,
        skew,
        variance: variance.into(),
    });
    trace::point("event");
    Ok(())
}

/// The swap of `kind` in `direction` priced in `context`, within the trader's limit
/// (`SlippageExceeded`).
fn price(context: &SwapContext, direction: Direction, kind: SwapKind) -> Result<SwapQuote> {
    match kind {
        SwapKind::ExactIn { amount, min_out } => {
            let quote = context.quote_exact_in(direction, amount).math()?;
            require!(
                quote.amount_out >= min_out,
                HomeostatError::SlippageExceeded
            );
            Ok(quote)
        }
        SwapKind::ExactOut { amount, max_in } => {
            let quote = context.quote_exact_out(direction, amount).math()?;
            require!(quote.amount_in <= max_in, HomeostatError::SlippageExceeded);
            Ok(quote)
        }
    }
}

/// The trader pays `quote.amount_in` into the pool's vault and receives
/// `quote.amount_out` from the other, signed by the pool (`seeds`).
fn move_tokens(
    accounts: &Swap,
    direction: Direction,
    quote: &SwapQuote,
    seeds: &PoolSeeds,
    decimals: (u8, u8),
) -> Result<()> {
    let seed_slices = seeds.as_slices();
    let pool_info = accounts.pool.to_account_info();
    match direction {
        Direction::BaseToQuote => {
            transfer_in(
                &accounts.base_token_program,
                &accounts.trader_base,
                &accounts.base_vault,
                &accounts.base_mint,
                decimals.0,
                &accounts.trader,
                quote.amount_in,
            )?;
            transfer_out(
                &accounts.quote_token_program,
                &accounts.quote_vault,
                &accounts.trader_quote,
                &accounts.quote_mint,
                decimals.1,
                pool_info,
                &seed_slices,
                quote.amount_out,
            )?;
        }
        Direction::QuoteToBase => {
            transfer_in(
                &accounts.quote_token_program,
                &accounts.trader_quote,
                &accounts.quote_vault,
                &accounts.quote_mint,
                decimals.1,
                &accounts.trader,
                quote.amount_in,
            )?;
            transfer_out(
                &accounts.base_token_program,
                &accounts.base_vault,
                &accounts.trader_base,
                &accounts.base_mint,
                decimals.0,
                pool_info,
                &seed_slices,
                quote.amount_out,
            )?;
        }
    }
    Ok(())
}
