//! The pool config account.

use anchor_lang::prelude::*;

/// A pool config: the namespace of pools only its authority may create (see
/// `initialize_config`).
#[account]
#[derive(Debug)]
pub struct Config {
    /// May create pools under this config (and becomes their admin).
    pub authority: Pubkey,
    /// Config PDA bump.
    pub bump: u8,
    /// Seconds a change that loosens a pool's risk limits waits before it may apply
    /// (copied into each pool created under the config).
    pub change_delay: u64,
    /// Unix time until which pools created under this config accept price updates owned
    /// by the legacy Pyth receiver (`oracle::LEGACY_PYTH_RECEIVER_PROGRAM_ID`), for a
    /// sunset; 0: never (copied into each pool created under the config).
    pub legacy_receiver_until: i64,
}

impl Config {
    /// Account space including the discriminator.
    pub const SPACE: usize = 8 + 32 + 1 + 8 + 8;
}
