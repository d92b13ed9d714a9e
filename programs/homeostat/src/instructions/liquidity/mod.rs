//! `deposit` and `withdraw`: the accounts they share (the same set: a pool, its vaults and
//! LP mint, and the LP's three token accounts), and each one's handler.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenInterface;

use crate::state::Pool;
use crate::token::{user_token_amount, PoolAndVaults, WithVaults};

pub mod deposit;
pub mod withdraw;

pub use deposit::DepositArgs;
pub use withdraw::WithdrawArgs;

/// Accounts of a deposit or a withdrawal. Checks: the mints, vaults and LP mint are the
/// pool's (`has_one`); token programs own the mints; the LP's accounts are token accounts
/// of those mints owned by those programs — checked in place (`Liquidity::user_amounts`:
/// a typed token account or mint costs ≈ 1 800 units to deserialise, six of them most of
/// a deposit).
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
    /// LP mint.
    /// CHECK: the pool's (`has_one`: the SPL Token mint `initialize_pool` created), owned
    /// by `lp_token_program`; its supply read in place (`token::mint_supply`).
    #[account(mut, owner = lp_token_program.key())]
    pub lp_mint: UncheckedAccount<'info>,
    /// The LP's base account.
    /// CHECK: a token account of the base mint, checked in place (`token::user_token_amount`).
    #[account(mut)]
    pub owner_base: UncheckedAccount<'info>,
    /// The LP's quote account.
    /// CHECK: a token account of the quote mint, checked in place (`token::user_token_amount`).
    #[account(mut)]
    pub owner_quote: UncheckedAccount<'info>,
    /// The LP's LP-share account.
    /// CHECK: a token account of the LP mint, checked in place (`token::user_token_amount`).
    #[account(mut)]
    pub owner_lp: UncheckedAccount<'info>,
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
            ("owner_base", &self.owner_base),
            ("owner_quote", &self.owner_quote),
        ])
    }

    /// The LP's three token accounts checked in place, as Anchor's `token::mint` /
    /// `token::token_program` constraints would (`token::user_token_amount`), and its LP
    /// shares (the amount of `owner_lp`).
    fn checked_lp_shares(&self) -> Result<u64> {
        user_token_amount(
            &self.owner_base,
            &self.base_mint.key(),
            &self.base_token_program.key(),
        )?;
        user_token_amount(
            &self.owner_quote,
            &self.quote_mint.key(),
            &self.quote_token_program.key(),
        )?;
        user_token_amount(
            &self.owner_lp,
            &self.lp_mint.key(),
            &self.lp_token_program.key(),
        )
    }
}
