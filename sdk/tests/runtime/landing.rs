//! Transactions that land (`homeostat_sdk::landing`) against the loopback endpoint, whose
//! slots pass with wall time (5 ms here, so a blockhash lives 0.75 s) and which can drop
//! sends: the compute-unit limit comes from simulation, the price from recent fees under
//! the cap, a dropped transaction is sent again and executes once, an expired blockhash is
//! replaced, a lost transaction is reported as such, and a transaction the program would
//! refuse is never sent.

use std::time::Duration;

use homeostat_localnet::rpc::{self, Endpoint, Options};
use homeostat_localnet::{Harness, SwapIn, User, ONE_BASE};
use homeostat_math::Direction;
use homeostat_sdk::instructions;
use homeostat_sdk::landing::{Landed, Landing, PriorityFee};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;

use crate::quote_selling_one_sol;

/// A seeded pool behind an endpoint with 5 ms slots, a trader, and a fast `Landing`.
async fn served() -> (Harness, PoolAddresses, User, Endpoint, PoolClient) {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(50 * ONE_BASE, 0).await;
    let endpoint = rpc::serve_with(
        &harness.context,
        Options {
            slot_duration: Duration::from_millis(5),
            ..Options::default()
        },
    )
    .await;
    let client = PoolClient::connect(&endpoint.url, pool.pool, harness.oracle)
        .await
        .expect("connect")
        .with_landing(Landing {
            poll_interval: Duration::from_millis(10),
            resend_interval: Duration::from_millis(50),
            ..Landing::default()
        });
    (harness, pool, trader, endpoint, client)
}

/// Sells `amount` base atoms through `client` sending with `landing`, at least `min_out`
/// back.
async fn sell(
    client: &mut PoolClient,
    trader: &User,
    pool: &PoolAddresses,
    amount: u64,
    min_out: u64,
    landing: Landing,
) -> homeostat_sdk::Result<Landed> {
    let instruction = instructions::swap_exact_in(
        &client.addresses,
        client.oracles,
        &trader.accounts(pool),
        SwapIn {
            direction: Direction::BaseToQuote,
            amount_in: amount,
            min_amount_out: min_out,
        },
    );
    client.landing = landing;
    let keypair = trader.keypair.insecure_clone();
    client.send_landed(&[instruction], &[&keypair]).await
}

#[tokio::test]
async fn the_limit_comes_from_simulation_and_the_price_from_recent_fees_under_the_cap() {
    let (mut harness, pool, trader, _endpoint, mut client) = served().await;
    // Three sales at known prices, each in its own slot.
    for price in [100, 200, 300] {
        let landing = Landing {
            priority_fee: PriorityFee::Fixed(price),
            ..client.landing
        };
        let landed = sell(&mut client, &trader, &pool, ONE_BASE, 1, landing)
            .await
            .expect("a priced sale");
        assert_eq!(landed.compute_unit_price, price);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = harness.balance(&trader.base).await;
    let median = Landing {
        priority_fee: PriorityFee::Percentile(50),
        ..client.landing
    };
    let landed = sell(&mut client, &trader, &pool, ONE_BASE, 1, median)
        .await
        .expect("sale");
    assert_eq!(
        landed.compute_unit_price, 200,
        "the median of 100, 200, 300"
    );
    // The runtime meters the two SPL Token transfers (4 645 CU each).
    assert!(landed.simulated_units > 9_000, "{landed:?}");
    assert_eq!(
        u64::from(landed.compute_unit_limit),
        landed.simulated_units + landed.simulated_units / 5,
        "simulated units + 20 %"
    );
    assert_eq!((landed.blockhashes, landed.sends), (1, 1));
    assert_eq!(harness.balance(&trader.base).await, before - ONE_BASE);
    // The cap wins over the fee policy.
    let capped = Landing {
        priority_fee: PriorityFee::Percentile(100),
        max_priority_fee: 250,
        ..client.landing
    };
    let landed = sell(&mut client, &trader, &pool, ONE_BASE, 1, capped)
        .await
        .expect("sale");
    assert_eq!(landed.compute_unit_price, 250);
}

#[tokio::test]
async fn a_dropped_transaction_is_sent_again_and_executes_once() {
    let (mut harness, pool, trader, endpoint, mut client) = served().await;
    let before = (
        harness.balance(&trader.base).await,
        harness.balance(&trader.quote).await,
    );
    let quote = quote_selling_one_sol(&client).await;
    endpoint.faults.drop_next_sends(2);
    let landing = client.landing;
    let landed = sell(
        &mut client,
        &trader,
        &pool,
        ONE_BASE,
        quote.amount_out,
        landing,
    )
    .await
    .expect("lands on the third send");
    assert_eq!((landed.blockhashes, landed.sends), (1, 3));
    assert_eq!(endpoint.faults.sends_to_drop(), 0);
    assert_eq!(
        (
            harness.balance(&trader.base).await,
            harness.balance(&trader.quote).await
        ),
        (before.0 - ONE_BASE, before.1 + quote.amount_out),
        "executed exactly once"
    );
}

#[tokio::test]
async fn an_expired_blockhash_is_replaced_and_a_lost_transaction_is_reported() {
    let (mut harness, pool, trader, endpoint, mut client) = served().await;
    // One send per blockhash (resent every 2 s; a blockhash lives 0.75 s): the first is
    // dropped, its blockhash expires, the transaction is signed again with a fresh one.
    let patient = Landing {
        resend_interval: Duration::from_secs(2),
        ..client.landing
    };
    let before = harness.balance(&trader.base).await;
    endpoint.faults.drop_next_sends(1);
    let landed = sell(&mut client, &trader, &pool, ONE_BASE, 1, patient)
        .await
        .expect("lands with the second blockhash");
    assert_eq!((landed.blockhashes, landed.sends), (2, 2));
    assert_eq!(harness.balance(&trader.base).await, before - ONE_BASE);

    // Every send lost: after two blockhashes the error says it never executed.
    endpoint.faults.drop_next_sends(u32::MAX);
    let lost = Landing {
        blockhashes: 2,
        ..patient
    };
    let error = sell(&mut client, &trader, &pool, ONE_BASE, 1, lost)
        .await
        .expect_err("every send dropped");
    assert!(
        matches!(
            error,
            SdkError::Expired {
                blockhashes: 2,
                sends: 2,
                compute_unit_price: 0,
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("did not execute"), "{error}");
    assert_eq!(harness.balance(&trader.base).await, before - ONE_BASE);
    endpoint.faults.drop_next_sends(0);
}

#[tokio::test]
async fn a_transaction_the_program_would_refuse_fails_in_simulation_and_is_never_sent() {
    let (mut harness, pool, trader, endpoint, mut client) = served().await;
    let before = harness.balance(&trader.base).await;
    // A send would be dropped: the error must come before any send.
    endpoint.faults.drop_next_sends(1);
    let landing = client.landing;
    let error = sell(&mut client, &trader, &pool, ONE_BASE, u64::MAX, landing)
        .await
        .expect_err("the slippage limit cannot be met");
    match error {
        SdkError::Program { name, code, .. } => {
            assert_eq!((name.as_str(), code), ("SlippageExceeded", 6_017));
        }
        other => panic!("expected the program's error, got {other:?}"),
    }
    assert_eq!(endpoint.faults.sends_to_drop(), 1, "nothing was sent");
    assert_eq!(harness.balance(&trader.base).await, before);
}

#[tokio::test]
async fn two_identical_swaps_in_a_row_execute_twice() {
    // Same instructions, same signer: within one blockhash they would be one transaction
    // (the second deduplicated, and its status the first's). The second waits for the
    // next blockhash instead.
    let (mut harness, pool, trader, _endpoint, mut client) = served().await;
    let before = harness.balance(&trader.base).await;
    let landing = client.landing;
    let first = sell(&mut client, &trader, &pool, ONE_BASE, 1, landing)
        .await
        .expect("first");
    let second = sell(&mut client, &trader, &pool, ONE_BASE, 1, landing)
        .await
        .expect("second");
    assert_ne!(first.signature, second.signature);
    assert_eq!(harness.balance(&trader.base).await, before - 2 * ONE_BASE);
}
