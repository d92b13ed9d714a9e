//! Seeds and bounds. Every bound is enforced by `PoolParams::validate`.

/// Pool PDA: `["pool", base_mint, quote_mint, pool_index (u16 LE)]`.
pub const POOL_SEED: &[u8] = b"pool";
/// Vault PDAs: `["vault", pool, mint]`, token accounts owned by the pool.
pub const VAULT_SEED: &[u8] = b"vault";
/// LP mint PDA: `["lp_mint", pool]`, mint authority the pool.
pub const LP_MINT_SEED: &[u8] = b"lp_mint";

/// LP shares locked forever by the first deposit (virtual: counted in the share supply,
/// never minted), so inflating the share price by donation costs the attacker ~all of
/// the donation.
pub const LOCKED_SHARES: u64 = 1_000;
/// Decimals of the LP mint.
pub const LP_DECIMALS: u8 = 9;

/// Oracle: oldest price accepted, seconds (bounds for `max_oracle_age`).
pub const MAX_ORACLE_AGE_LIMIT: u64 = 3_600;
/// Oracle: widest confidence accepted, basis points of price (bound for `max_confidence_bps`).
pub const MAX_CONFIDENCE_BPS_LIMIT: u16 = 1_000;
/// Largest confidence multiplier for spread widening.
pub const MAX_CONFIDENCE_MULTIPLIER: i64 = 100;
/// Largest EWMA window, seconds (30 days).
pub const MAX_VOLATILITY_WINDOW: u64 = 30 * 24 * 3_600;
/// Largest `min_rebalance_interval`, seconds (one day).
pub const MAX_REBALANCE_INTERVAL: u64 = 24 * 3_600;
