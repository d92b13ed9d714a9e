//! `homeostat localnet --validator`: the demo world `homeostat localnet` builds in process,
//! built instead on Agave's `solana-test-validator` running the SBF build of the program —
//! a real cluster's blockhashes, fees, confirmation, logs and RPC. The world's accounts
//! that no program creates are preloaded (`--account`): the funded admin, keeper and
//! wallet, the Pyth price-update account and the swap lookup table. The rest is sent as
//! transactions, as an operator would: the mints, the admin's config, the pool, the
//! liquidity, the wallet's tokens. The price moves through a stand-in for Pyth's receiver
//! (`homeostat-pyth-mock`, deployed at the receiver's address), called once a second.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anchor_lang::prelude::{Pubkey, Rent};
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token_2022::spl_token_2022;
use base64::Engine;
use homeostat::instructions::{DepositArgs, InitializePoolArgs};
use homeostat_localnet::{
    default_params, price_update, pyth_price, BASE_DECIMALS, FEED_ID, INITIAL_VARIANCE, ONE_BASE,
    ONE_QUOTE, QUOTE_DECIMALS, TOKEN,
};
use homeostat_sdk::instructions::{self as ix, UserAccounts};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::rpc::PoolClient;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::error::FileError;
use crate::localnet::{confidence, Config, Walk, World};

mod error;

pub use error::{SbfProgram, ValidatorError, WorldError};

/// The validator `tools/install-validator` installs; another version is refused, since
/// the world is only tested on this one.
pub const VALIDATOR_VERSION: &str = "3.1.12";
/// How long the validator may take to answer after it starts (~10 s on an idle 2-core
/// machine; a busy one takes several times that).
const START_TIMEOUT: Duration = Duration::from_secs(180);
/// Lamports the preloaded admin holds: rent for the mints, config, pool and token accounts,
/// and the price mover's fees (5 000 lamports a second: 100 SOL last about 230 days).
const ADMIN_LAMPORTS: u64 = 100 * 1_000_000_000;

/// A running `solana-test-validator`, killed when dropped.
struct Validator {
    child: Child,
    /// Its standard output and error (the reason when it stops early).
    output: PathBuf,
}

impl Drop for Validator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Validator {
    /// The validator's last lines of output, for an error message.
    fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.output).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

/// `name` on `PATH`, if it is there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// The installed `solana-test-validator`, or how to install it.
fn validator_binary() -> Result<PathBuf, ValidatorError> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .map(|home| home.join("bin").join("solana-test-validator"));
    let binary = on_path("solana-test-validator")
        .or(cargo_bin.filter(|path| path.is_file()))
        .ok_or(ValidatorError::NotInstalled)?;
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .map_err(FileError::at(&binary))?;
    let version = String::from_utf8_lossy(&version.stdout);
    if !version.contains(&format!("solana-test-validator {VALIDATOR_VERSION} ")) {
        return Err(ValidatorError::Version {
            found: version.trim().to_string(),
            binary,
        });
    }
    Ok(binary)
}

/// A loopback port nothing listens on now (the OS's choice), with `port + 1` free too
/// when `pair` (the validator's websocket is its RPC port + 1).
fn free_port(pair: bool) -> Result<u16, ValidatorError> {
    let bind = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port));
    for _ in 0..50 {
        let listener = bind(0).map_err(ValidatorError::Port)?;
        let port = listener.local_addr().map_err(ValidatorError::Port)?.port();
        if !pair || port.checked_add(1).is_some_and(|next| bind(next).is_ok()) {
            return Ok(port);
        }
    }
    Err(ValidatorError::NoAdjacentPorts)
}

/// An account the validator starts with.
struct Preloaded {
    address: Pubkey,
    lamports: u64,
    owner: Pubkey,
    data: Vec<u8>,
}

impl Preloaded {
    /// Its file as `solana-test-validator --account` reads it (`solana account --output
    /// json`'s format), written into `dir`.
    fn write(&self, dir: &Path) -> Result<PathBuf, FileError> {
        let path = dir.join(format!("{}.json", self.address));
        let account = json!({
            "pubkey": self.address.to_string(),
            "account": {
                "lamports": self.lamports,
                "data": [base64::engine::general_purpose::STANDARD.encode(&self.data), "base64"],
                "owner": self.owner.to_string(),
                "executable": false,
                "rentEpoch": 0,
                "space": self.data.len(),
            },
        });
        std::fs::write(&path, account.to_string()).map_err(FileError::at(&path))?;
        Ok(path)
    }
}

/// A compiled program in `sbf_dir`, or how to build it.
fn program_file(sbf_dir: &Path, program: SbfProgram) -> Result<PathBuf, ValidatorError> {
    let path = sbf_dir.join(match program {
        SbfProgram::Homeostat => "homeostat.so",
        SbfProgram::PythMock => "homeostat_pyth_mock.so",
    });
    if path.is_file() {
        Ok(path)
    } else {
        Err(ValidatorError::MissingProgram { path, program })
    }
}

/// The world's keys, chosen before the validator starts so its preloaded accounts can
/// name them.
struct Keys {
    admin: Keypair,
    keeper: Keypair,
    wallet: Keypair,
    base_mint: Keypair,
    quote_mint: Keypair,
    oracle: Pubkey,
    lookup_table: Pubkey,
    pool: PoolAddresses,
}

impl Keys {
    fn new() -> Self {
        let admin = Keypair::new();
        let (base_mint, quote_mint) = (Keypair::new(), Keypair::new());
        let pool = PoolAddresses::derive(
            homeostat_sdk::pda::config(&admin.pubkey()),
            base_mint.pubkey(),
            quote_mint.pubkey(),
            0,
            TOKEN,
            TOKEN,
        );
        Self {
            admin,
            keeper: Keypair::new(),
            wallet: Keypair::new(),
            base_mint,
            quote_mint,
            oracle: Keypair::new().pubkey(),
            lookup_table: Keypair::new().pubkey(),
            pool,
        }
    }

    /// The accounts no program creates: the three funded signers, the oracle (the admin is
    /// its write authority) and the lookup table of a swap's accounts.
    fn preloaded(&self, config: &Config, now: i64) -> Result<Vec<Preloaded>, ValidatorError> {
        use solana_address_lookup_table_interface::state::{AddressLookupTable, LookupTableMeta};
        let update = homeostat::oracle::PriceUpdate {
            write_authority: self.admin.pubkey(),
            ..price_update(pyth_price(config.price), confidence(config.price), now)
        };
        let table = AddressLookupTable {
            meta: LookupTableMeta::new(self.admin.pubkey()),
            addresses: ix::swap_lookup_addresses(&self.pool, self.oracle).into(),
        }
        .serialize_for_tests()
        .map_err(|error| ValidatorError::LookupTable(error.into()))?;
        let signer = |address: Pubkey, lamports: u64| Preloaded {
            address,
            lamports,
            owner: anchor_lang::system_program::ID,
            data: Vec::new(),
        };
        let owned = |address: Pubkey, owner: Pubkey, data: Vec<u8>| Preloaded {
            address,
            lamports: Rent::default().minimum_balance(data.len()),
            owner,
            data,
        };
        Ok(vec![
            signer(self.admin.pubkey(), ADMIN_LAMPORTS),
            signer(self.keeper.pubkey(), 1_000_000_000),
            signer(self.wallet.pubkey(), 10 * 1_000_000_000),
            owned(self.oracle, homeostat_pyth_mock::ID, update.encode()),
            owned(
                self.lookup_table,
                solana_address_lookup_table_interface::program::ID,
                table,
            ),
        ])
    }
}

/// What the validator runs: its binary and the two programs' SBF builds.
struct Binaries {
    validator: PathBuf,
    program: PathBuf,
    mock: PathBuf,
}

impl Binaries {
    /// Finds all three, or says which is missing and how to get it.
    fn find(sbf_dir: &Path) -> Result<Self, ValidatorError> {
        Ok(Self {
            validator: validator_binary()?,
            program: program_file(sbf_dir, SbfProgram::Homeostat)?,
            mock: program_file(sbf_dir, SbfProgram::PythMock)?,
        })
    }
}

/// Starts the validator on `rpc_port` (its websocket on the next port) with both programs
/// and the preloaded accounts; its ledger and output go under `folder`.
fn start_validator(
    folder: &Path,
    binaries: &Binaries,
    rpc_port: u16,
    accounts: &[Preloaded],
    accounts_dir: &Path,
) -> Result<Validator, ValidatorError> {
    let Binaries {
        validator: binary,
        program,
        mock,
    } = binaries;
    let output = folder.join("validator.log");
    let log = File::create(&output).map_err(FileError::at(&output))?;
    let log_err = log.try_clone().map_err(FileError::at(&output))?;
    // The validator must not outlive this process however it ends (a test's SIGKILL
    // included): `setpriv --pdeathsig` has the kernel kill it when its parent dies.
    let mut command = match on_path("setpriv") {
        Some(setpriv) => {
            let mut command = Command::new(setpriv);
            command.args(["--pdeathsig", "KILL", "--"]).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .arg("--ledger")
        .arg(folder.join("validator-ledger"))
        .args(["--reset", "--bind-address", "127.0.0.1"])
        .args(["--rpc-port", &rpc_port.to_string()])
        .args(["--faucet-port", &free_port(false)?.to_string()])
        .args(["--gossip-port", &free_port(false)?.to_string()])
        .arg("--bpf-program")
        .arg(homeostat::ID.to_string())
        .arg(program)
        .arg("--bpf-program")
        .arg(homeostat_pyth_mock::ID.to_string())
        .arg(mock);
    for account in accounts {
        command
            .arg("--account")
            .arg(account.address.to_string())
            .arg(account.write(accounts_dir)?);
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(FileError::at(binary))?;
    Ok(Validator { child, output })
}

/// Waits until the validator process ends (checked every second), and says how.
async fn stopped(validator: &mut Validator) -> ValidatorError {
    loop {
        if let Ok(Some(status)) = validator.child.try_wait() {
            return ValidatorError::Stopped {
                status,
                log: validator.output.clone(),
                tail: validator.tail(),
            };
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The first slot whose transactions may call the programs of the validator's genesis.
const FIRST_USABLE_SLOT: u64 = 2;

/// Waits until the validator answers at `url` (its clock), or says why it did not.
async fn until_ready(validator: &mut Validator, client: &PoolClient) -> Result<(), ValidatorError> {
    let started = Instant::now();
    loop {
        if validator
            .child
            .try_wait()
            .is_ok_and(|status| status.is_some())
        {
            return Err(stopped(validator).await);
        }
        // Answering, with the program loaded, past the first slots: until then the
        // programs in its genesis (SPL Token among them) answer "Program is not deployed".
        if client
            .cluster_slot()
            .await
            .is_ok_and(|slot| slot >= FIRST_USABLE_SLOT)
            && matches!(client.exists(homeostat::ID).await, Ok(true))
        {
            return Ok(());
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(ValidatorError::Timeout {
                secs: START_TIMEOUT.as_secs(),
                log: validator.output.clone(),
                tail: validator.tail(),
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The mints, the admin's config, the pool and its liquidity, the wallet's tokens: sent as
/// transactions, each confirmed before the next.
async fn build(client: &PoolClient, keys: &Keys) -> Result<(), WorldError> {
    let admin = keys.admin.pubkey();
    let pool = &keys.pool;
    let space = spl_token_2022::state::Mint::LEN;
    let mut mints = Vec::new();
    for (mint, decimals) in [
        (&keys.base_mint, BASE_DECIMALS),
        (&keys.quote_mint, QUOTE_DECIMALS),
    ] {
        mints.push(system_instruction::create_account(
            &admin,
            &mint.pubkey(),
            Rent::default().minimum_balance(space),
            space as u64,
            &TOKEN,
        ));
        mints.push(spl_token_2022::instruction::initialize_mint2(
            &TOKEN,
            &mint.pubkey(),
            &admin,
            None,
            decimals,
        )?);
    }
    client
        .send(&mints, &[&keys.admin, &keys.base_mint, &keys.quote_mint])
        .await?;
    client
        .send(&[ix::initialize_config(admin, 0)], &[&keys.admin])
        .await?;
    let args = InitializePoolArgs {
        pool_index: 0,
        feed_id: FEED_ID,
        quote_feed_id: [0; 32],
        keeper: keys.keeper.pubkey(),
        initial_variance: INITIAL_VARIANCE,
        params: default_params(),
    };
    client
        .send(
            &[ix::initialize_pool(pool, admin, keys.oracle, args)],
            &[&keys.admin],
        )
        .await?;
    // The admin seeds the pool (1 000 / 150 000, as in process); the wallet gets 100 /
    // 15 000 in its associated token accounts, where the CLI looks.
    for (owner, base, quote) in [
        (admin, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE),
        (keys.wallet.pubkey(), 100 * ONE_BASE, 15_000 * ONE_QUOTE),
    ] {
        let user = UserAccounts::associated(pool, owner);
        let mut batch = ix::create_associated_accounts(pool, admin, owner);
        for (mint, account, amount) in [
            (pool.base_mint, user.base, base),
            (pool.quote_mint, user.quote, quote),
        ] {
            batch.push(spl_token_2022::instruction::mint_to(
                &TOKEN,
                &mint,
                &account,
                &admin,
                &[],
                amount,
            )?);
        }
        client.send(&batch, &[&keys.admin]).await?;
    }
    let deposit = DepositArgs {
        max_base: 1_000 * ONE_BASE,
        max_quote: 150_000 * ONE_QUOTE,
        min_shares: 1,
    };
    client
        .send(
            &[ix::deposit(
                pool,
                &UserAccounts::associated(pool, admin),
                deposit,
            )],
            &[&keys.admin],
        )
        .await?;
    Ok(())
}

/// Once a second, while the cluster's clock moves: the next price of `walk`, published at
/// the cluster's time through the receiver stand-in, signed by the admin (the account's
/// write authority). A failed publication is reported and the next one tried.
async fn move_price(client: PoolClient, admin: Keypair, oracle: Pubkey, mut walk: Walk) {
    let mut published = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let now = match client.cluster_time().await {
            Ok(now) if now > published => now,
            Ok(_) => continue,
            Err(error) => {
                eprintln!("localnet: the cluster's clock: {error}");
                continue;
            }
        };
        let price = walk.advance(if published == 0 { 0 } else { now - published });
        let update = homeostat::oracle::PriceUpdate {
            write_authority: admin.pubkey(),
            ..price_update(pyth_price(price), confidence(price), now)
        };
        let write = homeostat_pyth_mock::write(admin.pubkey(), oracle, update.encode());
        match client.send(&[write], &[&admin]).await {
            Ok(_) => published = now,
            Err(error) => eprintln!("localnet: publishing the price: {error}"),
        }
    }
}

/// Starts the validator, builds the world, prints it as one JSON line, then moves the
/// price until Ctrl-C or SIGTERM, and stops the validator.
pub async fn run(config: &Config, sbf_dir: &Path, now: i64) -> Result<(), ValidatorError> {
    // Everything it needs before any file is written.
    let binaries = Binaries::find(sbf_dir)?;
    let rpc_port = if config.port == 0 {
        free_port(true)?
    } else {
        config.port
    };
    let ws_port = rpc_port
        .checked_add(1)
        .ok_or(ValidatorError::NoWebsocketPort)?;
    let keys = Keys::new();
    let dir = config.folder.join("validator-accounts");
    std::fs::create_dir_all(&dir).map_err(FileError::at(&dir))?;
    let accounts = keys.preloaded(config, now)?;
    let mut validator = start_validator(&config.folder, &binaries, rpc_port, &accounts, &dir)?;
    let url = format!("http://127.0.0.1:{rpc_port}");
    let client = PoolClient::new(&url, keys.pool, keys.oracle);
    until_ready(&mut validator, &client).await?;
    // The price moves from now on (the pool's creation reads it), beside the building —
    // in this task: the SDK's signers are not `Sync`, so its sends cannot be spawned.
    let mover = move_price(
        PoolClient::new(&url, keys.pool, keys.oracle),
        keys.admin.insecure_clone(),
        keys.oracle,
        Walk::new(config),
    );
    tokio::pin!(mover);
    tokio::select! {
        built = build(&client, &keys) => built.map_err(|source| ValidatorError::Build {
            log: validator.output.clone(),
            source,
        })?,
        () = &mut mover => {}
    }
    let world = World {
        url,
        ws_url: format!("ws://127.0.0.1:{ws_port}"),
        pool: keys.pool,
        oracle: keys.oracle,
        lookup_table: keys.lookup_table,
        wallet: &keys.wallet,
        keeper: &keys.keeper,
        admin: &keys.admin,
    };
    let mut description = world.describe(&config.folder)?;
    description["ledger"] = json!(config.folder.join("validator-ledger"));
    println!("{description}");
    eprintln!(
        "localnet: solana-test-validator serving {} (log: {}) — the oracle publishes every \
         second; Ctrl-C stops it",
        world.url,
        validator.output.display()
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(ValidatorError::Signals)?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
        () = &mut mover => {}
        // A cluster that died is an error, not a localnet printing failed publications.
        reason = stopped(&mut validator) => return Err(reason),
    }
    drop(validator);
    Ok(())
}

#[cfg(test)]
mod tests;
