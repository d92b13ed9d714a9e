//! update_params, set_paused, propose_admin / accept_admin, set_keeper,
//! collect_protocol_fees.

use homeostat::errors::HomeostatError;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_program_error, bits, decode_events, default_params, fee_params, fixed, pyth_price,
    Exact, Harness, SwapOut, BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::{Fixed, ModelKind, ModelParams};
use homeostat_sdk::pda::PoolAddresses;
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
    assert_eq!(coefficients.gamma_tau, Fixed::from_int(250 * 60));
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
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, fee_params()).await;
    let trader = harness.new_user(100 * ONE_BASE, 20_000 * ONE_QUOTE).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(40 * ONE_BASE))
        .await
        .unwrap();
    harness
        .swap(&pool, &trader, BUY, Exact::In(6_000 * ONE_QUOTE))
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

/// A pool seeded under an admin whose config fixes `delay` seconds for loosening changes.
async fn delayed_pool(delay: u64) -> (Harness, PoolAddresses, Keypair) {
    let mut harness = Harness::with_change_delay(delay).await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, default_params()).await;
    let admin = harness.admin.insecure_clone();
    assert_eq!(harness.pool_state(&pool).await.pending.delay, delay);
    (harness, pool, admin)
}

#[tokio::test]
async fn a_change_that_loosens_risk_waits_for_the_configs_delay() {
    let (mut harness, pool, admin) = delayed_pool(86_400).await;
    let before = harness.pool_state(&pool).await.params;
    let loose = PoolParams {
        inventory_cap: 1_000 * ONE_BASE,
        max_trade_base: 900 * ONE_BASE,
        max_oracle_age: 60,
        min_half_spread: StoredFixed::ZERO,
        confidence_multiplier: StoredFixed::ZERO,
        age_multiplier: StoredFixed::ZERO,
        ..default_params()
    };
    // The review's attack, in one transaction: loosen every limit, buy 900 SOL, restore.
    // The loosening waits, so the purchase meets the old limits.
    let trader = harness.new_user(0, 200_000 * ONE_QUOTE).await;
    let loosen = homeostat_sdk::instructions::update_params(pool.pool, admin.pubkey(), loose);
    let buy = homeostat_sdk::instructions::swap_exact_out(
        &pool,
        harness.oracles(),
        &trader.accounts(&pool),
        SwapOut {
            direction: BUY,
            amount_out: 900 * ONE_BASE,
            max_amount_in: 200_000 * ONE_QUOTE,
        },
    );
    let restore = homeostat_sdk::instructions::update_params(pool.pool, admin.pubkey(), before);
    let result = harness
        .send(&[loosen.clone(), buy, restore], &[&admin, &trader.keypair])
        .await;
    assert_program_error(result, HomeostatError::TradeTooLarge);
    // Proposed on its own: public (evented), not applied.
    let (events, error) = harness
        .simulate_events(std::slice::from_ref(&loosen), &[&admin])
        .await;
    assert_eq!(error, None);
    let proposed: Vec<homeostat::events::ChangeProposed> = decode_events(&events);
    assert_eq!(proposed.len(), 1);
    assert_eq!(proposed[0].params, Some(loose));
    assert_eq!(proposed[0].effective_at, harness.now + 86_400);
    harness.send(&[loosen], &[&admin]).await.unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.params, before, "not applied");
    assert_eq!(
        (state.pending.params, state.pending.params_at),
        (loose, harness.now + 86_400)
    );
    assert_program_error(
        harness
            .swap_exact_out(
                &pool,
                &trader,
                SwapOut {
                    direction: BUY,
                    amount_out: 900 * ONE_BASE,
                    max_amount_in: 200_000 * ONE_QUOTE,
                },
            )
            .await,
        HomeostatError::TradeTooLarge,
    );
    let apply = homeostat_sdk::instructions::apply_pending_changes(&pool, admin.pubkey());
    assert_program_error(
        harness.send(std::slice::from_ref(&apply), &[&admin]).await,
        HomeostatError::ChangeNotDue,
    );
    // Tightening and pausing stay immediate, the loosening still pending.
    let tighter = PoolParams {
        fee_bps: before.fee_bps + 1,
        inventory_cap: 90 * ONE_BASE,
        ..before
    };
    harness.update_params(&pool, &admin, tighter).await.unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.params, state.pending.params), (tighter, loose));
    harness.set_paused(&pool, &admin, true).await.unwrap();
    harness.set_paused(&pool, &admin, false).await.unwrap();
    // Due: applied whole, then nothing is pending.
    harness.set_time(harness.now + 86_400);
    let stranger = Keypair::new();
    harness.airdrop(&stranger.pubkey(), 100_000_000).await;
    let by_stranger = homeostat_sdk::instructions::apply_pending_changes(&pool, stranger.pubkey());
    assert_program_error(
        harness.send(&[by_stranger], &[&stranger]).await,
        HomeostatError::Unauthorized,
    );
    harness
        .send(std::slice::from_ref(&apply), &[&admin])
        .await
        .unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.params, state.pending.params_at), (loose, 0));
    assert_program_error(
        harness.send(&[apply], &[&admin]).await,
        HomeostatError::NoPendingChange,
    );
}

#[tokio::test]
async fn retargets_wait_too_and_pending_changes_can_be_cancelled() {
    let (mut harness, pool, admin) = delayed_pool(3_600).await;
    let target = harness.pool_state(&pool).await.target_at_depth().unwrap();
    harness
        .retarget(&pool, &admin, 900 * ONE_BASE)
        .await
        .unwrap();
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.target_at_depth().unwrap(), target, "not applied");
    assert_eq!(state.pending.target_at, harness.now + 3_600);
    // Cancelled: evented, nothing pending; cancelling again has nothing to cancel.
    let cancel = homeostat_sdk::instructions::cancel_pending_changes(&pool, admin.pubkey());
    let (events, error) = harness
        .simulate_events(std::slice::from_ref(&cancel), &[&admin])
        .await;
    assert_eq!(error, None);
    let cancelled: Vec<homeostat::events::PendingChangesCancelled> = decode_events(&events);
    assert_eq!(cancelled.len(), 1);
    harness
        .send(std::slice::from_ref(&cancel), &[&admin])
        .await
        .unwrap();
    assert!(!harness.pool_state(&pool).await.has_pending_change());
    assert_program_error(
        harness.send(&[cancel], &[&admin]).await,
        HomeostatError::NoPendingChange,
    );
    // Proposed again and applied an hour later: the pool then holds 100 SOL beyond it.
    harness
        .retarget(&pool, &admin, 900 * ONE_BASE)
        .await
        .unwrap();
    harness.set_time(harness.now + 3_600);
    let apply = homeostat_sdk::instructions::apply_pending_changes(&pool, admin.pubkey());
    let (events, error) = harness
        .simulate_events(std::slice::from_ref(&apply), &[&admin])
        .await;
    assert_eq!(error, None);
    let retargeted: Vec<homeostat::events::Retargeted> = decode_events(&events);
    assert_eq!(retargeted[0].new_target_base, 900 * ONE_BASE);
    harness.send(&[apply], &[&admin]).await.unwrap();
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    let update = harness.oracle_update().await;
    let inventory = harness
        .snapshot(&pool, &update)
        .await
        .gross_position()
        .unwrap();
    assert_eq!(inventory, 100 * i128::from(ONE_BASE));
}

#[test]
fn loosening_is_judged_field_by_field() {
    let base = fee_params();
    let changed = |edit: fn(&mut PoolParams)| {
        let mut params = base;
        edit(&mut params);
        params.loosens(&base)
    };
    assert!(!base.loosens(&base), "no change");
    // Tightening: immediate.
    for edit in [
        (|p: &mut PoolParams| p.inventory_cap /= 2) as fn(&mut PoolParams),
        |p| p.max_trade_base /= 2,
        |p| p.max_oracle_age /= 2,
        |p| p.max_confidence_bps /= 2,
        |p| p.max_ema_deviation_bps /= 2,
        |p| p.fee_bps += 1,
        |p| p.min_half_spread = fixed(2, 10_000),
        |p| p.confidence_multiplier = fixed(2, 1),
        |p| p.age_multiplier = fixed(2, 1),
        |p| p.depth_slope = fixed(2, 1_000),
        |p| p.print_depth /= 2,
        |p| p.age_shrink_bps += 1,
        |p| p.quote_band_bps -= 1,
        |p| p.quote_fallback = 1,
        |p| p.max_hedge_position /= 2,
        |p| p.rebalance_band *= 2,
        |p| p.min_rebalance_interval += 1,
        |p| p.hedge_cost_bps += 1,
    ] {
        assert!(!changed(edit));
    }
    // Loosening, or anything that changes the model: waits.
    for edit in [
        (|p: &mut PoolParams| p.inventory_cap *= 2) as fn(&mut PoolParams),
        |p| p.max_trade_base *= 2,
        |p| p.max_oracle_age += 1,
        |p| p.max_confidence_bps += 1,
        |p| p.max_ema_deviation_bps = 0,
        |p| p.fee_bps -= 1,
        |p| p.min_half_spread = StoredFixed::ZERO,
        |p| p.age_multiplier = StoredFixed::ZERO,
        |p| p.depth_slope = StoredFixed::ZERO,
        |p| p.print_depth *= 2,
        |p| p.age_shrink_bps -= 1,
        |p| p.quote_band_bps += 1,
        |p| p.risk_aversion = fixed(49, 1),
        |p| p.lot *= 2,
        |p| p.volatility_window += 1,
        |p| p.protocol_share_bps += 1,
        |p| p.variance_ceiling = fixed(1, 100_000),
    ] {
        assert!(changed(edit));
    }
}
