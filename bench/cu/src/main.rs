//! `homeostat-cu-bench`: measure, gate and test the compiled program. Run from the
//! repository root (paths default to it); `bench/cu/run` builds the program first.
//!
//! ```text
//! homeostat-cu-bench [--so PATH] table     [--budgets PATH] [--built-by TEXT]
//! homeostat-cu-bench [--so PATH] write     [--budgets PATH] [--built-by TEXT] [--doc PATH]
//! homeostat-cu-bench [--so PATH] gate      [--budgets PATH] [--built-by TEXT] [--doc PATH]
//! homeostat-cu-bench [--so PATH] differential [--operations N] [--seed N] [--token p-token|spl-token]
//! homeostat-cu-bench [--so PATH] breakdown  (a HOMEOSTAT_CU_TRACE build: each swap stage's units)
//! ```
//!
//! `table` prints the markdown block of docs/performance.md's "Compute units"; `write`
//! puts it there; `gate` fails when an instruction exceeds its budget or, for a program
//! built the way the committed table's was, when the committed table is not today's
//! measurement; `differential` runs the SBF program against the native one; `breakdown`
//! prints where a swap's units go, stage by stage, from a tracing build's logs.

use std::process::ExitCode;

use homeostat_cu_bench::budgets::Budgets;
use homeostat_cu_bench::differential::{self, Config, Report};
use homeostat_cu_bench::measure::{measure_all, Measurements};
use homeostat_cu_bench::sbf::TokenProgram;
use homeostat_cu_bench::table;

struct Options {
    so: String,
    command: String,
    budgets: String,
    doc: String,
    built_by: String,
    operations: usize,
    seed: u64,
    token: TokenProgram,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        so: "target/deploy/homeostat.so".into(),
        command: String::new(),
        budgets: "bench/cu/budgets.toml".into(),
        doc: "docs/performance.md".into(),
        built_by: "an unnamed build".into(),
        operations: 1_000,
        seed: 25,
        token: TokenProgram::SplToken,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--so" => options.so = value()?,
            "--budgets" => options.budgets = value()?,
            "--doc" => options.doc = value()?,
            "--built-by" => options.built_by = value()?,
            "--operations" => {
                options.operations = value()?.parse().map_err(|_| "--operations: a count")?
            }
            "--seed" => options.seed = value()?.parse().map_err(|_| "--seed: a number")?,
            "--token" => {
                options.token = match value()?.as_str() {
                    "p-token" => TokenProgram::PToken,
                    "spl-token" => TokenProgram::SplToken,
                    other => return Err(format!("--token: p-token or spl-token, not {other}")),
                }
            }
            "table" | "write" | "gate" | "differential" | "breakdown"
                if options.command.is_empty() =>
            {
                options.command = arg
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.command.is_empty() {
        return Err("name a command: table, write, gate, differential or breakdown".into());
    }
    Ok(options)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("{path}: {error}"))
}

fn run(options: &Options) -> Result<(), String> {
    let program = std::fs::read(&options.so).map_err(|error| {
        format!(
            "{}: {error} (build it first: bench/cu/run builds it)",
            options.so
        )
    })?;
    match options.command.as_str() {
        "breakdown" => {
            println!("{}", homeostat_cu_bench::breakdown::render(&program)?);
            Ok(())
        }
        "differential" => run_differential(options, &program),
        _ => run_measured(options, &program),
    }
}

/// `differential`: the test run, its report printed, then its verdict.
fn run_differential(options: &Options, program: &[u8]) -> Result<(), String> {
    let config = Config {
        operations: options.operations,
        seed: options.seed,
        token: options.token,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    let started = std::time::Instant::now();
    let (report, result) = runtime.block_on(differential::run(program, config));
    print_report(&report, options, started.elapsed());
    result?;
    println!("differential: {} passed, 0 failed", report.checks());
    Ok(())
}

/// The differential test's outcomes per instruction (with each error's count), then one
/// summary line.
fn print_report(report: &Report, options: &Options, elapsed: std::time::Duration) {
    for (kind, (ok, failed)) in &report.outcomes {
        println!("differential: {kind:<22} {ok:>5} succeeded, {failed:>4} failed alike in both");
        for ((_, error), count) in report.failures.iter().filter(|((of, _), _)| of == kind) {
            println!("differential:     {count:>4} × {error}");
        }
    }
    println!(
        "differential: {} operations with {} (seed {}), {} price prints; {} events, {} account comparisons, {} swaps equal to the SDK's quote ({:.1} s)",
        report.operations(),
        options.token.label(),
        options.seed,
        report.ticks,
        report.events,
        report.accounts,
        report.quoted,
        elapsed.as_secs_f64()
    );
}

/// `table`, `write` or `gate`: the budgets read, the program measured, the table rendered.
fn run_measured(options: &Options, program: &[u8]) -> Result<(), String> {
    let budgets = Budgets::parse(&read(&options.budgets)?)?;
    let measurements = measure_all(program);
    let block = table::render(&measurements, &budgets, &options.built_by);
    match options.command.as_str() {
        "table" => {
            println!("{block}");
            Ok(())
        }
        "write" => write_table(options, &block),
        _ => gate(options, &budgets, &measurements, &block),
    }
}

/// `write`: the table put into the document.
fn write_table(options: &Options, block: &str) -> Result<(), String> {
    let document = read(&options.doc)?;
    let updated = table::replace(&document, block).ok_or_else(|| {
        format!(
            "{}: no `{}` … `{}` block to replace",
            options.doc,
            table::BEGIN,
            table::END
        )
    })?;
    std::fs::write(&options.doc, updated).map_err(|error| format!("{}: {error}", options.doc))?;
    println!("wrote the compute-unit table into {}", options.doc);
    Ok(())
}

/// `gate`: every measurement within its budget and, for a program built the way the
/// committed table's was, the committed table today's.
fn gate(
    options: &Options,
    budgets: &Budgets,
    measurements: &Measurements,
    block: &str,
) -> Result<(), String> {
    let mut failures = budgets.check(measurements);
    let stale = stale_rows(options, block)?;
    if !stale.is_empty() {
        failures.push(format!(
            "the table in {} is not today's measurement; regenerate it with `bench/cu/run --write`:\n{}",
            options.doc,
            stale.join("\n")
        ));
    }
    for failure in &failures {
        eprintln!("cu gate: {failure}");
    }
    println!(
        "cu gate: {} measurements against their budgets, {} over; table {}",
        budgets.checked(measurements),
        failures.len() - usize::from(!stale.is_empty()),
        if stale.is_empty() { "current" } else { "stale" }
    );
    if !failures.is_empty() {
        return Err(format!("{} failure(s)", failures.len()));
    }
    Ok(())
}

/// The committed table's rows that differ from `block`'s, where it was measured on a
/// program built the same way (else none, said on stdout).
fn stale_rows(options: &Options, block: &str) -> Result<Vec<String>, String> {
    let document = read(&options.doc)?;
    let committed = table::committed(&document)
        .ok_or_else(|| format!("{}: no generated compute-unit table", options.doc))?;
    Ok(match table::built_by(committed) {
        Some(by) if by == options.built_by => table::differences(committed, block),
        by => {
            println!(
                "cu gate: the committed table was measured on a program built by {}, this one by {}: the table is not compared (budgets are)",
                by.unwrap_or("?"),
                options.built_by
            );
            Vec::new()
        }
    })
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(error) => {
            if !error.is_empty() {
                eprintln!("homeostat-cu-bench: {error}");
            }
            eprintln!(
                "{}",
                include_str!("main.rs")
                    .lines()
                    .skip(3)
                    .take(7)
                    .map(|line| line.trim_start_matches("//! "))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("homeostat-cu-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
