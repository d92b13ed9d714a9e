//! `homeostat`: the simulator, and pool / LP / swap commands against any cluster.

mod admin;
mod adversarial;
mod as2008;
mod charts;
mod cluster;
mod localnet;
mod market;
mod numbers;
mod output;
mod pool_config;
mod replica;
mod rng;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use homeostat_sdk::cli_conventions::resolve_url;

/// Homeostat: oracle-anchored, inventory-skewed liquidity pools on Solana.
#[derive(Debug, Parser)]
#[command(name = "homeostat", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulation and print its report.
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
    /// Serve the real program on the in-process runtime as a JSON-RPC endpoint on
    /// loopback, with a demo pool, a moving oracle and a funded wallet (printed as JSON).
    Localnet(LocalnetArgs),
}

#[derive(Debug, clap::Args)]
struct LocalnetArgs {
    /// Loopback port (0: any free one).
    #[arg(long, default_value_t = 8899)]
    port: u16,
    /// Folder for the wallet, keeper and admin keypair files.
    #[arg(long, default_value = ".homeostat-localnet")]
    folder: std::path::PathBuf,
    /// The oracle's starting price, quote per base.
    #[arg(long, default_value_t = 150.0)]
    price: f64,
    /// The oracle's move per second, relative (a random walk; 0: a fixed price).
    #[arg(long, default_value_t = 0.0002)]
    volatility: f64,
    /// Seed of the price path.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The cluster: a JSON-RPC URL, or a moniker as in the Solana CLI.
#[derive(Debug, clap::Args)]
struct UrlArg {
    /// JSON-RPC URL, or a moniker: mainnet-beta (m), devnet (d), testnet (t), localhost (l).
    #[arg(short = 'u', long, env = "HOMEOSTAT_URL", default_value = "localhost")]
    url: String,
}

/// The cluster and the signer.
#[derive(Debug, clap::Args)]
struct WalletArgs {
    #[command(flatten)]
    url: UrlArg,
    /// Keypair file (as `solana-keygen` writes it): pays fees and owns the token accounts
    /// used (the wallet's associated token accounts, created where missing).
    #[arg(
        short = 'k',
        long,
        env = "HOMEOSTAT_KEYPAIR",
        default_value = homeostat_sdk::cli_conventions::DEFAULT_KEYPAIR
    )]
    keypair: String,
    /// Compute-unit price (priority fee): micro-lamports per compute unit (e.g. 5000), or a
    /// percentile of what recent transactions writing the same accounts paid (p0 … p100).
    #[arg(long, env = "HOMEOSTAT_PRIORITY_FEE", default_value = "p50")]
    priority_fee: homeostat_sdk::landing::PriorityFee,
    /// The most micro-lamports per compute unit ever paid, whatever --priority-fee says.
    #[arg(long, env = "HOMEOSTAT_MAX_PRIORITY_FEE", default_value_t = 1_000_000)]
    max_priority_fee: u64,
    /// Wait until the transaction is processed, confirmed or finalized.
    #[arg(long, env = "HOMEOSTAT_COMMITMENT", default_value = "confirmed")]
    commitment: homeostat_sdk::landing::Commitment,
}

impl WalletArgs {
    fn open(&self) -> Result<cluster::Wallet, String> {
        let landing = homeostat_sdk::landing::Landing {
            priority_fee: self.priority_fee,
            max_priority_fee: self.max_priority_fee,
            commitment: self.commitment,
            ..Default::default()
        };
        cluster::Wallet::open(&self.url.url, &self.keypair, landing)
    }
}

/// Where a pool lives.
#[derive(Debug, clap::Args)]
struct ClusterArgs {
    #[command(flatten)]
    url: UrlArg,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: String,
    #[command(flatten)]
    oracles: OracleArgs,
}

/// The price-update accounts a pool reads.
#[derive(Debug, clap::Args)]
struct OracleArgs {
    /// The Pyth PriceUpdateV2 account for the pool's feed (base in quote, or base in USD
    /// for a two-feed pool).
    #[arg(long, env = "HOMEOSTAT_ORACLE")]
    oracle: String,
    /// For a pool priced by two feeds: the quote token's USD PriceUpdateV2 account.
    #[arg(long, env = "HOMEOSTAT_QUOTE_ORACLE")]
    quote_oracle: Option<String>,
    /// Refuse unless the pool lives under this authority's config (the pools a team or an
    /// aggregator vouches for; a stranger's pool on the same pair has another address).
    #[arg(long, env = "HOMEOSTAT_CONFIG_AUTHORITY")]
    config_authority: Option<String>,
}

impl OracleArgs {
    fn keys(&self) -> cluster::OracleKeys<'_> {
        cluster::OracleKeys {
            oracle: &self.oracle,
            quote_oracle: self.quote_oracle.as_deref(),
            config_authority: self.config_authority.as_deref(),
        }
    }
}

#[derive(Debug, Subcommand)]
enum PoolCommand {
    /// Show a pool: parameters, reserves, oracle mid, current spread and skew, net delta.
    Show {
        #[command(flatten)]
        cluster: ClusterArgs,
        /// One-line JSON instead of pretty JSON.
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
struct AdminArgs {
    #[command(flatten)]
    wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: String,
    /// Print the change against the pool's current state; send nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
struct BootstrapArgs {
    #[command(flatten)]
    pool: CreateArgs,
    /// Base atoms of the seed deposit (made only while the pool has no liquidity).
    #[arg(long, default_value_t = 0)]
    seed_base: u64,
    /// Quote atoms of the seed deposit.
    #[arg(long, default_value_t = 0)]
    seed_quote: u64,
    /// Print the steps that would be sent, and send nothing.
    #[arg(long)]
    dry_run: bool,
}

impl CreateArgs {
    fn spec(&self) -> cluster::PoolSpec<'_> {
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
        }
    }
}

#[derive(Debug, clap::Args)]
struct CreateArgs {
    #[command(flatten)]
    wallet: WalletArgs,
    /// Base mint (SPL Token or Token-2022).
    #[arg(long)]
    base_mint: String,
    /// Quote mint (SPL Token or Token-2022).
    #[arg(long)]
    quote_mint: String,
    /// The Pyth PriceUpdateV2 account pricing base in quote; its feed becomes the pool's.
    /// With `--quote-oracle`: base in USD, and the pool prices base in quote as the ratio
    /// of the two feeds (e.g. SOL/USD ÷ USDC/USD).
    #[arg(long)]
    oracle: String,
    /// The quote token's USD PriceUpdateV2 account: makes a two-feed pool.
    #[arg(long)]
    quote_oracle: Option<String>,
    /// Pool parameters, TOML (see examples/pool.toml).
    #[arg(long)]
    config: std::path::PathBuf,
    /// Distinguishes pools on the same pair.
    #[arg(long, default_value_t = 0)]
    index: u16,
    /// Keeper authority [default: the wallet].
    #[arg(long)]
    keeper: Option<String>,
    /// Seconds a change that loosens a pool's risk limits waits before it applies, fixed
    /// by the wallet's pool config when this command creates it (a config that exists
    /// keeps its own); 0 applies every change at once.
    #[arg(long, default_value_t = 86_400)]
    change_delay: u64,
}

#[derive(Debug, clap::Args)]
struct TradeArgs {
    /// `sell` base for quote, or `buy` base with quote.
    #[arg(long)]
    side: String,
    /// Amount in atoms: the input (exact-in), or the output with `--exact-out` (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    amount: u64,
    /// Trade an exact output instead of an exact input.
    #[arg(long)]
    exact_out: bool,
    /// Slippage tolerance for the limit sent with the trade, basis points.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
struct SwapArgs {
    #[command(flatten)]
    wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: String,
    #[command(flatten)]
    oracles: OracleArgs,
    #[command(flatten)]
    trade: TradeArgs,
}

#[derive(Debug, clap::Args)]
struct DepositArgs {
    #[command(flatten)]
    wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: String,
    /// Most base atoms to deposit (exactly this on the first deposit).
    #[arg(long)]
    base: u64,
    /// Most quote atoms to deposit (exactly this on the first deposit).
    #[arg(long)]
    quote: u64,
    /// Slippage tolerance on the shares received, basis points.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
struct WithdrawArgs {
    #[command(flatten)]
    wallet: WalletArgs,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: String,
    /// LP shares to burn [default: all the wallet holds].
    #[arg(long)]
    shares: Option<u64>,
    /// Slippage tolerance on the tokens received, basis points.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(0..=10_000))]
    slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
struct QuoteArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    trade: TradeArgs,
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// Scenario to run. `adversarial` (default): the adversarial market — Homeostat pools
    /// (the program's state code and math crate) and constant-product baselines against an
    /// optimal arbitrageur every block, a lagging oracle, jumps and routed uninformed flow,
    /// over many seeds. `hour`: one hour of the real program on the in-process runtime with
    /// the keeper hedging, under captive flow. `as2008`: the experiment of Avellaneda &
    /// Stoikov (2008), section 4 (s=100, T=1, σ=2, dt=0.005, A=140, k=1.5), a Homeostat AS
    /// pool vs the symmetric strategy, on the math crate (or the program with --onchain). A
    /// path to a `.toml` file: an adversarial scenario with some fields changed (see
    /// scenarios/default.toml), or an hour scenario when it says `market = "hour"`.
    #[arg(long, default_value = "adversarial")]
    scenario: String,
    /// Seeds to run, from the scenario's seed (adversarial): each figure is reported as
    /// mean ± standard error over them.
    #[arg(long, default_value_t = 8)]
    seeds: u32,
    /// Threads the seeds run on (adversarial) [default: every core].
    #[arg(long)]
    threads: Option<usize>,
    /// Pools to run, comma-separated (adversarial): glft, cp, cp-dynamic, prop [default:
    /// the scenario's, all four].
    #[arg(long, value_delimiter = ',')]
    pools: Option<Vec<String>>,
    /// Run the Homeostat pools through the program on the in-process runtime, every trade
    /// a swap transaction, instead of its state code and the math crate; the results are
    /// identical. as2008: one pool per path, about half a second per path (try `--paths
    /// 20` first); adversarial: one seed at a time, a few seconds per simulated day.
    #[arg(long)]
    onchain: bool,
    /// Run as2008 as the paper's strategy: the pool's curve without the mid guard, with
    /// inventory counted as units held (math crate only; see docs/simulator.md).
    #[arg(long, conflicts_with = "onchain")]
    paper: bool,
    /// Risk aversion γ (as2008).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    gamma: f64,
    /// Number of simulated paths (as2008).
    #[arg(long, default_value_t = 1_000)]
    paths: u32,
    /// Random seed: the same seed reproduces the same results [default: the scenario's, or 1].
    #[arg(long)]
    seed: Option<u64>,
    /// Print exactly one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Simulated seconds per seed [default: the scenario's, 3600 for `adversarial` and
    /// `hour`].
    #[arg(long)]
    duration: Option<u32>,
    /// Folder for the output files: the hour's CSV time series and charts, a sweep's grid
    /// and heat maps (adversarial) or table and frontier chart (hour).
    #[arg(long, default_value = "out")]
    out: std::path::PathBuf,
    /// Run the scenario once per value of a field. Adversarial: give it twice for a grid
    /// (`--sweep oracle_latency_ms=0,500,1000 --sweep jumps_per_hour=0,0.5,2`): the LP
    /// result of each pool per cell (mean ± s.e.) and a heat map per pool. Hour: one field,
    /// same seed, one row per value and a frontier chart (`--sweep
    /// hedge_credit_bps=0,5000,10000`).
    #[arg(long, value_name = "FIELD=V1,V2,...")]
    sweep: Vec<String>,
    /// The pool figure an adversarial sweep shows in its grid and heat maps (any field of
    /// a pool in the JSON report, e.g. arbitrage_edge_usdc, lp_over_lvr, volume_share).
    #[arg(long, default_value = "lp_vs_hold_usdc")]
    figure: String,
}

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// `writeln!` into the report being built (a `String`: writing cannot fail); the report is
/// printed once with [`adversarial::command::emit`], which ends quietly on a closed pipe.
macro_rules! outln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Runs a cluster command on a fresh tokio runtime.
fn block_on(command: impl std::future::Future<Output = CommandResult>) -> CommandResult {
    tokio::runtime::Runtime::new()?.block_on(command)
}

/// An admin command as the wallet of `args`.
fn administer(args: &AdminArgs, change: admin::Change) -> CommandResult {
    let wallet = args.wallet.open()?;
    block_on(admin::run(&wallet, &args.pool, change, args.dry_run))
}

/// The runtime simulations run on: one thread, since the in-process bank answers every
/// request on the task that sends it — a worker pool only adds cross-thread wake-ups
/// (a third of a simulated hour's time on two cores).
fn simulation_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

fn trade(args: &TradeArgs) -> cluster::Trade<'_> {
    cluster::Trade {
        side: &args.side,
        amount: args.amount,
        exact_out: args.exact_out,
        slippage_bps: args.slippage_bps,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate(&args),
        Command::Pool(PoolCommand::Show { cluster, json }) => block_on(cluster::show(
            &resolve_url(&cluster.url.url),
            &cluster.pool,
            cluster.oracles.keys(),
            json,
        )),
        Command::Pool(PoolCommand::Create(args)) => args
            .wallet
            .open()
            .map_err(Into::into)
            .and_then(|wallet| block_on(cluster::create_pool(&wallet, &args.spec()))),
        Command::Pool(PoolCommand::Bootstrap(args)) => args
            .pool
            .wallet
            .open()
            .map_err(Into::into)
            .and_then(|wallet| {
                block_on(cluster::bootstrap(
                    &wallet,
                    &args.pool.spec(),
                    (args.seed_base, args.seed_quote),
                    args.dry_run,
                ))
            }),
        Command::Pool(PoolCommand::Pause(admin)) => administer(&admin, admin::Change::Pause),
        Command::Pool(PoolCommand::Unpause(admin)) => administer(&admin, admin::Change::Unpause),
        Command::Pool(PoolCommand::UpdateParams { admin, config }) => {
            administer(&admin, admin::Change::UpdateParams(config))
        }
        Command::Pool(PoolCommand::Retarget { admin, target_base }) => {
            administer(&admin, admin::Change::Retarget(target_base))
        }
        Command::Pool(PoolCommand::ApplyPending(admin)) => {
            administer(&admin, admin::Change::ApplyPending)
        }
        Command::Pool(PoolCommand::CancelPending(admin)) => {
            administer(&admin, admin::Change::CancelPending)
        }
        Command::Pool(PoolCommand::SetKeeper { admin, keeper }) => {
            administer(&admin, admin::Change::SetKeeper(keeper))
        }
        Command::Pool(PoolCommand::ProposeAdmin { admin, new_admin }) => {
            administer(&admin, admin::Change::ProposeAdmin(new_admin))
        }
        Command::Pool(PoolCommand::AcceptAdmin(admin)) => {
            administer(&admin, admin::Change::AcceptAdmin)
        }
        Command::Pool(PoolCommand::CollectFees(admin)) => {
            administer(&admin, admin::Change::CollectFees)
        }
        Command::Quote(args) => block_on(cluster::quote(
            &resolve_url(&args.cluster.url.url),
            &args.cluster.pool,
            args.cluster.oracles.keys(),
            trade(&args.trade),
        )),
        Command::Swap(args) => args.wallet.open().map_err(Into::into).and_then(|wallet| {
            block_on(cluster::swap(
                &wallet,
                &args.pool,
                args.oracles.keys(),
                trade(&args.trade),
            ))
        }),
        Command::Deposit(args) => args.wallet.open().map_err(Into::into).and_then(|wallet| {
            block_on(cluster::deposit(
                &wallet,
                &args.pool,
                args.base,
                args.quote,
                args.slippage_bps,
            ))
        }),
        Command::Localnet(args) => {
            tokio::runtime::Runtime::new()
                .map_err(Into::into)
                .and_then(|runtime| {
                    runtime.block_on(localnet::run(localnet::Config {
                        port: args.port,
                        folder: args.folder,
                        price: args.price,
                        volatility: args.volatility,
                        seed: args.seed,
                    }))
                })
        }
        Command::Withdraw(args) => args.wallet.open().map_err(Into::into).and_then(|wallet| {
            block_on(cluster::withdraw(
                &wallet,
                &args.pool,
                args.shares,
                args.slippage_bps,
            ))
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn simulate(args: &SimulateArgs) -> Result<(), Box<dyn std::error::Error>> {
    let hour_sweep = || match args.sweep.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.as_str())),
        _ => Err("--scenario hour sweeps one field"),
    };
    match args.scenario.as_str() {
        "as2008" if !args.sweep.is_empty() => {
            Err("--sweep applies to adversarial and hour scenarios (as2008 takes --gamma per run)".into())
        }
        "as2008" => simulate_as2008(args),
        _ if args.paper => Err("--paper applies to --scenario as2008".into()),
        "adversarial" => adversarial::command::simulate(&adversarial_options(args), adversarial::Scenario::default()),
        "hour" => simulate_market(args, market::Scenario::default(), hour_sweep()?),
        path if path.ends_with(".toml") => {
            let text = std::fs::read_to_string(path).map_err(|error| format!("{path}: {error}"))?;
            let hour = toml::from_str::<toml::Table>(&text)
                .ok()
                .and_then(|table| table.get("market").and_then(|v| v.as_str().map(String::from)));
            match hour.as_deref() {
                Some("hour") => {
                    let scenario = market::Scenario::from_toml(&text)
                        .map_err(|error| format!("{path}: {error}"))?;
                    // The hour's messages open with the field's name.
                    scenario.validate().map_err(|error| {
                        let field = error.split_whitespace().next().unwrap_or_default();
                        match adversarial::scenario::line_of(&text, field) {
                            Some(line) => format!("{path}: line {line}: {error}"),
                            None => format!("{path}: {error}"),
                        }
                    })?;
                    simulate_market(args, scenario, hour_sweep()?)
                }
                Some("adversarial") | None => {
                    let scenario = adversarial::Scenario::from_toml_checked(&text)
                        .map_err(|error| format!("{path}: {error}"))?;
                    adversarial::command::simulate(&adversarial_options(args), scenario)
                        .map_err(|error| format!("{path}: {error}").into())
                }
                Some(other) => Err(format!(
                    "{path}: market = \"{other}\" is not a market (adversarial or hour)"
                )
                .into()),
            }
        }
        other => Err(format!(
            "unknown scenario `{other}` (available: adversarial, hour, as2008, or a path to a .toml scenario)"
        )
        .into()),
    }
}

/// The adversarial command's options from the command line.
fn adversarial_options(args: &SimulateArgs) -> adversarial::command::Options {
    adversarial::command::Options {
        seeds: args.seeds,
        engine: if args.onchain {
            adversarial::Engine::Program
        } else {
            adversarial::Engine::Math
        },
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        seed: args.seed,
        duration: args.duration,
        pools: args.pools.clone(),
        json: args.json,
        out: args.out.clone(),
        sweeps: args.sweep.clone(),
        figure: args.figure.clone(),
    }
}

fn simulate_as2008(args: &SimulateArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = String::new();
    let engine = match (args.onchain, args.paper) {
        (true, _) => as2008::Engine::Program,
        (false, true) => as2008::Engine::Paper,
        (false, false) => as2008::Engine::Math,
    };
    let started = std::time::Instant::now();
    let bar = progress_bar(u64::from(args.paths), "paths")?;
    let config = as2008::Config {
        gamma: args.gamma,
        paths: args.paths,
        seed: args.seed.unwrap_or(1),
        engine,
    };
    let outcome = simulation_runtime()?.block_on(as2008::run(config, |done| {
        bar.set_position(u64::from(done))
    }))?;
    bar.finish_and_clear();
    if args.json {
        outln!(out, "{}", serde_json::to_string(&outcome.report)?);
    } else {
        print_as2008(&mut out, args, &outcome, started.elapsed());
    }
    adversarial::command::emit(&out)
}

/// A progress bar on stderr (hidden when stderr is not a terminal) counting `unit`s.
fn progress_bar(len: u64, unit: &str) -> Result<indicatif::ProgressBar, String> {
    let bar = indicatif::ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}} left)");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template).map_err(|error| error.to_string())?,
    );
    Ok(bar)
}

fn simulate_market(
    args: &SimulateArgs,
    mut scenario: market::Scenario,
    sweep: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    if args.onchain {
        return Err(
            "--onchain applies to adversarial and as2008 scenarios (hour always runs the program)"
                .into(),
        );
    }
    let mut out = String::new();
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(duration) = args.duration {
        scenario.duration_secs = duration;
    }
    scenario.validate()?;
    // Checked before the run, so an unwritable folder does not cost the report.
    adversarial::command::writable(&args.out)?;
    if let Some(sweep) = sweep {
        return sweep_market(args, &scenario, sweep);
    }
    let bar = progress_bar(u64::from(scenario.duration_secs), "simulated s")?;
    let runtime = simulation_runtime()?;
    let outcome = runtime.block_on(market::run(&scenario, |done| {
        bar.set_position(u64::from(done))
    }))?;
    bar.finish_and_clear();
    let files = output::write(&outcome, &args.out)?;
    if args.json {
        outln!(out, "{}", serde_json::to_string(&outcome)?);
        return adversarial::command::emit(&out);
    }
    outln!(
        out,
        "Market simulation — {} s, seed {}, GLFT pool vs constant-product baseline, same flow",
        scenario.duration_secs,
        scenario.seed
    );
    outln!(
        out,
        "{:<18} {:>7} {:>13} {:>10} {:>14} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "pool",
        "trades",
        "volume USDC",
        "fees USDC",
        "LP vs hold",
        "q mean",
        "q std",
        "|q| max",
        "at cap",
        "oracle ✗"
    );
    for pool in &outcome.pools {
        outln!(
 out,
            "{:<18} {:>7} {:>13.0} {:>10.2} {:>9.2} ({:>+4.1}bp) {:>9.2} {:>9.2} {:>8.2} {:>7.1}% {:>8}",
            pool.model,
            pool.trades,
            pool.volume_usdc,
            pool.fees_usdc,
            pool.lp_pnl_vs_hold_usdc,
            pool.lp_pnl_vs_hold_bps,
            pool.inventory_mean_sol,
            pool.inventory_std_sol,
            pool.inventory_max_sol,
            pool.time_at_cap * 100.0,
            pool.oracle_rejections
        );
    }
    if scenario.hedging {
        outln!(out);
        outln!(
            out,
            "Hedging: the keeper on the paper venue ({} bp fee, {} bp slippage), every {} s",
            scenario.venue_fee_bps,
            scenario.venue_slippage_bps,
            scenario.keeper_interval_secs
        );
        outln!(
            out,
            "{:<18} {:>7} {:>11} {:>11} {:>11} {:>15} {:>15} {:>7}",
            "pool",
            "hedges",
            "hedged SOL",
            "venue fees",
            "hedge P&L",
            "delta std b/a",
            "|delta| max b/a",
            "errors"
        );
        for pool in outcome
            .pools
            .iter()
            .filter(|pool| pool.hedges > 0 || pool.keeper_errors > 0)
        {
            outln!(
                out,
                "{:<18} {:>7} {:>11.2} {:>11.2} {:>11.2} {:>7.2}/{:<7.2} {:>7.2}/{:<7.2} {:>7}",
                pool.model,
                pool.hedges,
                pool.hedged_sol,
                pool.hedge_fees_usdc,
                pool.hedge_pnl_usdc,
                pool.inventory_std_sol,
                pool.net_delta_std_sol,
                pool.inventory_max_sol,
                pool.net_delta_max_sol,
                pool.keeper_errors
            );
        }
    }
    outln!(out);
    outln!(out, "P&L attribution, USDC: LP vs hold = spread + fees + inventory + protocol; trade markouts; the hedge owner's result");
    outln!(
        out,
        "{:<18} {:>10} {:>9} {:>10} {:>9} {:>11} {:>10} {:>10} {:>10} {:>12}",
        "pool",
        "spread",
        "fees",
        "inventory",
        "protocol",
        "LP vs hold",
        "mark 1s",
        "mark 10s",
        "mark 60s",
        "hedge owner"
    );
    for pool in &outcome.pools {
        let a = &pool.attribution;
        outln!(
            out,
            "{:<18} {:>10.2} {:>9.2} {:>10.2} {:>9.2} {:>11.2} {:>10.2} {:>10.2} {:>10.2} {:>12.2}",
            pool.model,
            a.spread_usdc,
            a.fees_usdc,
            a.inventory_usdc,
            a.protocol_usdc,
            pool.lp_pnl_vs_hold_usdc,
            a.markout_1s_usdc,
            a.markout_10s_usdc,
            a.markout_60s_usdc,
            a.hedge_owner_usdc
        );
    }
    outln!(out, "wrote {} to {}", files.join(", "), args.out.display());
    adversarial::command::emit(&out)
}

/// `scenario` with `field` set to `text`, parsed as the field's own type.
fn with_field(
    scenario: &market::Scenario,
    field: &str,
    text: &str,
) -> Result<market::Scenario, String> {
    let mut table = toml::Table::try_from(scenario).map_err(|error| error.to_string())?;
    let Some(current) = table.get(field) else {
        let fields: Vec<&String> = table.keys().collect();
        return Err(format!(
            "--sweep: `{field}` is not a scenario field (fields: {})",
            fields
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let bad = |kind: &str| format!("--sweep {field}: `{text}` is not {kind}");
    let value = match current {
        toml::Value::Integer(_) => {
            toml::Value::Integer(text.parse().map_err(|_| bad("an integer"))?)
        }
        toml::Value::Float(_) => toml::Value::Float(text.parse().map_err(|_| bad("a number"))?),
        toml::Value::Boolean(_) => {
            toml::Value::Boolean(text.parse().map_err(|_| bad("true or false"))?)
        }
        _ => toml::Value::String(text.to_string()),
    };
    table.insert(field.to_string(), value);
    let changed: market::Scenario = table
        .try_into()
        .map_err(|error| format!("--sweep: {error}"))?;
    changed
        .validate()
        .map_err(|error| format!("--sweep {field}={text}: {error}"))?;
    Ok(changed)
}

/// The sweep: the scenario once per value, one row each (the GLFT pool), or one JSON
/// object `{ "field", "runs": [{ "value", "pools" }] }`.
fn sweep_market(
    args: &SimulateArgs,
    scenario: &market::Scenario,
    sweep: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = String::new();
    let (field, values) = sweep
        .split_once('=')
        .ok_or("--sweep takes FIELD=V1,V2,... (e.g. hedge_credit_bps=0,5000,10000)")?;
    let values: Vec<&str> = values
        .split(',')
        .filter(|value| !value.is_empty())
        .collect();
    if values.is_empty() {
        return Err(format!("--sweep {field}: no values").into());
    }
    let scenarios = values
        .iter()
        .map(|value| with_field(scenario, field, value))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = simulation_runtime()?;
    let mut runs = Vec::new();
    for (value, scenario) in values.iter().zip(&scenarios) {
        let bar = progress_bar(u64::from(scenario.duration_secs), "simulated s")?;
        let outcome = runtime.block_on(market::run(scenario, |done| {
            bar.set_position(u64::from(done))
        }))?;
        bar.finish_and_clear();
        runs.push((value.to_string(), outcome));
    }
    let files = output::write_sweep(field, &runs, &args.out)?;
    if args.json {
        let runs: Vec<_> = runs
            .iter()
            .map(|(value, outcome)| serde_json::json!({ "value": value, "pools": outcome.pools }))
            .collect();
        outln!(
            out,
            "{}",
            serde_json::json!({ "field": field, "runs": runs })
        );
        return adversarial::command::emit(&out);
    }
    outln!(
        out,
        "Sweep of {field} — {} s, seed {}, the GLFT pool",
        scenario.duration_secs,
        scenario.seed
    );
    outln!(
        out,
        "{:>12} {:>7} {:>14} {:>11} {:>8} {:>8} {:>9} {:>8} {:>7} {:>10} {:>10}",
        field,
        "trades",
        "LP vs hold",
        "total cost",
        "q std",
        "|q| max",
        "net std",
        "in band",
        "hedges",
        "venue fees",
        "hedge P&L"
    );
    for (value, outcome) in &runs {
        let pool = &outcome.pools[0];
        outln!(
 out,
            "{:>12} {:>7} {:>14.2} {:>11.2} {:>8.2} {:>8.2} {:>9.2} {:>7.1}% {:>7} {:>10.2} {:>10.2}",
            value,
            pool.trades,
            pool.lp_pnl_vs_hold_usdc,
            output::frontier_point(pool).0,
            pool.inventory_std_sol,
            pool.inventory_max_sol,
            pool.net_delta_std_sol,
            pool.time_in_band * 100.0,
            pool.hedges,
            pool.hedge_fees_usdc,
            pool.hedge_pnl_usdc
        );
    }
    outln!(out, "wrote {} to {}", files.join(", "), args.out.display());
    adversarial::command::emit(&out)
}

fn print_as2008(
    out: &mut String,
    args: &SimulateArgs,
    outcome: &as2008::Outcome,
    elapsed: std::time::Duration,
) {
    let report = &outcome.report;
    outln!(
        out,
        "Avellaneda & Stoikov (2008), section 4 — γ = {}, {} paths, seed {}, {}",
        args.gamma,
        args.paths,
        args.seed.unwrap_or(1),
        match (args.onchain, args.paper) {
            (true, _) => "on the program",
            (false, true) => "the paper's strategy (no mid guard, units-held inventory)",
            (false, false) => "on the math crate",
        }
    );
    outln!(
        out,
        "{:<10} {:>10} {:>12} {:>12} {:>12} {:>12}",
        "strategy",
        "spread",
        "profit",
        "std(profit)",
        "final q",
        "std(q)"
    );
    for (name, stats) in [
        ("inventory", report.inventory),
        ("symmetric", report.symmetric),
    ] {
        outln!(
            out,
            "{:<10} {:>10.4} {:>12.2} {:>12.2} {:>12.3} {:>12.3}",
            name,
            stats.avg_spread,
            stats.profit_mean,
            stats.profit_std,
            stats.final_q_mean,
            stats.final_q_std
        );
    }
    let seconds = elapsed.as_secs_f64();
    outln!(
        out,
        "the pool executed {} one-unit swaps in {seconds:.2} s ({:.0} swaps/s, {} steps/s)",
        outcome.swaps,
        outcome.swaps as f64 / seconds,
        (f64::from(args.paths) * as2008::STEPS as f64 / seconds).round()
    );
}
