//! The command line: every command's arguments (clap), apart from what runs them.

use clap::{Parser, Subcommand};
use homeostat_keeper::solana_config::{SolanaConfig, SolanaConfigError};
use homeostat_sdk::cli_conventions::resolve_url;
use homeostat_sdk::cli_conventions::KeypairError;

use crate::cluster;

mod simulate;

pub(crate) use simulate::{AdversarialArgs, As2008Args, HourArgs, Market, SimulateArgs};

/// Homeostat: oracle-anchored, inventory-skewed liquidity pools on Solana.
///
/// Exit codes: 0 done, 1 failed (the error on stderr), 2 usage error (the command line
/// does not parse, or a value in it is out of range).
#[derive(Debug, Parser)]
#[command(name = "homeostat", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a simulation and print its report.
    ///
    /// Without a subcommand: the adversarial market, its flags given to `simulate` itself
    /// (`homeostat simulate --seeds 4` is `homeostat simulate adversarial --seeds 4`).
    Simulate(SimulateArgs),
    /// Pools on a cluster.
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Quote a trade on a cluster's pool, exactly as the program would execute it now.
    Quote(QuoteArgs),
    /// Swap on a cluster's pool: quote, then send with a slippage limit.
    Swap(SwapArgs),
    /// Deposit both tokens in the pool's proportions for LP shares.
    Deposit(DepositArgs),
    /// Burn LP shares for both tokens.
    Withdraw(WithdrawArgs),
    /// Estimate a pool's γ, A, k and σ from its own fills and prints, and propose (or
    /// apply) the bounded `update_params` change they imply (docs/calibration.md).
    Calibrate(Box<crate::calibrate::CalibrateArgs>),
    /// Serve the real program on the in-process runtime as a JSON-RPC endpoint on
    /// loopback, with a demo pool, a moving oracle and a funded wallet (printed as JSON).
    Localnet(LocalnetArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell), e.g.
    /// `homeostat completions bash > ~/.local/share/bash-completion/completions/homeostat`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct LocalnetArgs {
    /// Loopback port (0: any free one).
    #[arg(long, default_value_t = 8899)]
    pub(crate) port: u16,
    /// Folder for the wallet, keeper and admin keypair files.
    #[arg(long, default_value = ".homeostat-localnet")]
    pub(crate) folder: std::path::PathBuf,
    /// The oracle's starting price, quote per base.
    #[arg(long, default_value_t = 150.0)]
    pub(crate) price: f64,
    /// The oracle's move per second, relative (a random walk; 0: a fixed price).
    #[arg(long, default_value_t = 0.0002)]
    pub(crate) volatility: f64,
    /// Seed of the price path.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Run the world on Agave's `solana-test-validator` (installed by
    /// tools/install-validator) with the SBF builds of the program and of the Pyth receiver
    /// stand-in, instead of in process.
    #[arg(long)]
    pub(crate) validator: bool,
    /// Where `--validator` finds homeostat.so and homeostat_pyth_mock.so.
    #[arg(long, default_value = "target/deploy", requires = "validator")]
    pub(crate) sbf_dir: std::path::PathBuf,
}

/// The options every command takes, as the Solana CLI's: the cluster, the signer and the
/// commitment — each from its flag, its environment variable, the Solana CLI's
/// configuration file, then the default — and the output format.
#[derive(Debug, clap::Args)]
pub(crate) struct GlobalArgs {
    /// JSON-RPC URL, or a moniker: mainnet-beta (m), devnet (d), testnet (t), localhost (l)
    /// [default: the Solana CLI config's json_rpc_url, else localhost].
    #[arg(
        short = 'u',
        long,
        env = "HOMEOSTAT_URL",
        global = true,
        help_heading = "Global options"
    )]
    pub(crate) url: Option<String>,
    /// Keypair file (as `solana-keygen` writes it): pays fees and owns the token accounts
    /// used (the wallet's associated token accounts, created where missing) [default: the
    /// Solana CLI config's keypair_path, else ~/.config/solana/id.json].
    #[arg(
        short = 'k',
        long,
        env = "HOMEOSTAT_KEYPAIR",
        global = true,
        help_heading = "Global options"
    )]
    pub(crate) keypair: Option<String>,
    /// Wait until a transaction is processed, confirmed or finalized [default: the Solana
    /// CLI config's commitment, else confirmed].
    #[arg(
        long,
        env = "HOMEOSTAT_COMMITMENT",
        global = true,
        help_heading = "Global options"
    )]
    pub(crate) commitment: Option<homeostat_sdk::landing::Commitment>,
    /// The Solana CLI's configuration file, read for --url, --keypair and --commitment
    /// [default: ~/.config/solana/cli/config.yml, if it exists].
    #[arg(
        short = 'C',
        long,
        env = "HOMEOSTAT_SOLANA_CONFIG",
        global = true,
        help_heading = "Global options"
    )]
    pub(crate) solana_config: Option<std::path::PathBuf>,
    /// How results are printed: `display` (indented `name: value` lines), `json` (pretty)
    /// or `json-compact` (one line).
    #[arg(
        long,
        value_enum,
        env = "HOMEOSTAT_OUTPUT",
        default_value = "display",
        global = true,
        help_heading = "Global options"
    )]
    pub(crate) output: homeostat_keeper::output::Output,
}

/// Why the cluster's settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectionError {
    /// The Solana CLI's configuration file could not be read.
    #[error("{0}")]
    Config(#[from] SolanaConfigError),
    /// Its commitment is none of the levels.
    #[error("the Solana CLI config's commitment: {0}")]
    Commitment(#[source] homeostat_sdk::landing::InvalidCommitment),
}

/// The cluster, signer and commitment a command uses, resolved (see [`GlobalArgs`]).
#[derive(Debug)]
pub(crate) struct Connection {
    /// The JSON-RPC URL (monikers resolved).
    pub(crate) url: String,
    /// The keypair file.
    pub(crate) keypair: String,
    /// The commitment transactions are confirmed at.
    pub(crate) commitment: homeostat_sdk::landing::Commitment,
}

impl GlobalArgs {
    /// The flags over the Solana CLI's configuration over the defaults; an unreadable
    /// `--solana-config`, or a config file whose commitment does not parse, is an error.
    pub(crate) fn connection(&self) -> Result<Connection, ConnectionError> {
        let solana = SolanaConfig::load(self.solana_config.as_deref())?;
        let commitment = match (self.commitment, &solana.commitment) {
            (Some(commitment), _) => commitment,
            (None, Some(text)) => text.parse().map_err(ConnectionError::Commitment)?,
            (None, None) => homeostat_sdk::landing::Commitment::Confirmed,
        };
        let url = self
            .url
            .clone()
            .or(solana.json_rpc_url)
            .unwrap_or_else(|| "localhost".into());
        Ok(Connection {
            url: resolve_url(&url),
            keypair: self
                .keypair
                .clone()
                .or(solana.keypair_path)
                .unwrap_or_else(|| homeostat_sdk::cli_conventions::DEFAULT_KEYPAIR.into()),
            commitment,
        })
    }
}

/// How a signing command sends its transactions.
#[derive(Debug, clap::Args)]
pub(crate) struct WalletArgs {
    /// Compute-unit price (priority fee): micro-lamports per compute unit (e.g. 5000), or a
    /// percentile of what recent transactions writing the same accounts paid (p0 … p100).
    #[arg(long, env = "HOMEOSTAT_PRIORITY_FEE", default_value = "p50")]
    pub(crate) priority_fee: homeostat_sdk::landing::PriorityFee,
    /// The most micro-lamports per compute unit ever paid, whatever --priority-fee says.
    #[arg(long, env = "HOMEOSTAT_MAX_PRIORITY_FEE", default_value_t = 1_000_000)]
    pub(crate) max_priority_fee: u64,
}

impl WalletArgs {
    /// The wallet of `connection`, sending as these options say.
    pub(crate) fn open(&self, connection: &Connection) -> Result<cluster::Wallet, KeypairError> {
        let landing = homeostat_sdk::landing::Landing {
            priority_fee: self.priority_fee,
            max_priority_fee: self.max_priority_fee,
            commitment: connection.commitment,
            ..Default::default()
        };
        cluster::Wallet::open(&connection.url, &connection.keypair, landing)
    }
}

/// Where a pool lives.
#[derive(Debug, clap::Args)]
pub(crate) struct ClusterArgs {
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub(crate) pool: String,
    #[command(flatten)]
    pub(crate) oracles: OracleArgs,
}

/// The price-update accounts a pool reads.
#[derive(Debug, clap::Args)]
pub(crate) struct OracleArgs {
    /// The Pyth PriceUpdateV2 account for the pool's feed (base in quote, or base in USD
    /// for a two-feed pool).
    #[arg(long, env = "HOMEOSTAT_ORACLE")]
    pub(crate) oracle: String,
    /// For a pool priced by two feeds: the quote token's USD PriceUpdateV2 account.
    #[arg(long, env = "HOMEOSTAT_QUOTE_ORACLE")]
    pub(crate) quote_oracle: Option<String>,
    /// Refuse unless the pool lives under this authority's config (the pools a team or an
    /// aggregator vouches for; a stranger's pool on the same pair has another address).
    #[arg(long, env = "HOMEOSTAT_CONFIG_AUTHORITY")]
    pub(crate) config_authority: Option<String>,
}

impl OracleArgs {
    pub(crate) fn keys(&self) -> cluster::OracleKeys<'_> {
        cluster::OracleKeys {
            oracle: &self.oracle,
            quote_oracle: self.quote_oracle.as_deref(),
            config_authority: self.config_authority.as_deref(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum PoolCommand {
    /// Show a pool: parameters, reserves, oracle mid, current spread and skew, net delta.
    Show {
        #[command(flatten)]
        cluster: ClusterArgs,
        /// The same as `--output json-compact`.
        #[arg(long)]
        json: bool,
    },
    /// Create a pool (the wallet becomes its admin) with parameters from a TOML file
    /// (see examples/pool.toml); the oracle account names the Pyth feed.
    Create(CreateArgs),
    /// Go live, idempotently: the wallet's config, the pool from a TOML file and its seed
    /// liquidity — each only if missing (see migrations/README.md).
    Bootstrap(BootstrapArgs),
    /// Pause swaps and deposits (withdrawals keep working); immediate.
    Pause(AdminArgs),
    /// Resume swaps and deposits.
    Unpause(AdminArgs),
    /// Replace the parameters with a TOML file's (see examples/pool.toml): at once when
    /// they only tighten, else as a pending change that waits the config's delay.
    UpdateParams {
        #[command(flatten)]
        admin: AdminArgs,
        /// The pool configuration file.
        #[arg(long)]
        config: std::path::PathBuf,
    },
    /// Move the target: the pool should hold `--target-base` base atoms at its current
    /// depth (within 10 % per step, an hour apart, within the cap of the first target).
    Retarget {
        #[command(flatten)]
        admin: AdminArgs,
        /// Base atoms at the current depth.
        #[arg(long)]
        target_base: u64,
    },
    /// Apply the pending changes that are due.
    ApplyPending(AdminArgs),
    /// Withdraw every pending change.
    CancelPending(AdminArgs),
    /// Set the pool's keeper authority.
    SetKeeper {
        #[command(flatten)]
        admin: AdminArgs,
        /// The new keeper.
        #[arg(long)]
        keeper: String,
    },
    /// Name the key that may push prices (prop-AMM mode, docs/oracle.md); the default key
    /// (11111111111111111111111111111111) turns it off.
    SetQuoter {
        #[command(flatten)]
        admin: AdminArgs,
        /// The new quoter.
        #[arg(long)]
        quoter: String,
    },
    /// Name the Pyth Pro feed(s) whose signed updates may price the pool (docs/oracle.md);
    /// `--feed 0` stops it taking them.
    SetProFeeds {
        #[command(flatten)]
        admin: AdminArgs,
        /// Pyth Pro feed id of the pool's price (base/USD in a two-feed pool; e.g. 6 for
        /// SOL/USD), or 0.
        #[arg(long)]
        feed: u32,
        /// Pyth Pro quote/USD feed id, for a two-feed pool only (e.g. 7 for USDC/USD).
        #[arg(long, default_value_t = 0)]
        quote_feed: u32,
    },
    /// Propose a new admin (who then runs `accept-admin`).
    ProposeAdmin {
        #[command(flatten)]
        admin: AdminArgs,
        /// The proposed admin.
        #[arg(long)]
        new_admin: String,
    },
    /// Accept the admin role the pool proposed to the wallet.
    AcceptAdmin(AdminArgs),
    /// Pay the protocol fees owed to the wallet's associated token accounts.
    CollectFees(AdminArgs),
}

/// The wallet, the pool and `--dry-run`: every admin command's arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct AdminArgs {
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub(crate) pool: String,
    /// Print the change against the pool's current state; send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct BootstrapArgs {
    #[command(flatten)]
    pub(crate) pool: CreateArgs,
    /// Base atoms of the seed deposit (made only while the pool has no liquidity).
    #[arg(long, default_value_t = 0)]
    pub(crate) seed_base: u64,
    /// Quote atoms of the seed deposit.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed_quote: u64,
    /// Print the steps that would be sent, and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

impl CreateArgs {
    pub(crate) fn spec(&self) -> cluster::PoolSpec<'_> {
        cluster::PoolSpec {
            mints: (&self.base_mint, &self.quote_mint),
            oracles: cluster::OracleKeys {
                oracle: &self.oracle,
                quote_oracle: self.quote_oracle.as_deref(),
                config_authority: None,
            },
            index: self.index,
            keeper: self.keeper.as_deref(),
            config_path: &self.config,
            change_delay: self.change_delay,
            legacy_receiver_until: self.legacy_receiver_until,
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    /// Base mint (SPL Token or Token-2022).
    #[arg(long)]
    pub(crate) base_mint: String,
    /// Quote mint (SPL Token or Token-2022).
    #[arg(long)]
    pub(crate) quote_mint: String,
    /// The Pyth PriceUpdateV2 account pricing base in quote; its feed becomes the pool's.
    /// With `--quote-oracle`: base in USD, and the pool prices base in quote as the ratio
    /// of the two feeds (e.g. SOL/USD ÷ USDC/USD).
    #[arg(long)]
    pub(crate) oracle: String,
    /// The quote token's USD PriceUpdateV2 account: makes a two-feed pool.
    #[arg(long)]
    pub(crate) quote_oracle: Option<String>,
    /// Pool parameters, TOML (see examples/pool.toml).
    #[arg(long)]
    pub(crate) config: std::path::PathBuf,
    /// Distinguishes pools on the same pair.
    #[arg(long, default_value_t = 0)]
    pub(crate) index: u16,
    /// Keeper authority [default: the wallet].
    #[arg(long)]
    pub(crate) keeper: Option<String>,
    /// Seconds a change that loosens a pool's risk limits waits before it applies, fixed
    /// by the wallet's pool config when this command creates it (a config that exists
    /// keeps its own); 0 applies every change at once.
    #[arg(long, default_value_t = 86_400)]
    pub(crate) change_delay: u64,
    /// Unix time until which the pools of the wallet's config accept price updates owned by
    /// the legacy Pyth receiver (rec5EKM…), fixed when this command creates the config; 0:
    /// never — only today's receiver (docs/oracle.md, "Which receiver").
    #[arg(long, default_value_t = 0)]
    pub(crate) legacy_receiver_until: i64,
}

#[derive(Debug, clap::Args)]
pub(crate) struct TradeArgs {
    /// `sell` base for quote, or `buy` base with quote.
    #[arg(long)]
    pub(crate) side: String,
    /// Amount in atoms: the input (exact-in), or the output with `--exact-out` (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) amount: u64,
    /// Trade an exact output instead of an exact input.
    #[arg(long)]
    pub(crate) exact_out: bool,
    /// Slippage tolerance for the limit sent with the trade, basis points.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub(crate) slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SwapArgs {
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub(crate) pool: String,
    #[command(flatten)]
    pub(crate) oracles: OracleArgs,
    #[command(flatten)]
    pub(crate) trade: TradeArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DepositArgs {
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub(crate) pool: String,
    /// Most base atoms to deposit (exactly this on the first deposit).
    #[arg(long)]
    pub(crate) base: u64,
    /// Most quote atoms to deposit (exactly this on the first deposit).
    #[arg(long)]
    pub(crate) quote: u64,
    /// Slippage tolerance on the shares received, basis points.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub(crate) slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
pub(crate) struct WithdrawArgs {
    #[command(flatten)]
    pub(crate) wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pub(crate) pool: String,
    /// LP shares to burn [default: all the wallet holds].
    #[arg(long)]
    pub(crate) shares: Option<u64>,
    /// Slippage tolerance on the tokens received, basis points.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    pub(crate) slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
pub(crate) struct QuoteArgs {
    #[command(flatten)]
    pub(crate) cluster: ClusterArgs,
    #[command(flatten)]
    pub(crate) trade: TradeArgs,
}
