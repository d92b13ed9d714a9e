use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Burn, Mint, TokenAccount, TokenInterface};

use crate::errors::HomeostatError;
use crate::events::Withdrawn;
use crate::lp::{total_shares, withdraw_amounts};
use crate::state::Pool;
use crate::token::{check_vaults_after_transfers, transfer_out};

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
///   zero shares fail (`ZeroAmount`).
/// - Works while paused and never reads the oracle: LPs can always leave.
#[event_cpi]
#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// Withdrawer.
    pub owner: Signer<'info>,
    /// The pool.
    #[account(
        mut,
        has_one = base_mint,
        has_one = quote_mint,
        has_one = base_vault,
        has_one = quote_vault,
        has_one = lp_mint,
    )]
    pub pool: AccountLoader<'info, Pool>,
    /// Base mint.
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Quote mint.
    #[account(mint::token_program = quote_token_program)]
    pub quote_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Base vault.
    #[account(mut)]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Quote vault.
    #[account(mut)]
    pub quote_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// LP mint.
    #[account(mut, mint::token_program = lp_token_program)]
    pub lp_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Withdrawer's base account.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program)]
    pub owner_base: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Withdrawer's quote account.
    #[account(mut, token::mint = quote_mint, token::token_program = quote_token_program)]
    pub owner_quote: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Withdrawer's LP account.
    #[account(mut, token::mint = lp_mint, token::token_program = lp_token_program)]
    pub owner_lp: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Token program of the base mint.
    pub base_token_program: Interface<'info, TokenInterface>,
    /// Token program of the quote mint.
    pub quote_token_program: Interface<'info, TokenInterface>,
    /// SPL Token (LP mint).
    #[account(address = anchor_spl::token::ID)]
    pub lp_token_program: Interface<'info, TokenInterface>,
}

impl Withdraw<'_> {
    /// Handler.
    pub fn handle(ctx: Context<Self>, args: WithdrawArgs) -> Result<()> {
        let accounts = &ctx.accounts;
        let (amounts, seeds) = {
            let pool = accounts.pool.load()?;
            let reserves =
                pool.lp_reserves(accounts.base_vault.amount, accounts.quote_vault.amount)?;
            let locked = pool.shares_locked == 1;
            (
                withdraw_amounts(reserves, accounts.lp_mint.supply, locked, args.shares)?,
                pool.signer_seeds(),
            )
        };
        require!(
            amounts.base >= args.min_base && amounts.quote >= args.min_quote,
            HomeostatError::SlippageExceeded
        );
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
        let seed_slices: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        let pool_info = accounts.pool.to_account_info();
        if amounts.base > 0 {
            transfer_out(
                &accounts.base_token_program,
                &accounts.base_vault,
                &accounts.owner_base,
                &accounts.base_mint,
                pool_info.clone(),
                &seed_slices,
                amounts.base,
            )?;
        }
        if amounts.quote > 0 {
            transfer_out(
                &accounts.quote_token_program,
                &accounts.quote_vault,
                &accounts.owner_quote,
                &accounts.quote_mint,
                pool_info,
                &seed_slices,
                amounts.quote,
            )?;
        }
        let accounts = &mut *ctx.accounts;
        check_vaults_after_transfers(
            &accounts.pool,
            &mut accounts.base_vault,
            &mut accounts.quote_vault,
        )?;
        accounts.lp_mint.reload()?;
        let accounts = &ctx.accounts;
        emit_cpi!(Withdrawn {
            pool: accounts.pool.key(),
            owner: accounts.owner.key(),
            base_amount: amounts.base,
            quote_amount: amounts.quote,
            shares: args.shares,
            total_shares: total_shares(
                accounts.lp_mint.supply,
                accounts.pool.load()?.shares_locked == 1
            )?,
        });
        Ok(())
    }
}
