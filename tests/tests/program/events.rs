//! Events arrive as `emit_cpi!` inner instructions that indexers and the keeper decode.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use homeostat::events::{ParamsUpdated, Swapped};
use homeostat::instructions::SwapExactInArgs;
use homeostat::PoolParams;
use homeostat_localnet::{
    decode_events, default_params, price_update, pyth_price, Exact, Harness, ONE_BASE,
};
use homeostat_math::{Direction, Fixed};
use solana_signer::Signer;

#[tokio::test]
async fn swapped_carries_everything_an_indexer_needs() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let update = price_update(pyth_price(150.0), pyth_price(0.05), harness.now);
    let expected = harness
        .expected_swap(
            &pool,
            &update,
            Direction::BaseToQuote,
            Exact::In(4 * ONE_BASE),
        )
        .await
        .unwrap();
    let ix = Instruction {
        program_id: homeostat::ID,
        accounts: harness.swap_accounts(&pool, &trader).to_account_metas(None),
        data: homeostat::instruction::SwapExactIn {
            args: SwapExactInArgs {
                direction: 0,
                amount_in: 4 * ONE_BASE,
                min_amount_out: 1,
            },
        }
        .data(),
    };
    let (payloads, error) = harness.simulate_events(&[ix], &[&trader.keypair]).await;
    assert_eq!(error, None);
    let events: Vec<Swapped> = decode_events(&payloads);
    assert_eq!(events.len(), 1, "exactly one Swapped event");
    let event = &events[0];
    assert_eq!(event.pool, pool.pool);
    assert_eq!(event.trader, trader.keypair.pubkey());
    assert_eq!((event.direction, event.exact_in), (0, true));
    assert_eq!(
        (event.amount_in, event.amount_out),
        (expected.amount_in, expected.amount_out)
    );
    assert_eq!(
        (event.fee, event.protocol_fee),
        (expected.fee.total, expected.fee.protocol)
    );
    assert_eq!(
        (event.gross_position_before, event.gross_position_after),
        (
            expected.gross_position_before,
            expected.gross_position_after
        )
    );
    assert_eq!(
        event.gross_position_after - event.gross_position_before,
        4 * i128::from(ONE_BASE) - i128::from(expected.fee.total)
    );
    assert_eq!(event.oracle_price.get(), Fixed::from_int(150_000_000));
    assert_eq!(event.oracle_publish_time, harness.now);
    assert!(
        event.half_spread.get().is_positive()
            && event.skew.get().is_positive()
            && event.variance.get().is_positive()
    );
}

#[tokio::test]
async fn params_updated_reports_old_and_new() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    let new = PoolParams {
        fee_bps: 9,
        ..default_params()
    };
    let ix = Instruction {
        program_id: homeostat::ID,
        accounts: homeostat::accounts::UpdateParams {
            admin: admin.pubkey(),
            pool: pool.pool,
            event_authority: Harness::event_authority(),
            program: homeostat::ID,
        }
        .to_account_metas(None),
        data: homeostat::instruction::UpdateParams { params: new }.data(),
    };
    let (payloads, error) = harness.simulate_events(&[ix], &[&admin]).await;
    assert_eq!(error, None);
    let events: Vec<ParamsUpdated> = decode_events(&payloads);
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].old, events[0].new), (default_params(), new));
    assert_eq!(events[0].pool, pool.pool);
}

#[tokio::test]
async fn events_cannot_be_forged_by_calling_the_event_instruction_directly() {
    // Anchor's event instruction requires the event authority PDA to sign, which only the
    // program itself can do.
    let (mut harness, _, _) = Harness::with_liquidity().await;
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    data.extend_from_slice(&[0; 16]);
    let ix = Instruction {
        program_id: homeostat::ID,
        accounts: vec![anchor_lang::prelude::AccountMeta::new_readonly(
            Harness::event_authority(),
            false,
        )],
        data,
    };
    let payer_key: Pubkey = harness.context.payer.pubkey();
    assert_ne!(payer_key, Harness::event_authority());
    assert!(harness.send(&[ix], &[]).await.is_err());
}
