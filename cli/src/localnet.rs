//! `homeostat localnet`: the real program on the in-process runtime behind a loopback
//! JSON-RPC endpoint, preloaded with a demo world — two SPL mints, a Pyth `PriceUpdateV2`
//! account whose price follows a random walk, a GLFT pool with liquidity, a funded wallet
//! and the pool's keeper written to keypair files — so the cluster commands, the keeper
//! and third-party clients have something to talk to. Not a validator: no gossip, no
//! votes, one block per slot; docs/localnet.md says what it answers. With `--validator`
//! the same world on `solana-test-validator` instead (`crate::validator`).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anchor_lang::prelude::Pubkey;
use homeostat_localnet::rpc::{self, Options};
use homeostat_localnet::{price_update, pyth_price, Harness, ONE_BASE, ONE_QUOTE};
use homeostat_sdk::pda::PoolAddresses;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::error::FileError;
use crate::rng::Rng;
use crate::validator::ValidatorError;

/// Why `homeostat localnet` could not start.
#[derive(Debug, thiserror::Error)]
pub enum LocalnetError {
    /// `--price` that is no price.
    #[error("--price must be a positive number, not {0}")]
    Price(f64),
    /// `--volatility` below 0.
    #[error("--volatility must be 0 or more, not {0}")]
    Volatility(f64),
    /// The folder could not be created.
    #[error("{0}")]
    Folder(#[from] FileError),
    /// The folder's lock could not be taken.
    #[error("{0}")]
    Lock(#[from] homeostat_keeper::service::LockError),
    /// Another endpoint holds the folder.
    #[error(
        "{} is in use by another `homeostat localnet` (its lock {} is held)",
        folder.display(),
        lock.display()
    )]
    InUse {
        /// The folder.
        folder: PathBuf,
        /// Its lock file.
        lock: PathBuf,
    },
    /// The endpoint's port could not be bound.
    #[error("--port {port}: {source}")]
    Port {
        /// `--port`.
        port: u16,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A keypair file could not be written.
    #[error("{0}")]
    Keypair(#[from] WriteKeypairError),
    /// The world on `solana-test-validator` failed.
    #[error("{0}")]
    Validator(#[from] ValidatorError),
}

/// A keypair file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteKeypairError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: Box<dyn std::error::Error>,
}

/// What to start.
pub struct Config {
    /// Loopback port (0: any free one; the URL printed says which).
    pub port: u16,
    /// Folder for the keypair files.
    pub folder: PathBuf,
    /// The oracle's starting price, quote per base.
    pub price: f64,
    /// The price's volatility per √second, relative (0: a fixed price).
    pub volatility: f64,
    /// Seed of the price path.
    pub seed: u64,
    /// Where the SBF builds are, when the world runs on `solana-test-validator` (`None`:
    /// in process).
    pub validator: Option<PathBuf>,
}

fn write_keypair(
    keypair: &Keypair,
    folder: &Path,
    name: &str,
) -> Result<PathBuf, WriteKeypairError> {
    let path = folder.join(name);
    match solana_keypair::write_keypair_file(keypair, &path) {
        Ok(_) => Ok(path),
        Err(source) => Err(WriteKeypairError { path, source }),
    }
}

/// The oracle's confidence at `price`: 2 bp.
pub(crate) fn confidence(price: f64) -> i64 {
    pyth_price(price * 2e-4)
}

/// The oracle's price path: a binomial walk in the log price of ±`volatility` a second
/// from `price`.
pub(crate) struct Walk {
    price: f64,
    step: f64,
    rng: Rng,
}

impl Walk {
    pub(crate) fn new(config: &Config) -> Self {
        Self {
            price: config.price,
            step: (1.0 + config.volatility).ln(),
            rng: Rng::stream(config.seed, 0),
        }
    }

    /// The price `seconds` later.
    pub(crate) fn advance(&mut self, seconds: i64) -> f64 {
        for _ in 0..seconds {
            let step = if self.rng.coin() {
                self.step
            } else {
                -self.step
            };
            self.price *= step.exp();
        }
        self.price
    }
}

/// What either cluster prints once its world is built.
pub(crate) struct World<'a> {
    pub(crate) url: String,
    pub(crate) ws_url: String,
    pub(crate) pool: PoolAddresses,
    pub(crate) oracle: Pubkey,
    pub(crate) lookup_table: Pubkey,
    pub(crate) wallet: &'a Keypair,
    pub(crate) keeper: &'a Keypair,
    pub(crate) admin: &'a Keypair,
}

impl World<'_> {
    /// Writes the three keypair files into `folder` and returns the world's JSON line.
    pub(crate) fn describe(&self, folder: &Path) -> Result<serde_json::Value, WriteKeypairError> {
        let wallet_path = write_keypair(self.wallet, folder, "wallet.json")?;
        let keeper_path = write_keypair(self.keeper, folder, "keeper.json")?;
        let admin_path = write_keypair(self.admin, folder, "admin.json")?;
        let pool = &self.pool;
        Ok(json!({
            "url": self.url,
            "ws_url": self.ws_url,
            "program": homeostat::ID.to_string(),
            "pool": pool.pool.to_string(),
            "config": pool.config.to_string(),
            "base_mint": pool.base_mint.to_string(),
            "quote_mint": pool.quote_mint.to_string(),
            "oracle": self.oracle.to_string(),
            "lookup_table": self.lookup_table.to_string(),
            "wallet": {
                "keypair": wallet_path,
                "address": self.wallet.pubkey().to_string(),
                "base": 100 * ONE_BASE,
                "quote": 15_000 * ONE_QUOTE,
            },
            "keeper": { "keypair": keeper_path, "address": self.keeper.pubkey().to_string() },
            "admin": { "keypair": admin_path, "address": self.admin.pubkey().to_string() },
            "liquidity": { "base": 1_000 * ONE_BASE, "quote": 150_000 * ONE_QUOTE },
        }))
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Takes `folder`'s lock file (`.lock`) for the life of the process, or says which
/// endpoint holds it.
fn lock_folder(folder: &Path) -> Result<std::fs::File, LocalnetError> {
    let path = folder.join(".lock");
    homeostat_keeper::service::try_lock_file(&path)?.ok_or_else(|| LocalnetError::InUse {
        folder: folder.to_path_buf(),
        lock: path,
    })
}

/// Starts the world, prints it as one JSON line, then keeps the clock on wall time and
/// the endpoint's slot and the oracle publishing once a second until Ctrl-C.
pub async fn run(config: Config) -> Result<(), LocalnetError> {
    if !(config.price.is_finite() && config.price > 0.0) {
        return Err(LocalnetError::Price(config.price));
    }
    if !(config.volatility.is_finite() && config.volatility >= 0.0) {
        return Err(LocalnetError::Volatility(config.volatility));
    }
    std::fs::create_dir_all(&config.folder).map_err(FileError::at(&config.folder))?;
    // One endpoint per folder: a second one must not overwrite the first's keypairs. The
    // lock is the operating system's, released when the process ends however it ends.
    let _lock = lock_folder(&config.folder)?;
    if let Some(sbf_dir) = &config.validator {
        return Ok(crate::validator::run(&config, sbf_dir, unix_now()).await?);
    }
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    // From here on the cluster's clock is the wall clock, and the print is fresh.
    let now = unix_now();
    harness.set_time(now);
    harness.set_oracle(&price_update(
        pyth_price(config.price),
        confidence(config.price),
        now,
    ));
    // The wallet's tokens sit in its associated token accounts, where the CLI looks.
    let wallet = Keypair::new();
    harness.airdrop(&wallet.pubkey(), 10 * 1_000_000_000).await;
    let accounts = harness
        .fund_associated(&pool, &wallet.pubkey(), 100 * ONE_BASE, 15_000 * ONE_QUOTE)
        .await;
    // For v0 transactions.
    let lookup_table = harness.create_lookup_table(
        &homeostat_sdk::instructions::swap_lookup_addresses(&pool, harness.oracle),
    );
    // The port before any file: a busy one fails the start with the folder untouched.
    let endpoint = rpc::try_serve(
        &harness.context,
        Options {
            port: config.port,
            ..Options::default()
        },
    )
    .await
    .map_err(|source| LocalnetError::Port {
        port: config.port,
        source,
    })?;
    // The accounts the world was built with, for getProgramAccounts; the runtime's payer
    // pays airdrops.
    endpoint
        .watch([
            pool.pool,
            pool.config,
            pool.base_vault,
            pool.quote_vault,
            pool.lp_mint,
            lookup_table,
            pool.base_mint,
            pool.quote_mint,
            harness.oracle,
            accounts.base,
            accounts.quote,
            accounts.lp,
        ])
        .await;
    endpoint
        .set_faucet(harness.context.payer.insecure_clone())
        .await;
    let world = World {
        url: endpoint.url.clone(),
        ws_url: endpoint.ws_url.clone(),
        pool,
        oracle: harness.oracle,
        lookup_table,
        wallet: &wallet,
        keeper: &harness.keeper,
        admin: &harness.admin,
    };
    println!("{}", world.describe(&config.folder)?);
    eprintln!(
        "localnet: serving {} — the clock follows wall time and the oracle publishes every \
         second; Ctrl-C stops it",
        endpoint.url
    );
    keep_time(&mut harness, &endpoint, &config, now).await;
    Ok(())
}

/// Until Ctrl-C, every slot: the clock sysvar at wall time (from `now`) and the endpoint's
/// slot (`getSlot`), and once a second a new oracle price, a binomial walk in the log
/// price of ±`config.volatility` a second from `config.price`.
async fn keep_time(harness: &mut Harness, endpoint: &rpc::Endpoint, config: &Config, mut now: i64) {
    let mut walk = Walk::new(config);
    let mut tick = tokio::time::interval(Options::default().slot_duration);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => return,
        }
        let wall = unix_now();
        if wall > now {
            let price = walk.advance(wall - now);
            now = wall;
            harness.set_oracle(&price_update(pyth_price(price), confidence(price), now));
        }
        harness.set_clock(now, endpoint.slot());
    }
}
