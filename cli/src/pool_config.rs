//! The pool configuration file of `homeostat pool create`: every `PoolParams` field in
//! natural units (model coefficients as decimals, amounts in atoms, durations in seconds).
//! See examples/pool.toml.

use std::path::{Path, PathBuf};

use homeostat::constants::{
    LP_ACCESS_OPERATOR, LP_ACCESS_PUBLIC, QUOTE_FALLBACK_PYTH, QUOTE_FALLBACK_REFUSE,
};
use homeostat::math::{ModelKind, Units};
use homeostat::{PoolParams, StoredFixed};
use homeostat_sdk::SdkError;
use serde::Deserialize;

use crate::error::FileError;
use crate::numbers::{bits_from_f64_down, OutOfRange};

/// Why a pool configuration cannot be used: the field at fault, or the program's bound.
#[derive(Debug, thiserror::Error)]
pub enum PoolConfigError {
    /// Not the configuration's TOML (an unknown field, a wrong type), with line and column.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A name none of the field's (`model`, `units`, `lp_access`, `quote_fallback`).
    #[error("{field} `{value}`: expected one of {}", expected.join(", "))]
    NotOneOf {
        /// The field.
        field: &'static str,
        /// What it says.
        value: String,
        /// The names it takes.
        expected: Vec<&'static str>,
    },
    /// A decimal no fixed-point parameter holds.
    #[error("{field}: {source}")]
    Fixed {
        /// The field.
        field: &'static str,
        /// Its value.
        #[source]
        source: OutOfRange,
    },
    /// Outside one of the program's bounds, in its words.
    #[error("the program would reject these parameters: {0}")]
    Violation(&'static str),
    /// Refused by the program's own check of the whole set (the model's domain, ...).
    #[error("the program would reject these parameters: {0}")]
    Rejected(#[source] SdkError),
    /// `initial_variance` outside `[variance_floor, variance_ceiling]`.
    #[error(
        "initial_variance {initial} must lie between variance_floor {floor} and \
         variance_ceiling {ceiling}"
    )]
    InitialVariance {
        /// `initial_variance`.
        initial: f64,
        /// `variance_floor`.
        floor: f64,
        /// `variance_ceiling`.
        ceiling: f64,
    },
}

/// A pool configuration file that cannot be used: which, and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// It could not be read.
    #[error("{0}")]
    Unreadable(#[from] FileError),
    /// What it says cannot be used.
    #[error("{}: {source}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PoolConfigError,
    },
}

/// A pool configuration file. Unknown fields are errors, so a typo is not silently a
/// default.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// `avellaneda-stoikov`, `glft` or `constant-product`.
    pub model: String,
    /// `relative` (spreads and variance as fractions of the price) or `absolute`.
    pub units: String,
    /// γ.
    pub risk_aversion: f64,
    /// k.
    pub order_decay: f64,
    /// A, per second (GLFT).
    #[serde(default)]
    pub arrival_intensity: f64,
    /// τ, seconds (Avellaneda–Stoikov).
    #[serde(default)]
    pub horizon_secs: f64,
    /// Half-spread floor, model units.
    pub min_half_spread: f64,
    /// Half-spread widening per unit of oracle confidence.
    pub confidence_multiplier: f64,
    /// Half-spread widening per standard deviation of the price move since the oracle
    /// print, `√(σ²·age)` (0: none).
    #[serde(default)]
    pub age_multiplier: f64,
    /// Slope of the print's depth premium, model units per lot: beyond `print_depth` on a
    /// side since the newest print, each lot moves that side's quote this much (0: off).
    #[serde(default)]
    pub depth_slope: f64,
    /// Base atoms each side trades per print at the curve's quotes before `depth_slope`.
    #[serde(default)]
    pub print_depth: u64,
    /// The volatility estimate's window, seconds.
    pub volatility_window_secs: u64,
    /// The volatility estimate's sampling grid, seconds (default: one minute, or the
    /// window if shorter).
    #[serde(default)]
    pub volatility_grid_secs: Option<u64>,
    /// Variance floor per second, model units.
    pub variance_floor: f64,
    /// Variance ceiling per second, model units.
    pub variance_ceiling: f64,
    /// Starting variance per second (clamped to floor and ceiling).
    pub initial_variance: f64,
    /// Inventory unit, base atoms.
    pub lot: u64,
    /// Largest |inventory| a trade may create, base atoms.
    pub inventory_cap: u64,
    /// Largest base amount per trade, atoms.
    pub max_trade_base: u64,
    /// Trading fee, basis points of the input.
    pub fee_bps: u16,
    /// Protocol share of the fee, basis points of the fee.
    pub protocol_share_bps: u16,
    /// Oldest oracle price accepted, seconds.
    pub max_oracle_age_secs: u64,
    /// Widest oracle confidence accepted, basis points of the price.
    pub max_confidence_bps: u16,
    /// Widest gap between the print and Pyth's EMA price, basis points (0: no check).
    #[serde(default)]
    pub max_ema_deviation_bps: u16,
    /// `rebalance` fires only beyond this |net delta|, base atoms.
    pub rebalance_band: u64,
    /// Fewest seconds between two `rebalance` requests.
    pub min_rebalance_interval_secs: u64,
    /// Largest |hedge position| `record_hedge` may reach, base atoms.
    pub max_hedge_position: u64,
    /// Who may deposit: `public` (anyone) or `operator` (the pool's admin only).
    #[serde(default = "public")]
    pub lp_access: String,
    /// Share of the recorded hedge the quotes credit, basis points (0 unless
    /// `lp_access = "operator"`).
    #[serde(default)]
    pub hedge_credit_bps: u16,
    /// ψ, the all-in cost of hedging one lot, basis points of the price: the rebalance
    /// band is then derived from the model, `rebalance_band` its floor (0: off).
    #[serde(default)]
    pub hedge_cost_bps: u16,
    /// Share of the gross position, bps, a trade reducing it may take beyond the print's
    /// depth at the curve's quotes (default 0).
    #[serde(default)]
    pub depth_relief_bps: u16,
    /// Share of the print's depth and of the largest trade a print loses by
    /// `max_oracle_age`, linearly in its age, bps (default 0).
    #[serde(default)]
    pub age_shrink_bps: u16,
    /// Prop-AMM mode: how far the quoter's price may lie from Pyth's, bps (default 0).
    #[serde(default)]
    pub quote_band_bps: u16,
    /// Prop-AMM mode: without a usable quoter price, "pyth" (default) prices on Pyth,
    /// "refuse" fails the swap.
    #[serde(default = "pyth_fallback")]
    pub quote_fallback: String,
}

fn public() -> String {
    "public".into()
}

impl PoolConfig {
    /// Parses a TOML configuration; errors carry the line and column.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The parameters and initial variance of the configuration file at `path`
    /// ([`PoolConfig::params`]); errors name the file.
    pub fn read(path: &Path) -> Result<(PoolParams, i128), ConfigFileError> {
        let text = std::fs::read_to_string(path).map_err(FileError::at(path))?;
        Self::from_toml(&text)
            .map_err(PoolConfigError::from)
            .and_then(|config| config.params())
            .map_err(|source| ConfigFileError::Invalid {
                path: path.to_path_buf(),
                source,
            })
    }

    /// The program's parameters (decimals become I80F48, rounded down) and the initial
    /// variance, checked against the program's bounds before anything is sent.
    pub fn params(&self) -> Result<(PoolParams, i128), PoolConfigError> {
        let model_kind = by_name("model", &self.model, ModelKind::ALL, ModelKind::name)?;
        let units = by_name("units", &self.units, Units::ALL, Units::name)?;
        let lp_access = match self.lp_access.as_str() {
            "public" => LP_ACCESS_PUBLIC,
            "operator" => LP_ACCESS_OPERATOR,
            other => return Err(not_one_of("lp_access", other, &["public", "operator"])),
        };
        let quote_fallback = match self.quote_fallback.as_str() {
            "pyth" => QUOTE_FALLBACK_PYTH,
            "refuse" => QUOTE_FALLBACK_REFUSE,
            other => return Err(not_one_of("quote_fallback", other, &["pyth", "refuse"])),
        };
        let fixed = |field, value| {
            bits_from_f64_down(value)
                .map(StoredFixed::from_bits)
                .map_err(|source| PoolConfigError::Fixed { field, source })
        };
        let params = PoolParams {
            model_kind: model_kind.into(),
            units: units.into(),
            risk_aversion: fixed("risk_aversion", self.risk_aversion)?,
            order_decay: fixed("order_decay", self.order_decay)?,
            arrival_intensity: fixed("arrival_intensity", self.arrival_intensity)?,
            horizon: fixed("horizon_secs", self.horizon_secs)?,
            min_half_spread: fixed("min_half_spread", self.min_half_spread)?,
            confidence_multiplier: fixed("confidence_multiplier", self.confidence_multiplier)?,
            age_multiplier: fixed("age_multiplier", self.age_multiplier)?,
            depth_slope: fixed("depth_slope", self.depth_slope)?,
            print_depth: self.print_depth,
            volatility_window: self.volatility_window_secs,
            volatility_grid: self.volatility_grid_secs.unwrap_or(
                homeostat_localnet::default_params()
                    .volatility_grid
                    .min(self.volatility_window_secs),
            ),
            variance_floor: fixed("variance_floor", self.variance_floor)?,
            variance_ceiling: fixed("variance_ceiling", self.variance_ceiling)?,
            lot: self.lot,
            inventory_cap: self.inventory_cap,
            max_trade_base: self.max_trade_base,
            fee_bps: self.fee_bps,
            protocol_share_bps: self.protocol_share_bps,
            max_oracle_age: self.max_oracle_age_secs,
            max_confidence_bps: self.max_confidence_bps,
            max_ema_deviation_bps: self.max_ema_deviation_bps,
            rebalance_band: self.rebalance_band,
            min_rebalance_interval: self.min_rebalance_interval_secs,
            max_hedge_position: self.max_hedge_position,
            hedge_credit_bps: self.hedge_credit_bps,
            hedge_cost_bps: self.hedge_cost_bps,
            lp_access,
            depth_relief_bps: self.depth_relief_bps,
            age_shrink_bps: self.age_shrink_bps,
            quote_band_bps: self.quote_band_bps,
            quote_fallback,
            reserved: [0; 2],
        };
        // Named before anything is signed: the program's own bounds, in its words.
        if let Some(violation) = params.violation() {
            return Err(PoolConfigError::Violation(violation));
        }
        params
            .validate()
            .map_err(|error| PoolConfigError::Rejected(error.into()))?;
        let initial_variance = fixed("initial_variance", self.initial_variance)?.to_bits();
        if initial_variance < params.variance_floor.to_bits()
            || initial_variance > params.variance_ceiling.to_bits()
        {
            return Err(PoolConfigError::InitialVariance {
                initial: self.initial_variance,
                floor: self.variance_floor,
                ceiling: self.variance_ceiling,
            });
        }
        Ok((params, initial_variance))
    }
}

/// `text` as the variant of `all` with that name, or an error listing the names.
fn by_name<T: Copy>(
    field: &'static str,
    text: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, PoolConfigError> {
    all.iter()
        .copied()
        .find(|value| name(*value) == text)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|value| name(*value)).collect();
            not_one_of(field, text, &names)
        })
}

fn not_one_of(field: &'static str, value: &str, expected: &[&'static str]) -> PoolConfigError {
    PoolConfigError::NotOneOf {
        field,
        value: value.to_string(),
        expected: expected.to_vec(),
    }
}

/// `quote_fallback`'s default: price on Pyth.
fn pyth_fallback() -> String {
    "pyth".to_string()
}
