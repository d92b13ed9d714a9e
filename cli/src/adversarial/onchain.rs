//! `--onchain`: the same market with every Homeostat pool on the program itself, on the
//! in-process runtime. Each trade the market decides is sent as a swap transaction (the
//! clock at its block, the print it carries in the oracle account, the quote as its
//! limit) and the pool's accounts after it become the market's state: a difference
//! between the program and the state code the statistics path runs would change the
//! report, which a test compares. A prop pool's quoter is named by `set_quoter` and pushes
//! with `push_quote` transactions, each in its block's slot; a Pyth Pro pool's swaps post
//! the update they carry, signed by the local test signer, in the same transaction
//! (`post_pro_price`).

use homeostat::oracle::PriceUpdate;
use homeostat::state::{Pool, PushQuoteArgs};
use homeostat::PoolParams;
use homeostat_localnet::{
    pyth_price, Harness, PoolAddresses, SwapIn, SwapOut, User, ONE_BASE, ONE_QUOTE,
};
use homeostat_sdk::instructions as ix;

use super::price::Print;
use homeostat_math::{Direction, SwapQuote};
use homeostat_sdk::quote::PoolSnapshot;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// Why `--onchain` could not run the market on the program.
#[derive(Debug, thiserror::Error)]
pub enum OnChainError {
    /// The in-process runtime did not start.
    #[error("--onchain: the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// More venues than pool indices.
    #[error("--onchain: too many pools")]
    TooManyPools,
    /// A venue with no pool on the program.
    #[error("--onchain: no such pool")]
    NoSuchPool,
    /// A push for a pool without a quoter.
    #[error("--onchain: the pool has no quoter")]
    NoQuoter,
    /// The program refused an instruction the market sent.
    #[error("--onchain: {what}: {source}")]
    Refused {
        /// What was sent, and to which pool.
        what: String,
        /// The runtime's error.
        #[source]
        source: homeostat_localnet::TransactionError,
    },
}

/// A `map_err` for the program's refusal of `what`.
fn refused(
    what: impl Into<String>,
) -> impl FnOnce(homeostat_localnet::TransactionError) -> OnChainError {
    let what = what.into();
    move |source| OnChainError::Refused { what, source }
}

/// The runtime, the trader and each Homeostat pool's accounts and quoter (by venue index).
pub struct OnChain {
    runtime: tokio::runtime::Runtime,
    harness: Harness,
    trader: User,
    pools: Vec<Option<PoolAddresses>>,
    quoters: Vec<Option<Keypair>>,
}

impl OnChain {
    /// A runtime with a trader deep enough for any run.
    pub fn start() -> Result<Self, OnChainError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(OnChainError::Runtime)?;
        let mut harness = runtime.block_on(Harness::start());
        let trader = runtime
            .block_on(harness.new_user(1_000_000_000 * ONE_BASE, 1_000_000_000_000 * ONE_QUOTE));
        Ok(Self {
            runtime,
            harness,
            trader,
            pools: Vec::new(),
            quoters: Vec::new(),
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
    ) -> Result<PoolSnapshot, OnChainError> {
        let harness = &mut self.harness;
        let pool = harness.pool_at(u16::try_from(index).map_err(|_| OnChainError::TooManyPools)?);
        harness.set_time(opening.publish_time);
        harness.set_oracle(opening);
        self.runtime
            .block_on(harness.initialize_pool(&pool, params))
            .map_err(refused(format!("initialize pool {index}")))?;
        // The first deposit is the admin's (it fixes the pool's reference depth).
        self.runtime
            .block_on(harness.admin_deposit(&pool, base, quote))
            .map_err(refused(format!("deposit into pool {index}")))?;
        if self.pools.len() <= index {
            self.pools.resize(index + 1, None);
        }
        self.pools[index] = Some(pool);
        Ok(self.runtime.block_on(harness.snapshot(&pool, opening)))
    }

    fn pool(&self, index: usize) -> Result<PoolAddresses, OnChainError> {
        self.pools
            .get(index)
            .copied()
            .flatten()
            .ok_or(OnChainError::NoSuchPool)
    }

    /// Names a new quoter for venue `index`'s pool (`set_quoter`, the admin signing);
    /// returns the pool account after it.
    pub fn set_quoter(&mut self, index: usize) -> Result<Pool, OnChainError> {
        let pool = self.pool(index)?;
        let quoter = Keypair::new();
        let admin = self.harness.admin.insecure_clone();
        self.runtime
            .block_on(self.harness.set_quoter(&pool, &admin, quoter.pubkey()))
            .map_err(refused(format!("set_quoter on pool {index}")))?;
        if self.quoters.len() <= index {
            self.quoters.resize_with(index + 1, || None);
        }
        self.quoters[index] = Some(quoter);
        Ok(self.runtime.block_on(self.harness.pool_state(&pool)))
    }

    /// Names the local Pyth Pro feed for venue `index`'s pool (`set_pro_feeds`); returns
    /// the pool account after it.
    pub fn set_pro_feed(&mut self, index: usize) -> Result<Pool, OnChainError> {
        let pool = self.pool(index)?;
        let admin = self.harness.admin.insecure_clone();
        let set = homeostat_sdk::instructions::set_pro_feeds(
            pool.pool,
            admin.pubkey(),
            homeostat_localnet::PRO_FEED_ID,
            0,
        );
        self.runtime
            .block_on(self.harness.send(&[set], &[&admin]))
            .map_err(refused(format!("set_pro_feeds on pool {index}")))?;
        Ok(self.runtime.block_on(self.harness.pool_state(&pool)))
    }

    /// Sends venue `index`'s quoter's `quote` at `now` in `slot` (`push_quote`); returns
    /// the pool account after it.
    pub fn push_quote(
        &mut self,
        index: usize,
        quote: &PushQuoteArgs,
        now: i64,
        slot: u64,
    ) -> Result<Pool, OnChainError> {
        let pool = self.pool(index)?;
        let quoter = self
            .quoters
            .get(index)
            .and_then(Option::as_ref)
            .ok_or(OnChainError::NoQuoter)?;
        let harness = &mut self.harness;
        harness.set_clock(now, slot);
        self.runtime
            .block_on(harness.push_quote(&pool, quoter, *quote))
            .map_err(refused("the program refused a push_quote"))?;
        Ok(self.runtime.block_on(harness.pool_state(&pool)))
    }

    /// Sends `quote` to venue `index`'s pool at `now` in `slot` carrying `print` — and,
    /// for a Pyth Pro pool, posting the signed update of `pro` first in the same
    /// transaction — with the quote as its limit; returns the pool's state after it.
    pub fn swap(
        &mut self,
        index: usize,
        (print, pro): (&PriceUpdate, Option<&Print>),
        (now, slot): (i64, u64),
        quote: &SwapQuote,
    ) -> Result<PoolSnapshot, OnChainError> {
        let pool = self.pool(index)?;
        let harness = &mut self.harness;
        harness.set_clock(now, slot);
        harness.set_oracle(print);
        let mut instructions = Vec::new();
        if let Some(pro) = pro {
            let message = harness.pro_update(
                pyth_price(pro.price),
                pyth_price(pro.confidence),
                super::venues::pro_timestamp_us(pro.observed_ms),
                false,
            );
            instructions.extend(harness.post_pro_ixs(&pool, &message));
        }
        let accounts = self.trader.accounts(&pool);
        instructions.push(match quote.direction {
            Direction::BaseToQuote => ix::swap_exact_in(
                &pool,
                harness.oracles(),
                &accounts,
                SwapIn {
                    direction: quote.direction,
                    amount_in: quote.amount_in,
                    min_amount_out: quote.amount_out,
                },
            ),
            Direction::QuoteToBase => ix::swap_exact_out(
                &pool,
                harness.oracles(),
                &accounts,
                SwapOut {
                    direction: quote.direction,
                    amount_out: quote.amount_out,
                    max_amount_in: quote.amount_in,
                },
            ),
        });
        let result = self
            .runtime
            .block_on(harness.send(&instructions, &[&self.trader.keypair]));
        result.map_err(refused("the program refused a quoted swap"))?;
        Ok(self.runtime.block_on(harness.snapshot(&pool, print)))
    }
}
