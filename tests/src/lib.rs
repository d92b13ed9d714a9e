//! The integration tests run the program through `homeostat-localnet`, the in-process
//! runtime harness the simulator shares.
pub use homeostat_localnet::*;

/// The first second of the volatility estimate's next grid cell after `now`, for the
/// default pool: a print published then is a sample.
pub fn next_volatility_sample(now: i64) -> i64 {
    let grid = i64::try_from(default_params().volatility_grid).expect("a small grid");
    (now.div_euclid(grid) + 1) * grid
}
