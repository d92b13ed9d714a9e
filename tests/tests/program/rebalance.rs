//! `rebalance` and `record_hedge`: the on-chain half of the hedging loop.

use anchor_lang::solana_program::instruction::Instruction;
use homeostat::errors::HomeostatError;
use homeostat::events::{HedgeRecorded, RebalanceRequested};
use homeostat::instructions::RecordHedgeArgs;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_program_error, decode_events, default_params, fee_params, fixed, operator_params,
    price_update, pyth_price, Exact, Harness, SwapIn, BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::Direction;
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;

async fn request(harness: &mut Harness, pool: &PoolAddresses) -> RebalanceRequested {
    let keeper = harness.keeper.insecure_clone();
    let ix: Instruction = harness.rebalance_ix(pool, &keeper.pubkey());
    let (events, error) = harness.simulate_events(&[ix], &[&keeper]).await;
    assert_eq!(error, None);
    let mut requests: Vec<RebalanceRequested> = decode_events(&events);
    assert_eq!(requests.len(), 1);
    harness.rebalance(pool, &keeper).await.unwrap();
    requests.remove(0)
}

#[tokio::test]
async fn a_skewed_pool_requests_a_hedge_with_an_increasing_sequence() {
    // With a fee, so the LPs' base excludes the protocol's share of it.
    let (mut harness, pool, _) = Harness::skewed_pool_with(fee_params()).await;
    let event = request(&mut harness, &pool).await;
    assert_eq!(event.seq, 1);
    assert_eq!(event.pool, pool.pool);
    assert_eq!(event.hedge_position, 0);
    // Back to the band's edge, not to zero (the band is `rebalance_band` without ψ).
    assert_eq!(event.band, 10 * ONE_BASE);
    assert_eq!(
        event.target_hedge_delta,
        event.gross_position - i128::from(event.band)
    );
    assert!(
        event.gross_position > 10 * i128::from(ONE_BASE),
        "{}",
        event.gross_position
    );
    assert_eq!(event.oracle_publish_time, harness.now);
    let state = harness.pool_state(&pool).await;
    assert_eq!((state.rebalance_seq, state.recorded_seq), (1, 0));
    // The book's greeks: the base the LPs hold (1 000 SOL seeded + the 30 SOL sale, less
    // the protocol's share of its fee), the net delta, and no model gamma for an oracle
    // pool.
    assert!(state.protocol_fees_base > 0);
    assert_eq!(
        event.gross_delta,
        1_030 * ONE_BASE - state.protocol_fees_base
    );
    assert_eq!(event.net_delta, event.gross_position);
    assert_eq!(event.gamma_per_percent, 0);

    // Answer it, move on in time, skew further: the next request is seq 2.
    let keeper = harness.keeper.insecure_clone();
    harness
        .record_hedge(
            &pool,
            &keeper,
            RecordHedgeArgs {
                seq: 1,
                filled_base: (event.target_hedge_delta / 2) as i64,
                avg_price: fixed(150_000_000, 1),
            },
        )
        .await
        .unwrap();
    let later = harness.now + 31;
    harness.set_time(later);
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    let event = request(&mut harness, &pool).await;
    assert_eq!(event.seq, 2);
    assert_eq!(
        event.target_hedge_delta,
        event.gross_position - i128::from(event.hedge_position) - i128::from(event.band)
    );
}

#[tokio::test]
async fn rebalance_guards() {
    // Within the band.
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let keeper = harness.keeper.insecure_clone();
    assert_program_error(
        harness.rebalance(&pool, &keeper).await,
        HomeostatError::WithinBand,
    );

    let (mut harness, pool, trader) = Harness::skewed_pool().await;
    let keeper = harness.keeper.insecure_clone();
    // Only the keeper.
    assert_program_error(
        harness.rebalance(&pool, &trader.keypair).await,
        HomeostatError::Unauthorized,
    );
    // A stale oracle fails closed: the clock moves 21 s past the pool's last print (20 s
    // limit), and a print older than that one is refused as such.
    let now = harness.now;
    harness.set_time(now + 21);
    assert_program_error(
        harness.rebalance(&pool, &keeper).await,
        HomeostatError::StaleOracle,
    );
    harness.set_oracle(&price_update(pyth_price(150.0), pyth_price(0.05), now - 1));
    assert_program_error(
        harness.rebalance(&pool, &keeper).await,
        HomeostatError::OracleOlderThanLastUsed,
    );
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    harness.rebalance(&pool, &keeper).await.unwrap();
    // No second request while the first is unanswered.
    let later = harness.now + 60;
    harness.set_time(later);
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    assert_program_error(
        harness.rebalance(&pool, &keeper).await,
        HomeostatError::RebalancePending,
    );
    // Answered (a zero fill closes the request too), 60 s later a new request goes
    // through; right after it, the rate limit holds.
    let unfilled = |seq| RecordHedgeArgs {
        seq,
        filled_base: 0,
        avg_price: StoredFixed::ZERO,
    };
    harness
        .record_hedge(&pool, &keeper, unfilled(1))
        .await
        .unwrap();
    harness.rebalance(&pool, &keeper).await.unwrap();
    harness
        .record_hedge(&pool, &keeper, unfilled(2))
        .await
        .unwrap();
    assert_program_error(
        harness.rebalance(&pool, &keeper).await,
        HomeostatError::RebalanceTooSoon,
    );
}

/// Answers to a request for `requested` base that `record_hedge` refuses, each a change of
/// the right `answer`: whether the keeper signs it (else a stranger), and the error.
fn refused_answers(
    answer: RecordHedgeArgs,
    requested: i64,
) -> Vec<(bool, RecordHedgeArgs, HomeostatError)> {
    let mut refused = vec![(false, answer, HomeostatError::Unauthorized)];
    for seq in [0, 2, 7] {
        let args = RecordHedgeArgs { seq, ..answer };
        refused.push((true, args, HomeostatError::UnknownSequence));
    }
    for bits in [-1, 0] {
        let args = RecordHedgeArgs {
            avg_price: StoredFixed::from_bits(bits),
            ..answer
        };
        refused.push((true, args, HomeostatError::InvalidParameter));
    }
    // The review's finding: asked for ~20 SOL, −20 or 201 SOL were accepted.
    for filled_base in [201 * ONE_BASE as i64, -requested, -1, requested + 1] {
        let args = RecordHedgeArgs {
            filled_base,
            ..answer
        };
        refused.push((true, args, HomeostatError::HedgeExceedsRequest));
    }
    refused
}

#[tokio::test]
async fn record_hedge_accepts_only_the_pending_sequence_once() {
    let (mut harness, pool, trader) = Harness::skewed_pool().await;
    let keeper = harness.keeper.insecure_clone();
    let event = request(&mut harness, &pool).await;
    let filled = (event.target_hedge_delta / 2) as i64;
    let answer = RecordHedgeArgs {
        seq: 1,
        filled_base: filled,
        avg_price: fixed(150_000_000, 1),
    };
    for (by_keeper, args, expected) in refused_answers(answer, event.target_hedge_delta as i64) {
        let signer = if by_keeper { &keeper } else { &trader.keypair };
        assert_program_error(harness.record_hedge(&pool, signer, args).await, expected);
    }

    let ix = homeostat_sdk::instructions::record_hedge(
        pool.pool,
        keeper.pubkey(),
        answer.seq,
        answer.filled_base,
        homeostat_math::LotPrice::new(answer.avg_price.get()),
    );
    let (events, error) = harness.simulate_events(&[ix], &[&keeper]).await;
    assert_eq!(error, None);
    let recorded: Vec<HedgeRecorded> = decode_events(&events);
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (
            recorded[0].seq,
            recorded[0].filled_base,
            recorded[0].hedge_position
        ),
        (1, filled, filled)
    );
    harness.record_hedge(&pool, &keeper, answer).await.unwrap();
    assert_eq!(harness.pool_state(&pool).await.hedge_position, filled);
    // A restarted keeper replaying the same record is refused: no double hedge.
    assert_program_error(
        harness.record_hedge(&pool, &keeper, answer).await,
        HomeostatError::UnknownSequence,
    );
    assert_eq!(harness.pool_state(&pool).await.hedge_position, filled);
}

#[tokio::test]
async fn a_recorded_hedge_relaxes_the_skew_of_a_pool_that_credits_it() {
    // A half-spread (c1 = 4.9 bp) wider than the skew at the band's edge, so the mid
    // guard does not flatten the quotes this test compares.
    let params = PoolParams {
        risk_aversion: fixed(50, 1),
        order_decay: fixed(2_000, 1),
        ..operator_params()
    };
    let (mut harness, pool, _) = Harness::skewed_pool_with(params).await;
    let keeper = harness.keeper.insecure_clone();
    let update = price_update(pyth_price(150.0), pyth_price(0.05), harness.now);
    let before = harness.snapshot(&pool, &update).await;
    let sell_before = before
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap();
    let buy_before = before
        .quote_exact_out(Direction::QuoteToBase, ONE_BASE)
        .unwrap();
    assert!(before.net_delta().unwrap() > 10 * i128::from(ONE_BASE));

    let event = request(&mut harness, &pool).await;
    harness
        .record_hedge(
            &pool,
            &keeper,
            RecordHedgeArgs {
                seq: event.seq,
                filled_base: event.target_hedge_delta as i64,
                avg_price: fixed(150_000_000, 1),
            },
        )
        .await
        .unwrap();

    let after = harness.snapshot(&pool, &update).await;
    let band = i128::from(event.band);
    assert_eq!(
        after.net_delta().unwrap(),
        band,
        "hedged back to the band's edge"
    );
    assert_eq!(
        after.risk_position().unwrap(),
        band,
        "the whole hedge credited"
    );
    assert!(
        after.gross_position().unwrap() > 10 * i128::from(ONE_BASE),
        "still held"
    );
    let sell_after = after
        .quote_exact_in(Direction::BaseToQuote, ONE_BASE)
        .unwrap();
    let buy_after = after
        .quote_exact_out(Direction::QuoteToBase, ONE_BASE)
        .unwrap();
    // Long inventory had lowered the bid (selling to the pool paid less) and the ask
    // (the pool sold cheaper); hedged, both return toward the mid.
    assert!(
        sell_after.amount_out > sell_before.amount_out,
        "{sell_before:?} -> {sell_after:?}"
    );
    assert!(
        buy_after.amount_in > buy_before.amount_in,
        "{buy_before:?} -> {buy_after:?}"
    );
    // And the program executes exactly the relaxed quote.
    let trader = harness.new_user(ONE_BASE, 0).await;
    harness
        .swap_exact_in(
            &pool,
            &trader,
            SwapIn {
                direction: SELL,
                amount_in: ONE_BASE,
                min_amount_out: sell_after.amount_out,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.quote).await, sell_after.amount_out);
}

#[tokio::test]
async fn the_keeper_can_be_replaced_and_the_old_one_loses_access() {
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let (admin, old) = (
        harness.admin.insecure_clone(),
        harness.keeper.insecure_clone(),
    );
    let new = Keypair::new();
    harness.airdrop(&new.pubkey(), 100_000_000).await;
    harness
        .set_keeper(&pool, &admin, new.pubkey())
        .await
        .unwrap();
    assert_program_error(
        harness.rebalance(&pool, &old).await,
        HomeostatError::Unauthorized,
    );
    harness.rebalance(&pool, &new).await.unwrap();
}

#[tokio::test]
async fn record_hedge_keeps_a_ledger_and_refuses_implausible_prices() {
    let (mut harness, pool, _) = Harness::skewed_pool().await;
    let keeper = harness.keeper.insecure_clone();
    let event = request(&mut harness, &pool).await;
    // A partial fill: 19 of the ≈ 20 SOL asked for.
    let hedge = 19 * ONE_BASE as i64;
    assert!(event.target_hedge_delta > i128::from(hedge), "{event:?}");
    // The first request's answer: the partial fill at `avg_price`.
    let filled_at = |avg_price: i128| RecordHedgeArgs {
        seq: 1,
        filled_base: hedge,
        avg_price: StoredFixed::from_bits(avg_price),
    };
    // A fill 11 % above the request's oracle price is not a hedge.
    assert_program_error(
        harness
            .record_hedge(
                &pool,
                &keeper,
                filled_at(event.oracle_price.to_bits() * 111 / 100),
            )
            .await,
        HomeostatError::HedgePriceImplausible,
    );
    // Sold 20 SOL at the request's price (150 USDC per lot).
    let entry = event.oracle_price.to_bits();
    harness
        .record_hedge(&pool, &keeper, filled_at(entry))
        .await
        .unwrap();
    let state = harness.pool_state(&pool).await;
    let ledger = state.hedge_ledger();
    assert_eq!(ledger.position, hedge);
    assert_eq!(ledger.entry_price.get().to_bits(), entry);
    assert_eq!(ledger.realized_pnl, 0);
    // The pool's inventory reverts (the trader buys back): the net delta goes short of
    // the band, and the keeper unwinds 15 SOL 1 % lower — realising 15 · 1.5 USDC — within
    // the unwind it was asked for.
    let buyer = harness.new_user(0, 13_000 * ONE_QUOTE).await;
    for _ in 0..2 {
        harness
            .swap(&pool, &buyer, BUY, Exact::In(6_500 * ONE_QUOTE))
            .await
            .unwrap();
    }
    harness.set_time(harness.now + 31);
    harness.set_price(pyth_price(148.5), pyth_price(0.05));
    let unwind = request(&mut harness, &pool).await;
    assert!(unwind.target_hedge_delta < 0, "{unwind:?}");
    let lower = unwind.oracle_price.to_bits();
    harness
        .record_hedge(
            &pool,
            &keeper,
            RecordHedgeArgs {
                seq: 2,
                filled_base: -15 * ONE_BASE as i64,
                avg_price: StoredFixed::from_bits(lower),
            },
        )
        .await
        .unwrap();
    let ledger = harness.pool_state(&pool).await.hedge_ledger();
    assert_eq!(ledger.position, 4 * ONE_BASE as i64);
    assert_eq!(
        ledger.entry_price.get().to_bits(),
        entry,
        "a reduction keeps the entry"
    );
    assert_eq!(ledger.realized_pnl, 15 * 1_500_000, "15 SOL × 1.5 USDC");
    // Marked at the oracle, the 4 SOL still short are worth 4 × 1.5 USDC.
    let mark = homeostat_math::LotPrice::new(homeostat_math::Fixed::from_bits(lower));
    assert_eq!(
        ledger.unrealized_pnl(mark, ONE_BASE).unwrap(),
        4 * 1_500_000
    );
}

#[tokio::test]
async fn a_constant_product_request_reports_its_model_gamma() {
    let params = PoolParams {
        model_kind: homeostat_math::ModelKind::ConstantProduct.into(),
        ..default_params()
    };
    let (mut harness, pool, _) = Harness::skewed_pool_with(params).await;
    let event = request(&mut harness, &pool).await;
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.rebalance_seq, 1);
    assert_eq!(
        event.gross_delta,
        1_030 * ONE_BASE - state.protocol_fees_base
    );
    // −B/200 per 1 % rise: about 5.15 SOL.
    assert_eq!(
        event.gamma_per_percent,
        -i64::try_from(event.gross_delta / 200).unwrap()
    );
    assert!((-5_150_000_000..-5_140_000_000).contains(&event.gamma_per_percent));
    assert_eq!(
        event.net_delta,
        event.gross_position - i128::from(event.hedge_position)
    );
}

#[tokio::test]
async fn the_hedge_position_stays_within_its_limit_whatever_was_asked() {
    // A request larger than the room left under `max_hedge_position` (5 SOL here) is
    // recorded up to the limit, not beyond.
    let params = PoolParams {
        max_hedge_position: 5 * ONE_BASE,
        ..default_params()
    };
    let (mut harness, pool, _) = Harness::skewed_pool_with(params).await;
    let keeper = harness.keeper.insecure_clone();
    let event = request(&mut harness, &pool).await;
    assert!(event.target_hedge_delta > 5 * i128::from(ONE_BASE));
    assert_program_error(
        harness
            .record_hedge(
                &pool,
                &keeper,
                RecordHedgeArgs {
                    seq: 1,
                    filled_base: 6 * ONE_BASE as i64,
                    avg_price: event.oracle_price,
                },
            )
            .await,
        HomeostatError::HedgeTooLarge,
    );
    harness
        .record_hedge(
            &pool,
            &keeper,
            RecordHedgeArgs {
                seq: 1,
                filled_base: 5 * ONE_BASE as i64,
                avg_price: event.oracle_price,
            },
        )
        .await
        .unwrap();
}
