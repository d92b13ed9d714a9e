//! `homeostat`: the simulator, and pool / LP / swap commands against any cluster.

mod admin;
mod adversarial;
mod args;
mod as2008;
mod calibrate;
mod charts;
mod cluster;
mod error;
mod localnet;
mod market;
mod numbers;
mod output;
mod pool_config;
mod render;
mod replica;
mod rng;
mod simulate;
mod validator;

use std::borrow::Cow;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use homeostat_keeper::output::Output;
use homeostat_keeper::solana_config::SolanaConfigError;

use args::{AdminArgs, Cli, Command, Connection, PoolCommand, TradeArgs};

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// Runs a cluster command on a fresh tokio runtime.
fn block_on<E: Into<Box<dyn std::error::Error>>>(
    command: impl std::future::Future<Output = Result<(), E>>,
) -> CommandResult {
    tokio::runtime::Runtime::new()?
        .block_on(command)
        .map_err(Into::into)
}

/// An admin command as the wallet of `args`.
fn administer(connection: &Connection, args: &AdminArgs, change: admin::Change) -> CommandResult {
    let wallet = args.wallet.open(connection)?;
    block_on(admin::run(&wallet, &args.pool, change, args.dry_run))
}

fn trade(args: &TradeArgs) -> cluster::Trade<'_> {
    cluster::Trade {
        side: &args.side,
        amount: args.amount,
        exact_out: args.exact_out,
        slippage_bps: args.slippage_bps,
    }
}

/// `homeostat pool …`.
fn pool(connection: &Connection, command: PoolCommand) -> CommandResult {
    let administer = |args: &AdminArgs, change| administer(connection, args, change);
    match command {
        // `--json` is `main`'s (`output`).
        PoolCommand::Show { cluster, .. } => block_on(cluster::show(
            &connection.url,
            &cluster.pool,
            cluster.oracles.keys(),
        )),
        PoolCommand::Create(args) => args
            .wallet
            .open(connection)
            .map_err(Into::into)
            .and_then(|wallet| block_on(cluster::create_pool(&wallet, &args.spec()))),
        PoolCommand::Bootstrap(args) => args
            .pool
            .wallet
            .open(connection)
            .map_err(Into::into)
            .and_then(|wallet| {
                block_on(cluster::bootstrap(
                    &wallet,
                    &args.pool.spec(),
                    (args.seed_base, args.seed_quote),
                    args.dry_run,
                ))
            }),
        PoolCommand::Pause(admin) => administer(&admin, admin::Change::Pause),
        PoolCommand::Unpause(admin) => administer(&admin, admin::Change::Unpause),
        PoolCommand::UpdateParams { admin, config } => {
            administer(&admin, admin::Change::UpdateParams(config))
        }
        PoolCommand::Retarget { admin, target_base } => {
            administer(&admin, admin::Change::Retarget(target_base))
        }
        PoolCommand::ApplyPending(admin) => administer(&admin, admin::Change::ApplyPending),
        PoolCommand::CancelPending(admin) => administer(&admin, admin::Change::CancelPending),
        PoolCommand::SetKeeper { admin, keeper } => {
            administer(&admin, admin::Change::SetKeeper(keeper))
        }
        PoolCommand::SetQuoter { admin, quoter } => {
            administer(&admin, admin::Change::SetQuoter(quoter))
        }
        PoolCommand::SetProFeeds {
            admin,
            feed,
            quote_feed,
        } => administer(&admin, admin::Change::SetProFeeds(feed, quote_feed)),
        PoolCommand::ProposeAdmin { admin, new_admin } => {
            administer(&admin, admin::Change::ProposeAdmin(new_admin))
        }
        PoolCommand::AcceptAdmin(admin) => administer(&admin, admin::Change::AcceptAdmin),
        PoolCommand::CollectFees(admin) => administer(&admin, admin::Change::CollectFees),
    }
}

/// Runs the parsed command line.
fn run(cli: Cli) -> CommandResult {
    let global = cli.global;
    // Only the cluster commands read the Solana CLI's configuration.
    let connection = || global.connection();
    match cli.command {
        Command::Simulate(args) => {
            let mut market = args.into_market();
            *market.json_mut() |= global.output != Output::Display;
            Ok(simulate::simulate(&market)?)
        }
        Command::Calibrate(mut args) => {
            args.json |= global.output != Output::Display;
            Ok(calibrate::run(&args, connection)?)
        }
        Command::Pool(command) => pool(&connection()?, command),
        Command::Quote(args) => block_on(cluster::quote(
            &connection()?.url,
            &args.cluster.pool,
            args.cluster.oracles.keys(),
            trade(&args.trade),
        )),
        Command::Swap(args) => args
            .wallet
            .open(&connection()?)
            .map_err(Into::into)
            .and_then(|wallet| {
                block_on(cluster::swap(
                    &wallet,
                    &args.pool,
                    args.oracles.keys(),
                    trade(&args.trade),
                ))
            }),
        Command::Deposit(args) => args
            .wallet
            .open(&connection()?)
            .map_err(Into::into)
            .and_then(|wallet| {
                block_on(cluster::deposit(
                    &wallet,
                    &args.pool,
                    args.base,
                    args.quote,
                    args.slippage_bps,
                ))
            }),
        Command::Localnet(args) => block_on(localnet::run(localnet::Config {
            port: args.port,
            folder: args.folder,
            price: args.price,
            volatility: args.volatility,
            seed: args.seed,
            validator: args.validator.then_some(args.sbf_dir),
        })),
        Command::Withdraw(args) => args
            .wallet
            .open(&connection()?)
            .map_err(Into::into)
            .and_then(|wallet| {
                block_on(cluster::withdraw(
                    &wallet,
                    &args.pool,
                    args.shares,
                    args.slippage_bps,
                ))
            }),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "homeostat",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

/// What the user can do about `error`, or about the first error under it a remedy is
/// known for: ours, then the Solana CLI's conventions'. The modules' errors say only what
/// happened; what to do is said here, where the error is printed.
fn advice(error: &(dyn std::error::Error + 'static)) -> Option<Cow<'static, str>> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(advice) = own_advice(error) {
            return Some(advice.into());
        }
        if let Some(advice) = simulate_advice(error) {
            return Some(advice.into());
        }
        next = error.source();
    }
    homeostat_sdk::cli_conventions::advice(error).map(Cow::from)
}

/// The command to run instead, for a `simulate` given another market's scenario.
fn simulate_advice(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    match error.downcast_ref()? {
        simulate::SimulateError::WrongMarket { path, kind } => {
            Some(format!("run `{} --scenario {path}`", kind.command()))
        }
        simulate::SimulateError::MarketNotFile { name } => {
            Some(format!("run `homeostat simulate {name}`"))
        }
        _ => None,
    }
}

/// The remedy for one of the binary's own errors (not those under it).
fn own_advice(error: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    use cluster::{ClusterError, Spend};
    use validator::{SbfProgram, ValidatorError};
    if let Some(SolanaConfigError::Unreadable { .. }) = error.downcast_ref() {
        return Some(
            "write one with `solana config set --url …`, or pass another with --solana-config",
        );
    }
    if let Some(error) = error.downcast_ref::<ClusterError>() {
        return match error {
            ClusterError::Shortfall { spends, .. } => Some(match spends {
                Spend::Deposit => "fund it or deposit less",
                Spend::Seed => "fund it or seed less",
                Spend::Swap => "fund it or trade less",
            }),
            ClusterError::PoolExists { .. } => Some("pick another --index"),
            ClusterError::OtherParams { .. } => {
                Some("change them with update_params, or bootstrap another --index")
            }
            _ => None,
        };
    }
    if let Some(error) = error.downcast_ref::<ValidatorError>() {
        return match error {
            ValidatorError::NotInstalled => Some(
                "install it with tools/install-validator (builds Agave from crates.io: about 70 \
                 minutes on 2 cores)",
            ),
            ValidatorError::Version { .. } => Some("install that one with tools/install-validator"),
            ValidatorError::MissingProgram { program, .. } => Some(match program {
                SbfProgram::Homeostat => {
                    "build it to SBF first (../shared/sbf/build-sbf, or anchor build; or pass \
                     --sbf-dir)"
                }
                SbfProgram::PythMock => {
                    "build it to SBF first (../shared/sbf/build-sbf --program \
                     localnet/pyth-mock; or pass --sbf-dir)"
                }
            }),
            _ => None,
        };
    }
    if let Some(localnet::LocalnetError::InUse { .. }) = error.downcast_ref() {
        return Some("stop that one or pass another --folder");
    }
    if let Some(adversarial::AdversarialError::CalibrationOnChain) = error.downcast_ref() {
        return Some("drop --onchain");
    }
    if let Some(calibrate::CalibrateError::HistoryNeedsConfig) = error.downcast_ref() {
        return Some("history.json's folder has the simulated pool's as pool.toml");
    }
    None
}

/// Exit codes: 0 done, 1 failed (`error: …` on stderr), 2 a usage error (clap's, printed
/// with the usage by `Cli::parse`).
fn main() -> ExitCode {
    let cli = Cli::parse();
    render::set(match &cli.command {
        Command::Pool(PoolCommand::Show { json: true, .. }) => Output::JsonCompact,
        _ => cli.global.output,
    });
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match advice(&*error) {
                Some(advice) => eprintln!("error: {error}: {advice}"),
                None => eprintln!("error: {error}"),
            }
            ExitCode::FAILURE
        }
    }
}
