//! Writing a market run to disk: a CSV time series and three SVG charts (price and quotes,
//! inventory, LP value), dependency-free.

use std::fmt::Write as _;
use std::path::Path;

use crate::market::Outcome;

/// Writes `timeseries.csv`, `price.svg`, `inventory.svg` and `lp_value.svg` into `dir`.
pub fn write(outcome: &Outcome, dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let names: Vec<&str> = outcome
        .pools
        .iter()
        .map(|pool| pool.model.as_str())
        .collect();
    let mut csv = String::from("t,true_price,oracle_price");
    for name in &names {
        let _ = write!(
            csv,
            ",{name}_bid,{name}_ask,{name}_inventory_sol,{name}_net_delta_sol,{name}_lp_value_usdc"
        );
    }
    csv.push('\n');
    for sample in &outcome.samples {
        let _ = write!(
            csv,
            "{},{:.6},{:.6}",
            sample.t, sample.true_price, sample.oracle_price
        );
        for pool in &sample.pools {
            let _ = write!(
                csv,
                ",{:.6},{:.6},{:.6},{:.6},{:.2}",
                pool.bid, pool.ask, pool.inventory, pool.net_delta, pool.lp_value
            );
        }
        csv.push('\n');
    }
    std::fs::write(dir.join("timeseries.csv"), csv)?;

    // Charts plot at most ~600 points per series: enough for the eye, small files.
    let stride = outcome.samples.len().div_ceil(600).max(1);
    let plotted: Vec<&crate::market::Sample> = outcome.samples.iter().step_by(stride).collect();
    let t: Vec<f64> = plotted.iter().map(|s| f64::from(s.t)).collect();
    let column = |f: &dyn Fn(&crate::market::Sample) -> f64| -> Vec<f64> {
        plotted.iter().map(|s| f(s)).collect()
    };
    let mut price_series = vec![
        ("true price".to_string(), column(&|s| s.true_price)),
        ("oracle".to_string(), column(&|s| s.oracle_price)),
    ];
    for (index, name) in names.iter().enumerate() {
        price_series.push((
            format!("{name} bid (1 SOL)"),
            column(&|s| s.pools[index].bid),
        ));
        price_series.push((
            format!("{name} ask (1 SOL)"),
            column(&|s| s.pools[index].ask),
        ));
    }
    let mut inventory_series = Vec::new();
    for (i, name) in names.iter().enumerate() {
        inventory_series.push((
            format!("{name} inventory"),
            column(&|s| s.pools[i].inventory),
        ));
        inventory_series.push((
            format!("{name} net of hedge"),
            column(&|s| s.pools[i].net_delta),
        ));
    }
    let value_series: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), column(&|s| s.pools[i].lp_value)))
        .collect();
    std::fs::write(
        dir.join("price.svg"),
        chart("Price and quotes (USDC per SOL)", &t, &price_series),
    )?;
    std::fs::write(
        dir.join("inventory.svg"),
        chart("Inventory deviation (SOL)", &t, &inventory_series),
    )?;
    std::fs::write(
        dir.join("lp_value.svg"),
        chart("LP value (USDC, at the true price)", &t, &value_series),
    )?;
    Ok([
        "timeseries.csv",
        "price.svg",
        "inventory.svg",
        "lp_value.svg",
    ]
    .map(String::from)
    .to_vec())
}

const COLOURS: [&str; 6] = [
    "#222222", "#999999", "#1f77b4", "#6baed6", "#d62728", "#fc9272",
];

/// A line chart: one polyline per series, zero-valued points (no quote) skipped.
fn chart(title: &str, x: &[f64], series: &[(String, Vec<f64>)]) -> String {
    let (width, height, margin) = (900.0, 420.0, 60.0);
    let values = series
        .iter()
        .flat_map(|(_, ys)| ys.iter().copied())
        .filter(|y| y.is_finite() && *y != 0.0);
    let (mut low, mut high) =
        values.fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if low > high {
        (low, high) = (0.0, 1.0);
    }
    if (high - low).abs() < 1e-12 {
        (low, high) = (low - 1.0, high + 1.0);
    }
    let x_max = x.last().copied().unwrap_or(1.0).max(1.0);
    let sx = |value: f64| margin + value / x_max * (width - 2.0 * margin);
    let sy = |value: f64| height - margin - (value - low) / (high - low) * (height - 2.0 * margin);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{margin}\" y=\"24\" font-size=\"15\">{title}</text>\n"
    );
    let _ = writeln!(
        svg,
        "<line x1=\"{margin}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>",
        height - margin,
        width - margin,
        height - margin
    );
    let _ = writeln!(
        svg,
        "<line x1=\"{margin}\" y1=\"{margin}\" x2=\"{margin}\" y2=\"{}\" stroke=\"black\"/>",
        height - margin
    );
    for tick in 0..=4 {
        let value = low + (high - low) * f64::from(tick) / 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"4\" y=\"{:.1}\">{value:.2}</text>",
            sy(value) + 4.0
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\">time (s) →  {x_max:.0}</text>",
        width - margin - 120.0,
        height - margin + 30.0
    );
    for (index, (name, ys)) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let points: Vec<String> = x
            .iter()
            .zip(ys)
            .filter(|(_, y)| y.is_finite() && **y != 0.0)
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.2\" points=\"{}\"/>",
            points.join(" ")
        );
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{name}</text>",
            width - margin - 200.0,
            margin + 16.0 * index as f64
        );
    }
    svg.push_str("</svg>\n");
    svg
}
