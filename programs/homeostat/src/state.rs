//! The Pool account and the parameters an operator sets.

use anchor_lang::prelude::*;
use homeostat_math::{
    balanced_inventory, Coefficients, Curve, FeeSchedule, Fixed, HedgeLedger, InventoryModel,
    Limits, MarketState, ModelKind, ModelParams, PoolModel, Reserves, Rounding, SpreadConfig,
    StoredFixed, SwapContext, Units, VolatilityConfig, VolatilityScale, VolatilityState,
};

use crate::constants::*;
use crate::errors::{HomeostatError, MathResultExt};
use crate::oracle::{PriceUpdate, VerificationLevel, PYTH_RECEIVER_PROGRAM_ID};

/// Everything an operator tunes, as instruction arguments and in `ParamsUpdated` events.
/// Fixed-point values are raw I80F48 bits (`value · 2^48`), see docs/math.md.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    /// 0 = Avellaneda–Stoikov, 1 = GLFT, 2 = constant product.
    pub model_kind: u8,
    /// 0 = absolute, 1 = relative (pools normally use relative).
    pub units: u8,
    /// γ (I80F48 bits).
    pub risk_aversion: i128,
    /// k (I80F48 bits).
    pub order_decay: i128,
    /// A, per second (I80F48 bits; GLFT).
    pub arrival_intensity: i128,
    /// τ, seconds (I80F48 bits; AS).
    pub horizon: i128,
    /// Half-spread floor, model units (I80F48 bits).
    pub min_half_spread: i128,
    /// Half-spread widening per unit of oracle confidence (I80F48 bits).
    pub confidence_multiplier: i128,
    /// Half-spread widening per standard deviation of the price move since the oracle
    /// print was published, `√(σ²·age)` (I80F48 bits; 0 = none).
    pub age_multiplier: i128,
    /// EWMA window, seconds.
    pub volatility_window: u64,
    /// Variance floor per second, model units (I80F48 bits).
    pub variance_floor: i128,
    /// Variance ceiling per second, model units (I80F48 bits).
    pub variance_ceiling: i128,
    /// Inventory unit, base atoms.
    pub lot: u64,
    /// Largest |inventory| a trade may create, base atoms.
    pub inventory_cap: u64,
    /// Largest base amount per trade, atoms.
    pub max_trade_base: u64,
    /// Trading fee, bps of the input.
    pub fee_bps: u16,
    /// Protocol share of the fee, bps of the fee.
    pub protocol_share_bps: u16,
    /// Oldest oracle price accepted, seconds.
    pub max_oracle_age: u64,
    /// Widest oracle confidence accepted, bps of the price.
    pub max_confidence_bps: u16,
    /// Widest gap accepted between the print and Pyth's own EMA price, bps of the EMA
    /// (0 = no EMA check).
    pub max_ema_deviation_bps: u16,
    /// `rebalance` fires only when |net delta| exceeds this, base atoms.
    pub rebalance_band: u64,
    /// Fewest seconds between two `rebalance` requests.
    pub min_rebalance_interval: u64,
    /// Largest |hedge position| `record_hedge` may reach, base atoms.
    pub max_hedge_position: u64,
}

impl PoolParams {
    /// The math crate's view of the model parameters.
    pub fn model_params(&self) -> Result<ModelParams> {
        Ok(ModelParams {
            kind: ModelKind::try_from(self.model_kind).math()?,
            units: Units::try_from(self.units).math()?,
            risk_aversion: Fixed::from_bits(self.risk_aversion),
            order_decay: Fixed::from_bits(self.order_decay),
            arrival_intensity: Fixed::from_bits(self.arrival_intensity),
            horizon: Fixed::from_bits(self.horizon),
        })
    }

    /// The volatility estimator's configuration.
    pub fn volatility_config(&self) -> VolatilityConfig {
        VolatilityConfig {
            window: self.volatility_window,
            floor: Fixed::from_bits(self.variance_floor),
            ceiling: Fixed::from_bits(self.variance_ceiling),
        }
    }

    /// Fee schedule.
    pub fn fees(&self) -> FeeSchedule {
        FeeSchedule {
            fee_bps: self.fee_bps,
            protocol_share_bps: self.protocol_share_bps,
        }
    }

    /// Checks every parameter against its documented bound and returns the model's
    /// coefficients. Bounds: docs/math.md ("Parameter domain") and docs/instructions.md.
    pub fn validate(&self) -> Result<Coefficients> {
        let coefficients = self.model_params()?.coefficients().math()?;
        self.validate_bounds()?;
        Ok(coefficients)
    }

    /// The bounds of `validate` without recomputing the model's coefficients (which needs
    /// `ln`/`exp`): cheap enough for the end of every instruction.
    pub fn validate_bounds(&self) -> Result<()> {
        if let Some(violation) = self.bound_violation() {
            msg!("invalid parameter: {}", violation);
            return err!(HomeostatError::InvalidParameter);
        }
        Ok(())
    }

    /// The first documented bound these parameters break, named with the bound — what
    /// `validate` refuses, for clients to say before anything is signed. Includes the
    /// model's domain (γ, k, A, τ), which `validate_bounds` leaves to `validate`.
    pub fn violation(&self) -> Option<&'static str> {
        if self
            .model_params()
            .is_ok_and(|model| model.validate().is_err())
        {
            return Some(
                "risk_aversion, order_decay, arrival_intensity or horizon is outside the model's \
                 domain: γ and k in [2^-20, 2^20], γ/k in [2^-16, 2^16], A in [2^-20, 2^32] \
                 (GLFT), τ in [0, 2^32] (AS) — docs/math.md, \"Parameter domain\"",
            );
        }
        self.bound_violation()
    }

    /// The first bound of `validate_bounds` these parameters break.
    fn bound_violation(&self) -> Option<&'static str> {
        let min_half_spread = Fixed::from_bits(self.min_half_spread);
        let multiplier = Fixed::from_bits(self.confidence_multiplier);
        let age_multiplier = Fixed::from_bits(self.age_multiplier);
        let checks: [(bool, &'static str); 17] = [
            (
                self.model_params().is_ok(),
                "model_kind must be 0, 1 or 2 and units 0 or 1",
            ),
            (
                self.volatility_config().validate().is_ok(),
                "volatility_window must be ≥ 1 s and 0 ≤ variance_floor ≤ variance_ceiling",
            ),
            (
                self.fee_bps <= homeostat_math::fees::MAX_FEE_BPS,
                "fee_bps must be ≤ 1 000",
            ),
            (
                self.fees().validate().is_ok(),
                "protocol_share_bps must be ≤ 10 000",
            ),
            (self.lot > 0, "lot must be > 0"),
            (self.inventory_cap > 0, "inventory_cap must be > 0"),
            (self.max_trade_base > 0, "max_trade_base must be > 0"),
            (
                self.volatility_window <= MAX_VOLATILITY_WINDOW,
                "volatility_window must be ≤ 2 592 000 s (30 days)",
            ),
            (
                self.max_oracle_age > 0 && self.max_oracle_age <= MAX_ORACLE_AGE_LIMIT,
                "max_oracle_age must be in [1, 60] s",
            ),
            (
                self.max_confidence_bps > 0 && self.max_confidence_bps <= MAX_CONFIDENCE_BPS_LIMIT,
                "max_confidence_bps must be in [1, 1 000]",
            ),
            (
                !min_half_spread.is_negative(),
                "min_half_spread must be ≥ 0",
            ),
            (
                !multiplier.is_negative()
                    && multiplier <= Fixed::from_int(MAX_CONFIDENCE_MULTIPLIER),
                "confidence_multiplier must be in [0, 100]",
            ),
            (
                !age_multiplier.is_negative()
                    && age_multiplier <= Fixed::from_int(MAX_AGE_MULTIPLIER),
                "age_multiplier must be in [0, 10]",
            ),
            (
                self.max_ema_deviation_bps <= MAX_EMA_DEVIATION_BPS_LIMIT,
                "max_ema_deviation_bps must be ≤ 1 000",
            ),
            (self.rebalance_band > 0, "rebalance_band must be > 0"),
            (
                self.min_rebalance_interval <= MAX_REBALANCE_INTERVAL,
                "min_rebalance_interval must be ≤ 86 400 s (one day)",
            ),
            (
                i64::try_from(self.max_hedge_position).is_ok(),
                "max_hedge_position must be ≤ i64::MAX",
            ),
        ];
        checks
            .iter()
            .find(|(ok, _)| !ok)
            .map(|(_, violation)| *violation)
    }
}

/// A pool. Zero-copy; 8-byte fields first, then byte arrays, so `repr(C)` adds no padding.
///
/// Size: 8 (discriminator) + 808 = 816 bytes (`Pool::SPACE`).
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct Pool {
    /// Inventory unit, base atoms.
    pub lot: u64,
    /// |inventory| cap, base atoms.
    pub inventory_cap: u64,
    /// Max base per trade, atoms.
    pub max_trade_base: u64,
    /// Protocol fees owed, base atoms (held in the base vault).
    pub protocol_fees_base: u64,
    /// Protocol fees owed, quote atoms (held in the quote vault).
    pub protocol_fees_quote: u64,
    /// EWMA window, seconds.
    pub volatility_window: u64,
    /// Oldest oracle price accepted, seconds.
    pub max_oracle_age: u64,
    /// Publish time of the last oracle price observed by the volatility estimate.
    pub last_oracle_time: i64,

    /// γ (I80F48 bytes).
    pub risk_aversion: [u8; 16],
    /// k.
    pub order_decay: [u8; 16],
    /// A.
    pub arrival_intensity: [u8; 16],
    /// τ.
    pub horizon: [u8; 16],
    /// Precomputed c1.
    pub c1: [u8; 16],
    /// Precomputed c2.
    pub c2: [u8; 16],
    /// Precomputed γ·τ.
    pub gamma_tau: [u8; 16],
    /// Half-spread floor (model units).
    pub min_half_spread: [u8; 16],
    /// Spread widening per unit of oracle confidence.
    pub confidence_multiplier: [u8; 16],
    /// Variance floor.
    pub variance_floor: [u8; 16],
    /// Variance ceiling.
    pub variance_ceiling: [u8; 16],
    /// Current variance estimate.
    pub variance: [u8; 16],
    /// Last oracle mid observed (quote atoms per lot).
    pub last_oracle_price: [u8; 16],

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
    /// Pyth feed id the oracle account must carry.
    pub feed_id: [u8; 32],

    /// Pool index in the PDA seeds.
    pub pool_index: u16,
    /// Widest oracle confidence accepted, bps.
    pub max_confidence_bps: u16,
    /// Fee, bps.
    pub fee_bps: u16,
    /// Protocol share of the fee, bps.
    pub protocol_share_bps: u16,
    /// `ModelKind` as u8.
    pub model_kind: u8,
    /// `Units` as u8.
    pub units: u8,
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
    /// Keeps the struct a multiple of 8 bytes.
    pub padding: [u8; 1],

    /// Hedge recorded by the keeper, base atoms: the part of the inventory already offset
    /// off-chain. Quotes and caps use the net delta `inventory − hedge_position`.
    pub hedge_position: i64,
    /// Sequence number of the last `RebalanceRequested` (0: none yet).
    pub rebalance_seq: u64,
    /// Sequence number of the last request the keeper has recorded a hedge for.
    pub recorded_seq: u64,
    /// Unix time of the last rebalance request.
    pub last_rebalance_time: i64,
    /// |net delta| band, base atoms.
    pub rebalance_band: u64,
    /// Fewest seconds between requests.
    pub min_rebalance_interval: u64,
    /// Largest |hedge_position|, base atoms.
    pub max_hedge_position: u64,
    /// Publish time of the newest quote-feed print used (two-feed pools; 0 otherwise).
    pub last_quote_oracle_time: i64,
    /// LP shares outstanding, locked ones included, as the last deposit or withdrawal left
    /// them: the pool's depth.
    pub total_shares: u64,
    /// `total_shares` right after the first deposit: the depth the skew and the inventory
    /// cap are stated at (0 before it).
    pub reference_shares: u64,
    /// Average entry price of the recorded hedge, quote atoms per lot (I80F48 bytes).
    pub hedge_entry_price: [u8; 16],
    /// P&L the hedge has realised by reductions, quote atoms (i128 LE).
    pub hedge_realized_pnl: [u8; 16],
    /// Oracle mid of the pending rebalance request, quote atoms per lot (I80F48 bytes):
    /// what `record_hedge` checks the fill price against.
    pub pending_request_price: [u8; 16],
    /// The volatility estimator's own state: the variance over one window, `T·σ²`
    /// (I80F48 bytes, model units); `variance` is derived from it.
    pub window_variance: [u8; 16],
    /// Spread widening per standard deviation of the move since the print (I80F48 bytes).
    pub age_multiplier: [u8; 16],
    /// Pyth feed id of the quote token in USD when the pool is priced by two feeds
    /// (`feed_id` then prices the base token in USD); all zero for a single-feed pool.
    pub quote_feed_id: [u8; 32],
    /// Widest print-to-EMA gap accepted, bps (0 = off).
    pub max_ema_deviation_bps: u16,
    /// The config the pool was created under (a PDA seed).
    pub config: Pubkey,
    /// Room for future fields (append-only evolution).
    pub reserved: [u8; 6],
}

/// A pool config: the namespace of pools only its authority may create (see
/// `initialize_config`).
#[account]
#[derive(Debug)]
pub struct Config {
    /// May create pools under this config (and becomes their admin).
    pub authority: Pubkey,
    /// Config PDA bump.
    pub bump: u8,
}

impl Config {
    /// Account space including the discriminator.
    pub const SPACE: usize = 8 + 32 + 1;
}

/// The oracle state a swap prices from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    /// Mid, quote atoms per lot.
    pub mid: Fixed,
    /// Confidence, quote atoms per lot.
    pub confidence: Fixed,
    /// Pyth publish time of the print that prices base (the base/USD print of a two-feed
    /// pool): the volatility estimate's observation time.
    pub publish_time: i64,
    /// Publish time of the quote/USD print (two-feed pools).
    pub quote_publish_time: Option<i64>,
    /// Seconds since the older of the prints when the swap executes (≥ 0).
    pub age: u64,
}

fn fixed(bytes: [u8; 16]) -> Fixed {
    StoredFixed(bytes).get()
}

fn stored(value: Fixed) -> [u8; 16] {
    value.to_stored().0
}

/// `10^exponent` as a `Fixed`, for exponents the range can hold.
fn power_of_ten(exponent: u32) -> Result<Fixed> {
    require!(exponent <= 23, HomeostatError::InvalidOracleAccount);
    let mut value = Fixed::ONE;
    for _ in 0..exponent {
        value = value.mul(Fixed::from_int(10), Rounding::Down).math()?;
    }
    Ok(value)
}

/// `value · 10^exponent` as a `Fixed`, rounded as asked.
fn scaled_by_power_of_ten(value: u64, exponent: i32, rounding: Rounding) -> Result<Fixed> {
    let magnitude = exponent.unsigned_abs();
    let power = power_of_ten(magnitude)?;
    let value = Fixed::from_u64(value);
    if exponent >= 0 {
        value.mul(power, rounding).math()
    } else {
        value.div(power, rounding).math()
    }
}

impl Pool {
    /// Account space including the discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<Pool>();

    /// Signer seeds of the pool PDA (with its bump).
    pub fn signer_seeds(&self) -> [Vec<u8>; 6] {
        [
            POOL_SEED.to_vec(),
            self.config.to_bytes().to_vec(),
            self.base_mint.to_bytes().to_vec(),
            self.quote_mint.to_bytes().to_vec(),
            self.pool_index.to_le_bytes().to_vec(),
            vec![self.bump],
        ]
    }

    /// Writes the operator parameters and their coefficients.
    pub fn set_params(&mut self, params: &PoolParams, coefficients: &Coefficients) {
        self.model_kind = params.model_kind;
        self.units = params.units;
        self.risk_aversion = params.risk_aversion.to_le_bytes();
        self.order_decay = params.order_decay.to_le_bytes();
        self.arrival_intensity = params.arrival_intensity.to_le_bytes();
        self.horizon = params.horizon.to_le_bytes();
        self.c1 = stored(coefficients.c1);
        self.c2 = stored(coefficients.c2);
        self.gamma_tau = stored(coefficients.gamma_tau);
        self.min_half_spread = params.min_half_spread.to_le_bytes();
        self.confidence_multiplier = params.confidence_multiplier.to_le_bytes();
        self.age_multiplier = params.age_multiplier.to_le_bytes();
        self.volatility_window = params.volatility_window;
        self.variance_floor = params.variance_floor.to_le_bytes();
        self.variance_ceiling = params.variance_ceiling.to_le_bytes();
        self.lot = params.lot;
        self.inventory_cap = params.inventory_cap;
        self.max_trade_base = params.max_trade_base;
        self.fee_bps = params.fee_bps;
        self.protocol_share_bps = params.protocol_share_bps;
        self.max_oracle_age = params.max_oracle_age;
        self.max_confidence_bps = params.max_confidence_bps;
        self.max_ema_deviation_bps = params.max_ema_deviation_bps;
        self.rebalance_band = params.rebalance_band;
        self.min_rebalance_interval = params.min_rebalance_interval;
        self.max_hedge_position = params.max_hedge_position;
    }

    /// The volatility estimator's first state: `initial_variance` (I80F48 bits) clamped to
    /// the pool's bounds, anchored at `oracle` — what `initialize_pool` sets.
    pub fn start_volatility(&mut self, initial_variance: i128, oracle: &OraclePrice) -> Result<()> {
        let state = VolatilityState::start(
            &self.params().volatility_config(),
            Fixed::from_bits(initial_variance),
            oracle.mid,
            oracle.publish_time,
        )
        .math()?;
        self.set_volatility_state(&state);
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
        self.invariant()
    }

    /// The measure the volatility estimate is in: units, lot and window.
    fn volatility_scale(&self) -> Result<VolatilityScale> {
        Ok(VolatilityScale {
            units: Units::try_from(self.units).math()?,
            lot: self.lot,
            window: self.volatility_window,
        })
    }

    /// The operator parameters as stored.
    pub fn params(&self) -> PoolParams {
        PoolParams {
            model_kind: self.model_kind,
            units: self.units,
            risk_aversion: i128::from_le_bytes(self.risk_aversion),
            order_decay: i128::from_le_bytes(self.order_decay),
            arrival_intensity: i128::from_le_bytes(self.arrival_intensity),
            horizon: i128::from_le_bytes(self.horizon),
            min_half_spread: i128::from_le_bytes(self.min_half_spread),
            confidence_multiplier: i128::from_le_bytes(self.confidence_multiplier),
            age_multiplier: i128::from_le_bytes(self.age_multiplier),
            volatility_window: self.volatility_window,
            variance_floor: i128::from_le_bytes(self.variance_floor),
            variance_ceiling: i128::from_le_bytes(self.variance_ceiling),
            lot: self.lot,
            inventory_cap: self.inventory_cap,
            max_trade_base: self.max_trade_base,
            fee_bps: self.fee_bps,
            protocol_share_bps: self.protocol_share_bps,
            max_oracle_age: self.max_oracle_age,
            max_confidence_bps: self.max_confidence_bps,
            max_ema_deviation_bps: self.max_ema_deviation_bps,
            rebalance_band: self.rebalance_band,
            min_rebalance_interval: self.min_rebalance_interval,
            max_hedge_position: self.max_hedge_position,
        }
    }

    /// The model with its stored coefficients (no `ln`/`exp` on the swap path).
    pub fn model(&self) -> Result<PoolModel> {
        self.model_with(&self.params())
    }

    /// The model from parameters the caller has already read from this pool.
    fn model_with(&self, params: &PoolParams) -> Result<PoolModel> {
        Ok(PoolModel {
            params: params.model_params()?,
            coefficients: Coefficients {
                c1: fixed(self.c1),
                c2: fixed(self.c2),
                gamma_tau: fixed(self.gamma_tau),
            },
        })
    }

    /// The volatility estimate's state.
    pub fn volatility_state(&self) -> VolatilityState {
        VolatilityState {
            variance: fixed(self.variance),
            window_variance: fixed(self.window_variance),
            last_price: fixed(self.last_oracle_price),
            last_time: self.last_oracle_time,
        }
    }

    /// Stores a new volatility state.
    pub fn set_volatility_state(&mut self, state: &VolatilityState) {
        self.variance = stored(state.variance);
        self.window_variance = stored(state.window_variance);
        self.last_oracle_price = stored(state.last_price);
        self.last_oracle_time = state.last_time;
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

    /// Whether the pool is priced by two feeds (base/USD ÷ quote/USD).
    pub fn has_quote_feed(&self) -> bool {
        self.quote_feed_id != [0; 32]
    }

    /// Validates the Pyth `PriceUpdateV2` account(s) against this pool and converts the
    /// price to quote atoms per lot: owner is the Pyth receiver (`WrongOracleOwner`), then
    /// [`Pool::price_from_updates`]. `quote_oracle` is the quote/USD account of a two-feed
    /// pool, `None` for a single-feed pool.
    pub fn read_oracle(
        &self,
        oracle: &AccountInfo,
        quote_oracle: Option<&AccountInfo>,
        now: i64,
    ) -> Result<OraclePrice> {
        let decode = |account: &AccountInfo| -> Result<PriceUpdate> {
            require_keys_eq!(
                *account.owner,
                PYTH_RECEIVER_PROGRAM_ID,
                HomeostatError::WrongOracleOwner
            );
            PriceUpdate::decode(&account.try_borrow_data()?)
        };
        let base = decode(oracle)?;
        let quote = quote_oracle.map(decode).transpose()?;
        self.price_from_updates(&base, quote.as_ref(), now)
    }

    /// Checks one print against its feed, in this order: `Full` verification; feed id;
    /// price > 0; not older than the newest print of that feed the pool has used
    /// (`publish_time ≥ last_used`, `OracleOlderThanLastUsed`); not from the future
    /// (`publish_time ≤ now + MAX_ORACLE_FUTURE_SECS`, `OracleFromFuture`); age
    /// `now − publish_time ≤ max_oracle_age` (`StaleOracle`); `conf / price ≤
    /// max_confidence_bps`; and, when `max_ema_deviation_bps > 0`,
    /// `|price − ema_price| / ema_price ≤ max_ema_deviation_bps` (`OracleDivergesFromEma`).
    /// Returns the print's age.
    fn check_print(
        &self,
        update: &PriceUpdate,
        feed_id: &[u8; 32],
        last_used: i64,
        now: i64,
    ) -> Result<u64> {
        require!(
            update.verification_level == VerificationLevel::Full,
            HomeostatError::OracleNotFullyVerified
        );
        require!(update.feed_id == *feed_id, HomeostatError::WrongOracleFeed);
        require!(update.price > 0, HomeostatError::NonPositiveOraclePrice);
        // A pull oracle lets anyone post any verified print: without this a trader could
        // pick, per swap, whichever recent print favours them.
        require!(
            update.publish_time >= last_used,
            HomeostatError::OracleOlderThanLastUsed
        );
        require!(
            update.publish_time <= now.saturating_add(MAX_ORACLE_FUTURE_SECS),
            HomeostatError::OracleFromFuture
        );
        let age = u64::try_from(now.saturating_sub(update.publish_time).max(0)).unwrap_or(u64::MAX);
        require!(age <= self.max_oracle_age, HomeostatError::StaleOracle);
        let price = update.price.unsigned_abs();
        require!(
            u128::from(update.conf) * 10_000
                <= u128::from(price) * u128::from(self.max_confidence_bps),
            HomeostatError::OracleConfidenceTooWide
        );
        if self.max_ema_deviation_bps > 0 {
            require!(update.ema_price > 0, HomeostatError::OracleDivergesFromEma);
            let ema = update.ema_price.unsigned_abs();
            require!(
                u128::from(price.abs_diff(ema)) * 10_000
                    <= u128::from(ema) * u128::from(self.max_ema_deviation_bps),
                HomeostatError::OracleDivergesFromEma
            );
        }
        Ok(age)
    }

    /// Checks decoded price updates against this pool and returns the price per lot.
    ///
    /// A single-feed pool takes one print of `feed_id` (base priced in quote). A two-feed
    /// pool takes a base/USD print of `feed_id` and a quote/USD print of `quote_feed_id`,
    /// each checked on its own (`check_print`, forward-only per feed), and prices base in
    /// quote as their ratio; the confidence is the ratio's, `mid·(conf_b/p_b + conf_q/p_q)`,
    /// and the age the older print's. A quote print passed to a single-feed pool, or
    /// missing for a two-feed pool, is `QuoteOracleMismatch`.
    pub fn price_from_updates(
        &self,
        update: &PriceUpdate,
        quote: Option<&PriceUpdate>,
        now: i64,
    ) -> Result<OraclePrice> {
        let age = self.check_print(update, &self.feed_id, self.last_oracle_time, now)?;
        let price = update.price.unsigned_abs();
        match (self.has_quote_feed(), quote) {
            (false, None) => Ok(OraclePrice {
                mid: self.price_per_lot(price, update.exponent, Rounding::Down)?,
                confidence: self.price_per_lot(update.conf, update.exponent, Rounding::Up)?,
                publish_time: update.publish_time,
                quote_publish_time: None,
                age,
            }),
            (true, Some(quote)) => {
                let quote_age =
                    self.check_print(quote, &self.quote_feed_id, self.last_quote_oracle_time, now)?;
                let quote_price = quote.price.unsigned_abs();
                // Base in USD per lot as if the quote token were USD, divided by the quote
                // token's USD price: down for the mid, up for its confidence.
                let usd = |rounding| scaled_by_power_of_ten(quote_price, quote.exponent, rounding);
                let mid = self
                    .price_per_lot(price, update.exponent, Rounding::Down)?
                    .div(usd(Rounding::Up)?, Rounding::Down)
                    .math()?;
                let mid_up = self
                    .price_per_lot(price, update.exponent, Rounding::Up)?
                    .div(usd(Rounding::Down)?, Rounding::Up)
                    .math()?;
                let base_confidence = self
                    .price_per_lot(update.conf, update.exponent, Rounding::Up)?
                    .div(usd(Rounding::Down)?, Rounding::Up)
                    .math()?;
                let quote_confidence = mid_up
                    .mul_div(
                        Fixed::from_u64(quote.conf),
                        Fixed::from_u64(quote_price),
                        Rounding::Up,
                    )
                    .math()?;
                Ok(OraclePrice {
                    mid,
                    confidence: base_confidence.checked_add(quote_confidence).math()?,
                    publish_time: update.publish_time,
                    quote_publish_time: Some(quote.publish_time),
                    age: age.max(quote_age),
                })
            }
            _ => err!(HomeostatError::QuoteOracleMismatch),
        }
    }

    /// [`Pool::price_from_updates`] for a single-feed pool.
    pub fn price_from_update(&self, update: &PriceUpdate, now: i64) -> Result<OraclePrice> {
        self.price_from_updates(update, None, now)
    }

    /// `value · 10^exponent` whole quote tokens per whole base token, in quote atoms per lot:
    /// `value · lot · 10^(exponent + quote_decimals − base_decimals)`.
    fn price_per_lot(&self, value: u64, exponent: i32, rounding: Rounding) -> Result<Fixed> {
        let scale =
            i64::from(exponent) + i64::from(self.quote_decimals) - i64::from(self.base_decimals);
        let magnitude = u32::try_from(scale.unsigned_abs())
            .map_err(|_| error!(HomeostatError::InvalidOracleAccount))?;
        let power = power_of_ten(magnitude)?;
        let value = Fixed::from_u64(value);
        let lot = Fixed::from_u64(self.lot);
        if scale >= 0 {
            value
                .mul_div(lot, Fixed::ONE, rounding)
                .math()?
                .mul(power, rounding)
                .math()
        } else {
            value.mul_div(lot, power, rounding).math()
        }
    }

    /// Observes the oracle in the volatility estimate (only a newer publish time counts)
    /// and records the newest quote-feed print used.
    pub fn observe_oracle(&mut self, oracle: &OraclePrice) -> Result<()> {
        if let Some(time) = oracle.quote_publish_time {
            self.last_quote_oracle_time = self.last_quote_oracle_time.max(time);
        }
        let units = Units::try_from(self.units).math()?;
        let next = self
            .volatility_state()
            .observe(
                &self.params().volatility_config(),
                units,
                oracle.mid,
                oracle.publish_time,
            )
            .math()?;
        self.set_volatility_state(&next);
        Ok(())
    }

    /// The pool's inventory deviation at the oracle mid (`balanced_inventory`), base atoms.
    pub fn inventory(&self, reserves: Reserves, oracle: &OraclePrice) -> Result<i128> {
        balanced_inventory(reserves, oracle.mid, self.lot).math()
    }

    /// The exposure still unhedged: `inventory − hedge_position`, base atoms. This is what
    /// skews the quotes and what the inventory cap limits.
    pub fn net_delta(&self, reserves: Reserves, oracle: &OraclePrice) -> Result<i128> {
        self.inventory(reserves, oracle)?
            .checked_sub(i128::from(self.hedge_position))
            .ok_or_else(|| error!(HomeostatError::MathOverflow))
    }

    /// Everything a swap is priced from: the curve at this oracle state, inventory,
    /// limits, fees and what the pool can pay. The SDK builds the same context from the
    /// same account data, so its quotes equal the program's amounts.
    pub fn swap_context(&self, oracle: &OraclePrice, reserves: Reserves) -> Result<SwapContext> {
        let market = MarketState {
            mid: oracle.mid,
            confidence: oracle.confidence,
            variance: fixed(self.variance),
            age: oracle.age,
        };
        let spread = SpreadConfig {
            min_half_spread: fixed(self.min_half_spread),
            confidence_multiplier: fixed(self.confidence_multiplier),
            age_multiplier: fixed(self.age_multiplier),
            // A pool never trades on its LPs' wrong side of the oracle mid; it sheds
            // inventory through the keeper's hedges instead.
            mid_guard: true,
        };
        // The parameters are read once for both the model and the fees.
        let params = self.params();
        let curve = self
            .model_with(&params)?
            .curve(&market, &spread, reserves, self.lot)
            .math()?;
        let (curve, inventory_cap) = self.at_depth(curve)?;
        Ok(SwapContext {
            curve,
            inventory: self.net_delta(reserves, oracle)?,
            limits: Limits {
                inventory_cap,
                max_trade_base: self.max_trade_base,
            },
            fees: params.fees(),
            reserves,
        })
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
        if reference == 0 || total == 0 || reference == total {
            return Ok((curve, self.inventory_cap));
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
                Curve::Linear(linear)
            }
            other => other,
        };
        let cap = u128::from(self.inventory_cap)
            .checked_mul(u128::from(total))
            .and_then(|scaled| scaled.checked_div(u128::from(reference)))
            .map_or(u64::MAX, |cap| u64::try_from(cap).unwrap_or(u64::MAX));
        Ok((curve, cap))
    }

    /// The hedge book: position, average entry and realised P&L.
    pub fn hedge_ledger(&self) -> HedgeLedger {
        HedgeLedger {
            position: self.hedge_position,
            entry_price: fixed(self.hedge_entry_price),
            realized_pnl: i128::from_le_bytes(self.hedge_realized_pnl),
        }
    }

    /// Stores a new hedge book.
    pub fn set_hedge_ledger(&mut self, ledger: &HedgeLedger) {
        self.hedge_position = ledger.position;
        self.hedge_entry_price = stored(ledger.entry_price);
        self.hedge_realized_pnl = ledger.realized_pnl.to_le_bytes();
    }

    /// Records the pool's depth after a deposit or withdrawal: `total` shares outstanding
    /// (locked included); the first deposit also fixes the reference depth.
    pub fn set_depth(&mut self, total: u64) {
        self.total_shares = total;
        if self.reference_shares == 0 {
            self.reference_shares = total;
        }
    }

    /// Holds at the end of every mutating instruction: parameters within bounds, flags
    /// 0 or 1.
    pub fn invariant(&self) -> Result<()> {
        self.params().validate_bounds()?;
        require!(
            self.paused <= 1 && self.shares_locked <= 1 && self.recorded_seq <= self.rebalance_seq,
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
