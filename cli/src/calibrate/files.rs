//! The calibration's files: a pool configuration file (read as the current parameters,
//! written as the proposal `pool update-params` sends) and a simulator run's
//! `history.json`.

use std::path::Path;

use homeostat::PoolParams;
use homeostat_math::{ModelKind, Units};
use homeostat_sdk::calibrate::{Fill, History, Print, QuoteSample, Side};
use serde_json::{json, Value};

use super::error::{HistoryError, MalformedHistory};
use crate::error::FileError;
use crate::pool_config::{ConfigFileError, PoolConfig};

/// A pool configuration file's parameters.
pub(super) fn read_config(path: &Path) -> Result<PoolParams, ConfigFileError> {
    PoolConfig::read(path).map(|(params, _)| params)
}

/// `params` as a pool configuration file (what `pool update-params` reads); the initial
/// variance, which an update does not use, is the floor.
pub(crate) fn config_toml(params: &PoolParams) -> String {
    let name = |kind: u8| {
        ModelKind::try_from(kind)
            .map(ModelKind::name)
            .unwrap_or("glft")
    };
    let units = Units::try_from(params.units)
        .map(Units::name)
        .unwrap_or("relative");
    let f = |stored: homeostat::StoredFixed| stored.get().to_f64();
    let access = if params.lp_access == homeostat::constants::LP_ACCESS_OPERATOR {
        "operator"
    } else {
        "public"
    };
    let fallback = if params.quote_fallback == homeostat::constants::QUOTE_FALLBACK_REFUSE {
        "refuse"
    } else {
        "pyth"
    };
    format!(
        "model = \"{}\"\nunits = \"{units}\"\nrisk_aversion = {:?}\norder_decay = {:?}\n\
         arrival_intensity = {:?}\nhorizon_secs = {:?}\nmin_half_spread = {:?}\n\
         confidence_multiplier = {:?}\nage_multiplier = {:?}\ndepth_slope = {:?}\n\
         print_depth = {}\nvolatility_window_secs = {}\nvolatility_grid_secs = {}\n\
         variance_floor = {:?}\n\
         variance_ceiling = {:?}\ninitial_variance = {:?}\nlot = {}\ninventory_cap = {}\n\
         max_trade_base = {}\nfee_bps = {}\nprotocol_share_bps = {}\nmax_oracle_age_secs = {}\n\
         max_confidence_bps = {}\nmax_ema_deviation_bps = {}\nrebalance_band = {}\n\
         min_rebalance_interval_secs = {}\nmax_hedge_position = {}\nlp_access = \"{access}\"\n\
         hedge_credit_bps = {}\nhedge_cost_bps = {}\ndepth_relief_bps = {}\n\
         age_shrink_bps = {}\nquote_band_bps = {}\nquote_fallback = \"{fallback}\"\n",
        name(params.model_kind),
        f(params.risk_aversion),
        f(params.order_decay),
        f(params.arrival_intensity),
        f(params.horizon),
        f(params.min_half_spread),
        f(params.confidence_multiplier),
        f(params.age_multiplier),
        f(params.depth_slope),
        params.print_depth,
        params.volatility_window,
        params.volatility_grid,
        f(params.variance_floor),
        f(params.variance_ceiling),
        f(params.variance_floor),
        params.lot,
        params.inventory_cap,
        params.max_trade_base,
        params.fee_bps,
        params.protocol_share_bps,
        params.max_oracle_age,
        params.max_confidence_bps,
        params.max_ema_deviation_bps,
        params.rebalance_band,
        params.min_rebalance_interval,
        params.max_hedge_position,
        params.hedge_credit_bps,
        params.hedge_cost_bps,
        params.depth_relief_bps,
        params.age_shrink_bps,
        params.quote_band_bps,
    )
}

/// Writes `params` as a pool configuration file.
pub(crate) fn write_config(path: &Path, params: &PoolParams) -> Result<(), FileError> {
    std::fs::write(path, config_toml(params)).map_err(FileError::at(path))
}

/// A history as `history.json`: `{ "prints": [[t, price]], "quotes": [[t, seconds, bid,
/// ask]] (null: no quote), "fills": [[t, "bid"|"ask", price, lots]] }`, seconds and quote
/// per base.
pub(crate) fn history_json(history: &History) -> Value {
    json!({
        "prints": history.prints.iter().map(|p| json!([p.t, p.price])).collect::<Vec<_>>(),
        "quotes": history.quotes.iter().map(|q| json!([q.t, q.duration, q.bid, q.ask])).collect::<Vec<_>>(),
        "fills": history.fills.iter().map(|f| json!([f.t, f.side.name(), f.price, f.size])).collect::<Vec<_>>(),
    })
}

/// Reads `history.json` ([`history_json`]'s shape); errors name the entry.
pub(super) fn read_history(path: &Path) -> Result<History, HistoryError> {
    let text = std::fs::read_to_string(path).map_err(FileError::at(path))?;
    let value: Value = serde_json::from_str(&text).map_err(|source| HistoryError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    parse_history(&value).map_err(|source| HistoryError::Malformed {
        path: path.to_path_buf(),
        source,
    })
}

fn parse_history(value: &Value) -> Result<History, MalformedHistory> {
    let list = |name: &'static str| value[name].as_array().ok_or(MalformedHistory::NoList(name));
    let number = |entry: &Value, index: usize, list: &'static str| {
        entry[index]
            .as_f64()
            .ok_or_else(|| MalformedHistory::NoNumber {
                list,
                entry: entry.to_string(),
                index,
            })
    };
    let optional = |entry: &Value, index: usize| entry[index].as_f64();
    let mut history = History::default();
    for entry in list("prints")? {
        history.prints.push(Print {
            t: number(entry, 0, "prints")?,
            price: number(entry, 1, "prints")?,
        });
    }
    for entry in list("quotes")? {
        history.quotes.push(QuoteSample {
            t: number(entry, 0, "quotes")?,
            duration: number(entry, 1, "quotes")?,
            bid: optional(entry, 2),
            ask: optional(entry, 3),
        });
    }
    for entry in list("fills")? {
        let side = match entry[1].as_str() {
            Some("bid") => Side::Bid,
            Some("ask") => Side::Ask,
            _ => return Err(MalformedHistory::Side(entry.to_string())),
        };
        history.fills.push(Fill {
            t: number(entry, 0, "fills")?,
            side,
            price: number(entry, 2, "fills")?,
            size: number(entry, 3, "fills")?,
        });
    }
    let sorted = |times: Vec<f64>| times.windows(2).all(|pair| pair[0] <= pair[1]);
    if !sorted(history.prints.iter().map(|p| p.t).collect())
        || !sorted(history.quotes.iter().map(|q| q.t).collect())
        || !sorted(history.fills.iter().map(|f| f.t).collect())
    {
        return Err(MalformedHistory::Unsorted);
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_survives_its_json_and_a_proposal_its_config_file() {
        let history = History {
            prints: vec![
                Print {
                    t: 0.0,
                    price: 150.0,
                },
                Print {
                    t: 1.0,
                    price: 150.5,
                },
            ],
            quotes: vec![QuoteSample {
                t: 0.0,
                duration: 0.4,
                bid: Some(149.9),
                ask: None,
            }],
            fills: vec![Fill {
                t: 0.5,
                side: Side::Ask,
                price: 150.2,
                size: 1.0,
            }],
        };
        assert_eq!(parse_history(&history_json(&history)), Ok(history));
        let params = homeostat_localnet::default_params();
        let text = config_toml(&params);
        let read = PoolConfig::from_toml(&text)
            .expect("a valid file")
            .params()
            .expect("a valid configuration");
        assert_eq!(read.0, params);
        let error =
            parse_history(&json!({ "prints": [], "quotes": [], "fills": [[0.0, "up", 1.0, 1.0]] }))
                .unwrap_err()
                .to_string();
        assert!(error.contains("\"bid\" or \"ask\""), "{error}");
    }
}
