//! The program's integration tests, one module per instruction or concern, in one test
//! binary: each binary that links the in-process Solana runtime compiles the runtime's
//! generic code it uses again, so the program's modules share one.
//!
//! The SDK's and the Jupiter adapter's tests against the program live in their own crates
//! (sdk/tests/runtime/, integrations/jupiter/tests/conformance.rs). Measured when they
//! moved (2026-12-07, the 2-core machine, each binary built from an empty incremental
//! directory): this binary with them took 73 – 78 CPU-seconds to build, the three now take
//! 40 + 41 + 10 (≈ +18 s, under 2 % of a cold `cargo test --workspace`); linking one is
//! 1.2 s (rust-lld); the tests run in the same ≈ 7 s.

mod admin;
mod deposit;
mod economics;
mod errors;
mod events;
mod fuzz;
mod homeostasis;
mod initialize_pool;
mod op_counts;
mod oracle;
mod params;
mod print_depth;
mod pro;
mod quoter;
mod rebalance;
mod runtime;
mod swap_exact_in;
mod swap_exact_out;
mod token_transfers;
mod withdraw;
