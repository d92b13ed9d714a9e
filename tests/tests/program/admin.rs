//! update_params, set_paused, propose_admin / accept_admin, set_keeper,
//! collect_protocol_fees.
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

use homeostat_math::{Fixed, ModelKind, ModelParams};
use homeostat_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn admin_updates_parameters_and_coefficients_follow() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    let new = PoolParams {
        model_kind: ModelKind::AvellanedaStoikov.into(),
        horizon: fixed(60, 1),
        fee_bps: 5,
        ..default_params()
    };
    harness.update_params(&pool, &admin, new).await.unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.params, new);
    let coefficients = new.model_params().unwrap().coefficients().unwrap();
    assert_eq!(state.model().unwrap().coefficients, coefficients);
    assert_eq!(coefficients.gamma_tau, Fixed::from_int(50 * 60));
}

#[tokio::test]
async fn update_params_rejects_strangers_and_bad_values() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let stranger = Keypair::new();
    harness.airdrop(&stranger.pubkey(), 100_000_000).await;
    let result = harness
        .update_params(&pool, &stranger, default_params())
        .await;
    assert_program_error(result, HomeostatError::Unauthorized);
    let admin = harness.admin.insecure_clone();
    let result = harness
        .update_params(
            &pool,
            &admin,
            PoolParams {
                order_decay: fixed(1, 1 << 30),
                ..default_params()
            },
        )
        .await;
    assert_program_error(result, HomeostatError::InvalidParameter);
    let result = harness
        .update_params(
            &pool,
            &admin,
            PoolParams {
                inventory_cap: 0,
                ..default_params()
            },
        )
        .await;
    assert_program_error(result, HomeostatError::InvalidParameter);
    assert_eq!(
        harness.pool_state(&pool).await.params,
        default_params(),
        "nothing changed"
    );
}

#[tokio::test]
async fn lowering_the_variance_ceiling_reclamps_the_estimate() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    let ceiling = bits(1, 1_000_000_000);
    harness
        .update_params(
            &pool,
            &admin,
            PoolParams {
                variance_floor: StoredFixed::from_bits(ceiling),
                variance_ceiling: StoredFixed::from_bits(ceiling),
                ..default_params()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        harness.pool_state(&pool).await.volatility_state().variance,
        Fixed::from_bits(ceiling)
    );
}

#[tokio::test]
async fn only_the_admin_pauses() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let keeper = harness.keeper.insecure_clone();
    assert_program_error(
        harness.set_paused(&pool, &keeper, true).await,
        HomeostatError::Unauthorized,
    );
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    assert_eq!(harness.pool_state(&pool).await.paused, 1);
    harness.set_paused(&pool, &admin, false).await.unwrap();
    assert_eq!(harness.pool_state(&pool).await.paused, 0);
}

#[tokio::test]
async fn admin_transfer_takes_two_steps() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    let successor = Keypair::new();
    harness.airdrop(&successor.pubkey(), 100_000_000).await;
    // Nobody can accept before a proposal.
    assert_program_error(
        harness.accept_admin(&pool, &successor).await,
        HomeostatError::NoPendingAdmin,
    );
    // Only the admin proposes.
    assert_program_error(
        harness
            .propose_admin(&pool, &successor, successor.pubkey())
            .await,
        HomeostatError::Unauthorized,
    );
    harness
        .propose_admin(&pool, &admin, successor.pubkey())
        .await
        .unwrap();
    assert_eq!(
        harness.pool_state(&pool).await.admin,
        admin.pubkey(),
        "still the old admin"
    );
    // Only the proposed key accepts.
    let impostor = Keypair::new();
    harness.airdrop(&impostor.pubkey(), 100_000_000).await;
    assert_program_error(
        harness.accept_admin(&pool, &impostor).await,
        HomeostatError::NoPendingAdmin,
    );
    harness.accept_admin(&pool, &successor).await.unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.admin, successor.pubkey());
    assert_eq!(state.pending_admin, anchor_lang::prelude::Pubkey::default());
    // The old admin has lost its powers.
    assert_program_error(
        harness.set_paused(&pool, &admin, true).await,
        HomeostatError::Unauthorized,
    );
    harness.set_paused(&pool, &successor, true).await.unwrap();
}

#[tokio::test]
async fn admin_sets_the_keeper() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    let keeper = harness.keeper.insecure_clone();
    let new_keeper = Keypair::new().pubkey();
    assert_program_error(
        harness.set_keeper(&pool, &keeper, new_keeper).await,
        HomeostatError::Unauthorized,
    );
    harness.set_keeper(&pool, &admin, new_keeper).await.unwrap();
    assert_eq!(harness.pool_state(&pool).await.keeper, new_keeper);
}

#[tokio::test]
async fn protocol_fees_go_to_the_admin_and_only_them() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(100 * ONE_BASE, 20_000 * ONE_QUOTE).await;
    harness
        .swap_exact_in(&pool, &trader, SELL, 40 * ONE_BASE, 1)
        .await
        .unwrap();
    harness
        .swap_exact_in(&pool, &trader, BUY, 6_000 * ONE_QUOTE, 1)
        .await
        .unwrap();
    let owed = harness.pool_state(&pool).await;
    assert!(owed.protocol_fees_base > 0 && owed.protocol_fees_quote > 0);

    let admin = harness.admin.insecure_clone();
    let (base_mint, quote_mint) = (harness.base_mint, harness.quote_mint);
    let base_destination = harness
        .create_token_account(&base_mint, &admin.pubkey())
        .await;
    let quote_destination = harness
        .create_token_account(&quote_mint, &admin.pubkey())
        .await;
    let stranger = trader.keypair.insecure_clone();
    let result = harness
        .collect_protocol_fees(&pool, &stranger, trader.base, trader.quote)
        .await;
    assert_program_error(result, HomeostatError::Unauthorized);

    let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
    let vault_base_before = harness.balance(&base_vault).await;
    let vault_quote_before = harness.balance(&quote_vault).await;
    // Collecting pays exactly the fees owed; collecting again pays nothing more.
    let paid = (owed.protocol_fees_base, owed.protocol_fees_quote);
    for collection in ["first", "second"] {
        harness
            .collect_protocol_fees(&pool, &admin, base_destination, quote_destination)
            .await
            .unwrap();
        let held = (
            harness.balance(&base_destination).await,
            harness.balance(&quote_destination).await,
        );
        assert_eq!(held, paid, "after the {collection} collection");
    }
    assert_eq!(
        harness.balance(&base_vault).await,
        vault_base_before - owed.protocol_fees_base
    );
    assert_eq!(
        harness.balance(&quote_vault).await,
        vault_quote_before - owed.protocol_fees_quote
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(
        (state.protocol_fees_base, state.protocol_fees_quote),
        (0, 0)
    );
}

#[test]
fn default_test_parameters_are_valid() {
    let params: ModelParams = default_params().model_params().unwrap();
    assert!(params.coefficients().is_ok());
}
