//! `homeostat`: the simulator, and pool / LP / swap commands against any cluster.

mod admin;
mod adversarial;
mod args;
mod as2008;
mod calibrate;
mod charts;
mod cluster;
mod localnet;
mod market;
mod numbers;
mod output;
mod pool_config;
mod replica;
mod rng;
mod simulate;

use std::process::ExitCode;

use clap::Parser;
use homeostat_sdk::cli_conventions::resolve_url;

use args::{AdminArgs, Cli, Command, PoolCommand, TradeArgs};

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// Runs a cluster command on a fresh tokio runtime.
fn block_on(command: impl std::future::Future<Output = CommandResult>) -> CommandResult {
    tokio::runtime::Runtime::new()?.block_on(command)
}

/// An admin command as the wallet of `args`.
fn administer(args: &AdminArgs, change: admin::Change) -> CommandResult {
    let wallet = args.wallet.open()?;
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
fn pool(command: PoolCommand) -> CommandResult {
    match command {
        PoolCommand::Show { cluster, json } => block_on(cluster::show(
            &resolve_url(&cluster.url.url),
            &cluster.pool,
            cluster.oracles.keys(),
            json,
        )),
        PoolCommand::Create(args) => args
            .wallet
            .open()
            .map_err(Into::into)
            .and_then(|wallet| block_on(cluster::create_pool(&wallet, &args.spec()))),
        PoolCommand::Bootstrap(args) => {
            args.pool
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
                })
        }
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
        PoolCommand::ProposeAdmin { admin, new_admin } => {
            administer(&admin, admin::Change::ProposeAdmin(new_admin))
        }
        PoolCommand::AcceptAdmin(admin) => administer(&admin, admin::Change::AcceptAdmin),
        PoolCommand::CollectFees(admin) => administer(&admin, admin::Change::CollectFees),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::simulate(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Pool(command) => pool(command),
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
