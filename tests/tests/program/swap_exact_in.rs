use homeostat::errors::HomeostatError;
use homeostat::oracle::{PriceUpdate, VerificationLevel};
use homeostat_localnet::{
    assert_anchor_error, assert_program_error, custom_error, fee_params, next_volatility_sample,
    oracle_account, price_update, pyth_price, sol_at_150, swap_transaction_size, Exact, Harness,
    SwapIn, User, BUY, ONE_BASE, ONE_QUOTE, SELL, TOKEN, TOKEN_2022,
};
use homeostat_math::Direction;
use solana_account::Account;
use solana_signer::Signer;

/// Sells one SOL for any amount: the swap the account and oracle checks run on.
const SELL_ONE_SOL: SwapIn = SwapIn {
    direction: SELL,
    amount_in: ONE_BASE,
    min_amount_out: 1,
};

fn oracle_now(harness: &Harness) -> PriceUpdate {
    price_update(pyth_price(150.0), pyth_price(0.05), harness.now)
}

#[tokio::test]
async fn selling_base_pays_exactly_the_quoted_amount() {
    // A pool that charges a fee, so the protocol's share is booked too.
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    harness.seeded_pool(&pool, fee_params()).await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let update = oracle_now(&harness);
    let expected = harness
        .expected_swap(
            &pool,
            &update,
            Direction::BaseToQuote,
            Exact::In(5 * ONE_BASE),
        )
        .await
        .unwrap();
    harness
        .swap_exact_in(
            &pool,
            &trader,
            SwapIn {
                direction: SELL,
                amount_in: 5 * ONE_BASE,
                min_amount_out: expected.amount_out,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.base).await, 5 * ONE_BASE);
    assert_eq!(harness.balance(&trader.quote).await, expected.amount_out);
    // Around 150 USDC each, less spread and fee.
    assert!(
        expected.amount_out > 745 * ONE_QUOTE && expected.amount_out < 750 * ONE_QUOTE,
        "{}",
        expected.amount_out
    );
    let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
    assert_eq!(harness.balance(&base_vault).await, 1_005 * ONE_BASE);
    assert_eq!(
        harness.balance(&quote_vault).await,
        150_000 * ONE_QUOTE - expected.amount_out
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.protocol_fees_base, expected.fee.protocol);
    assert!(expected.fee.total > 0);
}

#[tokio::test]
async fn buying_base_pays_exactly_the_quoted_amount() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(0, 2_000 * ONE_QUOTE).await;
    let update = oracle_now(&harness);
    let expected = harness
        .expected_swap(
            &pool,
            &update,
            Direction::QuoteToBase,
            Exact::In(1_500 * ONE_QUOTE),
        )
        .await
        .unwrap();
    harness
        .swap(&pool, &trader, BUY, Exact::In(1_500 * ONE_QUOTE))
        .await
        .unwrap();
    assert_eq!(harness.balance(&trader.quote).await, 500 * ONE_QUOTE);
    assert_eq!(harness.balance(&trader.base).await, expected.amount_out);
    assert!(expected.amount_out < 10 * ONE_BASE && expected.amount_out > 9_900_000_000);
    assert_eq!(
        harness.pool_state(&pool).await.protocol_fees_quote,
        expected.fee.protocol
    );
}

#[tokio::test]
async fn quotes_move_against_the_pools_inventory() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(100 * ONE_BASE, 0).await;
    let mut received = Vec::new();
    for _ in 0..3 {
        let before = harness.balance(&trader.quote).await;
        harness
            .swap(&pool, &trader, SELL, Exact::In(10 * ONE_BASE))
            .await
            .unwrap();
        received.push(harness.balance(&trader.quote).await - before);
    }
    // Each 10 SOL sale lands on a pool already longer in SOL: the bid keeps falling.
    assert!(
        received[0] > received[1] && received[1] > received[2],
        "{received:?}"
    );
}

#[tokio::test]
async fn slippage_limit_is_enforced() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let update = oracle_now(&harness);
    let expected = harness
        .expected_swap(&pool, &update, Direction::BaseToQuote, Exact::In(ONE_BASE))
        .await
        .unwrap();
    let result = harness
        .swap_exact_in(
            &pool,
            &trader,
            SwapIn {
                direction: SELL,
                amount_in: ONE_BASE,
                min_amount_out: expected.amount_out + 1,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::SlippageExceeded);
    assert_eq!(
        harness.balance(&trader.base).await,
        10 * ONE_BASE,
        "nothing moved"
    );
}

#[tokio::test]
async fn limits_are_enforced() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let whale = harness.new_user(500 * ONE_BASE, 0).await;
    // 60 SOL > 50 SOL max trade size.
    assert_program_error(
        harness
            .swap(&pool, &whale, SELL, Exact::In(60 * ONE_BASE))
            .await,
        HomeostatError::TradeTooLarge,
    );
    // Each 45 SOL sale raises the inventory by about 45 SOL: the cap of 100 SOL binds.
    let mut capped = false;
    for _ in 0..6 {
        let result = harness
            .swap(&pool, &whale, SELL, Exact::In(45 * ONE_BASE))
            .await;
        if result.is_err() {
            assert_program_error(result, HomeostatError::InventoryCapExceeded);
            capped = true;
            break;
        }
    }
    assert!(capped, "the inventory cap must bind");
    assert_program_error(
        harness
            .swap_exact_in(
                &pool,
                &whale,
                SwapIn {
                    direction: SELL,
                    amount_in: 0,
                    min_amount_out: 0,
                },
            )
            .await,
        HomeostatError::ZeroAmount,
    );
    // A direction no `Direction` names: the SDK's instruction with its direction byte (the
    // first after the 8-byte discriminator) corrupted.
    let mut invalid = homeostat_sdk::instructions::swap_exact_in(
        &pool,
        harness.oracles(),
        &whale.accounts(&pool),
        SwapIn {
            direction: SELL,
            amount_in: ONE_BASE,
            min_amount_out: 0,
        },
    );
    invalid.data[8] = 7;
    assert_program_error(
        harness.send(&[invalid], &[&whale.keypair]).await,
        HomeostatError::InvalidParameter,
    );
}

#[tokio::test]
async fn paying_more_than_the_account_holds_is_a_named_error() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(ONE_BASE, 0).await;
    assert_program_error(
        harness
            .swap(&pool, &trader, SELL, Exact::In(2 * ONE_BASE))
            .await,
        HomeostatError::InsufficientFunds,
    );
    assert_program_error(
        harness
            .swap(&pool, &trader, BUY, Exact::In(ONE_QUOTE))
            .await,
        HomeostatError::InsufficientFunds,
    );
    assert_eq!(harness.balance(&trader.base).await, ONE_BASE);
}

#[tokio::test]
async fn an_overflow_sized_amount_fails_cleanly() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(0, 1_000 * ONE_QUOTE).await;
    let result = harness
        .swap_exact_in(
            &pool,
            &trader,
            SwapIn {
                direction: BUY,
                amount_in: u64::MAX,
                min_amount_out: 0,
            },
        )
        .await;
    assert!(
        custom_error(&result).is_some(),
        "a program error, not a panic: {result:?}"
    );
}

#[tokio::test]
async fn paused_pools_do_not_swap() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(ONE_BASE, 0).await;
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    assert_program_error(
        harness.swap_exact_in(&pool, &trader, SELL_ONE_SOL).await,
        HomeostatError::PoolPaused,
    );
    harness.set_paused(&pool, &admin, false).await.unwrap();
    harness
        .swap_exact_in(&pool, &trader, SELL_ONE_SOL)
        .await
        .unwrap();
}

/// Prints a swap must refuse, `used` the publish time of the print the pool last used and
/// `now` the clock (21 s later): what is wrong, the print, the error.
fn bad_prints(used: i64, now: i64) -> [(&'static str, PriceUpdate, HomeostatError); 10] {
    let print = |price: f64, conf: f64, publish_time: i64| {
        price_update(pyth_price(price), pyth_price(conf), publish_time)
    };
    let fresh = |edit: fn(&mut PriceUpdate)| {
        let mut update = print(150.0, 0.05, now);
        edit(&mut update);
        update
    };
    [
        (
            "stale: the pool's print, 21 s later, with a 20 s limit",
            print(150.0, 0.05, used),
            HomeostatError::StaleOracle,
        ),
        (
            "older than the print the pool has used",
            print(150.0, 0.05, used - 1),
            HomeostatError::OracleOlderThanLastUsed,
        ),
        (
            "from the future beyond the 10 s tolerance",
            print(150.0, 0.05, now + 11),
            HomeostatError::OracleFromFuture,
        ),
        (
            "6 % above Pyth's own EMA (5 % bound)",
            fresh(|update| update.ema_price = pyth_price(150.0 / 1.06)),
            HomeostatError::OracleDivergesFromEma,
        ),
        (
            "no EMA",
            fresh(|update| update.ema_price = 0),
            HomeostatError::OracleDivergesFromEma,
        ),
        (
            "confidence 2 % > 1 %",
            print(150.0, 3.0, now),
            HomeostatError::OracleConfidenceTooWide,
        ),
        (
            "a negative price",
            print(-150.0, 0.05, now),
            HomeostatError::NonPositiveOraclePrice,
        ),
        (
            "a zero price",
            print(0.0, 0.0, now),
            HomeostatError::NonPositiveOraclePrice,
        ),
        (
            "partially verified",
            fresh(|update| {
                update.verification_level = VerificationLevel::Partial { num_signatures: 13 }
            }),
            HomeostatError::OracleNotFullyVerified,
        ),
        (
            "another feed",
            fresh(|update| update.feed_id = [3; 32]),
            HomeostatError::WrongOracleFeed,
        ),
    ]
}

/// Accounts in the oracle's place that are not a receiver-owned price update, at `now`: a
/// well-formed one owned by another program, a receiver-owned one that is garbage, and the
/// legacy Pyth receiver's (the default config sets no sunset for it).
fn bad_oracle_accounts(now: i64) -> [(Account, HomeostatError); 3] {
    let forged = foreign_owned_oracle(price_update(pyth_price(300.0), pyth_price(0.05), now));
    let mut garbage = oracle_account(&price_update(pyth_price(150.0), pyth_price(0.05), now));
    garbage.data[0] ^= 0xff;
    let mut legacy = oracle_account(&price_update(pyth_price(150.0), pyth_price(0.05), now));
    legacy.owner = homeostat::oracle::LEGACY_PYTH_RECEIVER_PROGRAM_ID;
    [
        (forged, HomeostatError::WrongOracleOwner),
        (garbage, HomeostatError::InvalidOracleAccount),
        (legacy, HomeostatError::LegacyReceiverRetired),
    ]
}

#[tokio::test]
async fn bad_oracles_fail_closed() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(ONE_BASE, 0).await;
    let used = harness.now;
    harness.set_time(used + 21);
    let now = harness.now;
    for (what, update, expected) in bad_prints(used, now) {
        harness.set_oracle(&update);
        let result = harness.swap_exact_in(&pool, &trader, SELL_ONE_SOL).await;
        assert_eq!(
            custom_error(&result),
            Some(u32::from(expected)),
            "{what}: expected {expected:?}, got {result:?}"
        );
    }

    harness.set_price(pyth_price(150.0), pyth_price(0.05));
    for (account, expected) in bad_oracle_accounts(now) {
        let fake = anchor_lang::prelude::Pubkey::new_unique();
        harness.context.set_account(&fake, &account.into());
        let mut accounts = harness.swap_accounts(&pool, &trader);
        accounts.oracle = fake;
        let result = harness
            .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
            .await;
        assert_program_error(result, expected);
    }

    // With a good oracle again, the same swap goes through.
    harness
        .swap_exact_in(&pool, &trader, SELL_ONE_SOL)
        .await
        .unwrap();
}

fn foreign_owned_oracle(update: PriceUpdate) -> Account {
    let mut account = oracle_account(&update);
    account.owner = anchor_lang::prelude::Pubkey::new_unique();
    account
}

#[tokio::test]
async fn substituted_accounts_are_rejected() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(ONE_BASE, 0).await;
    // A vault that is not the pool's.
    let quote_mint = harness.quote_mint;
    let rogue_vault = harness
        .create_token_account(&quote_mint, &trader.keypair.pubkey())
        .await;
    let mut accounts = harness.swap_accounts(&pool, &trader);
    accounts.quote_vault = rogue_vault;
    assert_anchor_error(
        harness
            .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
            .await,
        anchor_lang::error::ErrorCode::ConstraintHasOne,
    );
    // A different mint in the base slot.
    let other_mint = harness.create_mint(TOKEN, 9, &[]).await;
    let mut accounts = harness.swap_accounts(&pool, &trader);
    accounts.base_mint = other_mint;
    assert_anchor_error(
        harness
            .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
            .await,
        anchor_lang::error::ErrorCode::ConstraintHasOne,
    );
    // The other token program for the base mint: the mint is not its account.
    let mut accounts = harness.swap_accounts(&pool, &trader);
    accounts.base_token_program = TOKEN_2022;
    assert_anchor_error(
        harness
            .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
            .await,
        anchor_lang::error::ErrorCode::ConstraintOwner,
    );
    // A quote-mint account of the trader's in the base slot: not the base mint's.
    let quote_account = harness
        .create_token_account(&quote_mint, &trader.keypair.pubkey())
        .await;
    let mut accounts = harness.swap_accounts(&pool, &trader);
    accounts.trader_base = quote_account;
    assert_anchor_error(
        harness
            .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
            .await,
        anchor_lang::error::ErrorCode::ConstraintTokenMint,
    );
    // Not a token account (the LP mint, owned by SPL Token), and a Token-2022 account (of
    // another mint) where the base mint's token program is SPL Token: refused before any
    // transfer, named as Anchor's constraints name them.
    let token_2022_mint = harness.create_mint(TOKEN_2022, 9, &[]).await;
    let token_2022_account = harness
        .create_token_account(&token_2022_mint, &trader.keypair.pubkey())
        .await;
    for (account, expected) in [
        (
            pool.lp_mint,
            anchor_lang::error::ErrorCode::AccountDidNotDeserialize,
        ),
        (
            token_2022_account,
            anchor_lang::error::ErrorCode::ConstraintTokenTokenProgram,
        ),
    ] {
        let mut accounts = harness.swap_accounts(&pool, &trader);
        accounts.trader_base = account;
        assert_anchor_error(
            harness
                .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
                .await,
            expected,
        );
    }
    // The same account as both the base and the quote side.
    let mut accounts = harness.swap_accounts(&pool, &trader);
    accounts.trader_quote = accounts.trader_base;
    assert!(harness
        .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
        .await
        .is_err());
    // Someone else's token account as the source: the token program refuses the signer.
    let victim = harness.new_user(ONE_BASE, 0).await;
    let mut accounts = harness.swap_accounts(&pool, &trader);
    accounts.trader_base = victim.base;
    assert!(harness
        .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
        .await
        .is_err());
    assert_eq!(harness.balance(&victim.base).await, ONE_BASE);
}

#[tokio::test]
async fn only_a_newer_oracle_price_moves_the_volatility_estimate() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let before = harness.pool_state(&pool).await.volatility_state();
    // Same print: many swaps leave the estimate alone.
    for _ in 0..3 {
        harness
            .swap(&pool, &trader, SELL, Exact::In(ONE_BASE / 10))
            .await
            .unwrap();
    }
    assert_eq!(harness.pool_state(&pool).await.volatility_state(), before);
    // A newer print 1% higher, but not the first of a grid cell: still no sample.
    harness.set_time(next_volatility_sample(harness.now) + 10);
    harness.set_price(pyth_price(151.5), pyth_price(0.05));
    harness
        .swap(&pool, &trader, SELL, Exact::In(ONE_BASE / 10))
        .await
        .unwrap();
    assert_eq!(harness.pool_state(&pool).await.volatility_state(), before);
    // The next cell's first print: the variance jumps toward its return squared.
    let later = next_volatility_sample(harness.now);
    harness.set_time(later);
    harness.set_price(pyth_price(151.5), pyth_price(0.05));
    harness
        .swap(&pool, &trader, SELL, Exact::In(ONE_BASE / 10))
        .await
        .unwrap();
    let after = harness.pool_state(&pool).await.volatility_state();
    assert_eq!(after.sample_time, later);
    assert!(
        after.variance > before.variance,
        "{:?} -> {:?}",
        before.variance,
        after.variance
    );
}

#[tokio::test]
async fn a_swap_transaction_fits_in_one_packet() {
    let (harness, pool, _) = Harness::with_liquidity().await;
    let trader = solana_keypair::Keypair::new();
    let user = User {
        keypair: trader,
        base: Pubkey::new_unique(),
        quote: Pubkey::new_unique(),
    };
    let ix = homeostat_sdk::instructions::swap_exact_in(
        &pool,
        harness.oracles(),
        &user.accounts(&pool),
        SwapIn {
            direction: SELL,
            amount_in: 1,
            min_amount_out: 1,
        },
    );
    // 14 metas: the optional quote oracle of a single-feed pool is the program id, a key
    // the message already holds, so it costs one index byte.
    assert_eq!(ix.accounts.len(), 14);
    assert_eq!(ix.data.len(), 8 + 1 + 8 + 8);
    let size = swap_transaction_size(&ix, &user.keypair);
    eprintln!(
        "swap transaction: {size} bytes, {} accounts, {} data bytes",
        ix.accounts.len(),
        ix.data.len()
    );
    assert!(size <= 1_232, "swap transaction is {size} bytes");
}

use anchor_lang::prelude::Pubkey;

#[tokio::test]
async fn a_vault_passed_as_the_users_own_account_is_refused() {
    // The review's finding: the pool's base vault in the trader's base slot passed every
    // constraint; the swap executed, the trader paid and received nothing.
    let (mut harness, pool, admin) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 1_500 * ONE_QUOTE).await;
    for (base, quote) in [
        (pool.base_vault, trader.quote),
        (trader.base, pool.quote_vault),
    ] {
        let mut accounts = harness.swap_accounts(&pool, &trader);
        (accounts.trader_base, accounts.trader_quote) = (base, quote);
        assert_program_error(
            harness
                .swap_exact_in_with(&pool, &trader, accounts, SELL_ONE_SOL)
                .await,
            HomeostatError::AccountAliased,
        );
    }
    // And in a deposit and a withdrawal (an LP's own account is never a vault).
    let mut deposit =
        homeostat_sdk::instructions::deposit(&pool, &admin.accounts(&pool), sol_at_150(1));
    let owner_base = deposit
        .accounts
        .iter()
        .position(|meta| meta.pubkey == admin.base)
        .expect("owner_base");
    deposit.accounts[owner_base].pubkey = pool.base_vault;
    let result = harness.send(&[deposit], &[&admin.keypair]).await;
    assert_program_error(result, HomeostatError::AccountAliased);
}
