//! A new pool on the cluster: its mints and vaults, its parameters, its first deposit.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use homeostat::instructions::{DepositArgs, InitializePoolArgs};
use homeostat_sdk::instructions::{self, UserAccounts};
use homeostat_sdk::rpc::PoolClient;
use serde_json::json;
use solana_signer::Signer;

use super::{
    hex, parse_key, parse_oracles, sent_json, ClusterError, Holding, OracleKeys, Spend, Wallet,
};
use crate::pool_config::PoolConfig;

/// What `pool create` and `pool bootstrap` share: the parameters checked against the
/// program's bounds, the pair, and the pool's addresses under the wallet's config.
struct NewPool {
    client: PoolClient,
    config: Pubkey,
    admin: Pubkey,
    keeper: Pubkey,
    params: homeostat::PoolParams,
    initial_variance: i128,
    change_delay: u64,
    legacy_receiver_until: i64,
}

/// A new pool as typed: its mints, oracle accounts, index, keeper and parameter file.
pub struct PoolSpec<'a> {
    /// `--base-mint`, `--quote-mint`.
    pub mints: (&'a str, &'a str),
    /// `--oracle`, `--quote-oracle`.
    pub oracles: OracleKeys<'a>,
    /// `--index`.
    pub index: u16,
    /// `--keeper` (default: the wallet).
    pub keeper: Option<&'a str>,
    /// `--config`.
    pub config_path: &'a Path,
    /// `--change-delay`: the delay a config created now fixes.
    pub change_delay: u64,
    /// `--legacy-receiver-until`: the legacy Pyth receiver's sunset a config created now
    /// fixes.
    pub legacy_receiver_until: i64,
}

/// The pool `spec` describes; nothing is read but the mints.
async fn new_pool(wallet: &Wallet, spec: &PoolSpec<'_>) -> Result<NewPool, ClusterError> {
    let PoolSpec {
        mints,
        oracles,
        index,
        keeper,
        config_path,
        change_delay,
        legacy_receiver_until,
    } = *spec;
    if change_delay > homeostat::constants::MAX_CHANGE_DELAY {
        return Err(ClusterError::ChangeDelay {
            delay: change_delay,
            max: homeostat::constants::MAX_CHANGE_DELAY,
        });
    }
    let (params, initial_variance) = PoolConfig::read(config_path)?;
    let admin = wallet.keypair.pubkey();
    let keeper = keeper.map_or(Ok(admin), |key| parse_key("keeper", key))?;
    let (base_mint, quote_mint) = (
        parse_key("base-mint", mints.0)?,
        parse_key("quote-mint", mints.1)?,
    );
    if base_mint == quote_mint {
        return Err(ClusterError::SameMint);
    }
    // Pools live under the wallet's config: created with the pool if it does not exist.
    let config = homeostat_sdk::pda::config(&admin);
    let client = PoolClient::for_pair(
        &wallet.url,
        config,
        base_mint,
        quote_mint,
        index,
        parse_oracles(oracles)?,
    )
    .await?
    .with_landing(wallet.landing);
    Ok(NewPool {
        client,
        config,
        admin,
        keeper,
        params,
        initial_variance,
        change_delay,
        legacy_receiver_until,
    })
}

impl NewPool {
    /// `initialize_config` where the wallet has none, then `initialize_pool` with the
    /// oracle accounts' feeds.
    async fn instructions(
        &self,
    ) -> Result<Vec<anchor_lang::solana_program::instruction::Instruction>, ClusterError> {
        let client = &self.client;
        let feed_id = client.price_update().await?.feed_id;
        let quote_feed_id = client
            .quote_price_update()
            .await?
            .map_or([0; 32], |update| update.feed_id);
        let args = InitializePoolArgs {
            pool_index: client.addresses.index,
            feed_id,
            quote_feed_id,
            keeper: self.keeper,
            initial_variance: homeostat::StoredFixed::from_bits(self.initial_variance),
            params: self.params,
        };
        let mut batch = Vec::new();
        if !client.exists(self.config).await? {
            batch.push(instructions::initialize_config_with(
                self.admin,
                homeostat::instructions::InitializeConfigArgs {
                    change_delay: self.change_delay,
                    legacy_receiver_until: self.legacy_receiver_until,
                },
            ));
        }
        batch.push(instructions::initialize_pool(
            &client.addresses,
            self.admin,
            client.oracles,
            args,
        ));
        Ok(batch)
    }

    fn addresses_json(&self) -> serde_json::Value {
        let addresses = &self.client.addresses;
        json!({
            "pool": addresses.pool.to_string(),
            "config": self.config.to_string(),
            "base_vault": addresses.base_vault.to_string(),
            "quote_vault": addresses.quote_vault.to_string(),
            "lp_mint": addresses.lp_mint.to_string(),
            "admin": self.admin.to_string(),
            "keeper": self.keeper.to_string(),
        })
    }
}

/// `homeostat pool create`.
pub async fn create_pool(wallet: &Wallet, spec: &PoolSpec<'_>) -> Result<(), ClusterError> {
    let new = new_pool(wallet, spec).await?;
    let client = &new.client;
    if client.exists(client.addresses.pool).await? {
        return Err(ClusterError::PoolExists {
            pool: client.addresses.pool,
            index: spec.index,
        });
    }
    let feed_id = client.price_update().await?.feed_id;
    let batch = new.instructions().await?;
    let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
    let mut report = new.addresses_json();
    report["feed_id"] = json!(hex(&feed_id));
    report["sent"] = sent_json(&sent);
    crate::render::print(&report);
    Ok(())
}

/// `homeostat pool bootstrap`: the wallet's config, the pool and its seed liquidity, each
/// only where it is missing — run it again and nothing happens; `dry_run` prints the plan
/// and sends nothing. A pool that exists with other parameters is an error, not a change.
pub async fn bootstrap(
    wallet: &Wallet,
    spec: &PoolSpec<'_>,
    seed: (u64, u64),
    dry_run: bool,
) -> Result<(), ClusterError> {
    let new = new_pool(wallet, spec).await?;
    let config_path = spec.config_path;
    let client = &new.client;
    let owner = wallet.keypair.pubkey();
    let mut steps: Vec<(
        &str,
        Vec<anchor_lang::solana_program::instruction::Instruction>,
    )> = Vec::new();
    let exists = client.exists(client.addresses.pool).await?;
    let seeded = if exists {
        let liquidity = client.liquidity().await?;
        if bytemuck::bytes_of(&liquidity.pool.params) != bytemuck::bytes_of(&new.params) {
            return Err(ClusterError::OtherParams {
                pool: client.addresses.pool,
                path: config_path.to_path_buf(),
            });
        }
        liquidity.lp_supply > 0
    } else {
        steps.push(("create pool", new.instructions().await?));
        false
    };
    if !seeded && seed != (0, 0) {
        let user = UserAccounts::associated(&client.addresses, owner);
        for (needed, account, token) in [(seed.0, user.base, "base"), (seed.1, user.quote, "quote")]
        {
            let held = client.token_balance(account).await?.unwrap_or(0);
            Holding {
                token,
                account,
                held,
            }
            .covers(needed, Spend::Seed)?;
        }
        let mut batch = client.create_missing_accounts(owner, true).await?;
        batch.push(instructions::deposit(
            &client.addresses,
            &user,
            DepositArgs {
                max_base: seed.0,
                max_quote: seed.1,
                min_shares: 1,
            },
        ));
        steps.push(("seed liquidity", batch));
    }
    let mut report = new.addresses_json();
    report["dry_run"] = json!(dry_run);
    let mut done = Vec::new();
    for (name, batch) in &steps {
        if dry_run {
            done.push(json!({ "step": name }));
        } else {
            let sent = client.send_landed(batch, &[&wallet.keypair]).await?;
            done.push(json!({ "step": name, "sent": sent_json(&sent) }));
        }
    }
    report["steps"] = json!(done);
    crate::render::print(&report);
    Ok(())
}
