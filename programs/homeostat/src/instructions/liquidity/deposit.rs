use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, MintTo};
use homeostat_math::{BaseAtoms, QuoteAtoms};

use super::Liquidity;
use crate::errors::HomeostatError;
use crate::events::Deposited;
use crate::token::{mint_supply, transfer_in, vault_balances, WithVaults};

/// Arguments of `deposit`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositArgs {
    /// Most base atoms to deposit (exactly this on the first deposit).
    pub max_base: u64,
    /// Most quote atoms to deposit (exactly this on the first deposit).
    pub max_quote: u64,
    /// Fewest shares acceptable (slippage protection).
    pub min_shares: u64,
}

/// Adds liquidity in the pool's current proportions and mints LP shares.
///
/// Specification:
/// - `owner` signs and owns `owner_base` / `owner_quote` (the token program enforces it).
/// - `pool` is not paused (`PoolPaused`, `Pool::prepare_deposit`).
/// - `owner_base` / `owner_quote` are not the pool's vaults (`AccountAliased`).
/// - `Pool::prepare_deposit`: with `lp_access` = operator, `owner` is the pool's admin
///   (`DepositsRestricted`); the first deposit, and the first after the pool was emptied
///   (only the locked shares left), come from the pool's admin (`FirstDepositByAdmin`):
///   they fix the reference depth and the composition later LPs join at.
/// - `base_mint`, `quote_mint`, `base_vault`, `quote_vault`, `lp_mint` are the pool's
///   (`has_one`); owner token accounts are for those mints; token programs own the mints.
/// - Amounts: see `homeostat_math::lp::deposit_amounts` — the first deposit sets the ratio and locks
///   `LOCKED_SHARES`; later deposits take `⌈shares·R/S⌉` of each side, never above the
///   maxima; zero shares fail (`ZeroShares`); fewer than `min_shares` fail
///   (`SlippageExceeded`).
/// - Records the pool's new depth (`total_shares`; the first deposit also sets
///   `reference_shares` and the target, `base / total_shares` per share, and the admin's
///   deposit into an emptied pool sets the target again), which scales the skew and the
///   cap (`Pool::at_depth`), so the deposit does not move the price a pending trade pays.
/// - The oracle is not needed.
pub(crate) fn handle(ctx: Context<Liquidity>, args: DepositArgs) -> Result<()> {
    let accounts = &ctx.accounts;
    accounts.refuse_own_accounts_as_vaults()?;
    accounts.checked_lp_shares()?;
    let (amounts, seeds, decimals) = {
        let pool = accounts.pool.load()?;
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        let amounts = pool.prepare_deposit(
            &accounts.owner.key(),
            reserves,
            mint_supply(&accounts.lp_mint)?,
            (
                BaseAtoms::new(args.max_base),
                QuoteAtoms::new(args.max_quote),
            ),
        )?;
        (
            amounts,
            pool.signer_seeds(),
            (pool.base_decimals, pool.quote_decimals),
        )
    };
    require!(
        amounts.shares >= args.min_shares,
        HomeostatError::SlippageExceeded
    );
    require!(
        amounts.base.get() <= args.max_base && amounts.quote.get() <= args.max_quote,
        HomeostatError::SlippageExceeded
    );
    if !amounts.base.is_zero() {
        transfer_in(
            &accounts.base_token_program,
            &accounts.owner_base,
            &accounts.base_vault,
            &accounts.base_mint,
            decimals.0,
            &accounts.owner,
            amounts.base.get(),
        )?;
    }
    if !amounts.quote.is_zero() {
        transfer_in(
            &accounts.quote_token_program,
            &accounts.owner_quote,
            &accounts.quote_vault,
            &accounts.quote_mint,
            decimals.1,
            &accounts.owner,
            amounts.quote.get(),
        )?;
    }
    let seed_slices = seeds.as_slices();
    token_interface::mint_to(
        CpiContext::new_with_signer(
            accounts.lp_token_program.key(),
            MintTo {
                mint: accounts.lp_mint.to_account_info(),
                to: accounts.owner_lp.to_account_info(),
                authority: accounts.pool.to_account_info(),
            },
            &[&seed_slices[..]],
        ),
        amounts.shares,
    )?;
    ctx.accounts.check_vaults()?;
    let accounts = &ctx.accounts;
    let total_shares = {
        let mut pool = accounts.pool.load_mut()?;
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        pool.book_deposit(mint_supply(&accounts.lp_mint)?, reserves)?
    };
    emit_cpi!(Deposited {
        pool: accounts.pool.key(),
        owner: accounts.owner.key(),
        base_amount: amounts.base.get(),
        quote_amount: amounts.quote.get(),
        shares: amounts.shares,
        total_shares,
    });
    Ok(())
}
