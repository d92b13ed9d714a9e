//! The inventory loop's state (#13): inventory as flow against a target per share, the cap
//! on the gross position, who owns the hedge (`hedge_credit_bps`, `lp_access`), and the
//! bounded, evented `retarget`.

use homeostat::errors::HomeostatError;
use homeostat::events::Retargeted;
use homeostat::instructions::{DepositArgs, RecordHedgeArgs};
use homeostat::state::Pool;
use homeostat::PoolParams;
use homeostat_localnet::{
    assert_program_error, custom_error, decode_events, default_params, fixed, operator_params,
    pyth_price, sol_at_150, Exact, Harness, BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

/// The keeper's answer to the first request, recorded in `state`: all of it hedged at
/// the request's price.
fn hedged_in_full(state: &Pool) -> RecordHedgeArgs {
    RecordHedgeArgs {
        seq: 1,
        filled_base: i64::from_le_bytes(state.pending_request_base),
        avg_price: state.pending_request_price,
    }
}

/// A 1 SOL sale's payout now.
async fn sale(harness: &mut Harness, pool: &PoolAddresses) -> u64 {
    let update = harness.oracle_update().await;
    harness
        .expected_swap(pool, &update, SELL, Exact::In(ONE_BASE))
        .await
        .unwrap()
        .amount_out
}

#[tokio::test]
async fn the_inventory_is_flow_a_price_move_alone_does_not_move_it() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let update = harness.oracle_update().await;
    let seeded = harness.snapshot(&pool, &update).await;
    assert_eq!(
        seeded.gross_position().unwrap(),
        0,
        "the first deposit is the target"
    );
    // 10 % lower: the value-balanced measure would call the pool 50 SOL long.
    harness.set_time(harness.now + 1);
    harness.set_price(pyth_price(135.0), pyth_price(0.05));
    let update = harness.oracle_update().await;
    assert_eq!(
        harness
            .snapshot(&pool, &update)
            .await
            .gross_position()
            .unwrap(),
        0
    );
    assert_program_error(
        harness
            .rebalance(&pool, &harness.keeper.insecure_clone())
            .await,
        HomeostatError::WithinBand,
    );
    // A 7 SOL sale is 7 SOL of inventory, at any price.
    let trader = harness.new_user(7 * ONE_BASE, 0).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(7 * ONE_BASE))
        .await
        .unwrap();
    let fee = harness.pool_state(&pool).await.protocol_fees_base;
    let update = harness.oracle_update().await;
    let inventory = harness
        .snapshot(&pool, &update)
        .await
        .gross_position()
        .unwrap();
    // The trade's base less the protocol's share of the fee (owed, not the LPs').
    assert_eq!(inventory, i128::from(7 * ONE_BASE - fee));
    // A pro-rata deposit scales it with the pool (×2 depth: ×2 inventory, ±1 atom).
    let lp = harness
        .new_user(2_000 * ONE_BASE, 400_000 * ONE_QUOTE)
        .await;
    let (base, quote) = (
        harness.balance(&pool.base_vault).await,
        harness.balance(&pool.quote_vault).await,
    );
    harness
        .deposit(
            &pool,
            &lp,
            DepositArgs {
                max_base: base,
                max_quote: quote,
                min_shares: 1,
            },
        )
        .await
        .unwrap();
    let update = harness.oracle_update().await;
    let doubled = harness
        .snapshot(&pool, &update)
        .await
        .gross_position()
        .unwrap();
    assert!(
        (doubled - 2 * inventory).abs() <= 2,
        "{doubled} vs 2 × {inventory}"
    );
}

#[tokio::test]
async fn a_public_pools_quotes_credit_no_hedge() {
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let before = sale(&mut harness, &pool).await;
    let keeper = harness.keeper.insecure_clone();
    harness.rebalance(&pool, &keeper).await.unwrap();
    let state = harness.pool_state(&pool).await;
    let update = harness.oracle_update().await;
    let net = harness.snapshot(&pool, &update).await.net_delta().unwrap();
    let answer = hedged_in_full(&state);
    let requested = answer.filled_base;
    harness.record_hedge(&pool, &keeper, answer).await.unwrap();
    let snapshot = harness.snapshot(&pool, &update).await;
    assert_eq!(
        snapshot.net_delta().unwrap(),
        net - i128::from(requested),
        "hedged to the band's edge"
    );
    assert_eq!(
        snapshot.risk_position().unwrap(),
        snapshot.gross_position().unwrap(),
        "the LPs still carry the gross position"
    );
    assert_eq!(
        sale(&mut harness, &pool).await,
        before,
        "and the quotes say so"
    );
}

#[tokio::test]
async fn the_cap_binds_on_the_gross_position_even_when_hedged() {
    // An operator pool credits its hedge in the quotes, but the vaults still hold the
    // gross position: the cap (±100 SOL) limits that.
    let (mut harness, pool, _) = Harness::skewed_pool_with(operator_params()).await;
    let keeper = harness.keeper.insecure_clone();
    harness.rebalance(&pool, &keeper).await.unwrap();
    let update = harness.oracle_update().await;
    let state = harness.pool_state(&pool).await;
    harness
        .record_hedge(&pool, &keeper, hedged_in_full(&state))
        .await
        .unwrap();
    let snapshot = harness.snapshot(&pool, &update).await;
    assert_eq!(
        snapshot.risk_position().unwrap(),
        snapshot.net_delta().unwrap(),
        "quotes skew on the hedged position"
    );
    let gross = snapshot.gross_position().unwrap();
    assert!(gross > 25 * i128::from(ONE_BASE), "{gross}");
    // 40 SOL more: gross ~70, within the cap.
    let whale = harness.new_user(80 * ONE_BASE, 0).await;
    harness
        .swap(&pool, &whale, SELL, Exact::In(40 * ONE_BASE))
        .await
        .unwrap();
    // 35 SOL more would take the gross position past 100 SOL, though the risk position
    // the quotes skew on would be ~75: refused.
    let update = harness.oracle_update().await;
    let snapshot = harness.snapshot(&pool, &update).await;
    let (gross, risk) = (
        snapshot.gross_position().unwrap(),
        snapshot.risk_position().unwrap(),
    );
    let more = 35 * i128::from(ONE_BASE);
    assert!(gross + more > 100 * i128::from(ONE_BASE) && risk + more < 100 * i128::from(ONE_BASE));
    assert_program_error(
        harness
            .swap(&pool, &whale, SELL, Exact::In(35 * ONE_BASE))
            .await,
        HomeostatError::InventoryCapExceeded,
    );
    // Buying base back (the gross position falls) always trades.
    let buyer = harness.new_user(0, 10_000 * ONE_QUOTE).await;
    harness
        .swap(&pool, &buyer, BUY, Exact::In(3_000 * ONE_QUOTE))
        .await
        .unwrap();
}

#[tokio::test]
async fn only_the_admin_deposits_into_an_operator_pool_and_the_rule_is_fixed() {
    let (mut harness, pool) = Harness::with_pool(operator_params()).await;
    let stranger = harness.new_user(ONE_BASE, 150 * ONE_QUOTE).await;
    assert_program_error(
        harness.deposit(&pool, &stranger, sol_at_150(1)).await,
        HomeostatError::DepositsRestricted,
    );
    let admin = harness.admin.insecure_clone();
    let operator = harness
        .user_of(admin.insecure_clone(), ONE_BASE, 150 * ONE_QUOTE)
        .await;
    harness
        .deposit(&pool, &operator, sol_at_150(1))
        .await
        .unwrap();
    // Anyone may withdraw what they hold; the access rule never changes after creation.
    assert_program_error(
        harness.update_params(&pool, &admin, default_params()).await,
        HomeostatError::InvalidParameter,
    );
    // A public pool cannot credit a hedge at all.
    let public_credit = PoolParams {
        hedge_credit_bps: 1,
        ..default_params()
    };
    assert!(public_credit.violation().is_some());
    let (mut public, public_pool) = Harness::with_pool(default_params()).await;
    let admin = public.admin.insecure_clone();
    assert_program_error(
        public
            .update_params(&public_pool, &admin, public_credit)
            .await,
        HomeostatError::InvalidParameter,
    );
}

/// The `Retargeted` event of `retarget` of `pool` to `new_target` by `admin`, simulated
/// (nothing changes).
async fn retargeted(
    harness: &mut Harness,
    pool: &PoolAddresses,
    admin: &Keypair,
    new_target: u64,
) -> Retargeted {
    let ix = homeostat_sdk::instructions::retarget(pool, admin.pubkey(), new_target);
    let (events, error) = harness.simulate_events(&[ix], &[admin]).await;
    assert_eq!(error, None);
    let mut events: Vec<Retargeted> = decode_events(&events);
    assert_eq!(events.len(), 1);
    events.remove(0)
}

/// `retarget` of `pool` to `new_target` by `admin` an hour on, the oracle publishing then.
async fn retarget_an_hour_later(
    harness: &mut Harness,
    pool: &PoolAddresses,
    admin: &Keypair,
    new_target: u64,
) -> Result<(), TransactionError> {
    harness.set_time(harness.now + 3_600);
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    harness.retarget(pool, admin, new_target).await
}

#[tokio::test]
async fn retarget_is_bounded_rate_limited_and_evented() {
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let admin = harness.admin.insecure_clone();
    // No target before the first deposit.
    assert_program_error(
        harness.retarget(&pool, &admin, ONE_BASE).await,
        HomeostatError::RetargetOutOfBounds,
    );
    harness
        .admin_deposit(&pool, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
        .await
        .unwrap();
    let target = harness.pool_state(&pool).await.target_at_depth().unwrap();
    assert_eq!(target, 1_000 * ONE_BASE);
    for (what, new, error) in [
        (
            "11 % up",
            1_110 * ONE_BASE,
            HomeostatError::RetargetOutOfBounds,
        ),
        (
            "11 % down",
            890 * ONE_BASE,
            HomeostatError::RetargetOutOfBounds,
        ),
        ("zero", 0, HomeostatError::RetargetOutOfBounds),
    ] {
        let result = harness.retarget(&pool, &admin, new).await;
        assert_eq!(
            custom_error(&result),
            Some(u32::from(error)),
            "{what}: {result:?}"
        );
    }
    assert_program_error(
        harness
            .retarget(&pool, &harness.keeper.insecure_clone(), 1_050 * ONE_BASE)
            .await,
        HomeostatError::Unauthorized,
    );
    // 10 % down: the pool now holds 100 SOL beyond its target — it is long.
    let event = retargeted(&mut harness, &pool, &admin, 900 * ONE_BASE).await;
    assert_eq!(
        (
            event.old_target_base,
            event.new_target_base,
            event.gross_position_before
        ),
        (1_000 * ONE_BASE, 900 * ONE_BASE, 0)
    );
    assert_eq!(event.gross_position_after, 100 * i128::from(ONE_BASE));
    harness
        .retarget(&pool, &admin, 900 * ONE_BASE)
        .await
        .unwrap();
    let update = harness.oracle_update().await;
    let inventory = harness
        .snapshot(&pool, &update)
        .await
        .gross_position()
        .unwrap();
    assert_eq!(inventory, 100 * i128::from(ONE_BASE));
    // Again within the hour: refused; after it, allowed.
    assert_program_error(
        harness.retarget(&pool, &admin, 950 * ONE_BASE).await,
        HomeostatError::RetargetTooSoon,
    );
    retarget_an_hour_later(&mut harness, &pool, &admin, 950 * ONE_BASE)
        .await
        .unwrap();
    // In total the target stays within the cap (100 SOL) of the first one: the review's
    // 24 hourly −10 % steps (920 SOL of inventory against the cap) stop at 900 SOL.
    for (target, result) in [
        (900 * ONE_BASE, None),
        (899 * ONE_BASE, Some(HomeostatError::RetargetBeyondCap)),
        (1_100 * ONE_BASE, Some(HomeostatError::RetargetOutOfBounds)),
    ] {
        let outcome = retarget_an_hour_later(&mut harness, &pool, &admin, target).await;
        match result {
            None => outcome.unwrap(),
            Some(error) => assert_program_error(outcome, error),
        }
    }
}

#[tokio::test]
async fn the_band_is_derived_from_the_model_and_hedged_back_to_its_edge() {
    // ψ = 7 bp: hold while a lot's inventory cost (skew·q) is below hedging it (ψ·mid).
    let params = PoolParams {
        hedge_cost_bps: 7,
        ..default_params()
    };
    let (mut harness, pool, _) = Harness::skewed_pool_with(params).await;
    let update = harness.oracle_update().await;
    let snapshot = harness.snapshot(&pool, &update).await;
    let band = snapshot.hedge_band().unwrap();
    // The rule, in floats, from the very curve `rebalance` prices with.
    let state = snapshot.pool;
    let oracle = state.price_from_update(&update, harness.now).unwrap();
    let curve = state
        .swap_context(&oracle, snapshot.reserves().unwrap())
        .unwrap()
        .curve;
    let homeostat_math::Curve::Linear(linear) = curve else {
        panic!("GLFT prices linearly")
    };
    let f = |x: homeostat_math::Fixed| x.to_f64();
    let expected = 0.0007 * f(linear.mid) / f(linear.skew) * ONE_BASE as f64;
    eprintln!("derived band {band} atoms (float {expected:.0})");
    assert!(
        (band as f64 - expected).abs() <= expected * 1e-9 + 1.0,
        "{band} vs {expected}"
    );
    assert!(band > 10 * ONE_BASE, "above the 10 SOL floor");
    // 30 SOL long is inside the derived band (≈ 37.7 SOL): the pool holds it.
    let keeper = harness.keeper.insecure_clone();
    assert!(snapshot.net_delta().unwrap() < i128::from(band));
    assert_program_error(
        harness.rebalance(&pool, &keeper).await,
        HomeostatError::WithinBand,
    );
    // 20 SOL more leaves it: the request hedges back to the band's edge, not to zero.
    let trader = harness.new_user(20 * ONE_BASE, 0).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(20 * ONE_BASE))
        .await
        .unwrap();
    let update = harness.oracle_update().await;
    let snapshot = harness.snapshot(&pool, &update).await;
    let (net, band) = (
        snapshot.net_delta().unwrap(),
        snapshot.hedge_band().unwrap(),
    );
    assert!(net > i128::from(band));
    let ix = harness.rebalance_ix(&pool, &keeper.pubkey());
    let (events, error) = harness.simulate_events(&[ix], &[&keeper]).await;
    assert_eq!(error, None);
    let event = &decode_events::<homeostat::events::RebalanceRequested>(&events)[0];
    assert_eq!(event.band, band, "the program and the SDK apply one rule");
    assert_eq!(
        event.target_hedge_delta,
        net - i128::from(band),
        "to the edge"
    );
    // More volatility, more skew: the band narrows (K moves with σ).
    let admin = harness.admin.insecure_clone();
    let riskier = PoolParams {
        variance_floor: fixed(1, 100_000),
        ..params
    };
    harness.update_params(&pool, &admin, riskier).await.unwrap();
    let update = harness.oracle_update().await;
    let narrower = harness.snapshot(&pool, &update).await.hedge_band().unwrap();
    assert!(narrower < band, "{narrower} < {band}");
    // Without ψ the band is rebalance_band.
    harness
        .update_params(&pool, &admin, default_params())
        .await
        .unwrap();
    let update = harness.oracle_update().await;
    let floor = harness.snapshot(&pool, &update).await.hedge_band().unwrap();
    assert_eq!(floor, 10 * ONE_BASE);
}
