//! The scenario's bounds: every field's range and the few rules between fields, group by
//! group (`Scenario::validate`); the rest is the program's to judge (`PoolParams::violation`).

use super::Scenario;

/// A scenario value out of its range: the field, what it must be, and what it was.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// The field's name, as in the scenario file.
    pub field: &'static str,
    /// The rule it broke.
    pub rule: String,
    /// The value given.
    pub value: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}: {}", self.field, self.value, self.rule)
    }
}

impl std::error::Error for ScenarioError {}

/// Longest run per seed: 7 simulated days (memory grows with the run: a day is ≈ 20 MB).
pub const MAX_DURATION_SECS: u32 = 7 * 24 * 3_600;

fn range(field: &'static str, value: f64, low: f64, high: f64) -> Result<(), ScenarioError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(ScenarioError {
            field,
            rule: format!("must be in [{low}, {high}]"),
            value: value.to_string(),
        })
    }
}

fn whole(field: &'static str, value: u32, low: u32, high: u32) -> Result<(), ScenarioError> {
    range(field, f64::from(value), f64::from(low), f64::from(high))
}

impl Scenario {
    /// Checks every field against its range (and the few rules between fields), group by
    /// group; the first out of range is the error.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.validate_run()?;
        self.validate_price()?;
        self.validate_oracle()?;
        self.validate_flow()?;
        self.validate_pools()?;
        self.validate_model_flow()?;
        // The rest is the program's to judge (`PoolParams::violation`, named by
        // `Scenario::pool_params`).
        self.pool_params().map(drop).map_err(|rule| ScenarioError {
            field: "pool_*",
            rule: rule.to_string(),
            value: "the Homeostat pools' parameters".into(),
        })
    }

    /// The run: its length, its slot and its pools.
    fn validate_run(&self) -> Result<(), ScenarioError> {
        whole("duration_secs", self.duration_secs, 1, MAX_DURATION_SECS)?;
        whole("slot_ms", self.slot_ms, 50, 10_000)?;
        if self.pools.is_empty() {
            return Err(ScenarioError {
                field: "pools",
                rule: "must name at least one pool (glft, cp, cp-dynamic, prop, pro)".into(),
                value: "[]".into(),
            });
        }
        Ok(())
    }

    /// The true price's path: its start, volatility regimes and jumps.
    fn validate_price(&self) -> Result<(), ScenarioError> {
        range("start_price", self.start_price, 1.0, 100_000.0)?;
        range("calm_volatility", self.calm_volatility, 0.0, 5.0)?;
        range("stressed_volatility", self.stressed_volatility, 0.0, 5.0)?;
        range("calm_mean_secs", self.calm_mean_secs, 1.0, 1e9)?;
        range("stressed_mean_secs", self.stressed_mean_secs, 1.0, 1e9)?;
        range("jumps_per_hour", self.jumps_per_hour, 0.0, 100.0)?;
        range(
            "jump_excitation_secs",
            self.jump_excitation_secs,
            1.0,
            86_400.0,
        )?;
        // Expected children per jump: excitation × decay time; ≥ 1 explodes.
        let branching = self.jump_excitation_per_hour / 3_600.0 * self.jump_excitation_secs;
        range(
            "jump_excitation_per_hour",
            self.jump_excitation_per_hour,
            0.0,
            0.9 * 3_600.0 / self.jump_excitation_secs,
        )
        .map_err(|error| ScenarioError {
            rule: format!(
                "{} (each jump may trigger at most 0.9 more on average; here {branching:.2})",
                error.rule
            ),
            ..error
        })?;
        range("jump_mean_bps", self.jump_mean_bps, 0.0, 1_000.0)?;
        Ok(())
    }

    /// The oracle: its cadence, latency, noise, confidence and outages.
    fn validate_oracle(&self) -> Result<(), ScenarioError> {
        whole("oracle_interval_ms", self.oracle_interval_ms, 50, 60_000)?;
        whole("oracle_latency_ms", self.oracle_latency_ms, 0, 60_000)?;
        range("oracle_noise_bps", self.oracle_noise_bps, 0.0, 100.0)?;
        range(
            "confidence_floor_bps",
            self.confidence_floor_bps,
            0.0,
            100.0,
        )?;
        range(
            "confidence_volatility_multiple",
            self.confidence_volatility_multiple,
            0.0,
            100.0,
        )?;
        range("outages_per_hour", self.outages_per_hour, 0.0, 60.0)?;
        whole("outage_secs", self.outage_secs, 0, 3_600)?;
        Ok(())
    }

    /// The traders: arbitrageurs and the uninformed flow and its routing.
    fn validate_flow(&self) -> Result<(), ScenarioError> {
        whole("arbitrageurs", self.arbitrageurs, 0, 16)?;
        whole("arb_latency_ms", self.arb_latency_ms, 0, 60_000)?;
        range("arb_cost_bps", self.arb_cost_bps, 0.0, 100.0)?;
        range("orders_per_sec", self.orders_per_sec, 0.0, 50.0)?;
        range("order_mean_sol", self.order_mean_sol, 0.001, 1_000.0)?;
        range("order_tail", self.order_tail, 1.1, 10.0)?;
        range(
            "order_max_sol",
            self.order_max_sol,
            self.order_mean_sol,
            100_000.0,
        )?;
        range("route_ref_bps", self.route_ref_bps, 0.0, 1_000.0)?;
        whole("route_chunks", self.route_chunks, 1, 16)?;
        Ok(())
    }

    /// The pools: liquidity, the baselines' fees and the Homeostat pools' fields.
    fn validate_pools(&self) -> Result<(), ScenarioError> {
        range("liquidity_sol", self.liquidity_sol, 1.0, 10_000_000.0)?;
        range("cp_fee_bps", self.cp_fee_bps, 0.0, 1_000.0)?;
        range(
            "cp_dynamic_base_bps",
            self.cp_dynamic_base_bps,
            0.0,
            1_000.0,
        )?;
        range("cp_dynamic_multiple", self.cp_dynamic_multiple, 0.0, 100.0)?;
        range(
            "cp_dynamic_max_bps",
            self.cp_dynamic_max_bps,
            self.cp_dynamic_base_bps,
            1_000.0,
        )?;
        whole("prop_latency_ms", self.prop_latency_ms, 0, 60_000)?;
        whole("quote_interval_ms", self.quote_interval_ms, 50, 60_000)?;
        whole("pro_interval_ms", self.pro_interval_ms, 1, 60_000)?;
        whole("pro_latency_ms", self.pro_latency_ms, 0, 60_000)?;
        whole("quote_valid_slots", self.quote_valid_slots, 0, 1_000)?;
        range(
            "quote_bid_offset_bps",
            self.quote_bid_offset_bps,
            0.0,
            1_000.0,
        )?;
        range(
            "quote_ask_offset_bps",
            self.quote_ask_offset_bps,
            0.0,
            1_000.0,
        )?;
        range(
            "pool_print_depth_sol",
            self.pool_print_depth_sol,
            0.0,
            1_000_000.0,
        )?;
        range(
            "pool_max_trade_sol",
            self.pool_max_trade_sol,
            0.001,
            1_000_000.0,
        )?;
        range(
            "pool_inventory_cap_sol",
            self.pool_inventory_cap_sol,
            0.001,
            1_000_000.0,
        )?;
        range(
            "pool_min_half_spread_bps",
            self.pool_min_half_spread_bps,
            0.0,
            1_000.0,
        )?;
        range(
            "pool_variance_per_sec",
            self.pool_variance_per_sec,
            0.0,
            1e-2,
        )?;
        Ok(())
    }

    /// The model's own flow, the manipulator and the recalibration.
    fn validate_model_flow(&self) -> Result<(), ScenarioError> {
        for (field, value) in [
            ("model_flow_bid_per_sec", self.model_flow_bid_per_sec),
            ("model_flow_ask_per_sec", self.model_flow_ask_per_sec),
        ] {
            range(field, value, 0.0, 100.0)?;
        }
        for (field, value) in [
            ("model_flow_bid_decay", self.model_flow_bid_decay),
            ("model_flow_ask_decay", self.model_flow_ask_decay),
        ] {
            range(field, value, 0.0, 1e6)?;
        }
        range(
            "model_flow_size_sol",
            self.model_flow_size_sol,
            0.001,
            1_000.0,
        )?;
        range(
            "manipulator_ask_bps",
            self.manipulator_ask_bps,
            0.0,
            1_000.0,
        )?;
        whole(
            "calibrate_every_secs",
            self.calibrate_every_secs,
            0,
            MAX_DURATION_SECS,
        )?;
        range("calibrate_max_step", self.calibrate_max_step, 0.001, 10.0)?;
        range(
            "calibrate_start_factor",
            self.calibrate_start_factor,
            0.0,
            100.0,
        )?;
        range("calibrate_explore", self.calibrate_explore, 0.0, 1.0)?;
        range(
            "calibrate_target_inventory_sol",
            self.calibrate_target_inventory_sol,
            0.0,
            1_000_000.0,
        )?;
        Ok(())
    }
}
