//! `homeostat simulate`: the market its subcommand names (a scenario file's checked by
//! `file`), and the hour's and as2008's reports (the adversarial market prints its own,
//! `adversarial::command`).

mod error;
mod file;

pub(crate) use error::{SimulateError, SweepError};

use crate::args::{AdversarialArgs, As2008Args, HourArgs, Market};
use crate::{adversarial, as2008, market, output};

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

/// The runtime simulations run on: one thread, since the in-process bank answers every
/// request on the task that sends it — a worker pool only adds cross-thread wake-ups
/// (a third of a simulated hour's time on two cores).
fn simulation_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Runs `market` and prints its report.
pub(crate) fn simulate(market: &Market) -> Result<(), SimulateError> {
    match market {
        Market::Adversarial(args) => simulate_adversarial(args),
        Market::Hour(args) => {
            let scenario = match &args.scenario {
                Some(path) => file::hour(path)?,
                None => market::Scenario::default(),
            };
            simulate_market(args, scenario)
        }
        Market::As2008(args) => simulate_as2008(args),
    }
}

/// The adversarial market: the built-in scenario, or `--scenario`'s file.
fn simulate_adversarial(args: &AdversarialArgs) -> Result<(), SimulateError> {
    let options = adversarial_options(args);
    let Some(path) = &args.scenario else {
        return Ok(adversarial::command::simulate(
            &options,
            adversarial::Scenario::default(),
        )?);
    };
    let scenario = file::adversarial(path)?;
    adversarial::command::simulate(&options, scenario).map_err(|source| SimulateError::InFile {
        path: path.clone(),
        source,
    })
}

/// [`adversarial::command::emit`], as the command's error.
fn print(text: &str) -> Result<(), SimulateError> {
    adversarial::command::emit(text).map_err(SimulateError::Stdout)
}

/// The adversarial command's options from the command line.
fn adversarial_options(args: &AdversarialArgs) -> adversarial::command::Options {
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

fn simulate_as2008(args: &As2008Args) -> Result<(), SimulateError> {
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
        seed: args.seed,
        engine,
    };
    let runtime = simulation_runtime().map_err(SimulateError::Runtime)?;
    let outcome = runtime.block_on(as2008::run(config, |done| {
        bar.set_position(u64::from(done))
    }))?;
    bar.finish_and_clear();
    if args.json {
        outln!(out, "{}", serde_json::to_string(&outcome.report)?);
    } else {
        print_as2008(&mut out, args, &outcome, started.elapsed());
    }
    print(&out)
}

/// A progress bar on stderr (hidden when stderr is not a terminal) counting `unit`s.
fn progress_bar(
    len: u64,
    unit: &str,
) -> Result<indicatif::ProgressBar, indicatif::style::TemplateError> {
    let bar = indicatif::ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}} left)");
    bar.set_style(indicatif::ProgressStyle::with_template(&template)?);
    Ok(bar)
}

/// The hour on `scenario`, `--seed` and `--duration` overriding its own.
fn simulate_market(args: &HourArgs, mut scenario: market::Scenario) -> Result<(), SimulateError> {
    let mut out = String::new();
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(duration) = args.duration {
        scenario.duration_secs = duration;
    }
    scenario.validate().map_err(market::MarketError::from)?;
    // Checked before the run, so an unwritable folder does not cost the report.
    adversarial::command::writable(&args.out)?;
    if let Some(sweep) = &args.sweep {
        return sweep_market(args, &scenario, sweep);
    }
    let bar = progress_bar(u64::from(scenario.duration_secs), "simulated s")?;
    let runtime = simulation_runtime().map_err(SimulateError::Runtime)?;
    let outcome = runtime.block_on(market::run(&scenario, |done| {
        bar.set_position(u64::from(done))
    }))?;
    bar.finish_and_clear();
    let files = output::write(&outcome, &args.out)?;
    if args.json {
        outln!(out, "{}", serde_json::to_string(&outcome)?);
        return print(&out);
    }
    print_market_pools(&mut out, &scenario, &outcome);
    if scenario.hedging {
        print_market_hedging(&mut out, &scenario, &outcome);
    }
    print_market_attribution(&mut out, &outcome);
    outln!(out, "wrote {} to {}", files.join(", "), args.out.display());
    print(&out)
}

/// The market report's table of pools: trades, volume, fees, LP result, inventory.
fn print_market_pools(out: &mut String, scenario: &market::Scenario, outcome: &market::Outcome) {
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
}

/// The market report's hedging table: the keeper on the paper venue, per hedged pool.
fn print_market_hedging(out: &mut String, scenario: &market::Scenario, outcome: &market::Outcome) {
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

/// The market report's P&L attribution per pool.
fn print_market_attribution(out: &mut String, outcome: &market::Outcome) {
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
}

/// `scenario` with `field` set to `text`, parsed as the field's own type.
fn with_field(
    scenario: &market::Scenario,
    field: &str,
    text: &str,
) -> Result<market::Scenario, SweepError> {
    let mut table = toml::Table::try_from(scenario)?;
    let Some(current) = table.get(field) else {
        return Err(SweepError::UnknownField {
            field: field.into(),
            fields: table.keys().cloned().collect(),
        });
    };
    let bad = |kind| SweepError::NotA {
        field: field.into(),
        value: text.into(),
        kind,
    };
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
    let changed: market::Scenario = table.try_into().map_err(SweepError::Refused)?;
    changed.validate().map_err(|source| SweepError::Range {
        field: field.into(),
        value: text.into(),
        source,
    })?;
    Ok(changed)
}

/// The sweep: the scenario once per value, one row each (the GLFT pool), or one JSON
/// object `{ "field", "runs": [{ "value", "pools" }] }`.
fn sweep_market(
    args: &HourArgs,
    scenario: &market::Scenario,
    sweep: &str,
) -> Result<(), SimulateError> {
    let mut out = String::new();
    let (field, values) = sweep.split_once('=').ok_or(SweepError::Syntax)?;
    let values: Vec<&str> = values
        .split(',')
        .filter(|value| !value.is_empty())
        .collect();
    if values.is_empty() {
        return Err(SweepError::NoValues {
            field: field.into(),
        }
        .into());
    }
    let scenarios = values
        .iter()
        .map(|value| with_field(scenario, field, value))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = simulation_runtime().map_err(SimulateError::Runtime)?;
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
        return print(&out);
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
    print(&out)
}

fn print_as2008(
    out: &mut String,
    args: &As2008Args,
    outcome: &as2008::Outcome,
    elapsed: std::time::Duration,
) {
    let report = &outcome.report;
    outln!(
        out,
        "Avellaneda & Stoikov (2008), section 4 — γ = {}, {} paths, seed {}, {}",
        args.gamma,
        args.paths,
        args.seed,
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
