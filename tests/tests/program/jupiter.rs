//! The Jupiter adapter (`homeostat-jupiter`) against the program: for random pool states
//! of each model, the adapter refreshes its accounts from the runtime, quotes, and the
//! swap built from its account metas then executes exactly that quote (the quote is its
//! own slippage limit). A quote the adapter refuses is a swap the program refuses, with
//! the same named error.
#![allow(deprecated)] // solana-program-test 3.x: see localnet/src/lib.rs

use anchor_lang::prelude::Pubkey;
use homeostat::PoolParams;
use homeostat_jupiter::HomeostatAmm;
use homeostat_math::{Direction, ModelKind};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::SdkError;
use homeostat_tests::*;
use jupiter_amm_interface::{
    AccountMap, Amm, AmmContext, FeeMode, KeyedAccount, QuoteParams, SwapMode, SwapParams,
};
use solana_signer::Signer;

/// A router's view of `pool`: built from its keyed account, the oracle named in `params`
/// (the harness's oracle is not at Pyth's sponsored address).
async fn adapter(
    harness: &mut Harness,
    pool: &PoolAddresses,
    context: &AmmContext,
) -> HomeostatAmm {
    let account = harness.account(&pool.pool, "pool").await;
    let keyed = KeyedAccount {
        key: pool.pool,
        account,
        params: Some(serde_json::json!({ "oracle": harness.oracle.to_string() })),
    };
    HomeostatAmm::from_keyed_account(&keyed, context).expect("a Homeostat pool")
}

/// Refreshes every account the adapter asks for, as a router's account poller does.
async fn refresh(harness: &mut Harness, amm: &mut HomeostatAmm) {
    let mut accounts = AccountMap::default();
    for address in amm.get_accounts_to_update() {
        let account = harness
            .find_account(&address)
            .await
            .unwrap_or_else(|| panic!("{address} exists"));
        accounts.insert(address, account);
    }
    amm.update(&accounts).expect("update");
}

/// Sends the swap a router builds from the adapter's metas; the instruction data is the
/// program's (`homeostat_sdk::instructions`), the accounts the adapter's.
/// A trade as a router sends it: the amount in its mode, and the slippage limit.
#[derive(Clone, Copy)]
struct Order {
    direction: Direction,
    mode: SwapMode,
    amount: u64,
    limit: u64,
}

async fn route(
    harness: &mut Harness,
    amm: &HomeostatAmm,
    trader: &User,
    pool: &PoolAddresses,
    order: Order,
) -> Result<(), TransactionError> {
    let Order {
        direction,
        mode,
        amount,
        limit,
    } = order;
    let (source, destination, source_mint, destination_mint) = match direction {
        Direction::BaseToQuote => (trader.base, trader.quote, pool.base_mint, pool.quote_mint),
        Direction::QuoteToBase => (trader.quote, trader.base, pool.quote_mint, pool.base_mint),
    };
    let owner = trader.keypair.pubkey();
    let jupiter = Pubkey::new_unique();
    let metas = amm
        .get_swap_and_account_metas(&SwapParams {
            swap_mode: mode,
            in_amount: amount,
            out_amount: limit,
            source_mint,
            destination_mint,
            source_token_account: source,
            destination_token_account: destination,
            token_transfer_authority: owner,
            user: owner,
            payer: owner,
            quote_mint_to_referrer: None,
            jupiter_program_id: &jupiter,
            missing_dynamic_accounts_as_default: false,
        })
        .expect("metas")
        .account_metas;
    assert_eq!(metas.len(), amm.get_accounts_len());
    let accounts = trader.accounts(pool);
    let mut instruction = match mode {
        SwapMode::ExactIn => {
            ix::swap_exact_in(pool, harness.oracles(), &accounts, direction, amount, limit)
        }
        SwapMode::ExactOut => {
            ix::swap_exact_out(pool, harness.oracles(), &accounts, direction, amount, limit)
        }
    };
    // The adapter's metas must be the program's own, byte for byte.
    assert_eq!(metas, instruction.accounts);
    instruction.accounts = metas;
    let keypair = trader.keypair.insecure_clone();
    harness.send(&[instruction], &[&keypair]).await
}

fn quote_params(
    pool: &PoolAddresses,
    direction: Direction,
    mode: SwapMode,
    amount: u64,
) -> QuoteParams {
    let (input_mint, output_mint) = match direction {
        Direction::BaseToQuote => (pool.base_mint, pool.quote_mint),
        Direction::QuoteToBase => (pool.quote_mint, pool.base_mint),
    };
    QuoteParams {
        amount,
        input_mint,
        output_mint,
        swap_mode: mode,
        fee_mode: FeeMode::Normal,
    }
}

fn model(kind: ModelKind) -> PoolParams {
    let mut params = default_params();
    params.model_kind = kind.into();
    if kind == ModelKind::AvellanedaStoikov {
        params.horizon = fixed(3_600, 1);
    }
    params
}

#[tokio::test]
async fn jupiter_quotes_equal_what_the_program_executes_for_every_model() {
    for (kind, seed) in [
        (ModelKind::Glft, 0x1u64),
        (ModelKind::AvellanedaStoikov, 0x2),
        (ModelKind::ConstantProduct, 0x3),
    ] {
        let (mut harness, pool, _) = Harness::skewed_pool_with(model(kind)).await;
        let trader = harness
            .new_user(100_000 * ONE_BASE, 15_000_000 * ONE_QUOTE)
            .await;
        // Half the run prices at the router's clock, half at the clock sysvar's.
        let context = AmmContext::default();
        let mut amm = adapter(&mut harness, &pool, &context).await;
        let mut rng = XorShift(0x5eed_0000 + seed);
        let mut price = 150.0f64;
        let (mut executed, mut refused) = (0, 0);
        for step in 0..240u32 {
            if step % 6 == 0 {
                price *= 1.0 + (rng.below(2_001) as f64 - 1_000.0) / 100_000.0;
                let now = harness.now + 1 + rng.below(3) as i64;
                harness.set_time(now);
                let conf = pyth_price(0.01 + rng.below(20) as f64 / 100.0);
                harness.set_oracle(&price_update(
                    pyth_price(price),
                    conf,
                    now - rng.below(3) as i64,
                ));
                if step >= 120 {
                    context
                        .clock_ref
                        .unix_timestamp
                        .store(now, std::sync::atomic::Ordering::Relaxed);
                }
            }
            let direction = if rng.below(2) == 0 { SELL } else { BUY };
            let mode = if rng.below(2) == 0 {
                SwapMode::ExactIn
            } else {
                SwapMode::ExactOut
            };
            let base_size = 1 + rng.below(40 * ONE_BASE);
            let amount = match (direction, mode) {
                (Direction::BaseToQuote, SwapMode::ExactIn)
                | (Direction::QuoteToBase, SwapMode::ExactOut) => base_size,
                _ => (base_size / 1_000).max(1) * 150,
            };
            refresh(&mut harness, &mut amm).await;
            let quote = amm.quote(&quote_params(&pool, direction, mode, amount));
            let before = (
                harness.balance(&trader.base).await,
                harness.balance(&trader.quote).await,
            );
            let limit = match (&quote, mode) {
                (Ok(quote), SwapMode::ExactIn) => quote.out_amount,
                (Ok(quote), SwapMode::ExactOut) => quote.in_amount,
                (Err(_), SwapMode::ExactIn) => 0,
                (Err(_), SwapMode::ExactOut) => u64::MAX,
            };
            let result = route(
                &mut harness,
                &amm,
                &trader,
                &pool,
                Order {
                    direction,
                    mode,
                    amount,
                    limit,
                },
            )
            .await;
            match quote {
                Ok(quote) => {
                    result.unwrap_or_else(|error| {
                        panic!("{kind:?} step {step}: quoted {quote:?}, program failed {error:?}")
                    });
                    let after = (
                        harness.balance(&trader.base).await,
                        harness.balance(&trader.quote).await,
                    );
                    let (paid, received) = match direction {
                        Direction::BaseToQuote => (before.0 - after.0, after.1 - before.1),
                        Direction::QuoteToBase => (before.1 - after.1, after.0 - before.0),
                    };
                    assert_eq!(
                        (paid, received),
                        (quote.in_amount, quote.out_amount),
                        "{kind:?} step {step}"
                    );
                    executed += 1;
                }
                Err(error) => {
                    let code = custom_error(&result)
                        .unwrap_or_else(|| panic!("{kind:?} step {step}: adapter refused ({error}), program said {result:?}"));
                    let named = SdkError::from_code(code).to_string();
                    assert_eq!(error.to_string(), named, "{kind:?} step {step}");
                    refused += 1;
                }
            }
        }
        assert!(
            executed > 150 && refused > 0,
            "{kind:?}: executed {executed}, refused {refused}"
        );
    }
}

#[tokio::test]
async fn a_swap_the_program_would_refuse_is_an_error_naming_why_not_a_quote() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let context = AmmContext::default();
    let mut amm = adapter(&mut harness, &pool, &context).await;
    refresh(&mut harness, &mut amm).await;
    let sell = |amount| quote_params(&pool, SELL, SwapMode::ExactIn, amount);
    amm.quote(&sell(ONE_BASE)).expect("a fresh pool quotes");
    // Past the inventory cap (100 SOL) and the trade size (50 SOL).
    let error = amm
        .quote(&sell(60 * ONE_BASE))
        .expect_err("too large")
        .to_string();
    assert!(error.starts_with("TradeTooLarge"), "{error}");
    // Two 45 SOL sales leave the pool 90 SOL long; a third would pass the 100 SOL cap.
    let trader = harness.new_user(200 * ONE_BASE, 0).await;
    for _ in 0..2 {
        let quote = amm.quote(&sell(45 * ONE_BASE)).expect("within the cap");
        route(
            &mut harness,
            &amm,
            &trader,
            &pool,
            Order {
                direction: SELL,
                mode: SwapMode::ExactIn,
                amount: 45 * ONE_BASE,
                limit: quote.out_amount,
            },
        )
        .await
        .expect("sale");
        refresh(&mut harness, &mut amm).await;
    }
    let error = amm
        .quote(&sell(45 * ONE_BASE))
        .expect_err("cap")
        .to_string();
    assert!(error.starts_with("InventoryCapExceeded"), "{error}");
    // A stale print: 21 s old against max_oracle_age 20.
    let now = harness.now + 21;
    harness.set_time(now);
    refresh(&mut harness, &mut amm).await;
    let error = amm.quote(&sell(ONE_BASE)).expect_err("stale").to_string();
    assert!(error.starts_with("StaleOracle"), "{error}");
    // A paused pool is reported inactive, and does not quote.
    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    let admin = harness.admin.insecure_clone();
    harness
        .set_paused(&pool, &admin, true)
        .await
        .expect("pause");
    refresh(&mut harness, &mut amm).await;
    assert!(!amm.is_active());
    let error = amm.quote(&sell(ONE_BASE)).expect_err("paused").to_string();
    assert!(error.starts_with("PoolPaused"), "{error}");
}

/// jupiter-amm-implementation's own check, on our pools: for every model, direction and
/// mode, start from an amount no pool can fill, halve it until the adapter quotes, then
/// execute the swap built from the adapter's metas with the quote as its limit — and the
/// amounts moved must equal the quote exactly (tolerance 0, as for Jupiter's reference
/// AMM). The adapter's clock is the runtime's (`AmmContext`), as a router's snapshot holds.
#[tokio::test]
async fn halving_until_the_adapter_quotes_then_the_swap_executes_the_quote() {
    for kind in [
        ModelKind::Glft,
        ModelKind::AvellanedaStoikov,
        ModelKind::ConstantProduct,
    ] {
        let (mut harness, pool, _) = Harness::skewed_pool_with(model(kind)).await;
        let trader = harness
            .new_user(100_000 * ONE_BASE, 15_000_000 * ONE_QUOTE)
            .await;
        let context = AmmContext::default();
        context
            .clock_ref
            .unix_timestamp
            .store(harness.now, std::sync::atomic::Ordering::Relaxed);
        let mut amm = adapter(&mut harness, &pool, &context).await;
        for direction in [SELL, BUY] {
            for mode in [SwapMode::ExactIn, SwapMode::ExactOut] {
                refresh(&mut harness, &mut amm).await;
                let mut amount = 1u64 << 62;
                let (quote, halvings) = loop {
                    match amm.quote(&quote_params(&pool, direction, mode, amount)) {
                        Ok(quote) => break (quote, 62 - amount.trailing_zeros()),
                        Err(_) if amount > 1 => amount /= 2,
                        Err(error) => panic!("{kind:?} {direction:?} {mode:?}: {error}"),
                    }
                };
                let before = (
                    harness.balance(&trader.base).await,
                    harness.balance(&trader.quote).await,
                );
                let limit = match mode {
                    SwapMode::ExactIn => quote.out_amount,
                    SwapMode::ExactOut => quote.in_amount,
                };
                let order = Order {
                    direction,
                    mode,
                    amount,
                    limit,
                };
                route(&mut harness, &amm, &trader, &pool, order)
                    .await
                    .unwrap_or_else(|error| {
                        panic!("{kind:?} {direction:?} {mode:?} at {amount}: {error:?}")
                    });
                let after = (
                    harness.balance(&trader.base).await,
                    harness.balance(&trader.quote).await,
                );
                let (paid, received) = match direction {
                    Direction::BaseToQuote => (before.0 - after.0, after.1 - before.1),
                    Direction::QuoteToBase => (before.1 - after.1, after.0 - before.0),
                };
                assert_eq!(
                    (paid, received),
                    (quote.in_amount, quote.out_amount),
                    "{kind:?} {direction:?} {mode:?} at {amount} after {halvings} halvings"
                );
                assert!(halvings > 0, "2^62 atoms cannot fill: the halving ran");
            }
        }
    }
}
