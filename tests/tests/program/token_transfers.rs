//! The swap's token movements: SPL Token moves with `Transfer` (no mint to read, ≈ 1 500
//! CU less than `TransferChecked`), Token-2022 with `TransferChecked`; the amounts are
//! the quoted ones either way. The runtime meters the token programs (they run as SBF),
//! so their cost is measured here, not estimated.

use homeostat_localnet::{
    default_params, price_update, pyth_price, Exact, Harness, MintSetup, SwapIn, User, BUY,
    ONE_BASE, ONE_QUOTE, SELL, TOKEN, TOKEN_2022,
};
use homeostat_math::Direction;
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;

/// What SPL Token's `TransferChecked` cost in every swap before (docs/performance.md).
const TRANSFER_CHECKED_CU: u64 = 6_174;

/// Each token-program invocation in `logs`: its program id, the instruction it logged,
/// and the units it consumed.
fn token_invocations(logs: &[String]) -> Vec<(String, String, u64)> {
    let mut invocations = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in logs {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Program", program, "invoke", _]
                if *program == TOKEN.to_string().as_str()
                    || *program == TOKEN_2022.to_string().as_str() =>
            {
                current = Some((program.to_string(), String::new()));
            }
            ["Program", "log:", "Instruction:", name] => {
                if let Some((_, instruction)) = current.as_mut() {
                    *instruction = name.to_string();
                }
            }
            ["Program", program, "consumed", units, "of", ..] => {
                if let Some((token_program, instruction)) = current.take() {
                    assert_eq!(*program, token_program);
                    invocations.push((token_program, instruction, units.parse().unwrap()));
                }
            }
            _ => {}
        }
    }
    invocations
}

/// The token invocations of a simulated exact-in swap (nothing is committed).
async fn swap_transfers(
    harness: &mut Harness,
    pool: &PoolAddresses,
    trader: &User,
    direction: Direction,
    amount_in: u64,
) -> Vec<(String, String, u64)> {
    let swap = ix::swap_exact_in(
        pool,
        harness.oracles(),
        &trader.accounts(pool),
        SwapIn {
            direction,
            amount_in,
            min_amount_out: 1,
        },
    );
    let simulation = harness.simulate(&[swap], &[&trader.keypair]).await;
    assert_eq!(simulation.error, None, "{simulation:#?}");
    token_invocations(&simulation.logs)
}

#[tokio::test]
async fn spl_token_swaps_move_tokens_with_transfer() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 2_000 * ONE_QUOTE).await;
    for (direction, amount) in [(SELL, 2 * ONE_BASE), (BUY, 300 * ONE_QUOTE)] {
        let invocations = swap_transfers(&mut harness, &pool, &trader, direction, amount).await;
        assert_eq!(invocations.len(), 2, "{invocations:?}");
        for (program, instruction, units) in &invocations {
            assert_eq!(program, &TOKEN.to_string());
            assert_eq!(instruction, "Transfer");
            println!("SPL Token Transfer: {units} CU");
            assert!(
                *units + 1_000 < TRANSFER_CHECKED_CU,
                "Transfer cost {units} CU"
            );
        }
    }
}

#[tokio::test]
async fn token_2022_sides_move_with_transfer_checked_and_pay_the_quote() {
    let mut harness = Harness::start_with(MintSetup {
        base_token_program: TOKEN_2022,
        quote_token_program: TOKEN,
    })
    .await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, default_params()).await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;

    let invocations = swap_transfers(&mut harness, &pool, &trader, SELL, 2 * ONE_BASE).await;
    println!("token invocations (program, instruction, CU): {invocations:?}");
    let names: Vec<(&str, &str)> = invocations
        .iter()
        .map(|(program, instruction, _)| (program.as_str(), instruction.as_str()))
        .collect();
    let (token_2022, token) = (TOKEN_2022.to_string(), TOKEN.to_string());
    assert_eq!(
        names,
        [
            (token_2022.as_str(), "TransferChecked"),
            (token.as_str(), "Transfer")
        ]
    );

    let update = price_update(pyth_price(150.0), pyth_price(0.05), harness.now);
    let expected = harness
        .expected_swap(&pool, &update, SELL, Exact::In(2 * ONE_BASE))
        .await
        .unwrap();
    harness
        .swap_exact_in(
            &pool,
            &trader,
            SwapIn {
                direction: SELL,
                amount_in: 2 * ONE_BASE,
                min_amount_out: expected.amount_out,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.base).await, 8 * ONE_BASE);
    assert_eq!(harness.balance(&trader.quote).await, expected.amount_out);
    assert_eq!(harness.balance(&pool.base_vault).await, 1_002 * ONE_BASE);
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.protocol_fees_base, expected.fee.protocol);
}
