//! A pool held in memory and moved by the program's own state code (`Pool::prepare_swap`,
//! the math crate, `Pool::book_swap` through [`PoolSnapshot`]): what the simulators'
//! statistics paths trade against instead of a runtime.

use bytemuck::Zeroable;
use homeostat::oracle::PriceUpdate;
use homeostat::state::{Pool, PoolIdentity};
use homeostat::PoolParams;
use homeostat_localnet::{BASE_DECIMALS, FEED_ID, INITIAL_VARIANCE, QUOTE_DECIMALS};
use homeostat_math::{BaseAtoms, QuoteAtoms, Reserves};
use homeostat_sdk::quote::{deposit_quote, PoolSnapshot};
use homeostat_sdk::SdkError;

/// A pool as `initialize_pool` (with `params`, under `oracle`) and a first deposit of
/// `base` and `quote` atoms leave it: what pricing reads, the vaults, the depth and the
/// target. Its clock is the oracle's publish time.
pub fn open(
    params: &PoolParams,
    oracle: PriceUpdate,
    base: u64,
    quote: u64,
) -> Result<PoolSnapshot, SdkError> {
    let identity = PoolIdentity {
        feed_ids: [FEED_ID, [0; 32]],
        decimals: [BASE_DECIMALS, QUOTE_DECIMALS],
        ..PoolIdentity::default()
    };
    let mut pool = Pool::zeroed();
    pool.book_initialize(
        &identity,
        params,
        &Pool::prepare_initialize(params, &identity)?,
    );
    let price = pool.price_from_update(&oracle, oracle.publish_time)?;
    pool.start_volatility(INITIAL_VARIANCE.get(), &price)?;
    // The first deposit takes both amounts whole.
    let maxima = (BaseAtoms::new(base), QuoteAtoms::new(quote));
    let deposit = deposit_quote(&pool, &pool.admin, Reserves::default(), 0, maxima)?;
    pool.book_deposit(
        deposit.shares,
        Reserves {
            base: deposit.base,
            quote: deposit.quote,
        },
    )?;
    Ok(PoolSnapshot {
        pool,
        base_vault: deposit.base,
        quote_vault: deposit.quote,
        oracle,
        quote_oracle: None,
        now: oracle.publish_time,
        slot: 0,
    })
}
