//! The keeper's integration tests in one test binary (each binary links the in-process
//! Solana runtime; one link instead of four).

mod binance;
mod cluster;
mod common;
mod conventions;
mod examples;
mod faults;
mod hedge_loop;
mod hyperliquid;
mod many_pools;
mod quoter;
mod record_check;
mod supervision;
