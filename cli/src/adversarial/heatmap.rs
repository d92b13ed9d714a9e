//! The break-even map of a sweep: `grid.csv` and, per pool, an SVG heat map of one figure
//! (by default the LPs' result: green where the pool earns, red where it bleeds, white
//! near zero; each cell labelled mean ± s.e.).

use std::path::Path;

use super::report::{estimate, Estimate};
use crate::error::FileError;

type Cell = ((String, String), serde_json::Value);

const CELL: (usize, usize) = (150, 56);
const MARGIN: (usize, usize) = (170, 90);

/// Writes the grid of `figure` and its heat maps; returns the file names.
pub fn write(
    folder: &Path,
    (rows, columns): (&str, Option<&str>),
    figure: &str,
    cells: &[Cell],
    pools: &[String],
) -> Result<Vec<String>, FileError> {
    let failed = |file: &str| FileError::at(folder.join(file));
    let mut csv = format!(
        "{rows},{},pool,lp_vs_hold_usdc,se,lp_over_lvr,se\n",
        columns.unwrap_or("-")
    );
    for ((row, column), summary) in cells {
        for pool in pools {
            let lp = estimate(summary, pool, "lp_vs_hold_usdc");
            let ratio = estimate(summary, pool, "lp_over_lvr");
            csv += &format!(
                "{row},{column},{pool},{},{},{},{}\n",
                lp.mean, lp.se, ratio.mean, ratio.se
            );
        }
    }
    std::fs::write(folder.join("grid.csv"), csv).map_err(failed("grid.csv"))?;
    let mut files = vec!["grid.csv".to_string()];
    for pool in pools {
        let file = format!("heatmap-{pool}.svg");
        std::fs::write(
            folder.join(&file),
            svg((rows, columns), figure, cells, pool),
        )
        .map_err(failed(&file))?;
        files.push(file);
    }
    Ok(files)
}

/// Distinct values in first-seen order.
fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut seen: Vec<&String> = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

/// Red (−1) through white (0) to green (+1).
fn colour(t: f64) -> String {
    let t = t.clamp(-1.0, 1.0);
    let fade = |full: f64| (255.0 - (255.0 - full) * t.abs()).round() as u8;
    let (r, g, b) = if t < 0.0 {
        (fade(200.0), fade(40.0), fade(40.0))
    } else {
        (fade(30.0), fade(150.0), fade(60.0))
    };
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn svg((rows, columns): (&str, Option<&str>), figure: &str, cells: &[Cell], pool: &str) -> String {
    let row_values = distinct(cells.iter().map(|((row, _), _)| row));
    let column_values = distinct(cells.iter().map(|((_, column), _)| column));
    let lp = |row: &String, column: &String| -> Estimate {
        cells
            .iter()
            .find(|((r, c), _)| r == row && c == column)
            .map_or(Estimate { mean: 0.0, se: 0.0 }, |(_, s)| {
                estimate(s, pool, figure)
            })
    };
    let scale = cells
        .iter()
        .map(|(_, s)| estimate(s, pool, figure).mean.abs())
        .fold(f64::MIN_POSITIVE, f64::max);
    let width = MARGIN.0 + CELL.0 * column_values.len() + 20;
    let height = MARGIN.1 + CELL.1 * row_values.len() + 40;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"13\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"24\" font-size=\"16\">{pool}: {figure} (mean ± s.e.)</text>\n\
         <text x=\"10\" y=\"{}\" font-weight=\"bold\">{rows} ↓</text>\n",
        MARGIN.1 - 12
    );
    if let Some(columns) = columns {
        svg += &format!(
            "<text x=\"{}\" y=\"50\" font-weight=\"bold\">{columns} →</text>\n",
            MARGIN.0
        );
    }
    for (j, column) in column_values.iter().enumerate() {
        let x = MARGIN.0 + CELL.0 * j + CELL.0 / 2;
        svg += &format!(
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{column}</text>\n",
            MARGIN.1 - 12
        );
    }
    for (i, row) in row_values.iter().enumerate() {
        let y = MARGIN.1 + CELL.1 * i;
        svg += &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{row}</text>\n",
            MARGIN.0 - 10,
            y + CELL.1 / 2 + 5
        );
        for (j, column) in column_values.iter().enumerate() {
            let x = MARGIN.0 + CELL.0 * j;
            let value = lp(row, column);
            svg += &format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#888\"/>\n\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:.0} ± {:.0}</text>\n",
                CELL.0,
                CELL.1,
                colour(value.mean / scale),
                x + CELL.0 / 2,
                y + CELL.1 / 2 + 5,
                value.mean,
                value.se
            );
        }
    }
    svg + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_red_through_white_to_green() {
        assert_eq!(colour(0.0), "#ffffff");
        assert_eq!(colour(-1.0), "#c82828");
        assert_eq!(colour(1.0), "#1e963c");
        assert_eq!(colour(5.0), colour(1.0));
    }
}
