//! What the adversarial market measures, per seed and over seeds (mean ± standard error).
//!
//! Every trade is booked at the true price of its block: its *edge* is what the pool
//! gained against that price (fees to the LPs included, the protocol's share excluded),
//! split by who traded — uninformed flow (retail edge) or arbitrage (arbitrage loss when
//! negative). The LPs' result against holding their deposit is that edge plus the
//! inventory's mark-to-market. Loss-versus-rebalancing is accumulated block by block as
//! `V·r²/8` (V the pool's value, r the block's log return): what a zero-fee
//! constant-product pool loses to arbitrage (Milionis et al. 2022).

use serde::Serialize;

use super::scenario::PoolKind;
use super::venues::Fill;

/// Who traded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FillKind {
    /// Uninformed flow, routed.
    Retail,
    /// An arbitrageur.
    Arbitrage,
}

/// Markout horizons, seconds.
pub const MARKOUT_SECS: [u64; 3] = [1, 10, 60];
/// Realised-gamma horizons, seconds.
pub const GAMMA_SECS: [usize; 4] = [1, 10, 60, 600];

/// One pool's running record.
pub struct Tally {
    /// The deposit, (SOL, USDC).
    initial: (f64, f64),
    /// The LPs' reserves after the last block.
    reserves: (f64, f64),
    /// Every fill: block, kind, SOL and USDC into the pool.
    fills: Vec<(u64, FillKind, f64, f64)>,
    edge: [f64; 2],
    volume: [f64; 2],
    trades: [u64; 2],
    fees: f64,
    protocol: f64,
    lvr: f64,
    /// Once a second: SOL held beyond the initial deposit, and the true price.
    seconds: Vec<(f64, f64)>,
    /// Transactions the pool refused for its price (a print stale, older than used, too
    /// uncertain; no usable quote in a prop pool that then refuses).
    pub oracle_refusals: u64,
    /// Homeostat fills priced at the quoter's price (prop-AMM mode) and at a Pyth print.
    source_fills: [u64; 2],
}

fn slot(kind: FillKind) -> usize {
    match kind {
        FillKind::Retail => 0,
        FillKind::Arbitrage => 1,
    }
}

impl Tally {
    /// A pool that starts with these reserves.
    pub fn new(base: f64, quote: f64) -> Self {
        Self {
            initial: (base, quote),
            reserves: (base, quote),
            fills: Vec::new(),
            edge: [0.0; 2],
            volume: [0.0; 2],
            trades: [0; 2],
            fees: 0.0,
            protocol: 0.0,
            lvr: 0.0,
            seconds: Vec::new(),
            oracle_refusals: 0,
            source_fills: [0; 2],
        }
    }

    /// Counts a Homeostat fill by the price it executed at: the quoter's when `quoted`,
    /// else the print's.
    pub fn priced_by(&mut self, fill: &Fill, quoted: bool) {
        if fill.base != 0.0 || fill.quote != 0.0 {
            self.source_fills[usize::from(!quoted)] += 1;
        }
    }

    /// Books a fill of `kind` in `block` at the true price `price`.
    pub fn book(&mut self, kind: FillKind, block: u64, fill: &Fill, price: f64) {
        if fill.base == 0.0 && fill.quote == 0.0 {
            return;
        }
        let k = slot(kind);
        self.fills.push((block, kind, fill.base, fill.quote));
        self.edge[k] += fill.base * price + fill.quote;
        self.volume[k] += fill.base.abs() * price;
        self.trades[k] += 1;
        self.fees += fill.lp_fee;
        self.protocol += fill.protocol_fee;
    }

    /// The block's end with the LPs' reserves after it: loss-versus-rebalancing on the
    /// value the pool held through the block (reserves before, at the price before), and
    /// a sample when a second starts.
    pub fn close_block(&mut self, reserves: (f64, f64), before: f64, price: f64, second: bool) {
        let r = (price / before).ln();
        let value = self.reserves.0 * before + self.reserves.1;
        self.lvr += value * r * r / 8.0;
        self.reserves = reserves;
        if second {
            self.seconds.push((reserves.0 - self.initial.0, price));
        }
    }

    /// The LPs' reserves now minus holding their deposit, at the true price `price`.
    pub fn lp_vs_hold(&self, price: f64) -> f64 {
        let (base, quote) = self.reserves;
        let (initial_base, initial_quote) = self.initial;
        (base - initial_base) * price + quote - initial_quote
    }

    /// The seed's figures for this pool at the final true price `price`; `history` the
    /// true price per block, `retail_volume` all uninformed flow (USDC).
    pub fn figures(
        &self,
        kind: PoolKind,
        price: f64,
        history: &[f64],
        slot_ms: u64,
        retail_volume: f64,
    ) -> PoolFigures {
        let (base, quote) = self.reserves;
        let (initial_base, initial_quote) = self.initial;
        let hold = initial_base * price + initial_quote;
        let lp_vs_hold = base * price + quote - hold;
        let start_value = initial_base * history.first().copied().unwrap_or(price) + initial_quote;
        let last = history.len().saturating_sub(1);
        let markout = |kind: FillKind, secs: u64| -> f64 {
            let blocks = (secs * 1_000).div_ceil(slot_ms) as usize;
            self.fills
                .iter()
                .filter(|fill| fill.1 == kind)
                .map(|&(block, _, base, quote)| {
                    base * history[(block as usize + blocks).min(last)] + quote
                })
                .sum()
        };
        let gamma: Vec<(f64, f64)> = GAMMA_SECS
            .iter()
            .map(|&window| realised_gamma(&self.seconds, window))
            .collect();
        let held: Vec<f64> = self.seconds.iter().map(|&(held, _)| held).collect();
        let (_, inventory_std) = crate::numbers::mean_std(&held);
        PoolFigures {
            pool: kind.name(),
            lp_vs_hold_usdc: lp_vs_hold,
            lp_vs_hold_bps: lp_vs_hold / start_value * 10_000.0,
            retail_edge_usdc: self.edge[0],
            arbitrage_edge_usdc: self.edge[1],
            inventory_usdc: lp_vs_hold - self.edge[0] - self.edge[1],
            lvr_usdc: self.lvr,
            lp_over_lvr: lp_vs_hold / self.lvr.max(f64::MIN_POSITIVE),
            fees_usdc: self.fees,
            protocol_fees_usdc: self.protocol,
            retail_volume_usdc: self.volume[0],
            arbitrage_volume_usdc: self.volume[1],
            volume_share: self.volume[0] / retail_volume.max(f64::MIN_POSITIVE),
            retail_trades: self.trades[0] as f64,
            arbitrage_trades: self.trades[1] as f64,
            retail_markout_1s_usdc: markout(FillKind::Retail, MARKOUT_SECS[0]),
            retail_markout_10s_usdc: markout(FillKind::Retail, MARKOUT_SECS[1]),
            retail_markout_60s_usdc: markout(FillKind::Retail, MARKOUT_SECS[2]),
            arbitrage_markout_1s_usdc: markout(FillKind::Arbitrage, MARKOUT_SECS[0]),
            arbitrage_markout_10s_usdc: markout(FillKind::Arbitrage, MARKOUT_SECS[1]),
            arbitrage_markout_60s_usdc: markout(FillKind::Arbitrage, MARKOUT_SECS[2]),
            gamma_1s: gamma[0].0,
            gamma_1s_se: gamma[0].1,
            gamma_10s: gamma[1].0,
            gamma_10s_se: gamma[1].1,
            gamma_60s: gamma[2].0,
            gamma_60s_se: gamma[2].1,
            gamma_600s: gamma[3].0,
            gamma_600s_se: gamma[3].1,
            inventory_std_sol: inventory_std,
            inventory_max_sol: held.iter().fold(0.0f64, |max, q| max.max(q.abs())),
            oracle_refusals: self.oracle_refusals as f64,
            quoter_fills: self.source_fills[0] as f64,
            pyth_fills: self.source_fills[1] as f64,
        }
    }
}

/// `ΣΔq·Δs / ΣΔs²` over consecutive non-overlapping windows of `window` one-second
/// samples: the slope of the SOL held against the price (SOL per USDC; a constant-product
/// pool's is `−B/(2s)`, an oracle pool's 0 unless it is picked off) and its standard error
/// `√(Σe² / (n − 1) / ΣΔs²)`; (0, 0) without two windows that move.
pub fn realised_gamma(samples: &[(f64, f64)], window: usize) -> (f64, f64) {
    let window = window.max(1);
    let moves: Vec<(f64, f64)> = (window..samples.len())
        .step_by(window)
        .map(|end| {
            let (start, end) = (samples[end - window], samples[end]);
            (end.1 - start.1, end.0 - start.0)
        })
        .collect();
    let variance: f64 = moves.iter().map(|(ds, _)| ds * ds).sum();
    if variance <= 0.0 || moves.len() < 2 {
        return (0.0, 0.0);
    }
    let slope = moves.iter().map(|(ds, dq)| ds * dq).sum::<f64>() / variance;
    let residuals: f64 = moves.iter().map(|(ds, dq)| (dq - slope * ds).powi(2)).sum();
    (
        slope,
        (residuals / (moves.len() - 1) as f64 / variance).sqrt(),
    )
}

/// One pool's figures for one seed. Money in USDC at the true price.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PoolFigures {
    /// The pool's name.
    pub pool: &'static str,
    /// The LPs' value at the end minus holding their deposit.
    pub lp_vs_hold_usdc: f64,
    /// The same, basis points of the deposit's starting value.
    pub lp_vs_hold_bps: f64,
    /// What the pool gained against the true price on uninformed flow, fees included.
    pub retail_edge_usdc: f64,
    /// The same on arbitrage (negative: the arbitrage loss).
    pub arbitrage_edge_usdc: f64,
    /// The inventory's mark-to-market: the rest of the LPs' result.
    pub inventory_usdc: f64,
    /// Loss-versus-rebalancing, `Σ V·r²/8` block by block.
    pub lvr_usdc: f64,
    /// The LPs' result over LVR (−1: a zero-fee constant-product pool's).
    pub lp_over_lvr: f64,
    /// Fees the LPs kept.
    pub fees_usdc: f64,
    /// The protocol's share of fees (not the LPs').
    pub protocol_fees_usdc: f64,
    /// Uninformed volume the router sent here.
    pub retail_volume_usdc: f64,
    /// Arbitrage volume.
    pub arbitrage_volume_usdc: f64,
    /// Share of all uninformed volume this pool won.
    pub volume_share: f64,
    /// Uninformed fills.
    pub retail_trades: f64,
    /// Arbitrage fills.
    pub arbitrage_trades: f64,
    /// Uninformed fills marked 1 s later (the pool's gain).
    pub retail_markout_1s_usdc: f64,
    /// … 10 s later.
    pub retail_markout_10s_usdc: f64,
    /// … 60 s later.
    pub retail_markout_60s_usdc: f64,
    /// Arbitrage fills marked 1 s later.
    pub arbitrage_markout_1s_usdc: f64,
    /// … 10 s later.
    pub arbitrage_markout_10s_usdc: f64,
    /// … 60 s later.
    pub arbitrage_markout_60s_usdc: f64,
    /// Realised gamma over 1 s windows, SOL per USDC.
    pub gamma_1s: f64,
    /// Its standard error within the seed.
    pub gamma_1s_se: f64,
    /// Over 10 s windows.
    pub gamma_10s: f64,
    /// Its standard error.
    pub gamma_10s_se: f64,
    /// Over 60 s windows.
    pub gamma_60s: f64,
    /// Its standard error.
    pub gamma_60s_se: f64,
    /// Over 600 s windows.
    pub gamma_600s: f64,
    /// Its standard error.
    pub gamma_600s_se: f64,
    /// Standard deviation of the SOL held beyond the deposit.
    pub inventory_std_sol: f64,
    /// Its largest magnitude.
    pub inventory_max_sol: f64,
    /// Arbitrage transactions refused for their price (print or quote).
    pub oracle_refusals: f64,
    /// Fills priced at the quoter's price (prop-AMM mode).
    pub quoter_fills: f64,
    /// Homeostat fills priced at a Pyth print (in prop-AMM mode: the fallback).
    pub pyth_fills: f64,
}

/// The market's own figures for one seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MarketFigures {
    /// Realised annualised volatility of the true price (jumps included).
    pub realised_volatility: f64,
    /// Jumps per hour.
    pub jumps_per_hour: f64,
    /// Oracle outages.
    pub outages: f64,
    /// Share of uninformed volume the reference venue took.
    pub reference_share: f64,
    /// All uninformed volume.
    pub retail_volume_usdc: f64,
    /// The arbitrageurs' profit over all pools, after their cost.
    pub arbitrage_profit_usdc: f64,
}

/// One seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedReport {
    /// Per recalibrated pool, its calibrations (issue #29; empty when none ran).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<(String, Vec<super::calibration::TracePoint>)>,
    /// Per pool, in the scenario's order.
    pub pools: Vec<PoolFigures>,
    /// The market.
    pub market: MarketFigures,
}

/// A figure over seeds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// Mean over seeds.
    pub mean: f64,
    /// Standard error of the mean (0 with one seed).
    pub se: f64,
}

impl Estimate {
    /// Mean and standard error of `values`.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self { mean: 0.0, se: 0.0 };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Self { mean, se: 0.0 };
        }
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Self {
            mean,
            se: (variance / n as f64).sqrt(),
        }
    }
}

/// Every numeric field of a serialised figure struct, in order.
fn numeric_fields(value: &serde_json::Value) -> Vec<(String, f64)> {
    value
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter_map(|(name, v)| v.as_f64().map(|x| (name.clone(), x)))
                .collect()
        })
        .unwrap_or_default()
}

/// Mean ± standard error of each field over the seeds' `figures`, in field order.
fn summarise(figures: &[serde_json::Value]) -> serde_json::Map<String, serde_json::Value> {
    let mut summary = serde_json::Map::new();
    let Some(first) = figures.first() else {
        return summary;
    };
    for (name, _) in numeric_fields(first) {
        let values: Vec<f64> = figures
            .iter()
            .filter_map(|figure| figure.get(&name).and_then(serde_json::Value::as_f64))
            .collect();
        let estimate = Estimate::of(&values);
        summary.insert(
            name,
            serde_json::json!({ "mean": estimate.mean, "se": estimate.se }),
        );
    }
    summary
}

/// The summary over seeds: `{ "seeds", "pools": { name: { field: {mean, se} } },
/// "market": { field: {mean, se} } }`.
pub fn summary(reports: &[SeedReport]) -> serde_json::Value {
    let mut pools = serde_json::Map::new();
    if let Some(first) = reports.first() {
        for (index, pool) in first.pools.iter().enumerate() {
            let figures: Vec<serde_json::Value> = reports
                .iter()
                .filter_map(|report| report.pools.get(index))
                .filter_map(|figures| serde_json::to_value(figures).ok())
                .collect();
            pools.insert(pool.pool.into(), summarise(&figures).into());
        }
    }
    let market: Vec<serde_json::Value> = reports
        .iter()
        .filter_map(|report| serde_json::to_value(&report.market).ok())
        .collect();
    serde_json::json!({
        "seeds": reports.len(),
        "pools": pools,
        "market": summarise(&market),
    })
}

/// The estimate of `field` for `pool` in a summary.
pub fn estimate(summary: &serde_json::Value, pool: &str, field: &str) -> Estimate {
    let entry = &summary["pools"][pool][field];
    Estimate {
        mean: entry["mean"].as_f64().unwrap_or(0.0),
        se: entry["se"].as_f64().unwrap_or(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realised_gamma_is_the_slope_of_holdings_on_price() {
        // Holdings fall 2 SOL per USDC the price rises.
        let samples: Vec<(f64, f64)> = (0..=240)
            .map(|t| {
                let s = 150.0 + (t as f64 / 7.0).sin();
                (10.0 - 2.0 * (s - 150.0), s)
            })
            .collect();
        let (gamma, error) = realised_gamma(&samples, 10);
        assert!(
            (gamma + 2.0).abs() < 1e-9 && error < 1e-9,
            "{gamma} ± {error}"
        );
        assert_eq!(realised_gamma(&[(1.0, 150.0); 30], 10), (0.0, 0.0));
    }

    #[test]
    fn estimates_are_means_with_standard_errors() {
        let estimate = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(estimate.mean, 2.5);
        // Sample variance 5/3, over n = 4.
        assert!((estimate.se - (5.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(Estimate::of(&[7.0]).se, 0.0);
    }
}
