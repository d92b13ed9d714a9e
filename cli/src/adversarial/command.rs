//! `homeostat simulate` on the adversarial market: many seeds on all cores, the table or
//! one JSON object, and `--sweep` grids with their heat maps.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::report::{estimate, summary, Estimate};
use super::scenario::{FieldError, ScenarioError};
use super::{run_seeds, AdversarialError, PoolKind, Scenario};
use crate::error::FileError;

/// What the command line asked for.
pub struct Options {
    /// Seeds to run (from the scenario's seed).
    pub seeds: u32,
    /// Worker threads.
    pub threads: usize,
    /// Where the Homeostat pools run.
    pub engine: super::Engine,
    /// Overrides of the scenario's seed, duration and pools.
    pub seed: Option<u64>,
    /// Simulated seconds per seed.
    pub duration: Option<u32>,
    /// Pools to run, by name.
    pub pools: Option<Vec<String>>,
    /// One JSON object instead of the table.
    pub json: bool,
    /// Where a sweep writes its grid and heat maps.
    pub out: PathBuf,
    /// `FIELD=V1,V2,...`, at most two.
    pub sweeps: Vec<String>,
    /// The pool figure a sweep's grid shows.
    pub figure: String,
}

/// Why the command failed: the flag or file at fault, or the run's own error.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// `--pools` names no pool.
    #[error("--pools: `{name}` is not a pool ({})", names.join(", "))]
    UnknownPool {
        /// The name given.
        name: String,
        /// The pools' names.
        names: Vec<&'static str>,
    },
    /// `--seeds 0`.
    #[error("--seeds must be at least 1")]
    NoSeeds,
    /// A scenario value out of its range.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A `--sweep` that is not `FIELD=V1,V2,...`.
    #[error("--sweep takes FIELD=V1,V2,... (e.g. oracle_latency_ms=0,500,1000)")]
    SweepSyntax,
    /// A `--sweep` without values.
    #[error("--sweep {field}: no values")]
    NoValues {
        /// The field.
        field: String,
    },
    /// More than two `--sweep`s.
    #[error("--sweep takes at most two fields (a grid)")]
    TooManySweeps,
    /// A `--sweep` value the field does not take.
    #[error("--sweep {0}")]
    SweepField(#[source] FieldError),
    /// A `--sweep` value out of its range.
    #[error("--sweep: {0}")]
    SweepRange(#[source] ScenarioError),
    /// `--figure` names no pool figure.
    #[error("--figure: `{figure}` is not a pool figure ({})", names.join(", "))]
    UnknownFigure {
        /// The name given.
        figure: String,
        /// The figures' names.
        names: Vec<String>,
    },
    /// `--out` could not be created, or written.
    #[error("{0}")]
    Out(#[from] OutError),
    /// A seed could not run, or its report could not be written.
    #[error("{0}")]
    Run(#[from] AdversarialError),
    /// A file of the report could not be written.
    #[error("{0}")]
    File(#[from] FileError),
    /// The report could not be written to standard output.
    #[error("standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// The progress bar's template (a constant) was refused.
    #[error("the progress bar: {0}")]
    Progress(#[from] indicatif::style::TemplateError),
    /// The report's JSON could not be built.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// Why `--out` cannot take a run's files.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// The folder could not be created.
    #[error("--out {}: {source}", folder.display())]
    Create {
        /// The folder.
        folder: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written there.
    #[error("--out {}: cannot write there: {source}", folder.display())]
    Unwritable {
        /// The folder.
        folder: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

type Result<T> = std::result::Result<T, CommandError>;

/// The scenario with the command line's overrides, checked.
pub fn configure(options: &Options, mut scenario: Scenario) -> Result<Scenario> {
    if let Some(seed) = options.seed {
        scenario.seed = seed;
    }
    if let Some(duration) = options.duration {
        scenario.duration_secs = duration;
    }
    if let Some(pools) = &options.pools {
        scenario.pools = pools
            .iter()
            .map(|name| {
                PoolKind::parse(name).ok_or_else(|| CommandError::UnknownPool {
                    name: name.clone(),
                    names: PoolKind::ALL.iter().map(|kind| kind.name()).collect(),
                })
            })
            .collect::<std::result::Result<_, _>>()?;
    }
    if options.seeds == 0 {
        return Err(CommandError::NoSeeds);
    }
    scenario.validate()?;
    Ok(scenario)
}

/// Runs the command.
pub fn simulate(options: &Options, scenario: Scenario) -> Result<()> {
    let scenario = configure(options, scenario)?;
    match options.sweeps.as_slice() {
        [] => single(options, &scenario),
        [one] => sweep(options, &scenario, &[parse_sweep(one)?]),
        [one, two] => sweep(options, &scenario, &[parse_sweep(one)?, parse_sweep(two)?]),
        _ => Err(CommandError::TooManySweeps),
    }
}

/// Writes `text` to stdout; a closed pipe (`| head`) ends the output quietly.
pub fn emit(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// [`emit`], as the command's error.
fn print(text: &str) -> Result<()> {
    emit(text).map_err(CommandError::Stdout)
}

fn run(options: &Options, scenario: &Scenario) -> Result<serde_json::Value> {
    run_reports(options, scenario).map(|reports| summary(&reports))
}

fn run_reports(options: &Options, scenario: &Scenario) -> Result<Vec<super::SeedReport>> {
    let total = options.seeds;
    let bar = indicatif::ProgressBar::new(u64::from(total));
    bar.set_style(indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} seeds ({eta} left)",
    )?);
    let reports = run_seeds(scenario, options.engine, total, options.threads, &|done| {
        bar.set_position(u64::from(done))
    })?;
    bar.finish_and_clear();
    Ok(reports)
}

fn single(options: &Options, scenario: &Scenario) -> Result<()> {
    let started = std::time::Instant::now();
    let reports = run_reports(options, scenario)?;
    let summary = summary(&reports);
    let calibrating = scenario.calibrate_every_secs > 0;
    if options.json {
        let mut json = serde_json::json!({ "scenario": scenario, "summary": summary });
        if calibrating {
            let traces: Vec<_> = reports.iter().map(|report| &report.calibration).collect();
            json["calibration"] = serde_json::json!({
                "truth": super::calibration::Truth::of(scenario),
                "traces": traces,
            });
        }
        return print(&format!("{json}\n"));
    }
    let mut text = table(scenario, &summary, started.elapsed());
    if calibrating {
        text += &super::calibration::table(scenario, &reports);
        writable(&options.out)?;
        let files = super::calibration::chart(scenario, &reports, &options.out)?;
        // Seed `scenario.seed`'s history, for `homeostat calibrate --history`.
        let (history, params) = super::calibration::record(scenario)?;
        let path = options.out.join("history.json");
        std::fs::write(&path, crate::calibrate::history_json(&history).to_string())
            .map_err(FileError::at(path))?;
        crate::calibrate::write_config(&options.out.join("pool.toml"), &params)?;
        text += &format!(
            "\nwrote {files}, history.json (seed {}), pool.toml to {}\n",
            scenario.seed,
            options.out.display()
        );
    }
    print(&text)
}

/// `a ± b` with `digits` decimals.
fn pm(estimate: Estimate, digits: usize) -> String {
    format!("{:.digits$} ± {:.digits$}", estimate.mean, estimate.se)
}

/// The report's table.
pub fn table(
    scenario: &Scenario,
    summary: &serde_json::Value,
    elapsed: std::time::Duration,
) -> String {
    let seeds = summary["seeds"].as_u64().unwrap_or(0);
    let hours = f64::from(scenario.duration_secs) / 3_600.0;
    let mut text = format!(
        "Adversarial market — {seeds} seeds × {hours} h, mean ± standard error over seeds \
         ({:.1} s)\n",
        elapsed.as_secs_f64()
    );
    text += &format!(
        "oracle: {} ms latency, a print every {} ms, {} bp noise; arbitrage every {} ms block{}; \
         router: reference venue ±{} bp\n\n",
        scenario.oracle_latency_ms,
        scenario.oracle_interval_ms,
        scenario.oracle_noise_bps,
        scenario.slot_ms,
        if scenario.arb_picks_prints {
            ", choosing prints"
        } else {
            ""
        },
        scenario.route_ref_bps
    );
    text += &format!(
        "{:<11} {:>20} {:>16} {:>18} {:>20} {:>18} {:>14}\n",
        "pool",
        "LP vs hold, USDC",
        "LP / LVR",
        "retail edge",
        "arbitrage edge",
        "inventory",
        "volume share"
    );
    // In the scenario's order (the JSON's map is sorted by name).
    let pools: Vec<&str> = scenario.pools.iter().map(|kind| kind.name()).collect();
    for &name in &pools {
        let e = |field: &str| estimate(summary, name, field);
        let share = e("volume_share");
        text += &format!(
            "{:<11} {:>20} {:>16} {:>18} {:>20} {:>18} {:>14}\n",
            name,
            pm(e("lp_vs_hold_usdc"), 1),
            pm(e("lp_over_lvr"), 2),
            pm(e("retail_edge_usdc"), 1),
            pm(e("arbitrage_edge_usdc"), 1),
            pm(e("inventory_usdc"), 1),
            format!("{:.1} %", share.mean * 100.0),
        );
    }
    text += &format!(
        "\n{:<11} {:>16} {:>16} {:>16} {:>16} {:>14} {:>14}\n",
        "pool",
        "retail mark 60s",
        "arb mark 1s",
        "arb mark 60s",
        "gamma 60s",
        "retail fills",
        "arb fills"
    );
    for &name in &pools {
        let e = |field: &str| estimate(summary, name, field);
        text += &format!(
            "{:<11} {:>16} {:>16} {:>16} {:>16} {:>14.0} {:>14.0}\n",
            name,
            pm(e("retail_markout_60s_usdc"), 1),
            pm(e("arbitrage_markout_1s_usdc"), 1),
            pm(e("arbitrage_markout_60s_usdc"), 1),
            pm(e("gamma_60s"), 3),
            e("retail_trades").mean,
            e("arbitrage_trades").mean,
        );
    }
    let market = |field: &str| Estimate {
        mean: summary["market"][field]["mean"].as_f64().unwrap_or(0.0),
        se: summary["market"][field]["se"].as_f64().unwrap_or(0.0),
    };
    text += &format!(
        "\nmarket: realised volatility {:.0} %, {:.2} jumps/h, reference venue took {:.1} % of \
         {:.0} USDC of uninformed flow; arbitrageurs made {}\n",
        market("realised_volatility").mean * 100.0,
        market("jumps_per_hour").mean,
        market("reference_share").mean * 100.0,
        market("retail_volume_usdc").mean,
        pm(market("arbitrage_profit_usdc"), 1),
    );
    text += &quoter_lines(scenario, summary);
    text
}

/// For each pool with a quoter (prop-AMM mode): its quoter and the share of its fills each
/// price source priced.
fn quoter_lines(scenario: &Scenario, summary: &serde_json::Value) -> String {
    let mut text = String::new();
    for &kind in &scenario.pools {
        if !matches!(
            super::sources::Source::of(kind, scenario),
            Some(super::sources::Source::Quoter(_))
        ) {
            continue;
        }
        let name = kind.name();
        let quoter = estimate(summary, name, "quoter_fills").mean;
        let pyth = estimate(summary, name, "pyth_fills").mean;
        let refused = estimate(summary, name, "oracle_refusals").mean;
        text += &format!(
            "{name}: a quote every {} ms, {} ms old, valid {} slots, band {} bp; a seed's fills \
             at the quoter's price {:.1}, at the print {:.1}, arbitrage swaps refused {:.1} \
             ({})\n",
            scenario.quote_interval_ms,
            scenario.prop_latency_ms,
            scenario.quote_valid_slots,
            scenario.pool_quote_band_bps,
            quoter,
            pyth,
            refused,
            if scenario.pool_quote_fallback == homeostat::constants::QUOTE_FALLBACK_PYTH {
                "fallback: Pyth"
            } else {
                "fallback: refuse"
            },
        );
    }
    text
}

/// One swept field and its values.
pub struct Sweep {
    field: String,
    values: Vec<String>,
}

fn parse_sweep(text: &str) -> Result<Sweep> {
    let (field, values) = text.split_once('=').ok_or(CommandError::SweepSyntax)?;
    let values: Vec<String> = values
        .split(',')
        .filter(|value| !value.is_empty())
        .map(String::from)
        .collect();
    if values.is_empty() {
        return Err(CommandError::NoValues {
            field: field.into(),
        });
    }
    Ok(Sweep {
        field: field.into(),
        values,
    })
}

/// The scenario with `field = value`, checked.
fn with(scenario: &Scenario, field: &str, value: &str) -> Result<Scenario> {
    let changed = scenario
        .with_field(field, value)
        .map_err(CommandError::SweepField)?;
    changed.validate().map_err(CommandError::SweepRange)?;
    Ok(changed)
}

/// The grid: every combination of the swept values, `seeds` seeds each; a table of each
/// pool's `figure` (mean ± s.e.; the LPs' result by default), `grid.csv` and one heat map
/// per pool.
fn sweep(options: &Options, scenario: &Scenario, sweeps: &[Sweep]) -> Result<()> {
    let rows = &sweeps[0];
    let columns = sweeps.get(1);
    let column_values: Vec<String> = columns.map_or(vec![String::new()], |c| c.values.clone());
    // Checked before anything runs: every scenario of the grid, and the output folder.
    let mut cells = Vec::new();
    for row in &rows.values {
        for column in &column_values {
            let mut cell = with(scenario, &rows.field, row)?;
            if let Some(columns) = columns {
                cell = with(&cell, &columns.field, column)?;
            }
            cells.push(((row.clone(), column.clone()), cell));
        }
    }
    writable(&options.out)?;
    check_figure(&options.figure)?;
    let mut results = Vec::new();
    for ((row, column), cell) in &cells {
        let summary = run(options, cell)?;
        results.push(((row.clone(), column.clone()), summary));
    }
    let pools: Vec<String> = scenario
        .pools
        .iter()
        .map(|kind| kind.name().to_string())
        .collect();
    let files = super::heatmap::write(
        &options.out,
        (&rows.field, columns.map(|c| c.field.as_str())),
        &options.figure,
        &results,
        &pools,
    )?;
    if options.json {
        let grid: Vec<serde_json::Value> = results
            .iter()
            .map(|((row, column), summary)| {
                let mut cell = serde_json::json!({ rows.field.as_str(): row, "summary": summary });
                if let Some(columns) = columns {
                    cell[columns.field.as_str()] = column.as_str().into();
                }
                cell
            })
            .collect();
        let json = serde_json::json!({
            "fields": sweeps.iter().map(|s| s.field.as_str()).collect::<Vec<_>>(),
            "seeds": options.seeds,
            "grid": grid,
        });
        return print(&format!("{json}\n"));
    }
    let mut text = sweep_table(options, scenario, sweeps, &results, &pools);
    text += &format!(
        "\nwrote {} to {}\n",
        files.join(", "),
        options.out.display()
    );
    print(&text)
}

/// Fails unless `figure` names a pool figure, naming them.
fn check_figure(figure: &str) -> Result<()> {
    let known = serde_json::to_value(super::report::PoolFigures::default())?;
    if known
        .get(figure)
        .and_then(serde_json::Value::as_f64)
        .is_none()
    {
        return Err(CommandError::UnknownFigure {
            figure: figure.into(),
            names: known
                .as_object()
                .map(|figures| figures.keys().cloned().collect())
                .unwrap_or_default(),
        });
    }
    Ok(())
}

/// The sweep's table: per pool, one row per value of the first field and one column per
/// value of the second, each cell the figure's mean ± s.e.
fn sweep_table(
    options: &Options,
    scenario: &Scenario,
    sweeps: &[Sweep],
    results: &[((String, String), serde_json::Value)],
    pools: &[String],
) -> String {
    let rows = &sweeps[0];
    let columns = sweeps.get(1);
    let column_values: Vec<String> = columns.map_or(vec![String::new()], |c| c.values.clone());
    let mut text = format!(
        "{} (mean ± s.e. over {} seeds × {} h) by {}{}\n",
        options.figure,
        options.seeds,
        f64::from(scenario.duration_secs) / 3_600.0,
        rows.field,
        columns.map_or(String::new(), |c| format!(" × {}", c.field))
    );
    for pool in pools {
        text += &format!("\n{pool}\n{:>14}", rows.field);
        for column in &column_values {
            text += &format!(
                " {:>18}",
                columns.map_or("".into(), |c| format!("{}={column}", c.field))
            );
        }
        text += "\n";
        for row in &rows.values {
            text += &format!("{row:>14}");
            for column in &column_values {
                let summary = results
                    .iter()
                    .find(|((r, c), _)| r == row && c == column)
                    .map(|(_, summary)| summary);
                let cell = summary.map(|s| estimate(s, pool, &options.figure));
                text += &format!(" {:>18}", cell.map_or("-".into(), |e| pm(e, 1)));
            }
            text += "\n";
        }
    }
    text
}

/// Creates `folder` and checks a file can be written there, before a long run.
pub fn writable(folder: &Path) -> std::result::Result<(), OutError> {
    std::fs::create_dir_all(folder).map_err(|source| OutError::Create {
        folder: folder.to_path_buf(),
        source,
    })?;
    let probe = folder.join(".homeostat-write-check");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|source| OutError::Unwritable {
            folder: folder.to_path_buf(),
            source,
        })
}
