use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::HomeostatError;
use crate::events::ProtocolFeesCollected;
use crate::state::Pool;
use crate::token::{transfer_out, PoolAndVaults, WithVaults};

/// Pays the protocol fees owed to accounts of the admin's choice.
///
/// Specification:
/// - `admin` signs and is the pool's admin (`Unauthorized`).
/// - Mints and vaults are the pool's (`has_one`); destinations are for those mints and are
///   not the vaults (`AccountAliased`).
/// - Transfers exactly the booked `protocol_fees_base` / `protocol_fees_quote` and zeroes
///   them; LP funds are never touched. Emits `ProtocolFeesCollected`.
#[event_cpi]
#[derive(Accounts)]
pub struct CollectProtocolFees<'info> {
    /// The pool's admin.
    pub admin: Signer<'info>,
    /// The pool.
    #[account(
        mut,
        has_one = admin @ HomeostatError::Unauthorized,
        has_one = base_mint,
        has_one = quote_mint,
        has_one = base_vault,
        has_one = quote_vault,
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
    /// Destination for base fees.
    #[account(mut, token::mint = base_mint, token::token_program = base_token_program)]
    pub base_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Destination for quote fees.
    #[account(mut, token::mint = quote_mint, token::token_program = quote_token_program)]
    pub quote_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Token program of the base mint.
    pub base_token_program: Interface<'info, TokenInterface>,
    /// Token program of the quote mint.
    pub quote_token_program: Interface<'info, TokenInterface>,
}

impl<'info> WithVaults<'info> for CollectProtocolFees<'info> {
    fn pool_and_vaults(&self) -> PoolAndVaults<'_, 'info> {
        (&self.pool, &self.base_vault, &self.quote_vault)
    }
}

/// Handler.
pub(crate) fn handle(ctx: Context<CollectProtocolFees>) -> Result<()> {
    let accounts = &ctx.accounts;
    accounts.refuse_vaults_as(&[
        (
            "base_destination",
            &accounts.base_destination.to_account_info(),
        ),
        (
            "quote_destination",
            &accounts.quote_destination.to_account_info(),
        ),
    ])?;
    let (base_amount, quote_amount, seeds) = {
        let mut pool = accounts.pool.load_mut()?;
        let (base, quote) = pool.book_protocol_fees_collected();
        (base, quote, pool.signer_seeds())
    };
    let seed_slices = seeds.as_slices();
    let pool_info = accounts.pool.to_account_info();
    if base_amount > 0 {
        transfer_out(
            &accounts.base_token_program,
            &accounts.base_vault,
            &accounts.base_destination.to_account_info(),
            &accounts.base_mint.to_account_info(),
            accounts.base_mint.decimals,
            pool_info.clone(),
            &seed_slices,
            base_amount,
        )?;
    }
    if quote_amount > 0 {
        transfer_out(
            &accounts.quote_token_program,
            &accounts.quote_vault,
            &accounts.quote_destination.to_account_info(),
            &accounts.quote_mint.to_account_info(),
            accounts.quote_mint.decimals,
            pool_info,
            &seed_slices,
            quote_amount,
        )?;
    }
    ctx.accounts.check_vaults()?;
    let accounts = &ctx.accounts;
    emit_cpi!(ProtocolFeesCollected {
        pool: accounts.pool.key(),
        base_amount,
        quote_amount,
    });
    Ok(())
}
