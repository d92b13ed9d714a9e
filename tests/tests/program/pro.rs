//! Pyth Pro signed updates: `post_pro_price` verified through the ed25519 precompile and
//! the instructions sysvar against the storage account's trusted signers, and the swap
//! that follows it in the same transaction priced from it (docs/oracle.md, "Three price
//! sources"). Each attack is attempted and must leave the pool's price untouched.

use anchor_lang::solana_program::instruction::Instruction;
use homeostat::errors::HomeostatError;
use homeostat::oracle::pro::ED25519_PROGRAM_ID;
use homeostat_localnet::{
    assert_program_error, default_params, pro_feed, pro_message, pro_payload, pro_signer,
    pyth_price, Harness, PRO_CHANNEL_200MS, PRO_FEED_ID, PRO_QUOTE_FEED_ID,
};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

use super::quoter::buy_one;

/// Microseconds of the harness's clock, plus `millis`.
fn micros(harness: &Harness, millis: i64) -> u64 {
    u64::try_from(harness.now * 1_000_000 + millis * 1_000).unwrap()
}

/// A signed update of the pool's feed at `price ± conf` (whole USDC per SOL), published
/// `millis` after the harness's clock second.
fn signed(harness: &Harness, price: f64, conf: f64, millis: i64) -> Vec<u8> {
    harness.pro_update(
        pyth_price(price),
        pyth_price(conf),
        micros(harness, millis),
        false,
    )
}

/// A seeded GLFT pool (push oracle at 150.00) taking the local Pyth Pro feed.
async fn pro_pool() -> (Harness, PoolAddresses) {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, default_params()).await;
    let admin = harness.admin.insecure_clone();
    harness
        .send(
            &[ix::set_pro_feeds(pool.pool, admin.pubkey(), PRO_FEED_ID, 0)],
            &[&admin],
        )
        .await
        .expect("set_pro_feeds");
    (harness, pool)
}

async fn post(
    harness: &mut Harness,
    pool: &PoolAddresses,
    message: &[u8],
) -> Result<(), TransactionError> {
    let post = harness.post_pro_ixs(pool, message);
    harness.send(&post, &[]).await
}

#[tokio::test]
async fn a_signed_update_in_the_transaction_prices_the_swap() {
    let (mut harness, pool) = pro_pool().await;
    // The push oracle says 150.00; the signed update, 200 ms into this second, 151.00.
    let message = signed(&harness, 151.0, 0.02, 200);
    // An update of the current second is priced as a second old (the clock reads whole
    // seconds): the age premium never vanishes.
    let update = harness.oracle_update().await;
    let posted = harness.snapshot(&pool, &update).await;
    let posted = posted.after_pro_message(&message).unwrap();
    assert_eq!(posted.context().unwrap().1.oracle.age, 1);
    let price = buy_one(&mut harness, &pool, Some(&message))
        .await
        .unwrap()
        .0;
    assert!((price - 151.0).abs() < 1e-6, "priced at {price}");
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.pro.timestamp_us, micros(&harness, 200));
    // Later swaps price from the posted update while it is fresh, without carrying it.
    let price = buy_one(&mut harness, &pool, None).await.unwrap().0;
    assert!((price - 151.0).abs() < 1e-6, "priced at {price}");
    // Once older than max_oracle_age (20 s) the pool prices from the push account again.
    harness.set_time(harness.now + 21);
    harness.set_price(pyth_price(150.5), pyth_price(0.05));
    let price = buy_one(&mut harness, &pool, None).await.unwrap().0;
    assert!((price - 150.5).abs() < 1e-6, "priced at {price}");
}

#[tokio::test]
async fn forged_and_untrusted_signatures_are_refused() {
    let (mut harness, pool) = pro_pool().await;
    let genuine = signed(&harness, 150.0, 0.02, 0);
    // The payload altered after signing (the price is its last property but one): the
    // precompile's check fails, and the whole transaction with it.
    let mut forged = genuine.clone();
    let last = forged.len() - 20;
    forged[last] ^= 0x40;
    let refused = post(&mut harness, &pool, &forged).await;
    assert!(
        matches!(refused, Err(TransactionError::InstructionError(1, _))),
        "the precompile refuses a forged signature: {refused:?}"
    );
    // A valid signature by a key the storage account does not trust.
    let stranger = Keypair::new();
    let payload = pro_payload(
        micros(&harness, 0),
        PRO_CHANNEL_200MS,
        &[(PRO_FEED_ID, pro_feed(pyth_price(120.0), pyth_price(0.02)))],
    );
    assert_program_error(
        post(&mut harness, &pool, &pro_message(&stranger, &payload)).await,
        HomeostatError::ProSignerNotTrusted,
    );
    // The trusted key, once its trust has expired (expires_at ≤ now).
    harness.set_pro_signers(&[(pro_signer().pubkey(), harness.now)]);
    assert_program_error(
        post(&mut harness, &pool, &genuine).await,
        HomeostatError::ProSignerNotTrusted,
    );
    harness.set_pro_signers(&[(pro_signer().pubkey(), harness.now + 1)]);
    post(&mut harness, &pool, &genuine).await.unwrap();
}

#[tokio::test]
async fn the_precompile_must_have_checked_these_very_bytes() {
    let (mut harness, pool) = pro_pool().await;
    let genuine = signed(&harness, 150.0, 0.02, 0);
    let [verify, post_ix] = harness.post_pro_ixs(&pool, &genuine);
    // No precompile instruction: the one named is the compute-budget instruction.
    let lone = ix::post_pro_price(pool.pool, &genuine, 0).unwrap()[1].clone();
    assert_program_error(
        harness.send(&[lone], &[]).await,
        HomeostatError::ProUpdateNotVerified,
    );
    // A valid precompile instruction, but after the post instead of before it.
    let verify_after = ix::post_pro_price(pool.pool, &genuine, 0).unwrap()[0].clone();
    let post_naming_it = ix::post_pro_price(pool.pool, &genuine, 2).unwrap()[1].clone();
    assert_program_error(
        harness.send(&[post_naming_it, verify_after], &[]).await,
        HomeostatError::ProUpdateNotVerified,
    );
    // The precompile verifies a genuine message held in its own data while the post
    // carries another one (a higher price under the same key and a copied signature).
    let mut forged = signed(&harness, 300.0, 0.02, 0);
    forged[4..100].copy_from_slice(&genuine[4..100]);
    let payload = &genuine[102..];
    let own = u16::MAX; // "this instruction" in the precompile's offsets
    let size = u16::try_from(payload.len()).unwrap();
    let mut data = vec![1, 0];
    for value in [16u16, own, 80, own, 112, size, own] {
        data.extend_from_slice(&value.to_le_bytes());
    }
    data.extend_from_slice(&genuine[4..100]);
    data.extend_from_slice(payload);
    let elsewhere = Instruction {
        program_id: ED25519_PROGRAM_ID,
        accounts: Vec::new(),
        data,
    };
    let [_, forged_post] = harness.post_pro_ixs(&pool, &forged);
    assert_program_error(
        harness.send(&[elsewhere, forged_post], &[]).await,
        HomeostatError::ProUpdateNotVerified,
    );
    // The genuine pair still posts, and the pool holds its price only.
    harness.send(&[verify, post_ix], &[]).await.unwrap();
    let price = buy_one(&mut harness, &pool, None).await.unwrap().0;
    assert!((price - 150.0).abs() < 1e-6, "priced at {price}");
}

#[tokio::test]
async fn updates_only_move_forward_and_must_be_the_pools_feed() {
    let (mut harness, pool) = pro_pool().await;
    let newer = signed(&harness, 150.2, 0.02, 600);
    let older = signed(&harness, 149.0, 0.02, 400);
    post(&mut harness, &pool, &newer).await.unwrap();
    assert_program_error(
        post(&mut harness, &pool, &older).await,
        HomeostatError::OracleOlderThanLastUsed,
    );
    // The same update again changes nothing (a second trader may carry it too).
    post(&mut harness, &pool, &newer).await.unwrap();
    // Another feed only.
    let other = pro_payload(
        micros(&harness, 800),
        PRO_CHANNEL_200MS,
        &[(1, pro_feed(pyth_price(150.0), pyth_price(0.02)))],
    );
    assert_program_error(
        post(&mut harness, &pool, &pro_message(&pro_signer(), &other)).await,
        HomeostatError::WrongOracleFeed,
    );
    // From the future, stale, too wide: the push print's checks.
    let future = signed(&harness, 150.0, 0.02, 11_000);
    assert_program_error(
        post(&mut harness, &pool, &future).await,
        HomeostatError::OracleFromFuture,
    );
    harness.set_time(harness.now + 30);
    let stale = signed(&harness, 150.0, 0.02, -21_000);
    assert_program_error(
        post(&mut harness, &pool, &stale).await,
        HomeostatError::StaleOracle,
    );
    let wide = signed(&harness, 150.0, 3.0, 0);
    assert_program_error(
        post(&mut harness, &pool, &wide).await,
        HomeostatError::OracleConfidenceTooWide,
    );
    harness.set_price(pyth_price(150.1), pyth_price(0.05));
    let price = buy_one(&mut harness, &pool, None).await.unwrap().0;
    assert!(
        (price - 150.1).abs() < 1e-6,
        "the push oracle prices once the update is stale"
    );
    assert_eq!(
        harness.pool_state(&pool).await.pro.timestamp_us,
        micros(&harness, -29_400)
    );
}

#[tokio::test]
async fn only_the_admin_names_feeds_and_they_match_the_pool() {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, default_params()).await;
    let message = signed(&harness, 150.0, 0.02, 0);
    assert_program_error(
        post(&mut harness, &pool, &message).await,
        HomeostatError::ProFeedNotSet,
    );
    let stranger = Keypair::new();
    assert_program_error(
        harness
            .send(
                &[ix::set_pro_feeds(
                    pool.pool,
                    stranger.pubkey(),
                    PRO_FEED_ID,
                    0,
                )],
                &[&stranger],
            )
            .await,
        HomeostatError::Unauthorized,
    );
    let admin = harness.admin.insecure_clone();
    for (feed, quote_feed) in [(0, PRO_QUOTE_FEED_ID), (PRO_FEED_ID, PRO_QUOTE_FEED_ID)] {
        assert_program_error(
            harness
                .send(
                    &[ix::set_pro_feeds(
                        pool.pool,
                        admin.pubkey(),
                        feed,
                        quote_feed,
                    )],
                    &[&admin],
                )
                .await,
            HomeostatError::InvalidParameter,
        );
    }
}
