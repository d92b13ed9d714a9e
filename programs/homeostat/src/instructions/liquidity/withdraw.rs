use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Burn};

use super::Liquidity;
use crate::errors::HomeostatError;
use crate::events::Withdrawn;
use crate::token::{mint_supply, transfer_out, vault_balances, WithVaults};

/// Arguments of `withdraw`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawArgs {
    /// LP shares to burn.
    pub shares: u64,
    /// Fewest base atoms acceptable.
    pub min_base: u64,
    /// Fewest quote atoms acceptable.
    pub min_quote: u64,
}

/// Burns LP shares for a pro-rata part of both vaults.
///
/// Specification:
/// - `owner` signs and owns `owner_lp` (the token program enforces it on burn).
/// - `base_mint`, `quote_mint`, `base_vault`, `quote_vault`, `lp_mint` are the pool's
///   (`has_one`); owner token accounts are for those mints.
/// - Pays `⌊shares·R/S⌋` of each side, where R excludes protocol fees owed and S counts
///   the locked shares; fails below `min_base` / `min_quote` (`SlippageExceeded`);
///   zero shares fail (`ZeroAmount`); `owner_lp` holds at least `shares`
///   (`InsufficientFunds`).
/// - `owner_base` / `owner_quote` are not the pool's vaults (`AccountAliased`).
/// - `Pool::prepare_withdraw`: with `lp_access` = operator, `owner` is the pool's admin
///   (`WithdrawalsRestricted`):
///   shares that reach anyone else are of no use to them, and the quotes never credit a
///   hedge to someone who does not own it.
/// - Works while paused and never reads the oracle: LPs can always leave.
pub(crate) fn handle(ctx: Context<Liquidity>, args: WithdrawArgs) -> Result<()> {
    let accounts = &ctx.accounts;
    accounts.refuse_own_accounts_as_vaults()?;
    let lp_shares = accounts.checked_lp_shares()?;
    let (amounts, seeds, decimals) = {
        let pool = accounts.pool.load()?;
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        (
            pool.prepare_withdraw(
                &accounts.owner.key(),
                reserves,
                mint_supply(&accounts.lp_mint)?,
                args.shares,
            )?,
            pool.signer_seeds(),
            (pool.base_decimals, pool.quote_decimals),
        )
    };
    require!(
        amounts.base.get() >= args.min_base && amounts.quote.get() >= args.min_quote,
        HomeostatError::SlippageExceeded
    );
    require!(lp_shares >= args.shares, HomeostatError::InsufficientFunds);
    token_interface::burn(
        CpiContext::new(
            accounts.lp_token_program.key(),
            Burn {
                mint: accounts.lp_mint.to_account_info(),
                from: accounts.owner_lp.to_account_info(),
                authority: accounts.owner.to_account_info(),
            },
        ),
        args.shares,
    )?;
    let seed_slices = seeds.as_slices();
    let pool_info = accounts.pool.to_account_info();
    if !amounts.base.is_zero() {
        transfer_out(
            &accounts.base_token_program,
            &accounts.base_vault,
            &accounts.owner_base,
            &accounts.base_mint,
            decimals.0,
            pool_info.clone(),
            &seed_slices,
            amounts.base.get(),
        )?;
    }
    if !amounts.quote.is_zero() {
        transfer_out(
            &accounts.quote_token_program,
            &accounts.quote_vault,
            &accounts.owner_quote,
            &accounts.quote_mint,
            decimals.1,
            pool_info,
            &seed_slices,
            amounts.quote.get(),
        )?;
    }
    ctx.accounts.check_vaults()?;
    let accounts = &ctx.accounts;
    let total_shares = {
        let mut pool = accounts.pool.load_mut()?;
        let reserves =
            pool.lp_reserves(vault_balances(&accounts.base_vault, &accounts.quote_vault)?)?;
        pool.book_withdraw(mint_supply(&accounts.lp_mint)?, reserves)?
    };
    emit_cpi!(Withdrawn {
        pool: accounts.pool.key(),
        owner: accounts.owner.key(),
        base_amount: amounts.base.get(),
        quote_amount: amounts.quote.get(),
        shares: args.shares,
        total_shares,
    });
    Ok(())
}
