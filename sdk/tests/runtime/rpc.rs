//! The SDK's cluster path against a JSON-RPC endpoint serving the in-process runtime
//! (`homeostat_localnet::rpc`): the snapshot it builds quotes exactly like the runtime's,
//! transactions it sends execute, every failure names what is wrong, and a pool's events
//! are followed over the websocket.

use std::net::TcpListener;

use anchor_lang::prelude::Pubkey;
use homeostat::errors::HomeostatError;
use homeostat::instructions::DepositArgs;
use homeostat_localnet::rpc;
use homeostat_localnet::{
    default_params, fee_params, oracle_account, price_update, pyth_price, Exact, Harness, SwapIn,
    ONE_BASE, ONE_QUOTE,
};
use homeostat_math::{BaseAtoms, Direction, QuoteAtoms};
use homeostat_sdk::instructions::{self, UserAccounts};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::quote::{deposit_quote, min_out};
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use solana_signer::Signer;

use crate::quote_selling_one_sol;

/// The SDK's instruction selling 1 SOL from `accounts` for at least `min_amount_out`.
fn sell_one(
    client: &PoolClient,
    accounts: &UserAccounts,
    min_amount_out: u64,
) -> anchor_lang::solana_program::instruction::Instruction {
    instructions::swap_exact_in(
        &client.addresses,
        client.oracles,
        accounts,
        SwapIn {
            direction: Direction::BaseToQuote,
            amount_in: ONE_BASE,
            min_amount_out,
        },
    )
}

/// A seeded pool served over JSON-RPC, and the SDK's client connected to it.
async fn served_pool() -> (Harness, PoolAddresses, String, PoolClient) {
    let (harness, pool, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;
    let client = PoolClient::connect(&url, pool.pool, harness.oracle)
        .await
        .expect("connect");
    (harness, pool, url, client)
}

#[tokio::test]
async fn a_snapshot_over_rpc_quotes_exactly_like_the_runtime() {
    let (mut harness, pool, _, client) = served_pool().await;
    assert_eq!(client.addresses, pool);
    let remote = client.snapshot().await.expect("snapshot over RPC");
    let update = harness.oracle_update().await;
    let local = harness.snapshot(&pool, &update).await;
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
    let liquidity = client.liquidity().await.expect("liquidity");
    assert_eq!(liquidity.reserves.base.get(), 1_000 * ONE_BASE);
    assert_eq!(liquidity.lp_supply, harness.supply(&pool.lp_mint).await);
}

#[tokio::test]
async fn a_pool_subscription_yields_the_pools_events_in_order_and_no_others() {
    use homeostat_sdk::events::PoolEvent;
    use std::time::Duration;

    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let other_pool = harness.pool_at(1);
    harness.seeded_pool(&other_pool, default_params()).await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let endpoint = rpc::serve_with(&harness.context, Default::default()).await;
    let client = PoolClient::connect(&endpoint.url, pool.pool, harness.oracle)
        .await
        .expect("connect");
    let other = PoolClient::connect(&endpoint.url, other_pool.pool, harness.oracle)
        .await
        .expect("connect to the other pool");
    let mut stream = client
        .subscribe_events(&endpoint.ws_url)
        .await
        .expect("subscribe");
    // A sale on this pool, one on the other, one on this pool again.
    let mut ours = Vec::new();
    for (on, addresses) in [(&client, &pool), (&other, &other_pool), (&client, &pool)] {
        let swap = sell_one(on, &trader.accounts(addresses), 1);
        let signature = on.send(&[swap], &[&trader.keypair]).await.expect("swap");
        if addresses == &pool {
            ours.push(signature);
        }
    }
    for signature in &ours {
        let landed = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("an event within 20 s")
            .expect("the subscription is open")
            .expect("the transaction's events");
        assert_eq!(&landed.signature, signature);
        assert!(landed.slot > 0);
        match landed.events.as_slice() {
            [PoolEvent::Swapped(swapped)] => {
                assert_eq!(swapped.pool, pool.pool);
                assert_eq!(swapped.trader, trader.keypair.pubkey());
                assert_eq!(swapped.amount_in, ONE_BASE);
            }
            other => panic!("expected one Swapped event, got {other:?}"),
        }
    }
    // Nothing else came: the other pool's sale is not this pool's event.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), stream.next())
            .await
            .is_err(),
        "no further event"
    );
}

#[tokio::test]
async fn a_swap_sent_over_rpc_executes_the_quote() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let url = rpc::serve(&harness.context).await;
    let client = PoolClient::connect(&url, pool.pool, harness.oracle)
        .await
        .expect("connect");
    let quote = quote_selling_one_sol(&client).await;
    let accounts = trader.accounts(&pool);
    let swap = sell_one(&client, &accounts, min_out(quote.amount_out, 10));
    client
        .send(&[swap], &[&trader.keypair])
        .await
        .expect("swap over RPC");
    assert_eq!(harness.balance(&trader.quote).await, quote.amount_out);
    assert_eq!(
        client.token_balance(trader.base).await.expect("balance"),
        Some(9 * ONE_BASE)
    );

    // The program's refusal comes back as the program's error, by name and number.
    harness
        .set_paused(&pool, &harness.admin.insecure_clone(), true)
        .await
        .expect("pause");
    let swap = sell_one(&client, &accounts, 0);
    let error = client.send(&[swap], &[&trader.keypair]).await.unwrap_err();
    assert!(
        matches!(
            &error,
            SdkError::Program { code, name, message }
                if *code == u32::from(HomeostatError::PoolPaused)
                    && name == "PoolPaused"
                    && message == "Pool is paused"
        ),
        "{error:?}"
    );
    // An Anchor account check too: another wallet's token account.
    let other = UserAccounts::associated(&client.addresses, Pubkey::new_unique());
    let deposit = instructions::deposit(
        &client.addresses,
        &UserAccounts {
            owner: trader.keypair.pubkey(),
            ..other
        },
        homeostat::instructions::DepositArgs {
            max_base: 1,
            max_quote: 1,
            min_shares: 0,
        },
    );
    let error = client
        .send(&[deposit], &[&trader.keypair])
        .await
        .unwrap_err();
    assert!(
        matches!(error, SdkError::Program { code, .. } if code < 6_000),
        "{error}"
    );
}

/// A client of `pool` whose account the cluster holds under another owner: named, then
/// put back.
async fn an_impostor_pool_is_named(harness: &mut Harness, client: &PoolClient) {
    let address = client.addresses.pool;
    let mut impostor = harness
        .context
        .banks_client
        .get_account(address)
        .await
        .expect("rpc")
        .expect("pool");
    let genuine = impostor.clone();
    impostor.owner = Pubkey::new_unique();
    harness.context.set_account(&address, &impostor.into());
    let error = client.snapshot().await.unwrap_err();
    assert!(
        error.to_string().contains("not the Homeostat program"),
        "{error}"
    );
    harness.context.set_account(&address, &genuine.into());
}

/// Addresses that do not belong together: `pool` with its quote vault as its base vault.
async fn mismatched_addresses_are_named(url: &str, pool: PoolAddresses, oracle: Pubkey) {
    let mut mixed = pool;
    mixed.base_vault = pool.quote_vault;
    let client_of_mixed = PoolClient::new(url, mixed, oracle);
    for error in [
        client_of_mixed.snapshot().await.unwrap_err(),
        client_of_mixed.liquidity().await.unwrap_err(),
    ] {
        assert!(
            matches!(
                error,
                SdkError::WrongAccount {
                    expected: "this pool's vaults and LP mint",
                    ..
                }
            ),
            "{error}"
        );
    }
}

/// A pair whose quote mint does not exist.
async fn a_missing_mint_is_named(harness: &Harness, url: &str) {
    let error = PoolClient::for_pair(
        url,
        harness.config,
        harness.base_mint,
        Pubkey::new_unique(),
        0,
        harness.oracle,
    )
    .await
    .err()
    .expect("no such mint");
    assert!(
        matches!(
            error,
            SdkError::NotFound {
                account: "quote mint",
                ..
            }
        ),
        "{error}"
    );
}

/// A client of `pool` at an address nobody listens on.
async fn nobody_listening_is_unreachable(pool: PoolAddresses, oracle: Pubkey) {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let client = PoolClient::new(&url, pool, oracle);
    assert!(matches!(
        client.snapshot().await.unwrap_err(),
        SdkError::Unreachable { .. }
    ));
}

#[tokio::test]
async fn rpc_errors_say_what_is_wrong() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;

    // A pool that does not exist.
    let error = PoolClient::connect(&url, Pubkey::new_unique(), harness.oracle)
        .await
        .err()
        .expect("no pool there");
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

    // The wrong account at the pool's address; addresses that do not belong together; a
    // mint that does not exist.
    let client = PoolClient::new(&url, pool, harness.oracle);
    an_impostor_pool_is_named(&mut harness, &client).await;
    mismatched_addresses_are_named(&url, pool, harness.oracle).await;
    a_missing_mint_is_named(&harness, &url).await;

    // A stale oracle: the cluster's clock is two minutes past the last price.
    harness.set_time(harness.now + 120);
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

    nobody_listening_is_unreachable(pool, harness.oracle).await;
}

#[tokio::test]
async fn the_client_checks_the_pools_config_and_its_oracle_feed_before_trading() {
    let (mut harness, pool, url, client) = served_pool().await;
    client
        .expect_config_authority(&harness.admin.pubkey())
        .expect("the admin's config");
    let error = client
        .expect_config_authority(&Pubkey::new_unique())
        .unwrap_err();
    assert!(
        matches!(&error, SdkError::WrongAccount { reason, .. } if reason.contains("config")),
        "{error}"
    );
    // An oracle account for another feed is refused at connect, naming it.
    let other = Pubkey::new_unique();
    let mut update = price_update(pyth_price(150.0), pyth_price(0.05), harness.now);
    update.feed_id = [7; 32];
    harness
        .context
        .set_account(&other, &oracle_account(&update).into());
    let error = PoolClient::connect(&url, pool.pool, other)
        .await
        .err()
        .expect("another feed");
    assert!(
        matches!(&error, SdkError::WrongAccount { reason, .. } if reason.contains("another Pyth feed")),
        "{error}"
    );
}

#[tokio::test]
async fn only_missing_associated_accounts_are_created() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let wallet = solana_keypair::Keypair::new();
    let owner = solana_signer::Signer::pubkey(&wallet);
    harness.airdrop(&owner, 1_000_000_000).await;
    let url = rpc::serve(&harness.context).await;
    let client = PoolClient::connect(&url, pool.pool, harness.oracle)
        .await
        .expect("connect");
    let all =
        homeostat_sdk::instructions::create_associated_accounts(&client.addresses, owner, owner);
    // A new wallet: a swap needs its base and quote accounts, a deposit the LP one too.
    assert_eq!(
        client
            .create_missing_accounts(owner, false)
            .await
            .expect("swap's"),
        all[..2].to_vec()
    );
    assert_eq!(
        client
            .create_missing_accounts(owner, true)
            .await
            .expect("deposit's"),
        all
    );
    // Once the swap's exist, a swap needs nothing and a deposit only the LP account.
    let swap_accounts = client
        .create_missing_accounts(owner, false)
        .await
        .expect("swap's");
    client
        .send(&swap_accounts, &[&wallet])
        .await
        .expect("created");
    assert!(client
        .create_missing_accounts(owner, false)
        .await
        .expect("swap's")
        .is_empty());
    assert_eq!(
        client
            .create_missing_accounts(owner, true)
            .await
            .expect("deposit's"),
        all[2..].to_vec()
    );
}

/// The LPs' reserves the client reads are the program's — the vaults' balances less the
/// protocol fees owed — so a deposit quoted from them mints exactly what the program
/// mints (read as bare vault balances, the quote was off by the fees owed).
#[tokio::test]
async fn liquidity_reads_the_lps_reserves_less_the_protocol_fees_owed() {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, fee_params()).await;
    let url = rpc::serve(&harness.context).await;
    let client = PoolClient::connect(&url, pool.pool, harness.oracle)
        .await
        .expect("connect");
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    harness
        .swap(
            &pool,
            &trader,
            Direction::BaseToQuote,
            Exact::In(5 * ONE_BASE),
        )
        .await
        .expect("the sale");
    let owed = harness.pool_state(&pool).await.protocol_fees_base;
    assert!(owed > 0, "the sale owes the protocol part of its fee");

    let liquidity = client.liquidity().await.expect("liquidity");
    let vault = harness.balance(&pool.base_vault).await;
    assert_eq!(liquidity.reserves.base.get(), vault - owed);
    let lp = harness.new_user(ONE_BASE, 1_000 * ONE_QUOTE).await;
    let maxima = (BaseAtoms::new(ONE_BASE), QuoteAtoms::new(1_000 * ONE_QUOTE));
    let expected = deposit_quote(
        &liquidity.pool,
        &lp.keypair.pubkey(),
        liquidity.reserves,
        liquidity.lp_supply,
        maxima,
    )
    .expect("the quote");
    harness
        .deposit(
            &pool,
            &lp,
            DepositArgs {
                max_base: ONE_BASE,
                max_quote: 1_000 * ONE_QUOTE,
                min_shares: expected.shares,
            },
        )
        .await
        .expect("the deposit");
    assert_eq!(harness.lp_shares(&pool, &lp).await, expected.shares);
}
