//! The integration tests run the program through `homeostat-localnet`, the in-process
//! runtime harness the simulator shares.
pub use homeostat_localnet::*;
