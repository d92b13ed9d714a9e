//! Events, emitted with `emit_cpi!` so indexers and the keeper read them from inner
//! instructions (robust to log truncation, and visible in the native test runtime).

use anchor_lang::prelude::*;

use crate::state::{PoolParams, StoredFixed};

/// A pool config was created.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigInitialized {
    /// The config.
    pub config: Pubkey,
    /// Who may create pools under it.
    pub authority: Pubkey,
    /// Seconds a loosening change waits in this config's pools.
    pub change_delay: u64,
    /// Unix time until which its pools accept the legacy Pyth receiver's accounts (0: never).
    pub legacy_receiver_until: i64,
}

/// A pool was created.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolInitialized {
    /// Pool.
    pub pool: Pubkey,
    /// The config it was created under.
    pub config: Pubkey,
    /// Base mint.
    pub base_mint: Pubkey,
    /// Quote mint.
    pub quote_mint: Pubkey,
    /// Admin.
    pub admin: Pubkey,
    /// Keeper.
    pub keeper: Pubkey,
    /// Pyth feed id (base in quote, or base in USD with a quote feed).
    pub feed_id: [u8; 32],
    /// Pyth feed id of the quote token in USD (all zero: single feed).
    pub quote_feed_id: [u8; 32],
    /// Parameters.
    pub params: PoolParams,
}

/// Liquidity added.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deposited {
    /// Pool.
    pub pool: Pubkey,
    /// Depositor.
    pub owner: Pubkey,
    /// Base atoms in.
    pub base_amount: u64,
    /// Quote atoms in.
    pub quote_amount: u64,
    /// LP shares minted.
    pub shares: u64,
    /// Share supply after (including the locked shares).
    pub total_shares: u64,
}

/// Liquidity removed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawn {
    /// Pool.
    pub pool: Pubkey,
    /// Withdrawer.
    pub owner: Pubkey,
    /// Base atoms out.
    pub base_amount: u64,
    /// Quote atoms out.
    pub quote_amount: u64,
    /// LP shares burned.
    pub shares: u64,
    /// Share supply after (including the locked shares).
    pub total_shares: u64,
}

/// A swap executed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swapped {
    /// Pool.
    pub pool: Pubkey,
    /// Trader.
    pub trader: Pubkey,
    /// 0 = base → quote (trader sells base), 1 = quote → base.
    pub direction: u8,
    /// True for exact-in, false for exact-out.
    pub exact_in: bool,
    /// Input atoms, fee included.
    pub amount_in: u64,
    /// Output atoms.
    pub amount_out: u64,
    /// Fee (input token atoms).
    pub fee: u64,
    /// Protocol's part of the fee.
    pub protocol_fee: u64,
    /// The gross position before, base atoms.
    pub gross_position_before: i128,
    /// The gross position after, base atoms.
    pub gross_position_after: i128,
    /// Oracle mid, quote atoms per lot.
    pub oracle_price: StoredFixed,
    /// Oracle confidence, quote atoms per lot.
    pub oracle_confidence: StoredFixed,
    /// Oracle publish time.
    pub oracle_publish_time: i64,
    /// Half-spread applied, quote atoms per lot (0 for constant product).
    pub half_spread: StoredFixed,
    /// Skew per lot of risk position, quote atoms per lot (0 for constant product).
    pub skew: StoredFixed,
    /// Variance estimate after the oracle observation (model units, per second).
    pub variance: StoredFixed,
}

/// Parameters changed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsUpdated {
    /// Pool.
    pub pool: Pubkey,
    /// Before.
    pub old: PoolParams,
    /// After.
    pub new: PoolParams,
}

/// A change that loosens the pool's risk limits was proposed: it may apply from
/// `effective_at` (`apply_pending_changes`), unless cancelled (`cancel_pending_changes`).
/// `params` is set for `update_params`, `target_base` (at `total_shares`) for `retarget`.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeProposed {
    /// Pool.
    pub pool: Pubkey,
    /// The parameters proposed (`update_params`).
    pub params: Option<PoolParams>,
    /// The target proposed, base atoms at `total_shares` (`retarget`).
    pub target_base: Option<u64>,
    /// The depth the target is stated at.
    pub total_shares: u64,
    /// Unix time from which it may apply.
    pub effective_at: i64,
}

/// The pending changes were withdrawn by the admin.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingChangesCancelled {
    /// Pool.
    pub pool: Pubkey,
}

/// The pool's target base per share moved (`retarget`).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retargeted {
    /// Pool.
    pub pool: Pubkey,
    /// Target before: base atoms at `total_shares`.
    pub old_target_base: u64,
    /// Target after: base atoms at `total_shares`.
    pub new_target_base: u64,
    /// The depth both targets are stated at.
    pub total_shares: u64,
    /// The gross position before, base atoms.
    pub gross_position_before: i128,
    /// The gross position after (the same reserves against the new target).
    pub gross_position_after: i128,
}

/// Pause state changed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PausedSet {
    /// Pool.
    pub pool: Pubkey,
    /// New state.
    pub paused: bool,
}

/// An admin transfer was proposed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminProposed {
    /// Pool.
    pub pool: Pubkey,
    /// Current admin.
    pub admin: Pubkey,
    /// Proposed admin.
    pub pending_admin: Pubkey,
}

/// An admin transfer completed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminAccepted {
    /// Pool.
    pub pool: Pubkey,
    /// Previous admin.
    pub old_admin: Pubkey,
    /// New admin.
    pub new_admin: Pubkey,
}

/// The keeper authority changed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeeperSet {
    /// Pool.
    pub pool: Pubkey,
    /// Previous keeper.
    pub old_keeper: Pubkey,
    /// New keeper.
    pub new_keeper: Pubkey,
}

/// The quoter authority changed (prop-AMM mode).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoterSet {
    /// Pool.
    pub pool: Pubkey,
    /// Previous quoter (the default key: none).
    pub old_quoter: Pubkey,
    /// New quoter (the default key: none).
    pub new_quoter: Pubkey,
}

/// The pool's Pyth Pro feeds changed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProFeedsSet {
    /// Pool.
    pub pool: Pubkey,
    /// Pyth Pro feed of the pool's price (base/USD in a two-feed pool; 0: none).
    pub feed_id: u32,
    /// Pyth Pro quote/USD feed of a two-feed pool (0: none).
    pub quote_feed_id: u32,
}

/// Protocol fees paid out.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolFeesCollected {
    /// Pool.
    pub pool: Pubkey,
    /// Base atoms.
    pub base_amount: u64,
    /// Quote atoms.
    pub quote_amount: u64,
}

/// The pool's net delta left its band: the keeper should hedge `target_hedge_delta`.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebalanceRequested {
    /// Pool.
    pub pool: Pubkey,
    /// Strictly increasing per pool; `record_hedge` must quote it.
    pub seq: u64,
    /// Slot of the request.
    pub slot: u64,
    /// Unix time of the request.
    pub unix_timestamp: i64,
    /// Oracle mid, quote atoms per lot.
    pub oracle_price: StoredFixed,
    /// Oracle publish time.
    pub oracle_publish_time: i64,
    /// The LP book's gross delta: the base its reserves hold, base atoms.
    pub gross_delta: u64,
    /// The pool's gross position (base beyond its target), base atoms.
    pub gross_position: i128,
    /// Hedge already recorded, base atoms.
    pub hedge_position: i64,
    /// The net delta, `gross_position − hedge_position`, base atoms.
    pub net_delta: i128,
    /// The book's gamma as its model defines it (`ModelKind::book_gamma_per_percent`):
    /// base atoms its reserves shed per 1 % price rise — `−B/200` for constant product, 0
    /// for an oracle pool.
    pub gamma_per_percent: i64,
    /// The band the net delta left (`Pool::hedge_band`), base atoms.
    pub band: u64,
    /// The hedge change that brings the net delta (`gross_position − hedge_position`) back to
    /// the band's edge: positive means the pool is long base and the keeper should sell
    /// base off-chain.
    pub target_hedge_delta: i128,
}

/// The keeper reported a hedge.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HedgeRecorded {
    /// Pool.
    pub pool: Pubkey,
    /// The request it answers.
    pub seq: u64,
    /// Base atoms hedged (positive: sold base off-chain, offsetting a long inventory).
    pub filled_base: i64,
    /// Average fill price, quote atoms per lot.
    pub avg_price: StoredFixed,
    /// Hedge position after.
    pub hedge_position: i64,
    /// Average entry price of the hedge after, quote atoms per lot.
    pub entry_price: StoredFixed,
    /// P&L the hedge has realised so far, quote atoms.
    pub realized_pnl: i128,
}
