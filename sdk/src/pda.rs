//! Program-derived addresses.

use anchor_lang::prelude::Pubkey;
use homeostat::constants::{CONFIG_SEED, LP_MINT_SEED, POOL_SEED, VAULT_SEED};

/// The pool config of `authority`: `["config", authority]`.
pub fn config(authority: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED, authority.as_ref()], &homeostat::ID).0
}

/// The pool for a config, a pair and an index:
/// `["pool", config, base_mint, quote_mint, index (u16 LE)]`.
pub fn pool(config: &Pubkey, base_mint: &Pubkey, quote_mint: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(
        &[
            POOL_SEED,
            config.as_ref(),
            base_mint.as_ref(),
            quote_mint.as_ref(),
            &index.to_le_bytes(),
        ],
        &homeostat::ID,
    )
    .0
}

/// A pool's vault for `mint`: `["vault", pool, mint]`.
pub fn vault(pool: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, pool.as_ref(), mint.as_ref()], &homeostat::ID).0
}

/// A pool's LP mint: `["lp_mint", pool]`.
pub fn lp_mint(pool: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[LP_MINT_SEED, pool.as_ref()], &homeostat::ID).0
}

/// Anchor's event authority for `emit_cpi!` (a compile-time constant of the program).
pub fn event_authority() -> Pubkey {
    homeostat::EVENT_AUTHORITY_AND_BUMP.0
}

/// Every address of one pool that instructions need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolAddresses {
    /// The config the pool lives under.
    pub config: Pubkey,
    /// Pool.
    pub pool: Pubkey,
    /// The pool's index on its pair (a seed).
    pub index: u16,
    /// Base mint.
    pub base_mint: Pubkey,
    /// Quote mint.
    pub quote_mint: Pubkey,
    /// Base vault.
    pub base_vault: Pubkey,
    /// Quote vault.
    pub quote_vault: Pubkey,
    /// LP mint.
    pub lp_mint: Pubkey,
    /// Token program of the base mint.
    pub base_token_program: Pubkey,
    /// Token program of the quote mint.
    pub quote_token_program: Pubkey,
}

impl PoolAddresses {
    /// Derives the addresses of pool `index` on a pair under `config`.
    pub fn derive(
        config: Pubkey,
        base_mint: Pubkey,
        quote_mint: Pubkey,
        index: u16,
        base_token_program: Pubkey,
        quote_token_program: Pubkey,
    ) -> Self {
        let pool = pool(&config, &base_mint, &quote_mint, index);
        Self {
            config,
            pool,
            index,
            base_mint,
            quote_mint,
            base_vault: vault(&pool, &base_mint),
            quote_vault: vault(&pool, &quote_mint),
            lp_mint: lp_mint(&pool),
            base_token_program,
            quote_token_program,
        }
    }
}
