//! The adversarial market's parameters: every field bounded, every default sourced in
//! docs/simulator.md ("The adversarial market").

use serde::{Deserialize, Serialize};

use crate::numbers::OutOfRange;

mod validate;

pub use validate::ScenarioError;

/// Why the scenario's pool parameters are not the program's.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParamsError {
    /// A decimal no fixed-point parameter holds.
    #[error("{field}: {source}")]
    Fixed {
        /// The field it comes from.
        field: &'static str,
        /// Its value.
        #[source]
        source: OutOfRange,
    },
    /// `calibrate_start_factor` scales the true σ, and the regimes have two.
    #[error("calibrate_start_factor needs one true σ: calm_volatility = stressed_volatility")]
    NoTrueSigma,
    /// Outside one of the program's bounds, in its words.
    #[error("{0}")]
    Violation(&'static str),
}

/// Why `--sweep FIELD=V` cannot set a field.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    /// The scenario did not convert to JSON and back.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// No such field.
    #[error("`{field}` is not a scenario field (fields: {})", fields.join(", "))]
    Unknown {
        /// The name given.
        field: String,
        /// The scenario's fields.
        fields: Vec<String>,
    },
    /// Not a value of the field's type.
    #[error("{field}: `{value}` is not a value of this field")]
    NotAValue {
        /// The field.
        field: String,
        /// The text given.
        value: String,
    },
    /// The scenario refused the value.
    #[error("{field}={value}: {source}")]
    Refused {
        /// The field.
        field: String,
        /// The text given.
        value: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// Why a scenario file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not the scenario's TOML (an unknown field, a wrong type), with line and column.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// A value out of its range, with the line that sets it when there is one.
    #[error("{}{source}", at_line(*line))]
    Invalid {
        /// The line (from 1).
        line: Option<usize>,
        /// The field and its range.
        #[source]
        source: ScenarioError,
    },
}

/// `line N: ` for a line, nothing without.
pub fn at_line(line: Option<usize>) -> String {
    line.map_or(String::new(), |line| format!("line {line}: "))
}

/// Which pools run. All of them see the same price path, prints and orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolKind {
    /// The Homeostat GLFT pool as deployed (`default_params`), priced by the oracle.
    Glft,
    /// A constant-product pool with a fixed fee and no oracle: only arbitrage keeps it in
    /// line.
    Cp,
    /// A constant-product pool whose fee rises with its own recent volatility.
    CpDynamic,
    /// The Homeostat GLFT pool in the program's prop-AMM mode: a simulated quoter pushes
    /// the reference venue's mid, `prop_latency_ms` old, every `quote_interval_ms`
    /// (`push_quote`); swaps carry the oracle's prints as `glft`'s do and price at the
    /// quoter's price while it is unexpired and within `pool_quote_band_bps` of the print.
    Prop,
    /// The Homeostat GLFT pool priced by Pyth Pro's signed updates (`post_pro_price`): a
    /// print every `pro_interval_ms` (200 ms), `pro_latency_ms` late, that a transaction
    /// carries and the pool books before its swap.
    Pro,
}

impl PoolKind {
    /// Every pool, in report order.
    pub const ALL: [Self; 5] = [Self::Glft, Self::Cp, Self::CpDynamic, Self::Prop, Self::Pro];

    /// The name in reports, scenario files and `--pools`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Glft => "glft",
            Self::Cp => "cp",
            Self::CpDynamic => "cp-dynamic",
            Self::Prop => "prop",
            Self::Pro => "pro",
        }
    }

    /// Parses a name of [`PoolKind::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The adversarial market. A TOML file sets any field (`homeostat simulate --scenario
/// file.toml`; `market = "adversarial"` may be omitted, it is the default, and a file that
/// says `market = "hour"` is the hour's); the rest keep their defaults, unknown fields are
/// errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// `"adversarial"` (or absent): what a scenario file may say to select this market;
    /// nothing else reads it.
    #[serde(skip_serializing)]
    pub market: Option<String>,
    /// Seed of the first run; `--seeds N` runs seeds `seed .. seed + N`.
    pub seed: u64,
    /// Simulated seconds per seed.
    pub duration_secs: u32,
    /// Milliseconds per block (Solana's slot).
    pub slot_ms: u32,
    /// The pools in the run.
    pub pools: Vec<PoolKind>,

    /// Initial price, USDC per SOL.
    pub start_price: f64,
    /// Annualised volatility of the diffusion in the calm regime.
    pub calm_volatility: f64,
    /// Annualised volatility of the diffusion in the stressed regime.
    pub stressed_volatility: f64,
    /// Mean length of a calm spell, seconds (regime switches are Markov).
    pub calm_mean_secs: f64,
    /// Mean length of a stressed spell, seconds.
    pub stressed_mean_secs: f64,
    /// Baseline jump intensity, jumps per hour (the Hawkes process's immigrant rate).
    pub jumps_per_hour: f64,
    /// Each jump adds this many jumps per hour to the intensity (self-excitation), decaying
    /// with `jump_excitation_secs`; must stay below one expected child per jump.
    pub jump_excitation_per_hour: f64,
    /// Decay time of the excitation, seconds.
    pub jump_excitation_secs: f64,
    /// Mean absolute jump size, basis points (Laplace-distributed, symmetric).
    pub jump_mean_bps: f64,

    /// Milliseconds between oracle prints.
    pub oracle_interval_ms: u32,
    /// A print's price is the true price this many milliseconds before it can be used.
    pub oracle_latency_ms: u32,
    /// Noise on each print, basis points (normal standard deviation).
    pub oracle_noise_bps: f64,
    /// Floor of the print's confidence interval, basis points.
    pub confidence_floor_bps: f64,
    /// The confidence widens by this multiple of the last minute's realised one-second
    /// volatility, in basis points.
    pub confidence_volatility_multiple: f64,
    /// Oracle outages per hour (Poisson); during one no print is published.
    pub outages_per_hour: f64,
    /// Length of an outage, seconds.
    pub outage_secs: u32,

    /// Arbitrageurs racing each block (random order; the first takes the opportunity).
    pub arbitrageurs: u32,
    /// An arbitrageur trades on the true price this many milliseconds before the block.
    pub arb_latency_ms: u32,
    /// The arbitrageur's cost of offsetting on the reference venue, basis points.
    pub arb_cost_bps: f64,
    /// Whether the arbitrageur may submit the oldest print the program accepts instead
    /// of the freshest (a pull oracle lets anyone post any verified print).
    pub arb_picks_prints: bool,

    /// Uninformed orders per second (Poisson), buy or sell with equal probability.
    pub orders_per_sec: f64,
    /// Mean order size, SOL (Pareto-distributed).
    pub order_mean_sol: f64,
    /// The Pareto tail index of order sizes (heavier below 2).
    pub order_tail: f64,
    /// Largest order, SOL (the Pareto tail truncated).
    pub order_max_sol: f64,
    /// The reference venue's half-spread, basis points: the router's alternative to every
    /// pool, infinitely deep around the true price.
    pub route_ref_bps: f64,
    /// Pieces the router may split an order into (each goes where it is cheapest).
    pub route_chunks: u32,

    /// Each pool's initial liquidity: this many SOL plus the same value in USDC.
    pub liquidity_sol: f64,
    /// Fee of the constant-product pool, basis points.
    pub cp_fee_bps: f64,
    /// Base fee of the dynamic-fee constant-product pool, basis points.
    pub cp_dynamic_base_bps: f64,
    /// Its fee rises by this multiple of its price's recent volatility per block, bp.
    pub cp_dynamic_multiple: f64,
    /// Largest fee of the dynamic-fee pool, basis points.
    pub cp_dynamic_max_bps: f64,
    /// Age of the prop pool's quoter's price when it pushes it: the reference venue's mid
    /// this many milliseconds earlier.
    pub prop_latency_ms: u32,
    /// The prop pool's quoter pushes a quote (`push_quote`) every this many milliseconds
    /// (400: every slot).
    pub quote_interval_ms: u32,
    /// Each pushed quote prices swaps through this many slots after its own
    /// (`valid_until = slot + this`); then the pool falls back as `pool_quote_fallback` says.
    pub quote_valid_slots: u32,
    /// The quoter's `bid_offset`: its bid this much further below the curve's, basis points
    /// of its price.
    pub quote_bid_offset_bps: f64,
    /// The quoter's `ask_offset`, basis points of its price.
    pub quote_ask_offset_bps: f64,
    /// The Pyth Pro pool's feed: a signed update every this many milliseconds (Pyth Pro's
    /// 200 ms channel).
    pub pro_interval_ms: u32,
    /// How late a Pyth Pro update is usable after the price it carries, milliseconds.
    pub pro_latency_ms: u32,

    /// The Homeostat pools' (`glft`, `prop`) parameters: γ (relative units).
    pub pool_risk_aversion: f64,
    /// k, the model's order-arrival decay.
    pub pool_order_decay: f64,
    /// A, the model's order arrivals per second.
    pub pool_arrival_intensity: f64,
    /// Half-spread floor, basis points.
    pub pool_min_half_spread_bps: f64,
    /// Half-spread widening per unit of the print's confidence.
    pub pool_confidence_multiplier: f64,
    /// Half-spread widening per standard deviation of the move since the print.
    pub pool_age_multiplier: f64,
    /// SOL each side trades per print at the curve's quotes (the print's depth).
    pub pool_print_depth_sol: f64,
    /// Beyond the print's depth, how far each further SOL moves that side's quote, bp.
    pub pool_depth_slope_bps: f64,
    /// Share of the gross position a trade reducing it may take beyond the print's depth
    /// at the curve's quotes, basis points.
    pub pool_depth_relief_bps: u16,
    /// Share of the print's depth and of the largest trade a print loses by
    /// `pool_max_oracle_age`, linearly in its age, basis points.
    pub pool_age_shrink_bps: u16,
    /// Prop-AMM mode: how far a quoter's price may lie from the pool's Pyth price, basis
    /// points (only the `prop` pool has a quoter; the deployed default).
    pub pool_quote_band_bps: u16,
    /// Prop-AMM mode without a usable quote: 0 prices on the Pyth print, 1 refuses.
    pub pool_quote_fallback: u8,
    /// Fee, basis points.
    pub pool_fee_bps: u16,
    /// Oldest print accepted, seconds.
    pub pool_max_oracle_age: u64,
    /// Largest trade, SOL.
    pub pool_max_trade_sol: f64,
    /// Inventory cap, SOL.
    pub pool_inventory_cap_sol: f64,
    /// The Homeostat pools' variance, per second (relative), pinned (floor = ceiling);
    /// 0: the program estimates it between `default_params()`' bounds.
    pub pool_variance_per_sec: f64,

    /// Model flow (issue #29's benchmark; 0: none): each Homeostat pool gets its own
    /// takers of `model_flow_size_sol` who arrive at this rate per second at its bid
    /// (they sell) and fill with probability `e^(−kδ)`, δ the pool's distance from the
    /// true price — the intensity `A·e^(−kδ)` the model assumes, with known A and k.
    pub model_flow_bid_per_sec: f64,
    /// k of the bid side's model flow, per unit of relative distance.
    pub model_flow_bid_decay: f64,
    /// The same at the pool's ask (the takers buy).
    pub model_flow_ask_per_sec: f64,
    /// k of the ask side's model flow.
    pub model_flow_ask_decay: f64,
    /// Size of a model-flow order, SOL.
    pub model_flow_size_sol: f64,
    /// A trader who fills the pool's ask whenever it stands at least this far from the
    /// true price, bp (0: none) — the manipulation the calibration must resist.
    pub manipulator_ask_bps: f64,

    /// Recalibrate the Homeostat pools from their own history every this many seconds
    /// (0: never); docs/calibration.md.
    pub calibrate_every_secs: u32,
    /// The most a parameter moves per calibration: a factor `1 + this` either way.
    pub calibrate_max_step: f64,
    /// The inventory standard deviation the operator tolerates, SOL: sets γ (0: γ stays).
    pub calibrate_target_inventory_sol: f64,
    /// Whether a calibration changes the pool (false: it only estimates — the
    /// mis-specified and the perfectly specified pools' traces).
    pub calibrate_apply: bool,
    /// Above 0: the Homeostat pools start with A, k, σ and γ at the model flow's truth times
    /// this factor (γ: the inventory target's at the truth), whatever the `pool_*`
    /// fields say (1: perfectly specified; 3: every parameter off by ×3).
    pub calibrate_start_factor: f64,
    /// Exploration (0: off): each calibration sets the pools' k — their half-spread,
    /// `c1 ≈ 1/k` — to the k it would set times `(1 + this)^u`, u uniform in `[−1, 1)`,
    /// within the step bound (`calibrate::explore`; docs/calibration.md, "Exploration").
    pub calibrate_explore: f64,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            market: None,
            seed: 1,
            duration_secs: 3_600,
            slot_ms: 400,
            // The prop pool is the same pool on a fresher price: in the same market it takes
            // the GLFT pool's flow, so it runs on its own (`--pools prop`, or with the others
            // by name) rather than by default.
            pools: vec![PoolKind::Glft, PoolKind::Cp, PoolKind::CpDynamic],
            start_price: 150.0,
            calm_volatility: 0.6,
            stressed_volatility: 1.3,
            calm_mean_secs: 6.0 * 3_600.0,
            stressed_mean_secs: 1.0 * 3_600.0,
            jumps_per_hour: 0.5,
            jump_excitation_per_hour: 20.0,
            jump_excitation_secs: 60.0,
            jump_mean_bps: 25.0,
            oracle_interval_ms: 400,
            oracle_latency_ms: 1_000,
            oracle_noise_bps: 1.0,
            confidence_floor_bps: 2.0,
            confidence_volatility_multiple: 1.0,
            outages_per_hour: 0.5,
            outage_secs: 30,
            arbitrageurs: 2,
            arb_latency_ms: 0,
            arb_cost_bps: 1.0,
            arb_picks_prints: true,
            orders_per_sec: 1.0,
            order_mean_sol: 3.0,
            order_tail: 1.8,
            order_max_sol: 200.0,
            route_ref_bps: 2.0,
            route_chunks: 4,
            liquidity_sol: 1_000.0,
            cp_fee_bps: 5.0,
            cp_dynamic_base_bps: 3.0,
            cp_dynamic_multiple: 1.0,
            cp_dynamic_max_bps: 100.0,
            prop_latency_ms: 400,
            quote_interval_ms: 400,
            quote_valid_slots: 2,
            quote_bid_offset_bps: 0.0,
            quote_ask_offset_bps: 0.0,
            pro_interval_ms: 200,
            pro_latency_ms: 50,
            // `default_params()`: the GLFT pool as deployed.
            pool_risk_aversion: 250.0,
            pool_order_decay: 10_000.0,
            pool_arrival_intensity: 1.0,
            pool_min_half_spread_bps: 1.0,
            pool_confidence_multiplier: 0.0,
            pool_age_multiplier: 1.75,
            pool_print_depth_sol: 3.0,
            pool_depth_slope_bps: 10.0,
            pool_depth_relief_bps: 0,
            pool_age_shrink_bps: 9_000,
            pool_quote_band_bps: 100,
            pool_quote_fallback: homeostat::constants::QUOTE_FALLBACK_PYTH,
            pool_fee_bps: 0,
            pool_max_oracle_age: 20,
            pool_max_trade_sol: 50.0,
            pool_inventory_cap_sol: 100.0,
            pool_variance_per_sec: 0.0,
            model_flow_bid_per_sec: 0.0,
            model_flow_bid_decay: 1_000.0,
            model_flow_ask_per_sec: 0.0,
            model_flow_ask_decay: 1_000.0,
            model_flow_size_sol: 1.0,
            manipulator_ask_bps: 0.0,
            calibrate_every_secs: 0,
            calibrate_max_step: 0.5,
            calibrate_target_inventory_sol: 0.0,
            calibrate_apply: true,
            calibrate_start_factor: 0.0,
            calibrate_explore: 0.0,
        }
    }
}

impl Scenario {
    /// The Homeostat pools' parameters: `default_params()` with the `pool_*` fields, or the
    /// bound the program would refuse them for.
    pub fn pool_params(&self) -> Result<homeostat::PoolParams, ParamsError> {
        let fixed = |field, value: f64| {
            crate::numbers::bits_from_f64_down(value)
                .map(|bits| homeostat::StoredFixed::from(homeostat_math::Fixed::from_bits(bits)))
                .map_err(|source| ParamsError::Fixed { field, source })
        };
        let sol = |value: f64| (value * homeostat_localnet::ONE_BASE as f64) as u64;
        let params = homeostat::PoolParams {
            risk_aversion: fixed("pool_risk_aversion", self.pool_risk_aversion)?,
            order_decay: fixed("pool_order_decay", self.pool_order_decay)?,
            arrival_intensity: fixed("pool_arrival_intensity", self.pool_arrival_intensity)?,
            min_half_spread: fixed(
                "pool_min_half_spread_bps",
                self.pool_min_half_spread_bps / 10_000.0,
            )?,
            confidence_multiplier: fixed(
                "pool_confidence_multiplier",
                self.pool_confidence_multiplier,
            )?,
            age_multiplier: fixed("pool_age_multiplier", self.pool_age_multiplier)?,
            print_depth: sol(self.pool_print_depth_sol),
            depth_slope: fixed("pool_depth_slope_bps", self.pool_depth_slope_bps / 10_000.0)?,
            depth_relief_bps: self.pool_depth_relief_bps,
            age_shrink_bps: self.pool_age_shrink_bps,
            quote_band_bps: self.pool_quote_band_bps,
            quote_fallback: self.pool_quote_fallback,
            fee_bps: self.pool_fee_bps,
            max_oracle_age: self.pool_max_oracle_age,
            max_trade_base: sol(self.pool_max_trade_sol),
            inventory_cap: sol(self.pool_inventory_cap_sol),
            ..homeostat_localnet::default_params()
        };
        let variance = self.pool_variance_per_sec;
        let mut params = if variance > 0.0 {
            homeostat::PoolParams {
                variance_floor: fixed("pool_variance_per_sec", variance)?,
                variance_ceiling: fixed("pool_variance_per_sec", variance)?,
                ..params
            }
        } else {
            params
        };
        let factor = self.calibrate_start_factor;
        if factor > 0.0 {
            let truth = super::calibration::Truth::of(self);
            let sigma = truth.sigma.ok_or(ParamsError::NoTrueSigma)?;
            let fixed = |value| fixed("calibrate_start_factor", value);
            params.arrival_intensity = fixed(factor * 0.5 * (truth.bid_a + truth.ask_a))?;
            params.order_decay = fixed(factor * 0.5 * (truth.bid_k + truth.ask_k))?;
            params.variance_floor = fixed((factor * sigma).powi(2))?;
            params.variance_ceiling = params.variance_floor;
            if let Some(gamma) = truth.gamma {
                params.risk_aversion = fixed(factor * gamma)?;
            }
        }
        match params.violation() {
            Some(violation) => Err(ParamsError::Violation(violation)),
            None => Ok(params),
        }
    }

    /// Sets one field from its text, as `--sweep FIELD=V` does: the value is parsed as the
    /// field's type, then the whole scenario is checked again by the caller.
    pub fn with_field(&self, field: &str, text: &str) -> Result<Self, FieldError> {
        let mut object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::to_value(self)?)?;
        let current = object.get(field).ok_or_else(|| FieldError::Unknown {
            field: field.into(),
            fields: object.keys().cloned().collect(),
        })?;
        let parsed = match current {
            serde_json::Value::Bool(_) => text.parse::<bool>().map(Into::into).ok(),
            serde_json::Value::Number(number) if number.is_f64() => {
                text.parse::<f64>().ok().map(Into::into)
            }
            serde_json::Value::Number(_) => text.parse::<u64>().ok().map(Into::into),
            _ => None,
        }
        .ok_or_else(|| FieldError::NotAValue {
            field: field.into(),
            value: text.into(),
        })?;
        object.insert(field.into(), parsed);
        serde_json::from_value(object.into()).map_err(|source| FieldError::Refused {
            field: field.into(),
            value: text.into(),
            source,
        })
    }

    /// Parses a TOML scenario; errors name the line and the field.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Parses and checks a TOML scenario: a value out of its range is named with the line
    /// that sets it.
    pub fn from_toml_checked(text: &str) -> Result<Self, ParseError> {
        let scenario = Self::from_toml(text)?;
        scenario.validate().map_err(|source| ParseError::Invalid {
            line: line_of(text, source.field),
            source,
        })?;
        Ok(scenario)
    }
}

/// The line (from 1) of a TOML text that sets `field` at the top level.
pub fn line_of(text: &str, field: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid_and_every_bad_value_names_its_field() {
        Scenario::default().validate().expect("default");
        let cases: [(&str, &str); 8] = [
            ("duration_secs", "0"),
            ("liquidity_sol", "100000000000"),
            ("jump_mean_bps", "50000"),
            ("route_ref_bps", "100000"),
            ("slot_ms", "1"),
            ("order_tail", "1"),
            ("jump_excitation_per_hour", "1000"),
            ("start_price", "-5"),
        ];
        for (field, text) in cases {
            let scenario = Scenario::default().with_field(field, text).expect(field);
            let error = scenario.validate().expect_err(field);
            assert_eq!(error.field, field);
            assert!(error.to_string().contains(field), "{error}");
        }
        assert!(Scenario::default()
            .with_field("duration_secs", "4294967295")
            .expect("a u32")
            .validate()
            .is_err());
        assert!(Scenario::default().with_field("mars", "1").is_err());
        assert!(Scenario::default()
            .with_field("duration_secs", "lots")
            .is_err());
    }

    #[test]
    fn the_default_pools_are_the_pool_as_deployed() {
        assert_eq!(
            Scenario::default().pool_params(),
            Ok(homeostat_localnet::default_params())
        );
        let bad = Scenario {
            pool_max_oracle_age: 61,
            ..Scenario::default()
        };
        let error = bad.validate().expect_err("61 s");
        assert!(
            error
                .to_string()
                .contains("max_oracle_age must be in [1, 60]"),
            "{error}"
        );
    }

    #[test]
    fn a_value_out_of_range_names_its_line() {
        let error = Scenario::from_toml_checked("seed = 1\n\nslot_ms = 1\n")
            .expect_err("range")
            .to_string();
        assert!(
            error.starts_with("line 3: slot_ms = 1: must be in"),
            "{error}"
        );
        assert_eq!(line_of("a = 1\n  ab = 2\nb= 3", "b"), Some(3));
    }

    #[test]
    fn a_toml_file_names_its_bad_line() {
        let error = Scenario::from_toml("seed = 1\noracle_latency = 5\n")
            .expect_err("unknown")
            .to_string();
        assert!(
            error.contains("line 2") && error.contains("oracle_latency"),
            "{error}"
        );
        let scenario = Scenario::from_toml("pools = [\"glft\", \"cp\"]\n").expect("pools");
        assert_eq!(scenario.pools, vec![PoolKind::Glft, PoolKind::Cp]);
    }
}
