//! `homeostat`: the simulator and, as they land, the pool / LP / swap commands.

mod as2008;
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
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// Scenario to run. `as2008`: the experiment of Avellaneda & Stoikov (2008), section 4
    /// (s=100, T=1, σ=2, dt=0.005, A=140, k=1.5), inventory strategy vs symmetric.
    #[arg(long, default_value = "as2008")]
    scenario: String,
    /// Risk aversion γ (as2008).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    gamma: f64,
    /// Number of simulated paths (as2008).
    #[arg(long, default_value_t = 1_000)]
    paths: u32,
    /// Random seed: the same seed reproduces the same results.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print exactly one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate(&args),
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
                seed: args.seed,
            })?;
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print_as2008(args, &report);
            }
            Ok(())
        }
        other => Err(format!("unknown scenario `{other}` (available: as2008)").into()),
    }
}

fn print_as2008(args: &SimulateArgs, report: &as2008::Report) {
    println!(
        "Avellaneda & Stoikov (2008), section 4 — γ = {}, {} paths, seed {}",
        args.gamma, args.paths, args.seed
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
