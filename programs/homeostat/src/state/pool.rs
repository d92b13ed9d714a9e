//! The pool account: the operator's parameters, the state the instructions evolve, and the
//! steps every swap takes around its pricing (`prepare_swap` before, `book_swap` after).

use anchor_lang::prelude::*;
use homeostat_math::lp::{deposit_amounts, withdraw_amounts, DepositAmounts, WithdrawAmounts};
use homeostat_math::{
    flow_inventory, mul_div_u64, risk_position, Coefficients, Curve, Direction, Fixed, HedgeLedger,
    InventoryModel, Limits, MarketState, PoolModel, Reserves, Rounding, SpreadConfig, SwapContext,
    SwapQuote, Units, VolatilityScale, VolatilityState,
};

use super::{PoolParams, PriceSource, StoredFixed};
use crate::constants::*;
use crate::errors::{HomeostatError, MathResultExt};
use crate::oracle::{OraclePrice, PriceUpdate};

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
    /// off-chain. Quotes and caps use the net delta `inventory − hedge_position`.
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

    /// Seconds a change that loosens the pool's risk limits waits (its config's
    /// `change_delay` when the pool was created).
    pub change_delay: u64,
    /// Unix time from which `pending_params` may apply (0: none pending).
    pub pending_params_at: i64,
    /// Unix time from which the pending retarget may apply (0: none pending).
    pub pending_target_at: i64,
    /// The pending retarget: `pending_target_base` base atoms at `pending_target_shares`.
    pub pending_target_base: u64,
    /// See `pending_target_base`.
    pub pending_target_shares: u64,
    /// Parameters proposed by `update_params` that loosen a risk limit, waiting for
    /// `pending_params_at`.
    pub pending_params: PoolParams,
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
    /// The sequence number of the last pushed quote (0: none yet); pushes must raise it.
    pub quote_sequence: u64,
    /// The slot the last quote was pushed in: its age.
    pub quote_slot: u64,
    /// The last slot the last quote may price a swap in.
    pub quote_valid_until: u64,
    /// The quote sequence whose depth `print_flow` counts, while the quoter prices swaps
    /// (a newer quote restores the depth as a newer print does).
    pub depth_sequence: u64,
    /// The quoter's reference price, quote atoms per lot.
    pub quote_price: StoredFixed,
    /// The quoter's offset below the bid, quote atoms per lot (≥ 0).
    pub quote_bid_offset: StoredFixed,
    /// The quoter's offset above the ask, quote atoms per lot (≥ 0).
    pub quote_ask_offset: StoredFixed,

    /// Pyth Pro: the feed id of the pool's price (base/USD in a two-feed pool); 0 when the
    /// pool takes no Pyth Pro updates.
    pub pro_feed_id: u32,
    /// Pyth Pro: the quote/USD feed id of a two-feed pool (0 otherwise).
    pub pro_quote_feed_id: u32,
    /// Publish time of the newest Pyth Pro update posted, microseconds: posts may not go
    /// back (`OracleOlderThanLastUsed`).
    pub pro_timestamp_us: u64,
    /// That update's mid, quote atoms per lot (0: none usable).
    pub pro_mid: StoredFixed,
    /// That update's confidence, quote atoms per lot.
    pub pro_confidence: StoredFixed,
}

/// When a swap executes: the cluster's unix time (oracle ages) and slot (the quoter's
/// expiry and age).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapClock {
    /// Unix time, seconds.
    pub now: i64,
    /// Slot.
    pub slot: u64,
}

/// What a swap is priced from, once the pool has taken the steps before pricing.
#[derive(Clone, Copy, Debug)]
pub struct PreparedSwap {
    /// The price the swap executes at (the quoter's, or the pool's Pyth price).
    pub oracle: OraclePrice,
    /// Where that price came from.
    pub source: PriceSource,
    /// Curve, inventory, limits, fees and reserves.
    pub context: SwapContext,
}

// The layout is the same on every target: no implicit padding anywhere.
const _: () = assert!(core::mem::size_of::<Pool>() == 1_408);

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
    pub fn start_volatility(&mut self, initial_variance: i128, oracle: &OraclePrice) -> Result<()> {
        Self::check_lot_price(oracle.mid)?;
        let state = VolatilityState::start(
            &self.params.volatility_config(),
            Fixed::from_bits(initial_variance),
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
    /// not read as a return. Fails if the result breaks an invariant.
    pub fn apply_params(&mut self, params: &PoolParams, coefficients: &Coefficients) -> Result<()> {
        let from = self.volatility_scale()?;
        let state = self.volatility_state();
        self.set_params(params, coefficients);
        let rescaled = state
            .rescaled(from, self.volatility_scale()?, &params.volatility_config())
            .math()?;
        self.set_volatility_state(&rescaled);
        Self::check_lot_price(rescaled.sample_price)?;
        self.invariant()
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

    /// The checks of a `retarget` to `target_base` at `now`, in the handler's order (the
    /// CLI runs them before signing): a step of at most `MAX_RETARGET_BPS` of the current
    /// target (`RetargetOutOfBounds`); in total, however many steps, within the cap of the
    /// first target, so the inventory a retarget creates never exceeds what trades could
    /// have (`RetargetBeyondCap`); at least `MIN_RETARGET_INTERVAL` after the last applied
    /// retarget (`RetargetTooSoon`).
    pub fn prepare_retarget(&self, target_base: u64, now: i64) -> Result<()> {
        let old = self.target_at_depth()?;
        let step = homeostat_math::mul_div_u64(
            old,
            MAX_RETARGET_BPS,
            homeostat_math::fees::BPS_DENOMINATOR,
            homeostat_math::Rounding::Down,
        )
        .math()?;
        require!(
            self.target_shares > 0
                && old > 0
                && target_base > 0
                && target_base.abs_diff(old) <= step,
            HomeostatError::RetargetOutOfBounds
        );
        require!(
            target_base.abs_diff(self.first_target_at_depth()?) <= self.cap_at_depth(),
            HomeostatError::RetargetBeyondCap
        );
        require!(
            self.last_retarget_time == 0
                || now.saturating_sub(self.last_retarget_time) >= MIN_RETARGET_INTERVAL,
            HomeostatError::RetargetTooSoon
        );
        Ok(())
    }

    /// Moves the target to `target_base` base atoms at `target_shares` shares, now: the
    /// step `retarget` takes (or `apply_pending_changes` for a pending retarget). Returns
    /// the `Retargeted` event of `pool` with the inventory before and after at `reserves`.
    pub fn retarget_to(
        &mut self,
        pool: Pubkey,
        (target_base, target_shares): (u64, u64),
        reserves: Reserves,
        now: i64,
    ) -> Result<crate::events::Retargeted> {
        let old_target_base = self.target_at_depth()?;
        let inventory_before = self.inventory(reserves)?;
        (self.target_base, self.target_shares) = (target_base, target_shares);
        self.last_retarget_time = now;
        self.invariant()?;
        Ok(crate::events::Retargeted {
            pool,
            old_target_base,
            new_target_base: self.target_at_depth()?,
            total_shares: self.total_shares,
            inventory_before,
            inventory_after: self.inventory(reserves)?,
        })
    }

    /// Whether a change is waiting (`pending_params` or a retarget).
    pub fn has_pending_change(&self) -> bool {
        self.pending_params_at != 0 || self.pending_target_at != 0
    }

    /// When a change proposed at `now` may apply: `now + change_delay`.
    pub fn change_effective_at(&self, now: i64) -> Result<i64> {
        i64::try_from(self.change_delay)
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

    /// The token balances that belong to LPs: vault balances less protocol fees owed.
    pub fn lp_reserves(&self, base_vault_amount: u64, quote_vault_amount: u64) -> Result<Reserves> {
        Ok(Reserves {
            base: base_vault_amount
                .checked_sub(self.protocol_fees_base)
                .ok_or(HomeostatError::InvariantViolated)?,
            quote: quote_vault_amount
                .checked_sub(self.protocol_fees_quote)
                .ok_or(HomeostatError::InvariantViolated)?,
        })
    }

    /// Records the newest print(s) used and observes the oracle in the volatility
    /// estimate (which samples only the first fresh print of each grid cell).
    pub fn observe_oracle(&mut self, oracle: &OraclePrice) -> Result<()> {
        self.last_oracle_time = self.last_oracle_time.max(oracle.publish_time);
        if let Some(time) = oracle.quote_publish_time {
            self.last_quote_oracle_time = self.last_quote_oracle_time.max(time);
        }
        let units = Units::try_from(self.params.units).math()?;
        let next = self
            .volatility_state()
            .observe(
                &self.params.volatility_config(),
                units,
                oracle.mid,
                oracle.publish_time,
            )
            .math()?;
        self.set_volatility_state(&next);
        Ok(())
    }

    /// The steps of a swap before pricing, in the program's order — the one place they are
    /// written (the swap handler, the SDK's quotes and the simulator's replica all call
    /// it): refuse a paused pool (`PoolPaused`) and one with no liquidity but its locked
    /// shares (`PoolEmpty`); take the pool's posted Pyth Pro price while it is fresh
    /// (`pro_price`), else check the push print(s) and convert them to a price per lot
    /// (`price_from_updates`); choose the price the swap executes at (the
    /// quoter's or Pyth's, `swap_price`); a newer price of that source restores the print
    /// depth; observe the Pyth print in the volatility estimate; the LPs' reserves from the
    /// vault balances; the swap context, with the quoter's offsets when it prices.
    pub fn prepare_swap(
        &mut self,
        oracle: &PriceUpdate,
        quote_oracle: Option<&PriceUpdate>,
        base_vault_amount: u64,
        quote_vault_amount: u64,
        clock: SwapClock,
    ) -> Result<PreparedSwap> {
        require!(!self.is_paused(), HomeostatError::PoolPaused);
        // Emptied (or never funded): a trade against dust would set the composition the
        // next LP joins at; the admin's next deposit reopens the pool.
        require!(!self.is_empty(), HomeostatError::PoolEmpty);
        // A fresh Pyth Pro price first (a post earlier in the transaction, or before it);
        // the push account otherwise.
        let pyth = match self.pro_price(clock.now)? {
            Some(pro) => pro,
            None => self.price_from_updates(oracle, quote_oracle, clock.now)?,
        };
        let (price, source) = self.swap_price(&pyth, clock.slot)?;
        let newer = match source {
            PriceSource::Pyth => pyth.publish_time > self.last_oracle_time,
            PriceSource::Quoter { sequence } => sequence > self.depth_sequence,
        };
        if newer {
            // A newer price: its depth is whole again on both sides.
            self.print_flow = [0; 2];
        }
        if let PriceSource::Quoter { sequence } = source {
            self.depth_sequence = sequence;
        }
        self.observe_oracle(&pyth)?;
        let reserves = self.lp_reserves(base_vault_amount, quote_vault_amount)?;
        let mut context = self.swap_context(&price, reserves)?;
        self.apply_quote_offsets(&mut context.curve, source)?;
        Ok(PreparedSwap {
            oracle: price,
            source,
            context,
        })
    }

    /// The step of a swap after pricing: the trade's base counts against its side's print
    /// depth, and the protocol's share of the fee is owed in the input token (it stays in
    /// that vault until `collect_protocol_fees`).
    pub fn book_swap(&mut self, direction: Direction, quote: &SwapQuote) -> Result<()> {
        let flow = &mut self.print_flow[direction as usize];
        // A count past u64::MAX atoms only means the side's depth is long gone.
        *flow = flow.saturating_add(quote.base_amount);
        let owed = match direction {
            Direction::BaseToQuote => &mut self.protocol_fees_base,
            Direction::QuoteToBase => &mut self.protocol_fees_quote,
        };
        *owed = owed
            .checked_add(quote.fee.protocol)
            .ok_or(HomeostatError::MathOverflow)?;
        Ok(())
    }

    /// The pool's inventory as flow (`homeostat_math::flow_inventory`): the base its LP
    /// reserves hold beyond the target at the current depth, base atoms. Price moves
    /// alone do not move it. This is the gross position the inventory cap limits.
    pub fn inventory(&self, reserves: Reserves) -> Result<i128> {
        flow_inventory(
            reserves.base,
            self.total_shares,
            self.target_base,
            self.target_shares,
        )
        .math()
    }

    /// The exposure nobody has offset yet: `inventory − hedge_position`, base atoms. The
    /// keeper hedges it (`rebalance` fires on it).
    pub fn net_delta(&self, reserves: Reserves) -> Result<i128> {
        self.net_of(self.inventory(reserves)?)
    }

    /// `net_delta` from an inventory already computed.
    pub fn net_of(&self, inventory: i128) -> Result<i128> {
        inventory
            .checked_sub(i128::from(self.hedge_position))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))
    }

    /// The position the quotes skew on: the inventory less `hedge_credit_bps` of the
    /// recorded hedge (`homeostat_math::risk_position`) — the whole inventory in a public
    /// pool, whose LPs carry it whatever is hedged elsewhere.
    pub fn risk_position(&self, reserves: Reserves) -> Result<i128> {
        self.risk_of(self.inventory(reserves)?)
    }

    /// `risk_position` from an inventory already computed.
    fn risk_of(&self, inventory: i128) -> Result<i128> {
        risk_position(inventory, self.hedge_position, self.params.hedge_credit_bps).math()
    }

    /// The band the net delta may wander in before the keeper hedges, base atoms — one
    /// rule for the program's `rebalance` and the keeper's planner (Barzykin, Bergault &
    /// Guéant 2023): with the model's inventory cost `θ(q) ≈ −K·q²/2`, holding one more lot
    /// at `q` costs `K·q` — the curve's skew per lot of inventory, `skew·q/lot` — while
    /// hedging it costs `ψ·mid`. Internalise while the first is smaller: `b* = ψ·mid·lot /
    /// skew` base atoms, at the pool's depth (the skew `at_depth`), so the band widens with
    /// depth and narrows as σ (and with it the skew) rises. `rebalance_band` is the floor;
    /// without ψ (`hedge_cost_bps` = 0) or skew (constant product) the band is
    /// `rebalance_band`. Rounded down (the pool hedges a little early, never late).
    pub fn hedge_band(&self, curve: &Curve) -> Result<u64> {
        let floor = self.params.rebalance_band;
        let Curve::Linear(linear) = curve else {
            return Ok(floor);
        };
        if self.params.hedge_cost_bps == 0 || !linear.skew.is_positive() {
            return Ok(floor);
        }
        let psi = Fixed::ratio(
            i128::from(self.params.hedge_cost_bps),
            i128::from(homeostat_math::fees::BPS_DENOMINATOR),
            Rounding::Down,
        )
        .math()?;
        let lots = psi
            .mul_div(linear.mid, linear.skew, Rounding::Down)
            .math()?;
        let derived = lots
            .mul(Fixed::from_u64(self.params.lot), Rounding::Down)
            .and_then(|band| band.to_u64(Rounding::Down))
            .unwrap_or(u64::MAX);
        Ok(derived.max(floor))
    }

    /// `hedge_band` at this oracle state and these reserves, as `rebalance` computes it
    /// (the volatility estimate as stored: `rebalance` does not observe the oracle).
    pub fn band_now(&self, oracle: &OraclePrice, reserves: Reserves) -> Result<u64> {
        self.hedge_band(&self.curve_at_depth(oracle, reserves)?.0)
    }

    /// Everything a swap is priced from: the curve at this oracle state, inventory,
    /// limits, fees and what the pool can pay. The SDK builds the same context from the
    /// same account data, so its quotes equal the program's amounts.
    pub fn swap_context(&self, oracle: &OraclePrice, reserves: Reserves) -> Result<SwapContext> {
        let (mut curve, inventory_cap) = self.curve_at_depth(oracle, reserves)?;
        // Computed once: the limits bind on it, the curve prices at its risk part.
        let position = self.inventory(reserves)?;
        if let Curve::Linear(linear) = &mut curve {
            linear.depth.left = self.print_depth_left(position, oracle.age)?;
        }
        Ok(SwapContext {
            curve,
            inventory: self.risk_of(position)?,
            position,
            limits: Limits {
                inventory_cap,
                max_trade_base: self.aged(self.params.max_trade_base, oracle.age)?,
            },
            fees: self.params.fees(),
            reserves,
        })
    }

    /// The model's curve at this oracle state, with its skew and the inventory cap at the
    /// pool's depth (`at_depth`).
    fn curve_at_depth(&self, oracle: &OraclePrice, reserves: Reserves) -> Result<(Curve, u64)> {
        let params = &self.params;
        let market = MarketState {
            mid: oracle.mid,
            confidence: oracle.confidence,
            variance: self.variance.get(),
            age: oracle.age,
        };
        let spread = SpreadConfig {
            min_half_spread: params.min_half_spread.get(),
            confidence_multiplier: params.confidence_multiplier.get(),
            age_multiplier: params.age_multiplier.get(),
            depth_slope: params.depth_slope.get(),
            // A pool never trades on its LPs' wrong side of the oracle mid; it sheds
            // inventory through the keeper's hedges instead.
            mid_guard: true,
        };
        let curve = self
            .model()?
            .curve(&market, &spread, reserves, params.lot)
            .math()?;
        self.at_depth(curve)
    }

    /// The curve's skew and the inventory cap at the pool's depth: stated for
    /// `reference_shares`, they scale with `reference_shares / total_shares` (the skew) and
    /// its inverse (the cap). A pro-rata deposit scales the inventory with the pool, so
    /// without this a just-in-time deposit before a trade would multiply the skew that
    /// trade pays (and could push the inventory past the cap); with it `skew·q` and
    /// `q / cap` are unchanged by deposits and withdrawals. The skew is inventory risk per
    /// share of the pool. Rounded in the pool's favour (skew interval widened outward, cap
    /// down).
    fn at_depth(&self, curve: Curve) -> Result<(Curve, u64)> {
        let (reference, total) = (self.reference_shares, self.total_shares);
        let inventory_cap = self.params.inventory_cap;
        if reference == 0 || total == 0 || reference == total {
            return Ok((curve, inventory_cap));
        }
        let (reference_fixed, total_fixed) = (Fixed::from_u64(reference), Fixed::from_u64(total));
        let curve = match curve {
            Curve::Linear(mut linear) => {
                linear.skew = linear
                    .skew
                    .mul_div(reference_fixed, total_fixed, Rounding::Up)
                    .math()?;
                linear.skew_low = linear
                    .skew_low
                    .mul_div(reference_fixed, total_fixed, Rounding::Down)
                    .math()?;
                linear.depth.slope = linear
                    .depth
                    .slope
                    .mul_div(reference_fixed, total_fixed, Rounding::Up)
                    .math()?;
                Curve::Linear(linear)
            }
            other => other,
        };
        Ok((curve, self.cap_at_depth()))
    }

    /// The hedge book: position, average entry and realised P&L.
    pub fn hedge_ledger(&self) -> HedgeLedger {
        HedgeLedger {
            position: self.hedge_position,
            entry_price: self.hedge_entry_price.get(),
            realized_pnl: i128::from_le_bytes(self.hedge_realized_pnl),
        }
    }

    /// Stores a new hedge book.
    pub fn set_hedge_ledger(&mut self, ledger: &HedgeLedger) {
        self.hedge_position = ledger.position;
        self.hedge_entry_price = ledger.entry_price.into();
        self.hedge_realized_pnl = ledger.realized_pnl.to_le_bytes();
    }

    /// Records the pool's depth after a deposit or withdrawal: `total` shares outstanding
    /// (locked included) over `base` atoms of LP reserves. The first deposit also fixes the
    /// reference depth and the target, `base / total` base atoms per share: the pool starts
    /// at inventory 0. A deposit that `reopens` an emptied pool (the admin's, after only
    /// the locked shares were left) sets the target again: the dust the last LP left has
    /// the exit's composition only to the rounding of a few atoms, and the pool restarts
    /// at inventory 0 rather than at that rounding scaled up.
    pub fn set_depth(&mut self, total: u64, base: u64, reopens: bool) {
        self.total_shares = total;
        if self.reference_shares == 0 {
            self.reference_shares = total;
        }
        if self.target_shares == 0 || reopens {
            (self.target_base, self.target_shares) = (base, total);
            self.first_target[..8].copy_from_slice(&base.to_le_bytes());
            self.first_target[8..].copy_from_slice(&total.to_le_bytes());
        }
    }

    /// The first target (`first_target`) at the pool's current depth, base atoms, rounded
    /// down (0 without one).
    pub fn first_target_at_depth(&self) -> Result<u64> {
        let [base, shares] = [&self.first_target[..8], &self.first_target[8..]]
            .map(|bytes| <[u8; 8]>::try_from(bytes).map_or(0, u64::from_le_bytes));
        if shares == 0 {
            return Ok(0);
        }
        mul_div_u64(self.total_shares, base, shares, Rounding::Down).math()
    }

    /// The inventory cap at the pool's depth, base atoms (`inventory_cap · total_shares /
    /// reference_shares`, rounded down — what the swap's limits use).
    pub fn cap_at_depth(&self) -> u64 {
        self.scaled_to_depth(self.params.inventory_cap)
    }

    /// `amount · total_shares / reference_shares`, rounded down: an amount stated at the
    /// pool's first depth, at its current one.
    fn scaled_to_depth(&self, amount: u64) -> u64 {
        let (reference, total) = (self.reference_shares, self.total_shares);
        if reference == 0 || total == 0 || reference == total {
            return amount;
        }
        u128::from(amount)
            .checked_mul(u128::from(total))
            .and_then(|scaled| scaled.checked_div(u128::from(reference)))
            .map_or(u64::MAX, |cap| u64::try_from(cap).unwrap_or(u64::MAX))
    }

    /// The print depth at the pool's depth (`print_depth` scaled like the inventory cap,
    /// rounded down, then `aged`) less what each side has traded since the newest print,
    /// base atoms: `PrintDepth::left`. The side that reduces the gross `position` has
    /// `depth_relief_bps` of it more (rounded down: less relief, in the pool's favour).
    pub fn print_depth_left(&self, position: i128, age: u64) -> Result<[i128; 2]> {
        let depth = i128::from(self.aged(self.scaled_to_depth(self.params.print_depth), age)?);
        let relief = |reducible: i128| -> Result<i128> {
            reducible
                .max(0)
                .checked_mul(i128::from(self.params.depth_relief_bps))
                .and_then(|scaled| {
                    scaled.checked_div(i128::from(homeostat_math::fees::BPS_DENOMINATOR))
                })
                .ok_or_else(|| error!(HomeostatError::MathOverflow))
        };
        // A sale to the pool reduces a short position, a purchase a long one.
        let reliefs = [relief(position.saturating_neg())?, relief(position)?];
        let mut left = [0i128; 2];
        for ((left, flow), relief) in left.iter_mut().zip(self.print_flow).zip(reliefs) {
            *left = depth
                .saturating_sub(i128::from(flow))
                .saturating_add(relief);
        }
        Ok(left)
    }

    /// `amount` as a print `age` seconds old may fill it: less `age_shrink_bps` of it at
    /// `max_oracle_age`, linearly in between, `amount − ⌈amount·shrink·age / (10⁴·max_age)⌉`
    /// (the cut rounded up, in the pool's favour; ages past `max_oracle_age` never price).
    fn aged(&self, amount: u64, age: u64) -> Result<u64> {
        let max_age = self.params.max_oracle_age;
        if self.params.age_shrink_bps == 0 || max_age == 0 {
            return Ok(amount);
        }
        let numerator = u128::from(amount)
            .checked_mul(u128::from(self.params.age_shrink_bps))
            .and_then(|scaled| scaled.checked_mul(u128::from(age.min(max_age))))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))?;
        let denominator = u128::from(homeostat_math::fees::BPS_DENOMINATOR)
            .checked_mul(u128::from(max_age))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))?;
        let cut = numerator.div_ceil(denominator);
        // cut ≤ amount: shrink ≤ 10⁴ and age ≤ max_age.
        Ok(amount.saturating_sub(u64::try_from(cut).unwrap_or(u64::MAX)))
    }

    /// Whether the pool is paused (swaps and deposits refused; withdrawals work).
    pub fn is_paused(&self) -> bool {
        self.paused != 0
    }

    /// Whether the first deposit has locked `LOCKED_SHARES` (forever).
    pub fn shares_are_locked(&self) -> bool {
        self.shares_locked != 0
    }

    /// Whether `owner` may add or take liquidity in this pool's access rule: anyone in a
    /// public pool, only the admin in an operator pool.
    fn admits(&self, owner: &Pubkey) -> bool {
        self.params.lp_access == LP_ACCESS_PUBLIC || *owner == self.admin
    }

    /// The checks and amounts of a deposit by `owner` of at most `max_base` / `max_quote`
    /// into the LPs' `reserves` with `lp_supply` shares minted — the one place they are
    /// written (the `deposit` handler and the SDK's quote call it): not paused
    /// (`PoolPaused`); an operator pool's deposits are its admin's (`DepositsRestricted`);
    /// the first deposit, and the first into an emptied pool, are the admin's
    /// (`FirstDepositByAdmin`: they fix the reference depth and the composition later LPs
    /// join at); then `homeostat_math::lp::deposit_amounts`.
    pub fn prepare_deposit(
        &self,
        owner: &Pubkey,
        reserves: Reserves,
        lp_supply: u64,
        (max_base, max_quote): (u64, u64),
    ) -> Result<DepositAmounts> {
        require!(!self.is_paused(), HomeostatError::PoolPaused);
        require!(self.admits(owner), HomeostatError::DepositsRestricted);
        require!(
            *owner == self.admin || !self.is_empty(),
            HomeostatError::FirstDepositByAdmin
        );
        deposit_amounts(
            reserves,
            lp_supply,
            self.shares_are_locked(),
            max_base,
            max_quote,
        )
        .math()
    }

    /// The checks and amounts of `owner` burning `shares`: an operator pool's withdrawals
    /// are its admin's (`WithdrawalsRestricted`: its quotes credit the admin's hedge); then
    /// `homeostat_math::lp::withdraw_amounts`. Never the oracle, never refused for a pause.
    pub fn prepare_withdraw(
        &self,
        owner: &Pubkey,
        reserves: Reserves,
        lp_supply: u64,
        shares: u64,
    ) -> Result<WithdrawAmounts> {
        require!(self.admits(owner), HomeostatError::WithdrawalsRestricted);
        withdraw_amounts(reserves, lp_supply, self.shares_are_locked(), shares).math()
    }

    /// Whether the pool holds nothing but its locked shares (emptied, or never funded):
    /// swaps are refused and only the admin deposits.
    pub fn is_empty(&self) -> bool {
        self.total_shares <= homeostat_math::lp::LOCKED_SHARES
    }

    /// The target base at the pool's current depth, `⌊total_shares · target_base /
    /// target_shares⌋` atoms (0 without a target).
    pub fn target_at_depth(&self) -> Result<u64> {
        if self.target_shares == 0 {
            return Ok(0);
        }
        mul_div_u64(
            self.total_shares,
            self.target_base,
            self.target_shares,
            Rounding::Down,
        )
        .math()
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
    pub fn invariant_with_vaults(
        &self,
        base_vault_amount: u64,
        quote_vault_amount: u64,
    ) -> Result<()> {
        self.invariant()?;
        require!(
            self.protocol_fees_base <= base_vault_amount
                && self.protocol_fees_quote <= quote_vault_amount,
            HomeostatError::InvariantViolated
        );
        Ok(())
    }
}
