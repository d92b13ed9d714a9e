//! The SDK against the program in the in-process runtime (`homeostat_localnet`):
//! `differential` — its off-chain quotes equal what the program executes, bit for bit;
//! `rpc` — its cluster path over the loopback JSON-RPC endpoint; `landing` — transactions
//! that land. One binary for the three: each binary that links the runtime builds its
//! generic code again (tests/tests/program/main.rs has the measurement).

mod differential;
mod landing;
mod rpc;
