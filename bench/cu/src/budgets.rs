//! The committed compute-unit budgets (`bench/cu/budgets.toml`) and the gate: every
//! measurement within its instruction's budget, every instruction budgeted, no budget
//! without its instruction.

use std::collections::BTreeMap;

use crate::measure::{Measurements, ROWS};
use crate::sbf::TokenProgram;
use crate::table::thousands;

/// Units per row id, per token program.
#[derive(Debug, Default)]
pub struct Budgets(BTreeMap<(String, String), u64>);

impl Budgets {
    /// Parses the file: one table per token program (`[p_token]`, `[spl_token]`), one
    /// integer per instruction row.
    pub fn parse(text: &str) -> Result<Self, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|error| format!("budgets.toml: {error}"))?;
        let mut budgets = BTreeMap::new();
        for (token, rows) in &table {
            if !TokenProgram::ALL.iter().any(|known| known.key() == token) {
                return Err(format!(
                    "budgets.toml: unknown token program table [{token}]"
                ));
            }
            let rows = rows
                .as_table()
                .ok_or_else(|| format!("budgets.toml: [{token}] is not a table"))?;
            for (row, value) in rows {
                let units = value
                    .as_integer()
                    .and_then(|units| u64::try_from(units).ok())
                    .ok_or_else(|| format!("budgets.toml: {token}.{row} is not a unit count"))?;
                budgets.insert((token.clone(), row.clone()), units);
            }
        }
        Ok(Self(budgets))
    }

    /// The budget of `row` with `token`.
    pub fn get(&self, token: TokenProgram, row: &str) -> Option<u64> {
        self.0
            .get(&(token.key().to_string(), row.to_string()))
            .copied()
    }

    /// Every breach: a measurement over its budget, a row without a budget, a budget
    /// without a row. Empty when the gate passes.
    pub fn check(&self, measurements: &Measurements) -> Vec<String> {
        let mut breaches = Vec::new();
        for ((token, row), _) in self.0.iter() {
            if !ROWS.iter().any(|(id, _)| id == row) {
                breaches.push(format!(
                    "budget {token}.{row} names no measured instruction"
                ));
            }
        }
        for token in TokenProgram::ALL {
            for (row, _) in ROWS {
                if self.get(token, row).is_none() {
                    breaches.push(format!(
                        "no budget for {row} with {} ({}.{row})",
                        token.label(),
                        token.key()
                    ));
                }
            }
        }
        for ((row, model, token), units) in measurements {
            if let Some(budget) = self.get(*token, row) {
                if units.total > budget {
                    breaches.push(format!(
                        "{row}, {model}, {}: {} CU exceeds its budget of {} ({} over)",
                        token.label(),
                        thousands(units.total),
                        thousands(budget),
                        thousands(units.total - budget)
                    ));
                }
            }
        }
        breaches
    }

    /// How many (instruction, model, token program) measurements the gate compares.
    pub fn checked(&self, measurements: &Measurements) -> usize {
        measurements
            .keys()
            .filter(|(row, _, token)| self.get(*token, row).is_some())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Units;

    fn full(units: u64) -> String {
        let mut text = String::new();
        for token in TokenProgram::ALL {
            text.push_str(&format!("[{}]\n", token.key()));
            for (row, _) in ROWS {
                text.push_str(&format!("{row} = {units}\n"));
            }
        }
        text
    }

    fn measured(total: u64) -> Measurements {
        let mut all = Measurements::new();
        for token in TokenProgram::ALL {
            for (row, _) in ROWS {
                all.insert(
                    (row, "GLFT", token),
                    Units {
                        total,
                        ..Units::default()
                    },
                );
            }
        }
        all
    }

    #[test]
    fn within_every_budget_passes_and_one_unit_over_fails() {
        let budgets = Budgets::parse(&full(30_000)).expect("valid");
        assert!(budgets.check(&measured(30_000)).is_empty());
        assert_eq!(budgets.checked(&measured(30_000)), 2 * ROWS.len());
        let breaches = budgets.check(&measured(30_001));
        assert_eq!(breaches.len(), 2 * ROWS.len());
        assert!(
            breaches[0].contains("30 001 CU exceeds its budget of 30 000 (1 over)"),
            "{breaches:?}"
        );
    }

    #[test]
    fn a_missing_or_unknown_budget_fails() {
        let missing = full(30_000).replace("record_hedge = 30000\n", "");
        let breaches = Budgets::parse(&missing).expect("valid").check(&measured(1));
        assert_eq!(breaches.len(), 2, "{breaches:?}");
        assert!(
            breaches[0].contains("no budget for record_hedge"),
            "{breaches:?}"
        );
        let unknown = format!("{}swap_sideways = 1\n", full(30_000));
        let breaches = Budgets::parse(&unknown).expect("valid").check(&measured(1));
        assert_eq!(
            breaches,
            vec!["budget spl_token.swap_sideways names no measured instruction"]
        );
    }

    #[test]
    fn malformed_files_are_refused() {
        assert!(Budgets::parse("[pinocchio]\nswap = 1\n").is_err());
        assert!(Budgets::parse("[p_token]\nswap = -1\n").is_err());
        assert!(Budgets::parse("[p_token]\nswap = \"many\"\n").is_err());
        assert!(Budgets::parse("p_token = 3\n").is_err());
    }
}
