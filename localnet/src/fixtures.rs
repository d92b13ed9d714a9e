//! Fixtures: parameter helpers, the default pool, a seeded pool.

use homeostat::constants::{LP_ACCESS_OPERATOR, LP_ACCESS_PUBLIC, QUOTE_FALLBACK_PYTH};
use homeostat::instructions::DepositArgs;
use homeostat::{PoolParams, StoredFixed};
use homeostat_math::{Fixed, ModelKind, Rounding, Units};
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

use crate::clients::{Exact, SELL};
use crate::tokens::{User, ONE_BASE, ONE_QUOTE};
use crate::Harness;

/// The variance `initialize_pool` is given (clamped to the pool's bounds): 10⁻⁸, as
/// I80F48 bits ⌊10⁻⁸ · 2⁴⁸⌋.
pub const INITIAL_VARIANCE: StoredFixed = StoredFixed::from_bits(2_814_749);

/// `numerator / denominator` as raw I80F48 bits (rounded down).
pub fn bits(numerator: i128, denominator: i128) -> i128 {
    Fixed::ratio(numerator, denominator, Rounding::Down)
        .expect("constant ratio")
        .to_bits()
}

/// `numerator / denominator` as a fixed-point parameter (rounded down).
pub fn fixed(numerator: i128, denominator: i128) -> StoredFixed {
    StoredFixed::from_bits(bits(numerator, denominator))
}

/// A public GLFT pool in relative units with a 1-SOL lot: γ = 250, k = 10 000, A = 1/s
/// (c1 ≈ 1 bp), a 1 bp spread floor, 1.75 σ·√age of age widening, a print depth of 3 SOL
/// per side with 10 bp per SOL beyond (docs/math.md, "Pricing informed flow"), 90 % of
/// that depth and of the trade size gone by the oldest accepted print (20 s), no fee
/// (the spread is the LPs' income; 20 % of any fee would go to the protocol), ±100 SOL
/// inventory cap, 50 SOL per trade; rebalance
/// beyond ±10 SOL of net delta, at most every 30 s, hedge up to ±200 SOL; the quotes
/// credit none of the hedge (public LPs carry the gross position).
pub fn default_params() -> PoolParams {
    PoolParams {
        model_kind: ModelKind::Glft.into(),
        units: Units::Relative.into(),
        risk_aversion: fixed(250, 1),
        order_decay: fixed(10_000, 1),
        arrival_intensity: fixed(1, 1),
        horizon: StoredFixed::ZERO,
        min_half_spread: fixed(1, 10_000),
        confidence_multiplier: StoredFixed::ZERO,
        age_multiplier: fixed(7, 4),
        depth_slope: fixed(1, 1_000),
        print_depth: 3 * ONE_BASE,
        volatility_window: 600,
        volatility_grid: 60,
        variance_floor: fixed(1, 1_000_000_000),
        variance_ceiling: fixed(1, 10_000),
        lot: ONE_BASE,
        inventory_cap: 100 * ONE_BASE,
        max_trade_base: 50 * ONE_BASE,
        fee_bps: 0,
        protocol_share_bps: 2_000,
        max_oracle_age: 20,
        max_confidence_bps: 100,
        max_ema_deviation_bps: 500,
        hedge_credit_bps: 0,
        hedge_cost_bps: 0,
        rebalance_band: 10 * ONE_BASE,
        min_rebalance_interval: 30,
        max_hedge_position: 200 * ONE_BASE,
        lp_access: LP_ACCESS_PUBLIC,
        depth_relief_bps: 0,
        age_shrink_bps: 9_000,
        quote_band_bps: 100,
        quote_fallback: QUOTE_FALLBACK_PYTH,
        reserved: [0; 2],
    }
}

/// `default_params` with a 1 bp fee (20 % of it the protocol's): for what fees do.
pub fn fee_params() -> PoolParams {
    PoolParams {
        fee_bps: 1,
        ..default_params()
    }
}

/// `default_params` for an operator-funded pool: only the admin deposits, and the quotes
/// credit the whole recorded hedge (skew on the net delta).
pub fn operator_params() -> PoolParams {
    PoolParams {
        lp_access: LP_ACCESS_OPERATOR,
        hedge_credit_bps: 10_000,
        ..default_params()
    }
}

impl Harness {
    /// A fresh harness with pool 0 created with `params` (no liquidity yet).
    pub async fn with_pool(params: PoolParams) -> (Self, PoolAddresses) {
        let mut harness = Self::start().await;
        let pool = harness.pool_at(0);
        harness
            .initialize_pool(&pool, params)
            .await
            .expect("initialize pool");
        (harness, pool)
    }

    /// A pool (index 0) created with `default_params` and seeded by an LP with 1 000 SOL
    /// and 150 000 USDC (balanced at 150). Returns the pool and the LP.
    pub async fn with_liquidity() -> (Self, PoolAddresses, User) {
        let mut harness = Self::start().await;
        let pool = harness.pool_at(0);
        let lp = harness.seeded_pool(&pool, default_params()).await;
        (harness, pool, lp)
    }

    /// A fresh harness with pool 0 created with `params` and seeded by its admin
    /// (`seeded_pool`), Pyth at 150, and a new quoter named for it (prop-AMM mode);
    /// returns the quoter.
    pub async fn with_quoter(params: PoolParams) -> (Self, PoolAddresses, Keypair) {
        let mut harness = Self::start().await;
        let pool = harness.pool_at(0);
        harness.seeded_pool(&pool, params).await;
        let quoter = Keypair::new();
        let admin = harness.admin.insecure_clone();
        harness
            .set_quoter(&pool, &admin, quoter.pubkey())
            .await
            .expect("set_quoter");
        (harness, pool, quoter)
    }

    /// `with_liquidity`, then a trader's sales push the pool ~30 SOL long (beyond the
    /// 10 SOL band). Returns the pool and the trader (70 SOL left).
    pub async fn skewed_pool() -> (Self, PoolAddresses, User) {
        Self::skewed_pool_with(default_params()).await
    }

    /// `skewed_pool` for a pool with `params` (seeded by the admin when it is an
    /// operator pool).
    pub async fn skewed_pool_with(params: PoolParams) -> (Self, PoolAddresses, User) {
        let mut harness = Self::start().await;
        let pool = harness.pool_at(0);
        harness.seeded_pool(&pool, params).await;
        let trader = harness.new_user(100 * ONE_BASE, 0).await;
        harness
            .swap(&pool, &trader, SELL, Exact::In(30 * ONE_BASE))
            .await
            .expect("a 30 SOL sale");
        (harness, pool, trader)
    }

    /// Creates `pool` with `params` and seeds it, as `with_liquidity` does, with 1 000 SOL
    /// and 150 000 USDC from its admin (the first deposit is the admin's: it fixes the
    /// pool's reference depth). Returns the admin as the LP.
    pub async fn seeded_pool(&mut self, pool: &PoolAddresses, params: PoolParams) -> User {
        self.initialize_pool(pool, params)
            .await
            .expect("initialize pool");
        self.admin_deposit(pool, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
            .await
            .expect("seed deposit")
    }

    /// The admin's first deposit into `pool`, which fixes its reference depth: all of
    /// `base` and `quote` atoms, from a new admin-owned user funded with exactly that.
    /// Returns that user, the LP.
    pub async fn admin_deposit(
        &mut self,
        pool: &PoolAddresses,
        base: u64,
        quote: u64,
    ) -> Result<User, TransactionError> {
        let lp = self.admin_user(base, quote).await;
        let args = DepositArgs {
            max_base: base,
            max_quote: quote,
            min_shares: 1,
        };
        self.deposit(pool, &lp, args).await?;
        Ok(lp)
    }

    /// The pool admin as a user funded with `base` and `quote` atoms (new token accounts
    /// each time).
    pub async fn admin_user(&mut self, base: u64, quote: u64) -> User {
        let admin = self.admin.insecure_clone();
        self.user_of(admin, base, quote).await
    }
}

/// Arguments of a deposit of up to `sol` SOL and the USDC they are worth at the fixtures'
/// price of 150, for at least one share.
pub fn sol_at_150(sol: u64) -> DepositArgs {
    DepositArgs {
        max_base: sol * ONE_BASE,
        max_quote: sol * 150 * ONE_QUOTE,
        min_shares: 1,
    }
}

/// The first second of the volatility estimate's next grid cell after `now`, for
/// [`default_params`]: a print published then is a sample.
pub fn next_volatility_sample(now: i64) -> i64 {
    let grid = i64::try_from(default_params().volatility_grid).expect("a small grid");
    (now.div_euclid(grid) + 1) * grid
}
