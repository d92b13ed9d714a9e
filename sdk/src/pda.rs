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

/// Pyth's push-oracle program since Pyth Core moved onto the Pyth Pro stack (2026-08-26):
/// it keeps the sponsored, continuously updated `PriceUpdateV2` accounts (owned by the
/// receiver, `homeostat::oracle::PYTH_RECEIVER_PROGRAM_ID`) at [`pyth_push_feed`].
pub const PYTH_PUSH_ORACLE_ID: Pubkey =
    anchor_lang::prelude::pubkey!("pyt2F414BA6dPttK6RddPZUdHfapoBN24GL5wbrPCou");

/// The push-oracle program before that upgrade; its accounts are owned by the legacy
/// receiver, which a pool accepts only until its config's sunset.
pub const LEGACY_PYTH_PUSH_ORACLE_ID: Pubkey =
    anchor_lang::prelude::pubkey!("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT");

/// The push-oracle account of a Pyth feed: `[shard (u16 LE), feed_id]` under
/// [`PYTH_PUSH_ORACLE_ID`]. Shard 0 is the one Pyth sponsors; other shards are updated by
/// whoever runs them.
pub fn pyth_push_feed(shard: u16, feed_id: &[u8; 32]) -> Pubkey {
    pyth_push_feed_of(&PYTH_PUSH_ORACLE_ID, shard, feed_id)
}

/// [`pyth_push_feed`] under a given push-oracle program (e.g. [`LEGACY_PYTH_PUSH_ORACLE_ID`]).
pub fn pyth_push_feed_of(push_oracle: &Pubkey, shard: u16, feed_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[&shard.to_le_bytes(), feed_id], push_oracle).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_push_feed_derivation_gives_pyths_published_account() {
        // SOL/USD: feed id and account as Pyth publishes them.
        let feed_id: [u8; 32] = [
            0xef, 0x0d, 0x8b, 0x6f, 0xda, 0x2c, 0xeb, 0xa4, 0x1d, 0xa1, 0x5d, 0x40, 0x95, 0xd1,
            0xda, 0x39, 0x2a, 0x0d, 0x2f, 0x8e, 0xd0, 0xc6, 0xc7, 0xbc, 0x0f, 0x4c, 0xfa, 0xc8,
            0xc2, 0x80, 0xb5, 0x6d,
        ];
        // Published for the legacy push oracle; the upgraded one derives the same way.
        let expected: Pubkey = "7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE"
            .parse()
            .expect("base-58");
        let legacy = |shard| pyth_push_feed_of(&LEGACY_PYTH_PUSH_ORACLE_ID, shard, &feed_id);
        assert_eq!(legacy(0), expected);
        assert_ne!(legacy(1), expected);
        assert_ne!(pyth_push_feed(0, &feed_id), expected);
        assert_eq!(
            pyth_push_feed(0, &feed_id),
            Pubkey::find_program_address(&[&0u16.to_le_bytes(), &feed_id], &PYTH_PUSH_ORACLE_ID).0
        );
    }
}
