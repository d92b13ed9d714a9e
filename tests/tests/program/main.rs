//! The program's integration tests, one module per instruction or concern, in one test
//! binary: each binary links the whole in-process Solana runtime, so one binary instead of
//! eighteen saves seventeen links of it on every cold build.

mod admin;
mod deposit;
mod economics;
mod errors;
mod events;
mod fuzz;
mod homeostasis;
mod initialize_pool;
mod jupiter;
mod landing;
mod op_counts;
mod oracle;
mod params;
mod print_depth;
mod pro;
mod quoter;
mod rebalance;
mod runtime;
mod sdk_differential;
mod sdk_rpc;
mod swap_exact_in;
mod swap_exact_out;
mod token_transfers;
mod withdraw;
