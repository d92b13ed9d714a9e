//! `homeostat`: the simulator and, as they land, the pool / LP / swap commands.

mod as2008;
mod cluster;
mod market;
mod numbers;
mod output;
mod rng;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

/// Where a pool lives.
#[derive(Debug, clap::Args)]
struct ClusterArgs {
    /// JSON-RPC URL of the cluster.
    #[arg(long, env = "HOMEOSTAT_URL", default_value = "http://127.0.0.1:8899")]
    url: String,
    /// The pool's address.
    #[arg(long, env = "HOMEOSTAT_POOL")]
    pool: String,
    /// The Pyth PriceUpdateV2 account for the pool's feed.
    #[arg(long, env = "HOMEOSTAT_ORACLE")]
    oracle: String,
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
}

#[derive(Debug, clap::Args)]
struct QuoteArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// `sell` base for quote, or `buy` base with quote.
    #[arg(long)]
    side: String,
    /// Amount in atoms: the input (exact-in), or the output with `--exact-out`.
    #[arg(long)]
    amount: u64,
    /// Quote an exact output instead of an exact input.
    #[arg(long)]
    exact_out: bool,
    /// Slippage tolerance for the suggested limit, basis points.
    #[arg(long, default_value_t = 50)]
    slippage_bps: u16,
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// Scenario to run. `market` (default): the real program on an in-process Solana
    /// runtime, a GLFT pool and a constant-product baseline under the same stochastic flow.
    /// A path to a `.toml` file: a market scenario with some fields changed (see
    /// scenarios/default.toml). `as2008`: the experiment of Avellaneda & Stoikov (2008),
    /// section 4 (s=100, T=1, σ=2, dt=0.005, A=140, k=1.5), inventory strategy vs
    /// symmetric, on the math crate.
    #[arg(long, default_value = "market")]
    scenario: String,
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
    /// Simulated seconds (market) [default: the scenario's, 3600 for `market`].
    #[arg(long)]
    duration: Option<u32>,
    /// Folder for the CSV time series and SVG plots (market).
    #[arg(long, default_value = "out")]
    out: std::path::PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate(&args),
        Command::Pool(PoolCommand::Show { cluster, json }) => tokio::runtime::Runtime::new()
            .map_err(Into::into)
            .and_then(|runtime| {
                runtime.block_on(cluster::show(
                    &cluster.url,
                    &cluster.pool,
                    &cluster.oracle,
                    json,
                ))
            }),
        Command::Quote(args) => {
            tokio::runtime::Runtime::new()
                .map_err(Into::into)
                .and_then(|runtime| {
                    runtime.block_on(cluster::quote(
                        &args.cluster.url,
                        &args.cluster.pool,
                        &args.cluster.oracle,
                        &args.side,
                        args.amount,
                        args.exact_out,
                        args.slippage_bps,
                    ))
                })
        }
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
    match args.scenario.as_str() {
        "as2008" => {
            let report = as2008::run(as2008::Config {
                gamma: args.gamma,
                paths: args.paths,
                seed: args.seed.unwrap_or(1),
            })?;
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print_as2008(args, &report);
            }
            Ok(())
        }
        "market" => simulate_market(args, market::Scenario::default()),
        path if path.ends_with(".toml") => {
            let text = std::fs::read_to_string(path).map_err(|error| format!("{path}: {error}"))?;
            let scenario =
                market::Scenario::from_toml(&text).map_err(|error| format!("{path}: {error}"))?;
            simulate_market(args, scenario)
        }
        other => Err(format!(
            "unknown scenario `{other}` (available: market, as2008, or a path to a .toml scenario)"
        )
        .into()),
    }
}

fn simulate_market(
    args: &SimulateArgs,
    mut scenario: market::Scenario,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(duration) = args.duration {
        scenario.duration_secs = duration;
    }
    scenario.validate()?;
    let bar = indicatif::ProgressBar::new(u64::from(scenario.duration_secs));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} simulated s ({eta} left)")
            .map_err(|error| error.to_string())?,
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let outcome = runtime.block_on(market::run(&scenario, |done| {
        bar.set_position(u64::from(done))
    }))?;
    bar.finish_and_clear();
    let files = output::write(&outcome, &args.out)?;
    if args.json {
        println!("{}", serde_json::to_string(&outcome)?);
        return Ok(());
    }
    println!(
        "Market simulation — {} s, seed {}, GLFT pool vs constant-product baseline, same flow",
        scenario.duration_secs, scenario.seed
    );
    println!(
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
        println!(
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
        println!();
        println!(
            "Hedging: the keeper on the paper venue ({} bp fee, {} bp slippage), every {} s",
            scenario.venue_fee_bps, scenario.venue_slippage_bps, scenario.keeper_interval_secs
        );
        println!(
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
            println!(
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
    println!("wrote {} to {}", files.join(", "), args.out.display());
    Ok(())
}

fn print_as2008(args: &SimulateArgs, report: &as2008::Report) {
    println!(
        "Avellaneda & Stoikov (2008), section 4 — γ = {}, {} paths, seed {}",
        args.gamma,
        args.paths,
        args.seed.unwrap_or(1)
    );
    println!(
        "{:<10} {:>10} {:>12} {:>12} {:>12} {:>12}",
        "strategy", "spread", "profit", "std(profit)", "final q", "std(q)"
    );
    for (name, stats) in [
        ("inventory", report.inventory),
        ("symmetric", report.symmetric),
    ] {
        println!(
            "{:<10} {:>10.4} {:>12.2} {:>12.2} {:>12.3} {:>12.3}",
            name,
            stats.avg_spread,
            stats.profit_mean,
            stats.profit_std,
            stats.final_q_mean,
            stats.final_q_std
        );
    }
}
