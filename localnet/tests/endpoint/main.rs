//! The loopback endpoint (`homeostat_localnet::rpc`) as clients use it, in one test binary
//! (each binary links the whole in-process runtime): `clients` — the methods third-party
//! clients call, over plain HTTP/1.1; `subscriptions` — its websocket; `v0` — a v0
//! transaction over a lookup table; `validator`
//! — where it answers as a validator does (issue #30's list); `cluster` — the node's own
//! methods (leaders, production, performance samples); `hostile` — requests meant to take
//! it down.

mod clients;
mod cluster;
mod hostile;
mod subscriptions;
mod v0;
mod validator;

use serde_json::{json, Value};

/// Calls `method` with `params` in a blocking task (the endpoint is served on the test's
/// runtime) and returns the JSON-RPC answer.
async fn call(url: &str, method: &str, params: Value) -> Value {
    let (url, body) = (
        url.to_string(),
        json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string(),
    );
    tokio::task::spawn_blocking(move || homeostat_localnet::rpc::post_blocking(&url, &body, false))
        .await
        .expect("join")
}
