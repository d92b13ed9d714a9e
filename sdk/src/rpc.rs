//! A pool on a real cluster (feature `rpc`): fetch everything a quote needs in one
//! `getMultipleAccounts` call, and send transactions.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::accounts::{decode_pool, decode_price_update, token_amount};
use crate::pda::PoolAddresses;
use crate::quote::PoolSnapshot;
use crate::{Result, SdkError};

/// The clock sysvar's address.
const CLOCK_SYSVAR: Pubkey =
    anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// A pool on a cluster.
pub struct PoolClient {
    rpc: RpcClient,
    /// The pool's addresses.
    pub addresses: PoolAddresses,
    /// The oracle account swaps will pass.
    pub oracle: Pubkey,
}

fn rpc_error(error: impl std::fmt::Display) -> SdkError {
    SdkError::Rpc(error.to_string())
}

impl PoolClient {
    /// A client for `addresses` on the cluster at `url` (e.g. `https://api.devnet.solana.com`).
    pub fn new(url: &str, addresses: PoolAddresses, oracle: Pubkey) -> Self {
        Self {
            rpc: RpcClient::new(url.to_string()),
            addresses,
            oracle,
        }
    }

    /// Connects to the pool at `pool`: reads it (and its mints' owners, for the token
    /// programs) to learn every address instructions need.
    pub async fn connect(url: &str, pool: Pubkey, oracle: Pubkey) -> Result<Self> {
        let rpc = RpcClient::new(url.to_string());
        let fetched = rpc
            .get_multiple_accounts(&[pool])
            .await
            .map_err(rpc_error)?;
        let account = fetched
            .into_iter()
            .next()
            .flatten()
            .ok_or(SdkError::NotFound {
                account: "pool",
                address: pool.to_string(),
            })?;
        let state = decode_pool(&account.owner, &account.data)?;
        let mints = rpc
            .get_multiple_accounts(&[state.base_mint, state.quote_mint])
            .await
            .map_err(rpc_error)?;
        let owner = |index: usize, name: &'static str, address: Pubkey| {
            mints
                .get(index)
                .cloned()
                .flatten()
                .map(|mint| mint.owner)
                .ok_or(SdkError::NotFound {
                    account: name,
                    address: address.to_string(),
                })
        };
        let addresses = PoolAddresses {
            pool,
            base_mint: state.base_mint,
            quote_mint: state.quote_mint,
            base_vault: state.base_vault,
            quote_vault: state.quote_vault,
            lp_mint: state.lp_mint,
            base_token_program: owner(0, "base mint", state.base_mint)?,
            quote_token_program: owner(1, "quote mint", state.quote_mint)?,
        };
        Ok(Self {
            rpc,
            addresses,
            oracle,
        })
    }

    /// The pool, its vault balances, the oracle update and the cluster's clock, read in one
    /// request. Errors name what is wrong: a pool that does not exist, an account of the
    /// wrong owner or layout, an unreachable cluster.
    pub async fn snapshot(&self) -> Result<PoolSnapshot> {
        let keys = [
            self.addresses.pool,
            self.addresses.base_vault,
            self.addresses.quote_vault,
            self.oracle,
            CLOCK_SYSVAR,
        ];
        let accounts = self
            .rpc
            .get_multiple_accounts(&keys)
            .await
            .map_err(rpc_error)?;
        let mut accounts = accounts.into_iter();
        let mut next = |name: &'static str, address: Pubkey| {
            accounts.next().flatten().ok_or(SdkError::NotFound {
                account: name,
                address: address.to_string(),
            })
        };
        let pool_account = next("pool", self.addresses.pool)?;
        let pool = decode_pool(&pool_account.owner, &pool_account.data)?;
        if pool.base_vault != self.addresses.base_vault
            || pool.quote_vault != self.addresses.quote_vault
        {
            return Err(SdkError::WrongAccount {
                expected: "this pool's vaults",
                reason: "the pool names other vault accounts".into(),
            });
        }
        let base_vault = token_amount(&next("base vault", self.addresses.base_vault)?.data)?;
        let quote_vault = token_amount(&next("quote vault", self.addresses.quote_vault)?.data)?;
        let oracle_account = next("oracle", self.oracle)?;
        let oracle = decode_price_update(&oracle_account.owner, &oracle_account.data)?;
        let clock = next("clock sysvar", CLOCK_SYSVAR)?;
        // Clock: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp.
        let now = clock
            .data
            .get(32..40)
            .and_then(|bytes| bytes.try_into().ok())
            .map(i64::from_le_bytes)
            .ok_or_else(|| SdkError::WrongAccount {
                expected: "clock sysvar",
                reason: "short data".into(),
            })?;
        Ok(PoolSnapshot {
            pool,
            base_vault,
            quote_vault,
            oracle,
            now,
        })
    }

    /// Signs `instructions` with `signers` (the first pays) and sends them, waiting for
    /// confirmation. Returns the signature.
    pub async fn send(
        &self,
        instructions: &[Instruction],
        signers: &[&dyn Signer],
    ) -> Result<String> {
        let payer = signers
            .first()
            .ok_or_else(|| SdkError::Rpc("no signer to pay".into()))?;
        let blockhash = self.rpc.get_latest_blockhash().await.map_err(rpc_error)?;
        let transaction = Transaction::new_signed_with_payer(
            instructions,
            Some(&payer.pubkey()),
            signers,
            blockhash,
        );
        let signature = self
            .rpc
            .send_and_confirm_transaction(&transaction)
            .await
            .map_err(rpc_error)?;
        Ok(signature.to_string())
    }
}
