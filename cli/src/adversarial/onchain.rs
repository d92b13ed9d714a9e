//! `--onchain`: the same market with every Homeostat pool on the program itself, on the
//! in-process runtime. Each trade the market decides is sent as a swap transaction (the
//! clock at its block, the print it carries in the oracle account, the quote as its
//! limit) and the pool's accounts after it become the market's state: a difference
//! between the program and the state code the statistics path runs would change the
//! report, which a test compares.

use homeostat::oracle::PriceUpdate;
use homeostat::PoolParams;
use homeostat_localnet::{Harness, PoolAddresses, User, ONE_BASE, ONE_QUOTE};
use homeostat_math::{Direction, SwapQuote};
use homeostat_sdk::quote::PoolSnapshot;

/// The runtime, the trader and each Homeostat pool's accounts (by venue index).
pub struct OnChain {
    runtime: tokio::runtime::Runtime,
    harness: Harness,
    trader: User,
    pools: Vec<Option<PoolAddresses>>,
}

impl OnChain {
    /// A runtime with a trader deep enough for any run.
    pub fn start() -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        let mut harness = runtime.block_on(Harness::start());
        let trader = runtime
            .block_on(harness.new_user(1_000_000_000 * ONE_BASE, 1_000_000_000_000 * ONE_QUOTE));
        Ok(Self {
            runtime,
            harness,
            trader,
            pools: Vec::new(),
        })
    }

    /// Creates venue `index`'s pool with `params` under `opening` and deposits `base` and
    /// `quote` atoms; returns its state as a swap would see it.
    pub fn open(
        &mut self,
        index: usize,
        params: PoolParams,
        opening: &PriceUpdate,
        (base, quote): (u64, u64),
    ) -> Result<PoolSnapshot, String> {
        let harness = &mut self.harness;
        let pool = harness.pool_at(u16::try_from(index).map_err(|_| "too many pools")?);
        harness.set_time(opening.publish_time);
        harness.set_oracle(opening);
        let failed = |what: &str, error: homeostat_localnet::TransactionError| {
            format!("--onchain: {what} pool {index}: {error}")
        };
        self.runtime
            .block_on(harness.initialize_pool(&pool, params))
            .map_err(|error| failed("initialize", error))?;
        // The first deposit is the admin's (it fixes the pool's reference depth).
        let lp = self.runtime.block_on(harness.admin_user(base, quote));
        self.runtime
            .block_on(harness.deposit(&pool, &lp, base, quote, 1))
            .map_err(|error| failed("deposit into", error))?;
        if self.pools.len() <= index {
            self.pools.resize(index + 1, None);
        }
        self.pools[index] = Some(pool);
        Ok(self.runtime.block_on(harness.snapshot(&pool, opening)))
    }

    /// Sends `quote` to venue `index`'s pool at `now` carrying `print`, with the quote as
    /// its limit; returns the pool's state after it.
    pub fn swap(
        &mut self,
        index: usize,
        print: &PriceUpdate,
        now: i64,
        quote: &SwapQuote,
    ) -> Result<PoolSnapshot, String> {
        let pool = self
            .pools
            .get(index)
            .copied()
            .flatten()
            .ok_or("--onchain: no such pool")?;
        let harness = &mut self.harness;
        harness.set_time(now);
        harness.set_oracle(print);
        let result = match quote.direction {
            Direction::BaseToQuote => self.runtime.block_on(harness.swap_exact_in(
                &pool,
                &self.trader,
                quote.direction,
                quote.amount_in,
                quote.amount_out,
            )),
            Direction::QuoteToBase => self.runtime.block_on(harness.swap_exact_out(
                &pool,
                &self.trader,
                quote.direction,
                quote.amount_out,
                quote.amount_in,
            )),
        };
        result.map_err(|error| format!("--onchain: the program refused a quoted swap: {error}"))?;
        Ok(self.runtime.block_on(harness.snapshot(&pool, print)))
    }
}
