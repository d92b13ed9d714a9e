//! Homeostat's compiled SBF program measured and tested: the compute units of every
//! instruction (`measure`, rendered by `table`, gated by `budgets`), and the differential
//! test of the SBF program against the native one (`differential`). README.md beside
//! Cargo.toml says how to run them.

pub mod breakdown;
pub mod budgets;
pub mod differential;
pub mod genesis;
pub mod logs;
pub mod measure;
pub mod native;
pub mod sbf;
pub mod table;
