//! The pool account: the operator's parameters and the state the instructions evolve. Its
//! methods are the manager of every instruction — `prepare_<ix>` checks and sizes what an
//! instruction does, `book_<ix>` records it — grouped by concern: the swap (`swap.rs`),
//! liquidity and depth (`liquidity.rs`), the position and its hedge (`hedge.rs`), the
//! quoter (`quoter.rs`), Pyth Pro (`pro.rs`), and here the parameters, the volatility
//! estimate and the invariants.

use anchor_lang::prelude::*;
use homeostat_math::{
    BaseAtoms, Coefficients, Fixed, PoolModel, QuoteAtoms, Reserves, Units, VolatilityScale,
    VolatilityState,
};

use super::{PoolParams, StoredFixed};
use crate::constants::*;
use crate::errors::{HomeostatError, MathResultExt};
use crate::oracle::OraclePrice;

/// A pool. Zero-copy; 8-byte fields first, then byte arrays, so `repr(C)` adds no padding.
///
/// Size: 8 (discriminator) + 1 408 = 1 416 bytes (`Pool::SPACE`). The fields after
/// `first_target` were appended at an 8-byte boundary, so `repr(C)` still adds no padding.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct Pool {
    /// The operator's parameters, as `initialize_pool` / `update_params` gave them.
    pub params: PoolParams,

    /// Protocol fees owed, base atoms (held in the base vault).
    pub protocol_fees_base: u64,
    /// Protocol fees owed, quote atoms (held in the quote vault).
    pub protocol_fees_quote: u64,
    /// Publish time of the newest oracle print the pool has used: a swap's print may not
    /// be older, and a newer one restores the print depth.
    pub last_oracle_time: i64,
    /// Publish time of the newest quote-feed print used (two-feed pools; 0 otherwise).
    pub last_quote_oracle_time: i64,
    /// Hedge recorded by the keeper, base atoms: the part of the inventory already offset
    /// off-chain. The net delta is `gross_position − hedge_position`.
    pub hedge_position: i64,
    /// Sequence number of the last `RebalanceRequested` (0: none yet).
    pub rebalance_seq: u64,
    /// Sequence number of the last request the keeper has recorded a hedge for.
    pub recorded_seq: u64,
    /// Unix time of the last rebalance request.
    pub last_rebalance_time: i64,
    /// LP shares outstanding, locked ones included, as the last deposit or withdrawal left
    /// them: the pool's depth.
    pub total_shares: u64,
    /// `total_shares` right after the first deposit: the depth the skew and the inventory
    /// cap are stated at (0 before it).
    pub reference_shares: u64,
    /// Unix time of the last `retarget` (0: never).
    pub last_retarget_time: i64,
    /// The pool's target, with `target_shares`: `target_base / target_shares` base atoms
    /// per LP share (locked ones included), fixed by the first deposit and moved only by
    /// `retarget`. The inventory is the base beyond it.
    pub target_base: u64,
    /// See `target_base` (0: no target yet).
    pub target_shares: u64,

    /// Precomputed c1 (from the model parameters).
    pub c1: StoredFixed,
    /// Precomputed c2.
    pub c2: StoredFixed,
    /// Precomputed γ·τ.
    pub gamma_tau: StoredFixed,
    /// Current variance estimate (model units, per second): the continuous and the jump
    /// part, what prices read.
    pub variance: StoredFixed,
    /// The volatility estimate's continuous part over one window, `T·σc²` (model units).
    pub window_variance: StoredFixed,
    /// The oracle mid of the volatility estimate's last sample (quote atoms per lot).
    pub sample_price: StoredFixed,
    /// Average entry price of the recorded hedge, quote atoms per lot.
    pub hedge_entry_price: StoredFixed,
    /// Oracle mid of the pending rebalance request, quote atoms per lot: what
    /// `record_hedge` checks the fill price against.
    pub pending_request_price: StoredFixed,
    /// P&L the hedge has realised by reductions, quote atoms (i128 LE).
    pub hedge_realized_pnl: [u8; 16],

    /// May update parameters, pause, collect protocol fees, rotate authorities.
    pub admin: Pubkey,
    /// Proposed next admin (default key when none).
    pub pending_admin: Pubkey,
    /// Keeper authority (rebalance / hedge reporting).
    pub keeper: Pubkey,
    /// Base mint.
    pub base_mint: Pubkey,
    /// Quote mint.
    pub quote_mint: Pubkey,
    /// Base vault (PDA token account owned by the pool).
    pub base_vault: Pubkey,
    /// Quote vault.
    pub quote_vault: Pubkey,
    /// LP share mint (PDA, authority the pool).
    pub lp_mint: Pubkey,
    /// The config the pool was created under (a PDA seed).
    pub config: Pubkey,
    /// Pyth feed id the oracle account must carry.
    pub feed_id: [u8; 32],
    /// Pyth feed id of the quote token in USD when the pool is priced by two feeds
    /// (`feed_id` then prices the base token in USD); all zero for a single-feed pool.
    pub quote_feed_id: [u8; 32],

    /// Pool index in the PDA seeds.
    pub pool_index: u16,
    /// 1 when paused: swaps and deposits fail; withdrawals still work.
    pub paused: u8,
    /// Pool PDA bump.
    pub bump: u8,
    /// Base decimals.
    pub base_decimals: u8,
    /// Quote decimals.
    pub quote_decimals: u8,
    /// 1 once the first deposit has locked `LOCKED_SHARES` (forever).
    pub shares_locked: u8,
    /// The pending request's hedge, base atoms (i64 LE; positive: sell base), as
    /// `rebalance` asked for it: `record_hedge` records at most this, of the same sign.
    pub pending_request_base: [u8; 8],
    /// Room for future fields (append-only evolution).
    pub reserved: [u8; 1],
    /// The target the first deposit (or the admin's reopening deposit) set, as
    /// `target_base` / `target_shares` (u64 LE each): `retarget` keeps the target within
    /// `inventory_cap` of it, whatever the number of steps.
    pub first_target: [u8; 16],

    /// The changes waiting for their delay: `update_params`' loosening parameters and
    /// `retarget`'s new target.
    pub pending: ChangeQueue,
    /// Base atoms traded on each side since the newest print the pool has used, indexed
    /// by `Direction` (`[BaseToQuote, QuoteToBase]`): how much of the print's depth
    /// (`print_depth`) each side has taken. A newer print resets both.
    pub print_flow: [u64; 2],
    /// Publish time of the volatility estimate's last sample.
    pub sample_time: i64,
    /// The volatility estimate's jump part over one jump window (a day), `J·σj²` (model
    /// units).
    pub jump_variance: StoredFixed,
    /// Unix time until which the pool accepts price updates owned by the legacy Pyth
    /// receiver (its config's, when the pool was created; 0: never).
    pub legacy_receiver_until: i64,

    /// Prop-AMM mode: the key that may push a reference price (`push_quote`); the default
    /// key (no one can sign for it) when the pool has no quoter.
    pub quoter: Pubkey,
    /// The quoter's last pushed quote.
    pub pushed: PushedQuote,

    /// The newest Pyth Pro update posted, and the feeds the pool takes.
    pub pro: ProState,
}

// The layout is the same on every target: no implicit padding anywhere.
const _: () = assert!(core::mem::size_of::<Pool>() == 1_408);

/// The changes a pool's admin proposed that wait for `delay` (a loosening of the risk
/// limits by `update_params`, a `retarget`), applied by `apply_pending_changes`.
#[zero_copy]
#[derive(Debug)]
pub struct ChangeQueue {
    /// Seconds a change that loosens the pool's risk limits waits (its config's
    /// `change_delay` when the pool was created).
    pub delay: u64,
    /// Unix time from which `params` may apply (0: none pending).
    pub params_at: i64,
    /// Unix time from which the pending retarget may apply (0: none pending).
    pub target_at: i64,
    /// The pending retarget: `target_base` base atoms at `target_shares`.
    pub target_base: u64,
    /// See `target_base`.
    pub target_shares: u64,
    /// Parameters proposed by `update_params` that loosen a risk limit, waiting for
    /// `params_at`.
    pub params: PoolParams,
}

/// Prop-AMM mode: the quoter's last pushed quote (`push_quote`).
#[zero_copy]
#[derive(Debug)]
pub struct PushedQuote {
    /// Its sequence number (0: none yet); pushes must raise it.
    pub sequence: u64,
    /// The slot it was pushed in: its age.
    pub slot: u64,
    /// The last slot it may price a swap in.
    pub valid_until: u64,
    /// The quote sequence whose depth `print_flow` counts, while the quoter prices swaps
    /// (a newer quote restores the depth as a newer print does).
    pub depth_sequence: u64,
    /// The reference price, quote atoms per lot.
    pub price: StoredFixed,
    /// The offset below the bid, quote atoms per lot (≥ 0).
    pub bid_offset: StoredFixed,
    /// The offset above the ask, quote atoms per lot (≥ 0).
    pub ask_offset: StoredFixed,
}

/// Pyth Pro: the feeds a pool takes and the newest update posted (`post_pro_price`).
#[zero_copy]
#[derive(Debug)]
pub struct ProState {
    /// The feed id of the pool's price (base/USD in a two-feed pool); 0 when the pool
    /// takes no Pyth Pro updates.
    pub feed_id: u32,
    /// The quote/USD feed id of a two-feed pool (0 otherwise).
    pub quote_feed_id: u32,
    /// Publish time of the newest update posted, microseconds: posts may not go back
    /// (`OracleOlderThanLastUsed`).
    pub timestamp_us: u64,
    /// That update's mid, quote atoms per lot (0: none usable).
    pub mid: StoredFixed,
    /// That update's confidence, quote atoms per lot.
    pub confidence: StoredFixed,
}

const _: () = assert!(core::mem::size_of::<ChangeQueue>() == 304);
const _: () = assert!(core::mem::size_of::<PushedQuote>() == 80);
const _: () = assert!(core::mem::size_of::<ProState>() == 48);

/// The pool PDA's signer seeds, held by value so signing a CPI allocates nothing.
pub struct PoolSeeds {
    config: [u8; 32],
    base_mint: [u8; 32],
    quote_mint: [u8; 32],
    index: [u8; 2],
    bump: [u8; 1],
}

impl PoolSeeds {
    /// The seeds as `invoke_signed` takes them.
    pub fn as_slices(&self) -> [&[u8]; 6] {
        [
            POOL_SEED,
            &self.config,
            &self.base_mint,
            &self.quote_mint,
            &self.index,
            &self.bump,
        ]
    }
}

impl Pool {
    /// Account space including the discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Pool>();

    /// Signer seeds of the pool PDA (with its bump).
    pub fn signer_seeds(&self) -> PoolSeeds {
        PoolSeeds {
            config: self.config.to_bytes(),
            base_mint: self.base_mint.to_bytes(),
            quote_mint: self.quote_mint.to_bytes(),
            index: self.pool_index.to_le_bytes(),
            bump: [self.bump],
        }
    }

    /// Writes the operator parameters and their coefficients.
    pub fn set_params(&mut self, params: &PoolParams, coefficients: &Coefficients) {
        self.params = *params;
        self.c1 = coefficients.c1.into();
        self.c2 = coefficients.c2.into();
        self.gamma_tau = coefficients.gamma_tau.into();
    }

    /// The volatility estimator's first state: `initial_variance` (I80F48 bits) clamped to
    /// the pool's bounds, anchored at `oracle` — what `initialize_pool` sets. The price of
    /// a lot is checked (`check_lot_price`).
    pub fn start_volatility(
        &mut self,
        initial_variance: Fixed,
        oracle: &OraclePrice,
    ) -> Result<()> {
        Self::check_lot_price(oracle.mid)?;
        let state = VolatilityState::start(
            &self.params.volatility_config(),
            initial_variance,
            oracle.mid,
            oracle.publish_time,
        )
        .math()?;
        self.set_volatility_state(&state);
        self.last_oracle_time = oracle.publish_time;
        self.last_quote_oracle_time = oracle.quote_publish_time.unwrap_or(0);
        Ok(())
    }

    /// What `update_params` does to the pool: the new parameters and coefficients, and the
    /// volatility estimate carried over into the new measure — the last price re-quoted
    /// per the new lot, the variance converted to the new units, lot and window and
    /// clamped to the new bounds (`VolatilityState::rescaled`), so changing the lot does
    /// not read as a return. `coefficients` come from `params.validate()`, which checked
    /// the bounds; the instruction checks the pool's invariant once, at its end.
    pub fn apply_params(&mut self, params: &PoolParams, coefficients: &Coefficients) -> Result<()> {
        let from = self.volatility_scale()?;
        let state = self.volatility_state();
        self.set_params(params, coefficients);
        let rescaled = state
            .rescaled(from, self.volatility_scale()?, &params.volatility_config())
            .math()?;
        self.set_volatility_state(&rescaled);
        Self::check_lot_price(rescaled.sample_price)
    }

    /// The price of a lot at the last oracle mid, `price` quote atoms, is at most
    /// `MAX_LOT_PRICE` (`InvalidParameter`): a larger lot makes every swap fail.
    fn check_lot_price(price: Fixed) -> Result<()> {
        if price > Fixed::from_u64(MAX_LOT_PRICE) {
            msg!("invalid parameter: a lot is priced above 2^38 quote atoms: choose a smaller lot");
            return err!(HomeostatError::InvalidParameter);
        }
        Ok(())
    }

    /// Whether a change is waiting (`pending_params` or a retarget).
    pub fn has_pending_change(&self) -> bool {
        self.pending.params_at != 0 || self.pending.target_at != 0
    }

    /// When a change proposed at `now` may apply: `now + change_delay`.
    pub fn change_effective_at(&self, now: i64) -> Result<i64> {
        i64::try_from(self.pending.delay)
            .ok()
            .and_then(|delay| now.checked_add(delay))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))
    }

    /// The measure the volatility estimate is in: units, lot and window.
    fn volatility_scale(&self) -> Result<VolatilityScale> {
        Ok(VolatilityScale {
            units: Units::try_from(self.params.units).math()?,
            lot: self.params.lot,
            window: self.params.volatility_window,
        })
    }

    /// The model with its stored coefficients (no `ln`/`exp` on the swap path).
    pub fn model(&self) -> Result<PoolModel> {
        Ok(PoolModel {
            params: self.params.model_params()?,
            coefficients: Coefficients {
                c1: self.c1.get(),
                c2: self.c2.get(),
                gamma_tau: self.gamma_tau.get(),
            },
        })
    }

    /// The volatility estimate's state.
    pub fn volatility_state(&self) -> VolatilityState {
        VolatilityState {
            variance: self.variance.get(),
            window_variance: self.window_variance.get(),
            jump_variance: self.jump_variance.get(),
            sample_price: self.sample_price.get(),
            sample_time: self.sample_time,
        }
    }

    /// Stores a new volatility state.
    pub fn set_volatility_state(&mut self, state: &VolatilityState) {
        self.variance = state.variance.into();
        self.window_variance = state.window_variance.into();
        self.jump_variance = state.jump_variance.into();
        self.sample_price = state.sample_price.into();
        self.sample_time = state.sample_time;
    }

    /// The token balances that belong to LPs: the vaults' balances less protocol fees owed.
    pub fn lp_reserves(&self, vaults: Reserves) -> Result<Reserves> {
        let violated = |_| error!(HomeostatError::InvariantViolated);
        Ok(Reserves {
            base: vaults
                .base
                .checked_sub(BaseAtoms::new(self.protocol_fees_base))
                .map_err(violated)?,
            quote: vaults
                .quote
                .checked_sub(QuoteAtoms::new(self.protocol_fees_quote))
                .map_err(violated)?,
        })
    }

    /// Whether the pool is paused (swaps and deposits refused; withdrawals work).
    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }

    /// Whether the first deposit has locked `LOCKED_SHARES` (forever).
    pub fn shares_are_locked(&self) -> bool {
        self.shares_locked != 0
    }

    /// Whether the pool holds nothing but its locked shares (emptied, or never funded):
    /// swaps are refused and only the admin deposits.
    pub fn is_empty(&self) -> bool {
        self.total_shares <= homeostat_math::lp::LOCKED_SHARES
    }

    /// Holds at the end of every mutating instruction: parameters within bounds, flags
    /// 0 or 1, no hedge recorded ahead of its request, reserved bytes zero.
    pub fn invariant(&self) -> Result<()> {
        self.params.validate_bounds()?;
        require!(
            self.paused <= 1
                && self.shares_locked <= 1
                && self.recorded_seq <= self.rebalance_seq
                && self.reserved == [0; 1],
            HomeostatError::InvariantViolated
        );
        Ok(())
    }

    /// `invariant`, plus: the vaults hold at least the protocol fees owed (the rest is the
    /// LPs'). Instructions that touch the vaults end with this.
    pub fn invariant_with_vaults(&self, vaults: Reserves) -> Result<()> {
        self.invariant()?;
        require!(
            self.protocol_fees_base <= vaults.base.get()
                && self.protocol_fees_quote <= vaults.quote.get(),
            HomeostatError::InvariantViolated
        );
        Ok(())
    }
}
