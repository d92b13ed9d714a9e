//! The keeper's integration tests in one test binary (each binary links the in-process
//! Solana runtime; one link instead of four).
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

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
mod supervision;
