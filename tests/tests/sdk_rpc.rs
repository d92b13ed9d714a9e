//! The SDK's cluster path against a JSON-RPC endpoint: a small local server (started by the
//! test, loopback only) answers `getMultipleAccounts` with accounts copied byte for byte
//! from the in-process runtime. The snapshot it builds quotes exactly like the runtime's,
//! and every failure names what is wrong.
#![allow(deprecated)] // solana-program-test 3.x: see crates/localnet/src/lib.rs

use std::net::TcpListener;

use anchor_lang::prelude::Pubkey;
use homeostat_localnet::mock_rpc::{copy_accounts, serve, CLOCK};
use homeostat_math::Direction;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use homeostat_tests::*;

#[tokio::test]
async fn a_snapshot_over_rpc_quotes_exactly_like_the_runtime() {
    let (mut harness, _) = Harness::with_liquidity().await;
    let served = copy_accounts(&mut harness).await;
    let client = PoolClient::new(&serve(served), harness.addresses(), harness.oracle);
    let remote = client.snapshot().await.expect("snapshot over RPC");
    let update = harness.oracle_update().await;
    let local = harness.snapshot(&update).await;
    assert_eq!(
        (remote.base_vault, remote.quote_vault, remote.now),
        (local.base_vault, local.quote_vault, local.now)
    );
    for direction in [Direction::BaseToQuote, Direction::QuoteToBase] {
        assert_eq!(
            remote.quote_exact_in(direction, 3 * ONE_BASE / 2).unwrap(),
            local.quote_exact_in(direction, 3 * ONE_BASE / 2).unwrap()
        );
    }
}

#[tokio::test]
async fn rpc_errors_say_what_is_wrong() {
    let (mut harness, _) = Harness::with_liquidity().await;
    let served = copy_accounts(&mut harness).await;

    // A pool that does not exist.
    let mut missing = served.clone();
    missing.remove(&harness.pool().to_string());
    let client = PoolClient::new(&serve(missing), harness.addresses(), harness.oracle);
    let error = client.snapshot().await.unwrap_err();
    assert!(
        matches!(
            error,
            SdkError::NotFound {
                account: "pool",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("does not exist"), "{error}");

    // The wrong account at the pool's address.
    let mut wrong = served.clone();
    wrong.insert(
        harness.pool().to_string(),
        (Pubkey::new_unique().to_string(), vec![0; 712]),
    );
    let client = PoolClient::new(&serve(wrong), harness.addresses(), harness.oracle);
    let error = client.snapshot().await.unwrap_err();
    assert!(
        error.to_string().contains("not the Homeostat program"),
        "{error}"
    );

    // A stale oracle: the cluster's clock is two minutes past the last price.
    let mut stale = served.clone();
    let clock = stale.get_mut(&CLOCK.to_string()).expect("clock");
    let later = (harness.now + 120).to_le_bytes();
    clock.1[32..40].copy_from_slice(&later);
    let client = PoolClient::new(&serve(stale), harness.addresses(), harness.oracle);
    let snapshot = client
        .snapshot()
        .await
        .expect("the accounts themselves are fine");
    let error = snapshot
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap_err();
    assert!(
        matches!(&error, SdkError::Program { name, .. } if name == "StaleOracle"),
        "{error}"
    );

    // Nobody listening.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let client = PoolClient::new(&url, harness.addresses(), harness.oracle);
    assert!(matches!(
        client.snapshot().await.unwrap_err(),
        SdkError::Rpc(_)
    ));
}
