//! Homeostat on an in-process Solana runtime: the program runs natively inside
//! `solana-program-test` (processor mode) — no SBF toolchain needed — and CPIs to the
//! preloaded SPL Token, Token-2022 and associated-token programs really move tokens.
//!
//! One module per job: `runtime` (the program in the runtime, transactions, the clock),
//! `tokens` (mints, accounts, users), `oracle` (Pyth accounts), `clients` (one client per
//! instruction, built by `homeostat-sdk`, each naming its pool), `fixtures` (parameters,
//! seeded pools), `asserts` (errors, events), `rng`, `files`; `rpc` serves the runtime as a
//! loopback Solana JSON-RPC endpoint. Tests and the simulator read like a user's actions.

pub mod asserts;
pub mod clients;
pub mod files;
pub mod fixtures;
pub mod oracle;
pub mod pro;
pub mod rng;
pub mod rpc;
pub mod runtime;
pub mod tokens;

pub use asserts::*;
pub use clients::{burn, Exact, BUY, SELL};
pub use files::*;
pub use fixtures::*;
pub use homeostat::errors::HomeostatError;
pub use homeostat::{PoolParams, StoredFixed};
pub use homeostat_sdk::instructions::{SwapIn, SwapOut};
pub use homeostat_sdk::pda::PoolAddresses;
pub use oracle::*;
pub use pro::*;
pub use rng::*;
pub use runtime::*;
pub use solana_transaction::TransactionError;
pub use tokens::*;
