//! The SDK against the program in the in-process runtime (`homeostat_localnet`):
//! `differential` — its off-chain quotes equal what the program executes, bit for bit;
//! `rpc` — its cluster path over the loopback JSON-RPC endpoint; `landing` — transactions
//! that land. One binary for the three: each binary that links the runtime builds its
//! generic code again (tests/tests/program/main.rs has the measurement).

mod differential;
mod landing;
mod rpc;

use homeostat_localnet::ONE_BASE;
use homeostat_math::{Direction, SwapQuote};
use homeostat_sdk::rpc::PoolClient;

/// The SDK's quote for selling exactly 1 SOL on `client`'s pool, from a fresh snapshot.
async fn quote_selling_one_sol(client: &PoolClient) -> SwapQuote {
    client
        .snapshot()
        .await
        .expect("snapshot")
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .expect("quote")
}
