//! # homeostat-jupiter
//!
//! Homeostat pools behind Jupiter's [`Amm`] trait (`jupiter-amm-interface`), so a router
//! can quote and route through them.
//!
//! A quote is the program's own code over the bytes the swap will read: the refreshed
//! accounts become a [`PoolSnapshot`] — pool, vault balances, the Pyth print(s), the
//! clock — and `Pool::prepare_swap` (oracle checks, volatility update, mid guard) then the
//! `homeostat-math` quote run exactly as in the program. If nothing changes between the
//! quote and the transaction, the swap executes those amounts to the atom. A swap the
//! program would refuse (stale or too uncertain oracle, paused pool, inventory cap, trade
//! size, liquidity) is an `Err` naming the program's error, never a quote.
//!
//! A pool in prop-AMM mode (a quoter pushing prices into the pool account) needs nothing
//! more: the quoter's price, offsets and expiry slot are pool state, so a quote prices at
//! the quoter's price while it is unexpired at the router's slot and within its band of
//! Pyth, and otherwise falls back to Pyth or refuses (`QuoteUnavailable`) as the program
//! does. Jupiter's `FeeMode` does not change a quote: see [`HomeostatAmm::quote`].
//!
//! Accounts to refresh: the pool, its two vaults, its oracle account(s) and the clock
//! sysvar. The oracle accounts default to Pyth's sponsored push feeds (shard 0) of the
//! pool's feed ids; a market's `params` may name others: `{"oracle": "<address>",
//! "quote_oracle": "<address>"}`. docs/integration.md is the integrator's guide.

use std::collections::HashSet;

use anchor_lang::prelude::Pubkey;
use anchor_lang::ToAccountMetas;
use anyhow::{anyhow, bail, Context, Result};
use homeostat::oracle::PriceUpdate;
use homeostat::state::Pool;
use homeostat_math::{BaseAtoms, Direction, QuoteAtoms, Reserves};
pub use homeostat_sdk::accounts::CLOCK_SYSVAR;
use homeostat_sdk::accounts::{
    clock_slot, clock_unix_timestamp, decode_pool, decode_price_update, token_amount,
};
use homeostat_sdk::instructions::{swap_accounts, Oracles, UserAccounts};
use homeostat_sdk::pda::{pyth_push_feed, PoolAddresses};
use homeostat_sdk::quote::PoolSnapshot;
use jupiter_amm_interface::{
    AccountMap, Amm, AmmContext, ClockRef, FeeMode, KeyedAccount, Quote, QuoteParams, Swap,
    SwapAndAccountMetas, SwapMode, SwapParams,
};
use rust_decimal::Decimal;
use solana_account::Account;

/// The label routes show.
pub const LABEL: &str = "Homeostat";

/// The `Swap` variant reported with the account metas. Jupiter's router dispatches on one
/// variant per listed venue and adds it to the interface when it lists one; Homeostat has
/// none yet, so this is the interface's closest shape — an oracle-priced venue told only
/// the side — and is the one line to change at listing. The account metas and the amounts
/// are what the program reads.
pub fn swap_variant(direction: Direction) -> Swap {
    Swap::HumidiFi {
        swap_id: 0,
        is_base_to_quote: direction == Direction::BaseToQuote,
    }
}

/// What `update` refreshes beyond the pool account.
#[derive(Clone, Copy, Debug)]
struct Market {
    vaults: Reserves,
    oracle: PriceUpdate,
    quote_oracle: Option<PriceUpdate>,
    /// The price-update accounts' owners (Pyth receivers): the pool says which it trusts
    /// at the quote's time.
    oracle_owners: (Pubkey, Option<Pubkey>),
    /// The vaults' owners: the mints' token programs.
    base_token_program: Pubkey,
    quote_token_program: Pubkey,
    /// The clock sysvar's `unix_timestamp` and slot, when it was among the accounts.
    clock: Option<(i64, u64)>,
}

/// A Homeostat pool as a Jupiter [`Amm`].
#[derive(Clone)]
pub struct HomeostatAmm {
    key: Pubkey,
    pool: Pool,
    oracles: Oracles,
    clock: ClockRef,
    market: Option<Market>,
}

impl HomeostatAmm {
    /// The oracle accounts the pool reads: `params` if it names them, else Pyth's
    /// sponsored push feeds of the pool's feed ids.
    fn oracles(pool: &Pool, params: Option<&serde_json::Value>) -> Result<Oracles> {
        let named = |field: &str| -> Result<Option<Pubkey>> {
            params
                .and_then(|params| params.get(field))
                .map(|value| {
                    value
                        .as_str()
                        .and_then(|text| text.parse().ok())
                        .ok_or_else(|| anyhow!("params.{field}: expected a base-58 address"))
                })
                .transpose()
        };
        if let Some(object) = params.and_then(|params| params.as_object()) {
            if let Some(unknown) = object
                .keys()
                .find(|key| !matches!(key.as_str(), "oracle" | "quote_oracle"))
            {
                bail!("params.{unknown}: unknown field (expected oracle, quote_oracle)");
            }
        }
        let quote_oracle = match named("quote_oracle")? {
            Some(_) if !pool.has_quote_feed() => {
                bail!("params.quote_oracle: this pool has one feed, it reads no quote oracle")
            }
            Some(address) => Some(address),
            None => pool
                .has_quote_feed()
                .then(|| pyth_push_feed(0, &pool.quote_feed_id)),
        };
        Ok(Oracles {
            oracle: named("oracle")?.unwrap_or_else(|| pyth_push_feed(0, &pool.feed_id)),
            quote_oracle,
        })
    }

    fn market(&self) -> Result<&Market> {
        self.market
            .as_ref()
            .ok_or_else(|| anyhow!("pool {}: call update before quoting", self.key))
    }

    /// Everything the swap is priced from, at the router's clock (or the clock sysvar's
    /// when the router's is unset).
    fn snapshot(&self) -> Result<PoolSnapshot> {
        let market = self.market()?;
        let router_time = self
            .clock
            .unix_timestamp
            .load(std::sync::atomic::Ordering::Relaxed);
        let router_slot = self.clock.slot.load(std::sync::atomic::Ordering::Relaxed);
        let (now, slot) = match (router_time, market.clock) {
            (time, _) if time > 0 => (time, router_slot),
            (_, Some(clock)) => clock,
            _ => bail!(
                "pool {}: no clock (AmmContext unset, sysvar not refreshed)",
                self.key
            ),
        };
        let (oracle_owner, quote_oracle_owner) = market.oracle_owners;
        for owner in std::iter::once(oracle_owner).chain(quote_oracle_owner) {
            self.pool
                .check_oracle_owner(&owner, now)
                .map_err(|error| sdk(error.into()))?;
        }
        Ok(PoolSnapshot {
            pool: self.pool,
            base_vault: market.vaults.base,
            quote_vault: market.vaults.quote,
            oracle: market.oracle,
            quote_oracle: market.quote_oracle,
            now,
            slot,
        })
    }

    /// The direction of a trade from `input` to `output`, which must be the pool's pair.
    fn direction(&self, input: &Pubkey, output: &Pubkey) -> Result<Direction> {
        let (base, quote) = (self.pool.base_mint, self.pool.quote_mint);
        match (*input, *output) {
            (i, o) if i == base && o == quote => Ok(Direction::BaseToQuote),
            (i, o) if i == quote && o == base => Ok(Direction::QuoteToBase),
            _ => bail!(
                "pool {} trades {base} and {quote}, not {input} for {output}",
                self.key
            ),
        }
    }

    fn addresses(&self) -> Result<PoolAddresses> {
        let market = self.market()?;
        let addresses = PoolAddresses::derive(
            self.pool.config,
            self.pool.base_mint,
            self.pool.quote_mint,
            self.pool.pool_index,
            market.base_token_program,
            market.quote_token_program,
        );
        if addresses.pool != self.key {
            bail!("{} is not the pool its own seeds derive", self.key);
        }
        Ok(addresses)
    }
}

fn account<'a>(accounts: &'a AccountMap, address: &Pubkey, what: &str) -> Result<&'a Account> {
    accounts
        .get(address)
        .with_context(|| format!("{what} {address} was not refreshed"))
}

fn sdk(error: homeostat_sdk::SdkError) -> anyhow::Error {
    anyhow!("{error}")
}

impl Amm for HomeostatAmm {
    fn from_keyed_account(keyed_account: &KeyedAccount, amm_context: &AmmContext) -> Result<Self>
    where
        Self: Sized,
    {
        let pool =
            decode_pool(&keyed_account.account.owner, &keyed_account.account.data).map_err(sdk)?;
        Ok(Self {
            key: keyed_account.key,
            oracles: Self::oracles(&pool, keyed_account.params.as_ref())?,
            pool,
            clock: amm_context.clock_ref.clone(),
            market: None,
        })
    }

    fn label(&self) -> String {
        LABEL.into()
    }

    fn program_id(&self) -> Pubkey {
        homeostat::ID
    }

    fn key(&self) -> Pubkey {
        self.key
    }

    fn get_reserve_mints(&self) -> Vec<Pubkey> {
        vec![self.pool.base_mint, self.pool.quote_mint]
    }

    fn get_accounts_to_update(&self) -> Vec<Pubkey> {
        let mut accounts = vec![
            self.key,
            self.pool.base_vault,
            self.pool.quote_vault,
            self.oracles.oracle,
        ];
        accounts.extend(self.oracles.quote_oracle);
        accounts.push(CLOCK_SYSVAR);
        accounts
    }

    fn update(&mut self, account_map: &AccountMap) -> Result<()> {
        let pool = account(account_map, &self.key, "pool")?;
        let pool = decode_pool(&pool.owner, &pool.data).map_err(sdk)?;
        let vault = |address: &Pubkey, what: &str| -> Result<(u64, Pubkey)> {
            let vault = account(account_map, address, what)?;
            Ok((token_amount(&vault.data).map_err(sdk)?, vault.owner))
        };
        let (base_vault, base_token_program) = vault(&pool.base_vault, "base vault")?;
        let (quote_vault, quote_token_program) = vault(&pool.quote_vault, "quote vault")?;
        let price = |address: &Pubkey, what: &str| -> Result<(PriceUpdate, Pubkey)> {
            let oracle = account(account_map, address, what)?;
            let update = decode_price_update(&oracle.owner, &oracle.data).map_err(sdk)?;
            Ok((update, oracle.owner))
        };
        let (oracle, oracle_owner) = price(&self.oracles.oracle, "oracle")?;
        let quote_oracle = self
            .oracles
            .quote_oracle
            .map(|address| price(&address, "quote oracle"))
            .transpose()?;
        let quote_oracle_owner = quote_oracle.map(|(_, owner)| owner);
        let quote_oracle = quote_oracle.map(|(update, _)| update);
        let clock = account_map.get(&CLOCK_SYSVAR).and_then(|clock| {
            Some((
                clock_unix_timestamp(&clock.data).ok()?,
                clock_slot(&clock.data).ok()?,
            ))
        });
        self.pool = pool;
        self.market = Some(Market {
            vaults: Reserves {
                base: BaseAtoms::new(base_vault),
                quote: QuoteAtoms::new(quote_vault),
            },
            oracle,
            quote_oracle,
            oracle_owners: (oracle_owner, quote_oracle_owner),
            base_token_program,
            quote_token_program,
            clock,
        });
        Ok(())
    }

    /// The program's amounts for `quote_params`, under either `fee_mode`.
    ///
    /// Jupiter quotes with `FeeMode::Ultra` for a transaction its Ultra API builds and
    /// co-signs, so that a venue whose program prices that flow apart (by the co-signer)
    /// quotes the branch it will execute. Homeostat's program has one fee schedule and reads
    /// no signer but the trader: an Ultra swap executes, and so quotes, exactly what a
    /// Normal one does (Ultra's own fee is the router's, outside this leg).
    fn quote(&self, quote_params: &QuoteParams) -> Result<Quote> {
        // Exhaustive on purpose: a mode the interface adds is a decision, not a default.
        match quote_params.fee_mode {
            FeeMode::Normal | FeeMode::Ultra => {}
        }
        let direction = self.direction(&quote_params.input_mint, &quote_params.output_mint)?;
        let snapshot = self.snapshot()?;
        let quote = match quote_params.swap_mode {
            SwapMode::ExactIn => snapshot.quote_exact_in(direction, quote_params.amount),
            SwapMode::ExactOut => snapshot.quote_exact_out(direction, quote_params.amount),
        }
        .map_err(sdk)?;
        Ok(Quote {
            in_amount: quote.amount_in,
            out_amount: quote.amount_out,
            fee_amount: quote.fee.total,
            // The fee is taken from the input.
            fee_mint: quote_params.input_mint,
            fee_pct: Decimal::new(i64::from(self.pool.params.fee_bps), 4),
        })
    }

    fn get_swap_and_account_metas(&self, swap_params: &SwapParams) -> Result<SwapAndAccountMetas> {
        let direction = self.direction(&swap_params.source_mint, &swap_params.destination_mint)?;
        let (base, quote) = match direction {
            Direction::BaseToQuote => (
                swap_params.source_token_account,
                swap_params.destination_token_account,
            ),
            Direction::QuoteToBase => (
                swap_params.destination_token_account,
                swap_params.source_token_account,
            ),
        };
        let user = UserAccounts {
            owner: swap_params.token_transfer_authority,
            base,
            quote,
            lp: Pubkey::default(),
        };
        let accounts = swap_accounts(&self.addresses()?, self.oracles, &user);
        Ok(SwapAndAccountMetas {
            swap: swap_variant(direction),
            account_metas: accounts.to_account_metas(None),
        })
    }

    fn supports_exact_out(&self) -> bool {
        true
    }

    fn clone_amm(&self) -> Box<dyn Amm + Send + Sync> {
        Box::new(self.clone())
    }

    fn get_accounts_len(&self) -> usize {
        // Trader, pool, oracle, quote oracle (the program id when absent), two mints, two
        // vaults, two trader accounts, two token programs, event authority, program.
        14
    }

    fn underlying_liquidities(&self) -> Option<HashSet<Pubkey>> {
        Some(HashSet::from([self.key]))
    }

    fn is_active(&self) -> bool {
        !self.pool.is_paused()
    }
}

#[cfg(test)]
mod tests;
