//! Test support shared by the keeper's test crates.

pub mod exchange;
pub mod hyperliquid;
pub mod process;
pub mod proxy;
