//! `deposit` and `withdraw`: the accounts they share (the same set: a pool, its vaults and
//! LP mint, and the LP's three token accounts), and each one's handler.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::state::Pool;
use crate::token::{PoolAndVaults, WithVaults};

pub mod deposit;
pub mod withdraw;

pub use deposit::DepositArgs;
pub use withdraw::WithdrawArgs;

/// Accounts of a deposit or a withdrawal. Checks: the mints, vaults and LP mint are the
/// pool's (`has_one`); the LP's accounts are for those mints; token programs own the mints.
#[event_cpi]
#[derive(Accounts)]
pub struct Liquidity<'info> {
    /// The LP (signs; owns the token accounts below).
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
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::token_amount`).
    #[account(mut)]
    pub base_vault: UncheckedAccount<'info>,
    /// Quote vault.
    /// CHECK: the pool's (`has_one`), a token account read in place (`token::token_amount`).
    #[account(mut)]
    pub quote_vault: UncheckedAccount<'info>,
    /// LP mint.
    #[account(mut, mint::token_program = lp_token_program)]
    pub lp_mint: Box<InterfaceAccount<'info, Mint>>,
    /// The LP's base account.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program)]
    pub owner_base: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The LP's quote account.
    #[account(mut, token::mint = quote_mint, token::token_program = quote_token_program)]
    pub owner_quote: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The LP's LP-share account.
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

impl<'info> WithVaults<'info> for Liquidity<'info> {
    fn pool_and_vaults(&self) -> PoolAndVaults<'_, 'info> {
        (&self.pool, &self.base_vault, &self.quote_vault)
    }
}

impl Liquidity<'_> {
    /// The LP's token accounts are its own, not the pool's vaults (`AccountAliased`).
    fn refuse_own_accounts_as_vaults(&self) -> Result<()> {
        self.refuse_vaults_as(&[
            ("owner_base", &self.owner_base.to_account_info()),
            ("owner_quote", &self.owner_quote.to_account_info()),
        ])
    }
}
