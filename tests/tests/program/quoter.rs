//! Prop-AMM mode: the quoter's authority, sequence, expiry and band, and what a swap
//! executes at — the quoter's price within the band, Pyth's or a refusal outside it
//! (docs/oracle.md, "Three price sources").

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::constants::QUOTE_FALLBACK_REFUSE;
use homeostat::errors::HomeostatError;
use homeostat::instructions::PushQuoteArgs;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_anchor_error, assert_program_error, default_params, Harness, ONE_BASE,
};
use homeostat_math::{Direction, Fixed};
use homeostat_sdk::instructions as ix;
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::TransactionError;

/// A quote of `price` whole USDC per SOL (quote atoms per lot), valid through `valid_until`.
fn quote(sequence: u64, valid_until: u64, price: f64) -> PushQuoteArgs {
    PushQuoteArgs {
        sequence,
        valid_until,
        price: StoredFixed::from_bits(Fixed::from_int((price * 1e6) as i64).to_bits()),
        bid_offset: StoredFixed::ZERO,
        ask_offset: StoredFixed::ZERO,
    }
}

async fn push(
    harness: &mut Harness,
    pool: &PoolAddresses,
    quoter: &Keypair,
    args: PushQuoteArgs,
) -> Result<(), TransactionError> {
    harness
        .send(
            &[ix::push_quote(pool.pool, quoter.pubkey(), args)],
            &[quoter],
        )
        .await
}

/// Buys one SOL (`Harness::buy_one_base`) after `message` (when given); returns the price
/// per SOL it executed at (`Swapped::oracle_price`, whole USDC) and the quote it cost, after
/// checking the SDK quoted exactly what the program charged (a Pyth Pro update booked
/// first, `PoolSnapshot::after_pro_message`).
pub(super) async fn buy_one(
    harness: &mut Harness,
    pool: &PoolAddresses,
    message: Option<&[u8]>,
) -> Result<(f64, u64), TransactionError> {
    let update = harness.oracle_update().await;
    let mut snapshot = harness.snapshot(pool, &update).await;
    let mut before: Vec<Instruction> = Vec::new();
    if let Some(message) = message {
        snapshot = snapshot
            .after_pro_message(message)
            .expect("the SDK books it");
        before.extend(harness.post_pro_ixs(pool, message));
    }
    let expected = snapshot.quote_exact_out(Direction::QuoteToBase, ONE_BASE);
    let swapped = match harness.buy_one_base(pool, &before).await {
        Ok(swapped) => swapped,
        Err(error) => {
            assert!(expected.is_err(), "the SDK quoted what the program refused");
            return Err(error);
        }
    };
    let expected = expected.expect("the SDK quotes what the program executes");
    assert_eq!(swapped.amount_in, expected.amount_in, "SDK = program");
    let price = swapped.oracle_price.get().to_f64() / 1e6;
    Ok((price, swapped.amount_in))
}

#[tokio::test]
async fn only_the_quoter_pushes_and_every_push_raises_the_sequence() {
    let (mut harness, pool, quoter) = Harness::with_quoter(default_params()).await;
    let slot = harness.slot;
    let stranger = Keypair::new();
    assert_program_error(
        push(&mut harness, &pool, &stranger, quote(1, slot + 10, 150.0)).await,
        HomeostatError::Unauthorized,
    );
    push(&mut harness, &pool, &quoter, quote(7, slot + 10, 150.0))
        .await
        .unwrap();
    for sequence in [0, 6, 7] {
        assert_program_error(
            push(
                &mut harness,
                &pool,
                &quoter,
                quote(sequence, slot + 10, 150.1),
            )
            .await,
            HomeostatError::QuoteSequenceNotIncreasing,
        );
    }
    harness.set_clock(harness.now, slot + 20);
    assert_program_error(
        push(&mut harness, &pool, &quoter, quote(8, slot + 19, 150.0)).await,
        HomeostatError::QuoteExpired,
    );
    assert_program_error(
        push(&mut harness, &pool, &quoter, quote(8, slot + 30, 0.0)).await,
        HomeostatError::InvalidParameter,
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(
        (state.pushed.sequence, state.pushed.valid_until),
        (7, slot + 10)
    );
    // A new quoter: the old one is refused, its last price stops pricing at once, and
    // the sequence carries on (no old update can be replayed).
    let admin = harness.admin.insecure_clone();
    let successor = Keypair::new();
    harness
        .set_quoter(&pool, &admin, successor.pubkey())
        .await
        .unwrap();
    assert_program_error(
        push(&mut harness, &pool, &quoter, quote(9, slot + 30, 150.0)).await,
        HomeostatError::Unauthorized,
    );
    assert_program_error(
        push(&mut harness, &pool, &successor, quote(7, slot + 30, 150.0)).await,
        HomeostatError::QuoteSequenceNotIncreasing,
    );
    push(&mut harness, &pool, &successor, quote(8, slot + 30, 150.0))
        .await
        .unwrap();
    // Only the admin names a quoter.
    assert_program_error(
        harness
            .set_quoter(&pool, &successor, Pubkey::default())
            .await,
        HomeostatError::Unauthorized,
    );
}

#[tokio::test]
async fn a_swap_executes_at_the_quoters_price_within_the_band_and_on_pyth_outside_it() {
    // Band 1 % of Pyth's 150.
    let (mut harness, pool, quoter) = Harness::with_quoter(default_params()).await;
    let slot = harness.slot;
    let (pyth, _) = buy_one(&mut harness, &pool, None).await.unwrap();
    assert_eq!(pyth, 150.0, "no quote yet: Pyth");
    push(&mut harness, &pool, &quoter, quote(1, slot + 5, 151.0))
        .await
        .unwrap();
    let (quoted, _) = buy_one(&mut harness, &pool, None).await.unwrap();
    assert_eq!(quoted, 151.0, "within 1 %: the quoter's");
    // Expired: Pyth again.
    harness.set_clock(harness.now, slot + 6);
    assert_eq!(buy_one(&mut harness, &pool, None).await.unwrap().0, 150.0);
    // Beyond the band (1.5 % away): Pyth.
    push(&mut harness, &pool, &quoter, quote(2, slot + 50, 152.25))
        .await
        .unwrap();
    assert_eq!(buy_one(&mut harness, &pool, None).await.unwrap().0, 150.0);
    // Just inside it.
    push(&mut harness, &pool, &quoter, quote(3, slot + 50, 148.5))
        .await
        .unwrap();
    assert_eq!(buy_one(&mut harness, &pool, None).await.unwrap().0, 148.5);
}

#[tokio::test]
async fn a_pool_that_refuses_without_its_quoter_refuses() {
    let params = PoolParams {
        quote_fallback: QUOTE_FALLBACK_REFUSE,
        ..default_params()
    };
    let (mut harness, pool, quoter) = Harness::with_quoter(params).await;
    let slot = harness.slot;
    assert_program_error(
        buy_one(&mut harness, &pool, None).await.map(drop),
        HomeostatError::QuoteUnavailable,
    );
    push(&mut harness, &pool, &quoter, quote(1, slot + 5, 160.0))
        .await
        .unwrap();
    assert_program_error(
        buy_one(&mut harness, &pool, None).await.map(drop),
        HomeostatError::QuoteUnavailable,
    );
    push(&mut harness, &pool, &quoter, quote(2, slot + 5, 150.5))
        .await
        .unwrap();
    assert_eq!(buy_one(&mut harness, &pool, None).await.unwrap().0, 150.5);
    harness.set_clock(harness.now, slot + 6);
    assert_program_error(
        buy_one(&mut harness, &pool, None).await.map(drop),
        HomeostatError::QuoteUnavailable,
    );
}

/// What one SOL costs on a fresh pool whose quoter pushed `args`, `slots_later` slots
/// after the push.
async fn cost_after(args: PushQuoteArgs, slots_later: u64) -> u64 {
    let (mut harness, pool, quoter) = Harness::with_quoter(default_params()).await;
    let slot = harness.slot;
    push(&mut harness, &pool, &quoter, args).await.unwrap();
    harness.set_clock(harness.now, slot + slots_later);
    let (price, cost) = buy_one(&mut harness, &pool, None).await.unwrap();
    assert_eq!(price, 150.2, "the quoter's price");
    cost
}

#[tokio::test]
async fn offsets_and_the_quotes_age_widen_the_ask() {
    let plain = quote(1, 100, 150.2);
    let at_push = cost_after(plain, 0).await;
    // A 0.05 USDC ask offset: one SOL costs 0.05 USDC more (to the atoms of rounding the
    // mid shift and the widening take); the bid offset does not touch the ask.
    let offset = PushQuoteArgs {
        ask_offset: StoredFixed::from_bits(Fixed::from_int(50_000).to_bits()),
        bid_offset: StoredFixed::from_bits(Fixed::from_int(1_000_000).to_bits()),
        ..plain
    };
    let with_offset = cost_after(offset, 0).await;
    assert!(
        (50_000..=50_002).contains(&(with_offset - at_push)),
        "{at_push} → {with_offset}"
    );
    // The same quote 25 slots (10 s) later pays the age premium, a·σ·√10 of the price.
    let aged = cost_after(plain, 25).await;
    assert!(
        aged > at_push + 10_000,
        "aged {aged}, at the push {at_push}"
    );
}

#[tokio::test]
async fn the_fast_path_checks_what_anchor_would() {
    // `push_quote` runs ahead of Anchor's dispatch (instructions/push_quote.rs,
    // `fast_path`): each malformed form fails with the error the Anchor path gives.
    use anchor_lang::error::ErrorCode;
    use anchor_lang::solana_program::instruction::AccountMeta;
    let (mut harness, pool, quoter) = Harness::with_quoter(default_params()).await;
    let good = ix::push_quote(
        pool.pool,
        quoter.pubkey(),
        quote(1, harness.slot + 5, 150.0),
    );
    let mut variants = Vec::new();
    let mut truncated = good.clone();
    truncated.data.truncate(40);
    variants.push((truncated, ErrorCode::InstructionDidNotDeserialize));
    let mut unsigned = good.clone();
    unsigned.accounts[0] = AccountMeta::new_readonly(quoter.pubkey(), false);
    variants.push((unsigned, ErrorCode::AccountNotSigner));
    let mut one_account = good.clone();
    one_account.accounts.truncate(1);
    variants.push((one_account, ErrorCode::AccountNotEnoughKeys));
    let mut not_a_pool = good.clone();
    not_a_pool.accounts[1] = AccountMeta::new(harness.oracle, false);
    variants.push((not_a_pool, ErrorCode::AccountOwnedByWrongProgram));
    let mut read_only = good.clone();
    read_only.accounts[1] = AccountMeta::new_readonly(pool.pool, false);
    variants.push((read_only, ErrorCode::ConstraintMut));
    for (instruction, expected) in variants {
        let signers: Vec<&Keypair> = if instruction.accounts[0].is_signer {
            vec![&quoter]
        } else {
            vec![]
        };
        assert_anchor_error(harness.send(&[instruction], &signers).await, expected);
    }
    harness
        .send(&[good], &[&quoter])
        .await
        .expect("the well-formed push");
    assert_eq!(harness.pool_state(&pool).await.pushed.sequence, 1);
}
