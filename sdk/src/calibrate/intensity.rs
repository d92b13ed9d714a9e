//! The fill intensity `λ(δ) = A·e^(−kδ)` by maximum likelihood with exposure: what each
//! side quoted and what filled, read against the fair price ([`observe`]), then fitted
//! ([`fit_intensity`]).

use super::{CalibrationError, History, Interval, Settings, Side};

/// One side's (or both sides') fill intensity.
#[derive(Clone, Debug, PartialEq)]
pub struct Intensity {
    /// A, fills per second at zero distance.
    pub a: Interval,
    /// k, per unit of distance.
    pub k: Interval,
    /// Fills counted.
    pub fills: f64,
    /// Seconds of exposure in the model's range.
    pub exposure_secs: f64,
    /// Mean distance of the fills, a fraction.
    pub mean_distance: f64,
    /// Empirical intensity by distance bucket: `(bucket start, fills, seconds)`.
    pub buckets: Vec<(f64, f64, f64)>,
}

/// What the estimators read from a history, per side: exposures `(distance, seconds)`
/// and fill distances, in the model's range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observed {
    /// `(δ, seconds)` the side quoted.
    pub exposure: Vec<(f64, f64)>,
    /// δ of each fill counted.
    pub fills: Vec<f64>,
    /// Fills dropped as informed (markout).
    pub informed: u32,
    /// Fills outside the model's range (censored).
    pub censored: u32,
    /// Sizes of the fills counted, lots.
    pub sizes: Vec<f64>,
}

/// Splits a history into each side's observations (`[bid, ask]`). `sigma2` (per second)
/// scales the markout test; without it no fill is flagged informed.
pub fn observe(history: &History, settings: &Settings, sigma2: Option<f64>) -> [Observed; 2] {
    let mut sides = [Observed::default(), Observed::default()];
    let in_range = |delta: f64| delta >= settings.distance_min && delta <= settings.distance_max;
    for quote in &history.quotes {
        // Exposure counts only where a fill could be counted: with a fair price at the
        // markout's horizon too.
        let (Some(fair), Some(_)) = (
            history.fair(quote.t),
            history.fair(quote.t + settings.markout_secs),
        ) else {
            continue;
        };
        for (side, price) in [(Side::Bid, quote.bid), (Side::Ask, quote.ask)] {
            let Some(price) = price else { continue };
            let delta = side.distance(price, fair);
            if in_range(delta) && quote.duration > 0.0 {
                sides[side as usize].exposure.push((delta, quote.duration));
            }
        }
    }
    let move_limit = sigma2.map(|s2| settings.markout_z * (s2 * settings.markout_secs).sqrt());
    for fill in &history.fills {
        let observed = &mut sides[fill.side as usize];
        let (Some(fair), Some(later)) = (
            history.fair(fill.t),
            history.fair(fill.t + settings.markout_secs),
        ) else {
            continue;
        };
        let delta = fill.side.distance(fill.price, fair);
        // What the price did after the fill, signed for the pool: a bid fill loses when
        // the price falls.
        let moved = match fill.side {
            Side::Bid => (later - fair) / fair,
            Side::Ask => (fair - later) / fair,
        };
        if move_limit.is_some_and(|limit| moved < -limit) {
            observed.informed += 1;
        } else if !in_range(delta) {
            observed.censored += 1;
        } else {
            observed.fills.push(delta);
            observed.sizes.push(fill.size);
        }
    }
    sides
}

/// The exposure's sums at decay `k`: `(S0, S1, S2) = Σ dt·e^(−kδ)·(1, δ, δ²)`, scaled by
/// `e^(kδ_ref)` to stay finite (the scale cancels in every ratio).
fn tilted(exposure: &[(f64, f64)], k: f64, reference: f64) -> (f64, f64, f64) {
    exposure
        .iter()
        .fold((0.0, 0.0, 0.0), |(s0, s1, s2), &(delta, dt)| {
            let w = dt * (-k * (delta - reference)).exp();
            (s0 + w, s1 + w * delta, s2 + w * delta * delta)
        })
}

/// The maximum-likelihood `(A, k)` of fills at distances `fills` given `exposure`
/// (`(δ, seconds)`), with `z`-standard-error intervals (k symmetric, A log-symmetric).
/// `side` names the data in errors.
pub fn fit_intensity(
    side: &'static str,
    exposure: &[(f64, f64)],
    fills: &[f64],
    settings: &Settings,
) -> Result<Intensity, CalibrationError> {
    let n = fills.len() as f64;
    let raw = exposure;
    let exposure = &binned(exposure);
    if n < settings.min_fills.max(2.0) {
        return Err(CalibrationError::TooFewFills {
            side,
            fills: n,
            needed: settings.min_fills,
        });
    }
    let mean_fill = fills.iter().sum::<f64>() / n;
    let reference = exposure
        .iter()
        .map(|&(delta, _)| delta)
        .fold(f64::INFINITY, f64::min);
    let widest = exposure
        .iter()
        .map(|&(delta, _)| delta)
        .fold(f64::NEG_INFINITY, f64::max);
    // The score in k: the exposure's e^(−kδ)-tilted mean distance minus the fills' mean.
    // The tilted mean falls as k rises, so the root is unique.
    let score = |k: f64| {
        let (s0, s1, _) = tilted(exposure, k, reference);
        s1 / s0 - mean_fill
    };
    // |k|·(spread of distances) ≤ 600 keeps every e^(−kδ) finite.
    let bound = 600.0 / (widest - reference);
    let mut high = bound;
    if !(bound.is_finite() && score(high) < 0.0) {
        return Err(CalibrationError::NotIdentifiable {
            side,
            k_error: f64::INFINITY,
            limit: settings.max_k_error,
        });
    }
    // The fills sit further out than the exposure itself: the MLE's k is below zero.
    if score(0.0) <= 0.0 {
        return Err(CalibrationError::NotDecaying { side });
    }
    let mut low = 0.0;
    for _ in 0..100 {
        let middle = 0.5 * (low + high);
        if score(middle) > 0.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    let k = 0.5 * (low + high);
    let (s0, s1, s2) = tilted(exposure, k, reference);
    let mean = s1 / s0;
    let variance = (s2 / s0 - mean * mean).max(0.0);
    // Observed information of (ln A, k): [[n, −n·m], [−n·m, n·(m² + v)]].
    let k_se = 1.0 / (n * variance).sqrt();
    let ln_a_se = ((mean * mean + variance) / (n * variance)).sqrt();
    let k_error = k_se / k.abs();
    if k_error.is_nan() || k_error > settings.max_k_error {
        return Err(CalibrationError::NotIdentifiable {
            side,
            k_error,
            limit: settings.max_k_error,
        });
    }
    // Â = n / Σ dt·e^(−kδ), undoing the scale.
    let a = n / (s0 * (-k * reference).exp());
    let z = settings.interval_z;
    Ok(Intensity {
        a: Interval {
            estimate: a,
            low: a * (-z * ln_a_se).exp(),
            high: a * (z * ln_a_se).exp(),
        },
        k: Interval {
            estimate: k,
            low: k - z * k_se,
            high: k + z * k_se,
        },
        fills: n,
        exposure_secs: exposure.iter().map(|&(_, dt)| dt).sum(),
        mean_distance: mean_fill,
        buckets: buckets(raw, fills, settings),
    })
}

/// Distance resolution of the fit: exposure closer than this is merged (its seconds
/// summed at their mean distance), so a day of 400 ms samples costs thousands of terms,
/// not hundreds of thousands; `k·BIN` ≪ 1 over the model's domain of k.
const BIN: f64 = 1e-7;

/// `exposure` merged into bins of [`BIN`]: `(seconds-weighted mean δ, seconds)`.
fn binned(exposure: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted = exposure.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut bins: Vec<(f64, f64, f64)> = Vec::new(); // (start, Σ dt·δ, Σ dt)
    for (delta, dt) in sorted {
        match bins.last_mut() {
            Some(bin) if delta - bin.0 < BIN => {
                bin.1 += dt * delta;
                bin.2 += dt;
            }
            _ => bins.push((delta, dt * delta, dt)),
        }
    }
    bins.into_iter()
        .filter(|bin| bin.2 > 0.0)
        .map(|(_, moment, seconds)| (moment / seconds, seconds))
        .collect()
}

/// The empirical intensity's table: fills and seconds per distance bucket.
fn buckets(exposure: &[(f64, f64)], fills: &[f64], settings: &Settings) -> Vec<(f64, f64, f64)> {
    let width = settings.bucket.max(f64::MIN_POSITIVE);
    let index = |delta: f64| ((delta - settings.distance_min) / width).floor().max(0.0) as usize;
    let mut table: Vec<(f64, f64, f64)> = Vec::new();
    let grow = |i: usize, table: &mut Vec<(f64, f64, f64)>| {
        while table.len() <= i {
            let start = settings.distance_min + width * table.len() as f64;
            table.push((start, 0.0, 0.0));
        }
    };
    for &(delta, dt) in exposure {
        let i = index(delta);
        grow(i, &mut table);
        table[i].2 += dt;
    }
    for &delta in fills {
        let i = index(delta);
        grow(i, &mut table);
        table[i].1 += 1.0;
    }
    table
}
