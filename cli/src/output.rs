//! Writing a market run to disk: the time series as CSV and the charts (price and quotes,
//! inventory, P&L attribution), each as SVG and PNG; and a sweep's table and frontier.

use std::path::{Path, PathBuf};

use plotters::style::{RGBColor, BLACK};

use crate::charts::{self, Chart, ChartError, Line};
use crate::error::FileError;
use crate::market::{Outcome, PoolReport, Sample};

const GREY: RGBColor = RGBColor(150, 150, 150);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const LIGHT_BLUE: RGBColor = RGBColor(120, 175, 220);
const ORANGE: RGBColor = RGBColor(230, 120, 20);
const LIGHT_ORANGE: RGBColor = RGBColor(245, 180, 110);
const GREEN: RGBColor = RGBColor(44, 160, 44);
const RED: RGBColor = RGBColor(214, 39, 40);
const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// Why a run's files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder could not be created.
    #[error("{0}")]
    Folder(#[from] FileError),
    /// A CSV file could not be written.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: csv::Error,
    },
    /// A chart could not be drawn.
    #[error("{0}")]
    Chart(#[from] ChartError),
}

/// A `map_err` for a CSV error on `path`.
fn csv_failed(path: &Path) -> impl Fn(csv::Error) -> OutputError + '_ {
    move |source| OutputError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Charts plot at most this many points per series: enough for the eye, small files.
const MAX_PLOTTED: usize = 1_200;

/// Writes `timeseries.csv` and the `price`, `inventory` and `pnl` charts (`.svg`, `.png`)
/// into `dir`; returns the file names.
pub fn write(outcome: &Outcome, dir: &Path) -> Result<Vec<String>, OutputError> {
    std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
    write_csv(outcome, &dir.join("timeseries.csv"))?;
    let mut files = vec!["timeseries.csv".to_string()];
    for (chart, stem) in [
        (price_chart(outcome), "price"),
        (inventory_chart(outcome), "inventory"),
        (pnl_chart(outcome), "pnl"),
    ] {
        files.extend(charts::write(&chart, dir, stem)?);
    }
    Ok(files)
}

/// One row per second: the prices, then per pool its quotes for 1 SOL, its book (gross
/// inventory, net delta, hedge, band) and its P&L attribution so far.
fn write_csv(outcome: &Outcome, path: &Path) -> Result<(), OutputError> {
    let failed = csv_failed(path);
    let mut writer = csv::Writer::from_path(path).map_err(&failed)?;
    let mut header = vec!["t".to_string(), "true_price".into(), "oracle_price".into()];
    for pool in &outcome.pools {
        for column in [
            "bid",
            "ask",
            "inventory_sol",
            "net_delta_sol",
            "hedge_sol",
            "band_sol",
            "lp_value_usdc",
            "spread_usdc",
            "fees_usdc",
            "inventory_mtm_usdc",
            "protocol_usdc",
            "lp_vs_hold_usdc",
            "hedge_owner_usdc",
        ] {
            header.push(format!("{}_{column}", pool.model));
        }
    }
    writer.write_record(&header).map_err(&failed)?;
    for sample in &outcome.samples {
        let mut row = vec![
            sample.t.to_string(),
            format!("{:.6}", sample.true_price),
            format!("{:.6}", sample.oracle_price),
        ];
        for pool in &sample.pools {
            let pnl = &pool.pnl;
            row.extend(
                [pool.bid, pool.ask]
                    .iter()
                    .map(|price| format!("{price:.6}")),
            );
            row.extend(
                [pool.inventory, pool.net_delta, pool.hedge, pool.band]
                    .iter()
                    .map(|sol| format!("{sol:.9}")),
            );
            row.extend(
                [
                    pool.lp_value,
                    pnl.spread_usdc,
                    pnl.fees_usdc,
                    pnl.inventory_usdc,
                    pnl.protocol_usdc,
                    lp_vs_hold(pnl),
                    pnl.hedge_owner_usdc,
                ]
                .iter()
                .map(|usdc| format!("{usdc:.6}")),
            );
        }
        writer.write_record(&row).map_err(&failed)?;
    }
    writer.flush().map_err(|error| failed(error.into()))
}

/// The LPs' result against holding, by the attribution's identity.
fn lp_vs_hold(pnl: &crate::market::Attribution) -> f64 {
    pnl.spread_usdc + pnl.fees_usdc + pnl.inventory_usdc + pnl.protocol_usdc
}

/// The time axis: minutes for runs up to three hours, hours beyond.
fn time_axis(outcome: &Outcome) -> (f64, &'static str) {
    if outcome.scenario.duration_secs <= 3 * 3_600 {
        (60.0, "time (minutes)")
    } else {
        (3_600.0, "time (hours)")
    }
}

/// The samples a chart plots, evenly thinned to at most `MAX_PLOTTED`.
fn plotted(outcome: &Outcome) -> Vec<&Sample> {
    let stride = outcome.samples.len().div_ceil(MAX_PLOTTED).max(1);
    outcome.samples.iter().step_by(stride).collect()
}

/// A line over time: `value` of each plotted sample.
fn over_time(
    outcome: &Outcome,
    label: impl Into<String>,
    colour: RGBColor,
    value: impl Fn(&Sample) -> f64,
) -> Line {
    let (unit, _) = time_axis(outcome);
    let points = plotted(outcome)
        .into_iter()
        .map(|sample| (f64::from(sample.t) / unit, value(sample)))
        .collect();
    Line::new(label, colour, points)
}

fn price_chart(outcome: &Outcome) -> Chart {
    let mut lines = vec![
        over_time(outcome, "true price", BLACK, |s| s.true_price).bold(),
        over_time(outcome, "oracle", GREY, |s| s.oracle_price).dashed(),
    ];
    let colours = [(BLUE, LIGHT_BLUE), (ORANGE, LIGHT_ORANGE)];
    for (index, pool) in outcome.pools.iter().enumerate() {
        let (bid, ask) = colours[index % colours.len()];
        // A price of 0 is a second the pool would not quote: a gap in the line.
        let quoted = |price: f64| if price > 0.0 { price } else { f64::NAN };
        lines.push(over_time(
            outcome,
            format!("{} bid", pool.model),
            bid,
            |s| quoted(s.pools[index].bid),
        ));
        lines.push(over_time(
            outcome,
            format!("{} ask", pool.model),
            ask,
            |s| quoted(s.pools[index].ask),
        ));
    }
    Chart {
        title: "Price and the pools' quotes for 1 SOL".into(),
        x_desc: time_axis(outcome).1.into(),
        y_desc: "USDC per SOL".into(),
        lines,
        points: Vec::new(),
    }
}

fn inventory_chart(outcome: &Outcome) -> Chart {
    let mut lines = Vec::new();
    if let Some(main) = outcome.pools.first() {
        let name = &main.model;
        lines.push(
            over_time(outcome, format!("{name} gross q"), BLUE, |s| {
                s.pools[0].inventory
            })
            .bold(),
        );
        lines.push(over_time(
            outcome,
            format!("{name} net of hedge"),
            PURPLE,
            |s| s.pools[0].net_delta,
        ));
        lines.push(over_time(outcome, format!("{name} hedge"), GREEN, |s| {
            s.pools[0].hedge
        }));
        lines.push(over_time(outcome, "± band", GREY, |s| s.pools[0].band).dashed());
        lines.push(over_time(outcome, "", GREY, |s| -s.pools[0].band).dashed());
    }
    for (index, pool) in outcome.pools.iter().enumerate().skip(1) {
        lines.push(
            over_time(outcome, format!("{} q", pool.model), ORANGE, move |s| {
                s.pools[index].inventory
            })
            .dashed(),
        );
    }
    Chart {
        title: "Inventory: gross, net of hedge, hedge (SOL)".into(),
        x_desc: time_axis(outcome).1.into(),
        y_desc: "SOL".into(),
        lines,
        points: Vec::new(),
    }
}

fn pnl_chart(outcome: &Outcome) -> Chart {
    let mut lines = Vec::new();
    if let Some(main) = outcome.pools.first() {
        let name = &main.model;
        let pnl = |s: &Sample| s.pools[0].pnl;
        lines.push(over_time(outcome, "spread", BLUE, move |s| {
            pnl(s).spread_usdc
        }));
        lines.push(over_time(outcome, "fees", GREEN, move |s| pnl(s).fees_usdc));
        lines.push(over_time(outcome, "inventory", RED, move |s| {
            pnl(s).inventory_usdc
        }));
        lines.push(over_time(outcome, "protocol", GREY, move |s| {
            pnl(s).protocol_usdc
        }));
        lines.push(
            over_time(outcome, format!("{name} LP vs hold"), BLACK, move |s| {
                lp_vs_hold(&pnl(s))
            })
            .bold(),
        );
        lines.push(over_time(outcome, "hedge owner", PURPLE, move |s| {
            pnl(s).hedge_owner_usdc
        }));
    }
    for (index, pool) in outcome.pools.iter().enumerate().skip(1) {
        lines.push(
            over_time(
                outcome,
                format!("{} LP vs hold", pool.model),
                ORANGE,
                move |s| lp_vs_hold(&s.pools[index].pnl),
            )
            .dashed(),
        );
    }
    let main = outcome
        .pools
        .first()
        .map_or(String::new(), |pool| format!("{} ", pool.model));
    Chart {
        title: format!("P&L attribution of the {main}pool, cumulative (USDC at the true price)"),
        x_desc: time_axis(outcome).1.into(),
        y_desc: "USDC".into(),
        lines,
        points: Vec::new(),
    }
}

/// The sweep's cost of risk reduction: for the main pool of each run, the total cost
/// `−(LP vs hold + hedge owner)` against the net delta's standard deviation.
pub fn frontier_point(pool: &PoolReport) -> (f64, f64) {
    (
        -(pool.lp_pnl_vs_hold_usdc + pool.attribution.hedge_owner_usdc),
        pool.net_delta_std_sol,
    )
}

/// Writes `sweep.csv` (one row per value) and the `frontier` chart into `dir`.
pub fn write_sweep(
    field: &str,
    runs: &[(String, Outcome)],
    dir: &Path,
) -> Result<Vec<String>, OutputError> {
    std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
    let path = dir.join("sweep.csv");
    let failed = csv_failed(&path);
    let mut writer = csv::Writer::from_path(&path).map_err(&failed)?;
    writer
        .write_record([
            field,
            "trades",
            "lp_vs_hold_usdc",
            "hedge_owner_usdc",
            "total_cost_usdc",
            "inventory_std_sol",
            "net_delta_std_sol",
            "time_in_band",
            "hedges",
            "venue_fees_usdc",
        ])
        .map_err(&failed)?;
    let mut points = Vec::new();
    for (value, outcome) in runs {
        let Some(pool) = outcome.pools.first() else {
            continue;
        };
        let (cost, risk) = frontier_point(pool);
        writer
            .write_record([
                value.clone(),
                pool.trades.to_string(),
                format!("{:.6}", pool.lp_pnl_vs_hold_usdc),
                format!("{:.6}", pool.attribution.hedge_owner_usdc),
                format!("{cost:.6}"),
                format!("{:.9}", pool.inventory_std_sol),
                format!("{:.9}", pool.net_delta_std_sol),
                format!("{:.6}", pool.time_in_band),
                pool.hedges.to_string(),
                format!("{:.6}", pool.hedge_fees_usdc),
            ])
            .map_err(&failed)?;
        points.push((value.clone(), (cost, risk)));
    }
    writer.flush().map_err(|error| failed(error.into()))?;
    let chart = Chart {
        title: format!("Sweep of {field}: net-delta risk against total cost"),
        x_desc: "total cost, −(LP vs hold + hedge owner), USDC (negative: a gain)".into(),
        y_desc: "net delta std, SOL".into(),
        lines: vec![Line::new(
            format!("{field}, in sweep order"),
            BLUE,
            points.iter().map(|(_, point)| *point).collect(),
        )],
        points,
    };
    let mut files = vec!["sweep.csv".to_string()];
    files.extend(charts::write(&chart, dir, "frontier")?);
    Ok(files)
}
