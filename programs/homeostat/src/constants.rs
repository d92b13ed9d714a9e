//! Seeds and bounds. Every bound is enforced by `PoolParams::validate`.

/// Config PDA: `["config", authority]`.
pub const CONFIG_SEED: &[u8] = b"config";
/// Pool PDA: `["pool", config, base_mint, quote_mint, pool_index (u16 LE)]`.
pub const POOL_SEED: &[u8] = b"pool";
/// Vault PDAs: `["vault", pool, mint]`, token accounts owned by the pool.
pub const VAULT_SEED: &[u8] = b"vault";
/// LP mint PDA: `["lp_mint", pool]`, mint authority the pool.
pub const LP_MINT_SEED: &[u8] = b"lp_mint";

/// Decimals of the LP mint.
pub const LP_DECIMALS: u8 = 9;

/// Oracle: oldest price accepted, seconds (bound for `max_oracle_age`). A swap may pick
/// any print between the newest one the pool has used and now, so this bounds how stale a
/// chosen print can be; the age widening charges for what the price can move meanwhile.
pub const MAX_ORACLE_AGE_LIMIT: u64 = 60;
/// Oracle: how far past the cluster clock a print's publish time may lie, seconds (the
/// cluster clock and Pythnet's drift apart by a few seconds).
pub const MAX_ORACLE_FUTURE_SECS: i64 = 10;
/// Largest `age_multiplier` (standard deviations of the move since the print).
pub const MAX_AGE_MULTIPLIER: i64 = 10;
/// Steepest `depth_slope`, model units per lot (relative units: the whole mid per lot).
pub const MAX_DEPTH_SLOPE: i64 = 1;
/// Widest `quote_band_bps` (10 %): how far a quoter's price may lie from Pyth's.
pub const MAX_QUOTE_BAND_BPS: u16 = 1_000;
/// `quote_fallback`: without a usable quoter price, a swap prices on Pyth.
pub const QUOTE_FALLBACK_PYTH: u8 = 0;
/// `quote_fallback`: without a usable quoter price, a swap fails (`QuoteUnavailable`).
pub const QUOTE_FALLBACK_REFUSE: u8 = 1;
/// Nominal slot time, milliseconds: a quoter price's age in seconds is its age in slots
/// at this rate, rounded up (the age premium reads seconds).
pub const SLOT_MILLIS: u64 = 400;
/// Largest `max_ema_deviation_bps` (10 %); 0 turns the EMA check off.
pub const MAX_EMA_DEVIATION_BPS_LIMIT: u16 = 1_000;
/// Oracle: widest confidence accepted, basis points of price (bound for `max_confidence_bps`).
pub const MAX_CONFIDENCE_BPS_LIMIT: u16 = 1_000;
/// Largest confidence multiplier for spread widening.
pub const MAX_CONFIDENCE_MULTIPLIER: i64 = 100;
/// Largest EWMA window, seconds (30 days).
pub const MAX_VOLATILITY_WINDOW: u64 = 30 * 24 * 3_600;
/// Widest gap accepted between a hedge's fill price and the oracle mid of the request it
/// answers, basis points (a fill further off is a mistake or a lie, not a hedge).
pub const MAX_HEDGE_PRICE_DEVIATION_BPS: u128 = 1_000;
/// Largest `lot`, base atoms (2^40 ≈ 1.1·10¹²: 1 100 tokens of 9 decimals).
pub const MAX_LOT: u64 = 1 << 40;
/// Largest price of a lot when parameters are set, quote atoms (2^38 ≈ 2.7·10¹¹: 270 000
/// tokens of 6 decimals): a quarter of the curve's bound on a lot's price
/// (`homeostat_math::bounds::MAX_PRICE`, 2^40, past which every swap fails with
/// `OutOfDomain`), so the price may rise 4× before swaps stop.
pub const MAX_LOT_PRICE: u64 = 1 << 38;
/// Largest `min_rebalance_interval`, seconds (one day).
pub const MAX_REBALANCE_INTERVAL: u64 = 24 * 3_600;

/// `PoolParams::lp_access`: anyone may deposit.
pub const LP_ACCESS_PUBLIC: u8 = 0;
/// `PoolParams::lp_access`: only the pool's admin may deposit (an operator-funded pool).
pub const LP_ACCESS_OPERATOR: u8 = 1;

/// `retarget`: the largest step of the target base per share, bps of the current target.
pub const MAX_RETARGET_BPS: u64 = 1_000;
/// `retarget`: fewest seconds between two retargets.
pub const MIN_RETARGET_INTERVAL: i64 = 3_600;

/// Largest `hedge_cost_bps` (ψ): 10 % of the price to hedge a lot.
pub const MAX_HEDGE_COST_BPS: u16 = 1_000;

/// Longest delay a config may fix for changes that loosen a pool's risk limits, seconds
/// (30 days).
pub const MAX_CHANGE_DELAY: u64 = 30 * 24 * 3_600;
