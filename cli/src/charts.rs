//! Line and scatter charts drawn with `plotters`, written as SVG and PNG. Pure Rust: the
//! PNG's text is rendered from an embedded DejaVu Sans, so no system font library is
//! needed. The legend has its own column to the right of the plot, so it never covers
//! the data.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

/// Pixels of the whole image.
const SIZE: (u32, u32) = (1_100, 480);
/// The legend's column.
const LEGEND_WIDTH: u32 = 250;
const FONT: &str = "sans-serif";

/// One line. A point whose `y` is not finite is a gap (e.g. a second without a quote):
/// the line stops there and resumes after it. A line with an empty label has no legend
/// entry (the second edge of a band).
pub struct Line {
    /// Legend entry.
    pub label: String,
    /// Colour.
    pub colour: RGBColor,
    /// Dashed (reference lines: bands, caps, baselines).
    pub dashed: bool,
    /// Drawn thicker (the series the chart is about).
    pub bold: bool,
    /// The points, in x order.
    pub points: Vec<(f64, f64)>,
}

impl Line {
    /// A solid line.
    pub fn new(label: impl Into<String>, colour: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            label: label.into(),
            colour,
            dashed: false,
            bold: false,
            points,
        }
    }

    /// The same line, dashed.
    pub fn dashed(self) -> Self {
        Self {
            dashed: true,
            ..self
        }
    }

    /// The same line, thicker.
    pub fn bold(self) -> Self {
        Self { bold: true, ..self }
    }

    /// The stroke it is drawn with, in the plot and in the legend.
    fn style(&self) -> ShapeStyle {
        self.colour.stroke_width(if self.bold { 3 } else { 2 })
    }
}

/// A chart: title, axis descriptions, lines, and labelled points (drawn as dots).
pub struct Chart {
    /// Caption.
    pub title: String,
    /// What the x axis measures, with its unit.
    pub x_desc: String,
    /// What the y axis measures, with its unit.
    pub y_desc: String,
    /// Lines, drawn in order (later ones on top).
    pub lines: Vec<Line>,
    /// Labelled points.
    pub points: Vec<(String, (f64, f64))>,
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// `plotters` refused the embedded font.
    #[error("the embedded DejaVu Sans font was rejected")]
    Font,
    /// Drawing or writing the file failed.
    #[error("drawing {file}: {source}")]
    Draw {
        /// The file's name.
        file: String,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Writes `chart` to `dir/stem.svg` and `dir/stem.png`; returns the file names.
pub fn write(chart: &Chart, dir: &Path, stem: &str) -> Result<[String; 2], ChartError> {
    register_font()?;
    let svg = format!("{stem}.svg");
    let png = format!("{stem}.png");
    let failed = |file: &str| {
        let file = file.to_string();
        move |source| ChartError::Draw { file, source }
    };
    draw(
        SVGBackend::new(&dir.join(&svg), SIZE).into_drawing_area(),
        chart,
        Joins::Polyline,
    )
    .map_err(failed(&svg))?;
    draw(
        BitMapBackend::new(&dir.join(&png), SIZE).into_drawing_area(),
        chart,
        Joins::Segments,
    )
    .map_err(failed(&png))?;
    Ok([svg, png])
}

/// Registers the embedded font under `FONT`, once per process.
fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// A tick label: at most two decimals, no trailing zeros (`30`, `151.5`, `0.25`).
fn tick(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// The range `values` span, padded by 5 % each side (a flat series gets ±1).
fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if low > high {
        return 0.0..1.0;
    }
    let pad = if high > low { (high - low) * 0.05 } else { 1.0 };
    (low - pad)..(high + pad)
}

/// How a solid line is drawn.
#[derive(Clone, Copy, PartialEq)]
enum Joins {
    /// One path per line (SVG: the viewer joins it).
    Polyline,
    /// One path per segment: the bitmap rasteriser mitres thick paths without a limit,
    /// so a sharp turn in a noisy series would draw a spike far past the data.
    Segments,
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    chart: &Chart,
    joins: Joins,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (plot_area, legend_area) = root.split_horizontally(SIZE.0 - LEGEND_WIDTH);
    let every_point = || {
        chart
            .lines
            .iter()
            .flat_map(|line| line.points.iter().copied())
            .chain(chart.points.iter().map(|(_, point)| *point))
    };
    let mut x_range = padded_range(every_point().map(|(x, _)| x));
    if !chart.points.is_empty() {
        // Room on the right for the labels of the rightmost points.
        x_range.end += (x_range.end - x_range.start) * 0.2;
    }
    let y_range = padded_range(every_point().map(|(_, y)| y));
    let mut plot = ChartBuilder::on(&plot_area)
        .caption(&chart.title, (FONT, 20))
        .margin(14)
        .x_label_area_size(46)
        .y_label_area_size(78)
        .build_cartesian_2d(x_range, y_range)?;
    plot.configure_mesh()
        .x_desc(&chart.x_desc)
        .y_desc(&chart.y_desc)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&|x| tick(*x))
        .y_label_formatter(&|y| tick(*y))
        .light_line_style(WHITE)
        .bold_line_style(BLACK.mix(0.1))
        .draw()?;
    for line in &chart.lines {
        let style = line.style();
        for segment in line.points.split(|(_, y)| !y.is_finite()) {
            if line.dashed {
                plot.draw_series(DashedLineSeries::new(segment.iter().copied(), 8, 5, style))?;
            } else if joins == Joins::Segments {
                let pieces = segment
                    .windows(2)
                    .map(|pair| PathElement::new(pair.to_vec(), style));
                plot.draw_series(pieces)?;
            } else {
                plot.draw_series(LineSeries::new(segment.iter().copied(), style))?;
            }
        }
    }
    // A dot per labelled point, its label beside it (offset in pixels, clear of the dot).
    let dots = chart.points.iter().map(|(label, point)| {
        EmptyElement::at(*point)
            + Circle::new((0, 0), 5, BLACK.filled())
            + Text::new(label.clone(), (9, -7), (FONT, 14))
    });
    plot.draw_series(dots)?;
    // The legend: its own column, one row per labelled line, aligned with the plot's top.
    let labelled = chart.lines.iter().filter(|line| !line.label.is_empty());
    for (row, line) in labelled.enumerate() {
        let y = 60 + 24 * i32::try_from(row).unwrap_or(i32::MAX / 48);
        // The swatch: one stroke, or two for a dashed line.
        let pieces: &[(i32, i32)] = if line.dashed {
            &[(8, 20), (28, 40)]
        } else {
            &[(8, 40)]
        };
        for &(from, to) in pieces {
            legend_area.draw(&PathElement::new(vec![(from, y), (to, y)], line.style()))?;
        }
        legend_area.draw(&Text::new(
            line.label.clone(),
            (48, y - 8),
            (FONT, 14).into_font().color(&BLACK),
        ))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(30.0), "30");
        assert_eq!(tick(151.5), "151.5");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(-0.001), "0");
        assert_eq!(tick(-12.0), "-12");
    }

    #[test]
    fn ranges_pad_the_data_and_survive_flat_or_empty_series() {
        let range = padded_range([0.0, 10.0, f64::NAN].into_iter());
        assert_eq!((range.start, range.end), (-0.5, 10.5));
        let flat = padded_range([3.0, 3.0].into_iter());
        assert_eq!((flat.start, flat.end), (2.0, 4.0));
        let empty = padded_range(std::iter::empty());
        assert_eq!((empty.start, empty.end), (0.0, 1.0));
    }

    #[test]
    fn a_chart_is_written_as_svg_and_png_with_its_legend_and_gaps() {
        let dir = std::env::temp_dir().join(format!("homeostat-chart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let chart = Chart {
            title: "Test".into(),
            x_desc: "time (min)".into(),
            y_desc: "SOL".into(),
            lines: vec![
                Line::new(
                    "gross",
                    BLUE,
                    vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0), (3.0, 2.0)],
                )
                .bold(),
                Line::new("band", BLACK, vec![(0.0, 5.0), (3.0, 5.0)]).dashed(),
            ],
            points: vec![("w=0".into(), (1.0, 2.0))],
        };
        let files = write(&chart, &dir, "test").expect("written");
        assert_eq!(files, ["test.svg".to_string(), "test.png".to_string()]);
        let svg = std::fs::read_to_string(dir.join("test.svg")).expect("svg");
        for label in ["Test", "gross", "band", "w=0", "time (min)"] {
            assert!(svg.contains(label), "{label} missing from the SVG");
        }
        let png = std::fs::read(dir.join("test.png")).expect("png");
        assert_eq!(&png[1..4], b"PNG");
        std::fs::remove_dir_all(&dir).ok();
    }
}
