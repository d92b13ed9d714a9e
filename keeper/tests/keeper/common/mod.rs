//! Test support shared by the keeper's test crates.

pub mod book;
pub mod exchange;
pub mod http;
pub mod hyperliquid;
pub mod process;
pub mod proxy;
