//! The Jupiter adapter (`homeostat-jupiter`) against the program: for random pool states
//! of each model, the adapter refreshes its accounts from the runtime, quotes, and the
//! swap built from its account metas then executes exactly that quote (the quote is its
//! own slippage limit). A quote the adapter refuses is a swap the program refuses, with
//! the same named error. Jupiter's two fee modes quote, and execute, the same amounts; a
//! prop-AMM pool quotes at its quoter's price until the quote expires at the router's
//! slot, then on Pyth or not at all, exactly as the program executes.

use std::sync::atomic::Ordering;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::constants::{QUOTE_FALLBACK_PYTH, QUOTE_FALLBACK_REFUSE};
use homeostat::events::Swapped;
use homeostat::instructions::PushQuoteArgs;
use homeostat::{PoolParams, StoredFixed};
use homeostat_jupiter::HomeostatAmm;
use homeostat_localnet::{
    custom_error, decode_events, default_params, fixed, price_update, pyth_price, Harness, SwapIn,
    SwapOut, User, XorShift, BUY, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::{Direction, Fixed, ModelKind};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::SdkError;
use jupiter_amm_interface::{
    AccountMap, Amm, AmmContext, FeeMode, KeyedAccount, Quote, QuoteParams, SwapMode, SwapParams,
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

/// Both of Jupiter's fee modes: the program has one fee schedule, so each must quote what
/// the swap executes.
const FEE_MODES: [FeeMode; 2] = [FeeMode::Normal, FeeMode::Ultra];

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

/// A trade as a router sends it: the amount in its mode, and the slippage limit.
#[derive(Clone, Copy)]
struct Order {
    direction: Direction,
    mode: SwapMode,
    amount: u64,
    limit: u64,
}

/// The swap a router builds from the adapter's metas; the instruction data is the
/// program's (`homeostat_sdk::instructions`), the accounts the adapter's.
fn swap_instruction(
    harness: &Harness,
    amm: &HomeostatAmm,
    trader: &User,
    pool: &PoolAddresses,
    order: Order,
) -> Instruction {
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
        SwapMode::ExactIn => ix::swap_exact_in(
            pool,
            harness.oracles(),
            &accounts,
            SwapIn {
                direction,
                amount_in: amount,
                min_amount_out: limit,
            },
        ),
        SwapMode::ExactOut => ix::swap_exact_out(
            pool,
            harness.oracles(),
            &accounts,
            SwapOut {
                direction,
                amount_out: amount,
                max_amount_in: limit,
            },
        ),
    };
    // The adapter's metas must be the program's own, byte for byte.
    assert_eq!(metas, instruction.accounts);
    instruction.accounts = metas;
    instruction
}

/// Sends the swap a router builds from the adapter's metas.
async fn route(
    harness: &mut Harness,
    amm: &HomeostatAmm,
    trader: &User,
    pool: &PoolAddresses,
    order: Order,
) -> Result<(), TransactionError> {
    let instruction = swap_instruction(harness, amm, trader, pool, order);
    let keypair = trader.keypair.insecure_clone();
    harness.send(&[instruction], &[&keypair]).await
}

/// What an executed swap did: what the trader paid and received, and the price it
/// executed at (`Swapped::oracle_price`, whole quote tokens per base token: Pyth's, or
/// the quoter's in prop-AMM mode).
struct Fill {
    paid: u64,
    received: u64,
    price: f64,
}

/// Routes `order` as `route` does, reading the price it executes at from its simulation.
async fn execute(
    harness: &mut Harness,
    amm: &HomeostatAmm,
    trader: &User,
    pool: &PoolAddresses,
    order: Order,
) -> Result<Fill, TransactionError> {
    let instruction = swap_instruction(harness, amm, trader, pool, order);
    let keypair = trader.keypair.insecure_clone();
    let before = (
        harness.balance(&trader.base).await,
        harness.balance(&trader.quote).await,
    );
    let (events, error) = harness
        .simulate_events(std::slice::from_ref(&instruction), &[&keypair])
        .await;
    if let Some(error) = error {
        return Err(error);
    }
    harness.send(&[instruction], &[&keypair]).await?;
    let after = (
        harness.balance(&trader.base).await,
        harness.balance(&trader.quote).await,
    );
    let (paid, received) = match order.direction {
        Direction::BaseToQuote => (before.0 - after.0, after.1 - before.1),
        Direction::QuoteToBase => (before.1 - after.1, after.0 - before.0),
    };
    let swapped: Vec<Swapped> = decode_events(&events);
    let price = swapped[0].oracle_price.get().to_f64() / 1e6;
    Ok(Fill {
        paid,
        received,
        price,
    })
}

/// Whether two quotes name the same amounts and fee (`Quote` has no `PartialEq`).
fn same(a: &Quote, b: &Quote) -> bool {
    (
        a.in_amount,
        a.out_amount,
        a.fee_amount,
        a.fee_mint,
        a.fee_pct,
    ) == (
        b.in_amount,
        b.out_amount,
        b.fee_amount,
        b.fee_mint,
        b.fee_pct,
    )
}

/// A trade a router is asked for: side, mode and amount.
#[derive(Clone, Copy)]
struct Trade {
    direction: Direction,
    mode: SwapMode,
    amount: u64,
}

/// Quotes `trade` under both fee modes (which must agree), routes it with the quote as
/// its own limit (none when refused) and checks that the program executed exactly the
/// quote, or refused it with the adapter's named error. Whether it executed.
async fn quote_and_route(
    harness: &mut Harness,
    amm: &HomeostatAmm,
    trader: &User,
    pool: &PoolAddresses,
    trade: Trade,
    what: &str,
) -> bool {
    let Trade {
        direction,
        mode,
        amount,
    } = trade;
    let [normal, ultra] =
        FEE_MODES.map(|fee_mode| amm.quote(&quote_params(pool, direction, mode, amount, fee_mode)));
    match (&normal, &ultra) {
        (Ok(normal), Ok(ultra)) => assert!(same(normal, ultra), "{what}: {normal:?} {ultra:?}"),
        (Err(normal), Err(ultra)) => assert_eq!(normal.to_string(), ultra.to_string(), "{what}"),
        _ => panic!("{what}: the fee modes disagree: {normal:?} {ultra:?}"),
    }
    let limit = match (&normal, mode) {
        (Ok(quote), SwapMode::ExactIn) => quote.out_amount,
        (Ok(quote), SwapMode::ExactOut) => quote.in_amount,
        (Err(_), SwapMode::ExactIn) => 0,
        (Err(_), SwapMode::ExactOut) => u64::MAX,
    };
    let order = Order {
        direction,
        mode,
        amount,
        limit,
    };
    let result = execute(harness, amm, trader, pool, order).await;
    match (normal, result) {
        (Ok(quote), Ok(fill)) => {
            assert_eq!(
                (fill.paid, fill.received),
                (quote.in_amount, quote.out_amount),
                "{what}"
            );
            true
        }
        (Ok(quote), Err(error)) => panic!("{what}: quoted {quote:?}, program failed {error:?}"),
        (Err(error), result) => {
            let result = result.map(drop);
            let code = custom_error(&result).unwrap_or_else(|| {
                panic!("{what}: adapter refused ({error}), program said {result:?}")
            });
            assert_eq!(
                error.to_string(),
                SdkError::from_code(code).to_string(),
                "{what}"
            );
            false
        }
    }
}

fn quote_params(
    pool: &PoolAddresses,
    direction: Direction,
    mode: SwapMode,
    amount: u64,
    fee_mode: FeeMode,
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
        fee_mode,
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
                        .store(now, Ordering::Relaxed);
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
            let what = format!("{kind:?} step {step}");
            let trade = Trade {
                direction,
                mode,
                amount,
            };
            if quote_and_route(&mut harness, &amm, &trader, &pool, trade, &what).await {
                executed += 1;
            } else {
                refused += 1;
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
    let sell = |amount| quote_params(&pool, SELL, SwapMode::ExactIn, amount, FeeMode::Normal);
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

/// Halves 2^62 atoms until the adapter quotes `direction`/`mode` under `fee_mode`, then
/// executes the swap built from its metas with the quote as its limit: the amounts moved
/// must equal the quote exactly (tolerance 0), and the other fee mode must have quoted
/// the same. Returns the fill.
async fn halve_then_execute(
    harness: &mut Harness,
    amm: &mut HomeostatAmm,
    trader: &User,
    pool: &PoolAddresses,
    (direction, mode): (Direction, SwapMode),
    fee_mode: FeeMode,
) -> Fill {
    refresh(harness, amm).await;
    let mut amount = 1u64 << 62;
    let (quote, halvings) = loop {
        match amm.quote(&quote_params(pool, direction, mode, amount, fee_mode)) {
            Ok(quote) => break (quote, 62 - amount.trailing_zeros()),
            Err(_) if amount > 1 => amount /= 2,
            Err(error) => panic!("{direction:?} {mode:?} {fee_mode:?}: {error}"),
        }
    };
    assert!(halvings > 0, "2^62 atoms cannot fill: the halving ran");
    let what = format!("{direction:?} {mode:?} {fee_mode:?} at {amount} after {halvings} halvings");
    for other in FEE_MODES {
        let again = amm.quote(&quote_params(pool, direction, mode, amount, other));
        assert!(
            same(&quote, &again.expect("both modes quote")),
            "{what}: {other:?}"
        );
    }
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
    let fill = execute(harness, amm, trader, pool, order)
        .await
        .unwrap_or_else(|error| panic!("{what}: {error:?}"));
    assert_eq!(
        (fill.paid, fill.received),
        (quote.in_amount, quote.out_amount),
        "{what}"
    );
    fill
}

/// Every side and mode.
const TRADES: [(Direction, SwapMode); 4] = [
    (SELL, SwapMode::ExactIn),
    (SELL, SwapMode::ExactOut),
    (BUY, SwapMode::ExactIn),
    (BUY, SwapMode::ExactOut),
];

/// jupiter-amm-implementation's own check, on our pools: for every model, direction, mode
/// and fee mode, start from an amount no pool can fill, halve it until the adapter quotes,
/// then execute the swap built from the adapter's metas with the quote as its limit — and
/// the amounts moved must equal the quote exactly (tolerance 0, as for Jupiter's reference
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
        router_clock(&context, &harness);
        let mut amm = adapter(&mut harness, &pool, &context).await;
        for fee_mode in FEE_MODES {
            for trade in TRADES {
                halve_then_execute(&mut harness, &mut amm, &trader, &pool, trade, fee_mode).await;
            }
        }
    }
}

/// The router's clock at the runtime's, as `ClockRef::update` stores a cluster's clock.
fn router_clock(context: &AmmContext, harness: &Harness) {
    let clock = &context.clock_ref;
    clock.unix_timestamp.store(harness.now, Ordering::Relaxed);
    clock.slot.store(harness.slot, Ordering::Relaxed);
}

/// The quoter's price of `whole` quote tokens per base token, valid through `valid_until`.
fn push_quote(pool: &PoolAddresses, quoter: &Keypair, valid_until: u64, whole: f64) -> Instruction {
    let price = Fixed::from_int((whole * 1e6) as i64);
    let args = PushQuoteArgs {
        sequence: 1,
        valid_until,
        price: StoredFixed::from_bits(price.to_bits()),
        bid_offset: StoredFixed::ZERO,
        ask_offset: StoredFixed::ZERO,
    };
    ix::push_quote(pool.pool, quoter.pubkey(), args)
}

/// Prop-AMM mode through the adapter: a pool whose quoter pushed 150.9 (Pyth at 150, band
/// 1 %) quotes, under both fee modes, what the program executes at the quoter's price,
/// through the quote's last slot; one slot later the quote has expired and the adapter,
/// reading the router's slot, quotes what the program then executes on Pyth — or, for a
/// pool that refuses without its quoter, refuses with the program's `QuoteUnavailable`.
#[tokio::test]
async fn prop_mode_quotes_the_quoters_price_until_it_expires_then_falls_back_as_the_program() {
    for fallback in [QUOTE_FALLBACK_PYTH, QUOTE_FALLBACK_REFUSE] {
        let params = PoolParams {
            quote_fallback: fallback,
            ..default_params()
        };
        let (mut harness, pool, quoter) = Harness::with_quoter(params).await;
        let trader = harness
            .new_user(1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
            .await;
        let context = AmmContext::default();
        router_clock(&context, &harness);
        let mut amm = adapter(&mut harness, &pool, &context).await;
        let valid_until = harness.slot + 3;
        let push = push_quote(&pool, &quoter, valid_until, 150.9);
        harness.send(&[push], &[&quoter]).await.expect("push_quote");
        // At the push and at the quote's last slot: the quoter's price.
        for slot in [harness.slot, valid_until] {
            harness.set_clock(harness.now, slot);
            router_clock(&context, &harness);
            for fee_mode in FEE_MODES {
                for trade in TRADES {
                    let fill =
                        halve_then_execute(&mut harness, &mut amm, &trader, &pool, trade, fee_mode)
                            .await;
                    assert_eq!(fill.price, 150.9, "slot {slot}: the quoter's price");
                }
            }
        }
        // Expired: Pyth's price, or no quote at all.
        harness.set_clock(harness.now, valid_until + 1);
        router_clock(&context, &harness);
        for fee_mode in FEE_MODES {
            for trade in TRADES {
                if fallback == QUOTE_FALLBACK_PYTH {
                    let fill =
                        halve_then_execute(&mut harness, &mut amm, &trader, &pool, trade, fee_mode)
                            .await;
                    assert_eq!(fill.price, 150.0, "expired: Pyth's price");
                } else {
                    refresh(&mut harness, &mut amm).await;
                    let (direction, mode) = trade;
                    let one = Trade {
                        direction,
                        mode,
                        amount: ONE_BASE,
                    };
                    let error = amm
                        .quote(&quote_params(&pool, direction, mode, ONE_BASE, fee_mode))
                        .expect_err("expired, refusing pool")
                        .to_string();
                    assert!(error.starts_with("QuoteUnavailable"), "{error}");
                    let what = format!("expired {trade:?} {fee_mode:?}");
                    let executed =
                        quote_and_route(&mut harness, &amm, &trader, &pool, one, &what).await;
                    assert!(!executed, "{what}: the program refused too");
                }
            }
        }
    }
}
