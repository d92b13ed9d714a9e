use anchor_lang::prelude::Pubkey;
use homeostat::errors::HomeostatError;
use homeostat::instructions::{DepositArgs, WithdrawArgs};
use homeostat::math::lp::LOCKED_SHARES;
use homeostat::math::{BaseAtoms, QuoteAtoms, Reserves};
use homeostat_localnet::{
    assert_program_error, burn, default_params, operator_params, sol_at_150, Exact, Harness,
    SwapIn, User, ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_sdk::pda::PoolAddresses;
use solana_signer::Signer;

#[tokio::test]
async fn first_deposit_sets_the_ratio_and_locks_shares() {
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let lp = harness.admin_user(10 * ONE_BASE, 1_500 * ONE_QUOTE).await;
    harness.deposit(&pool, &lp, sol_at_150(10)).await.unwrap();
    // Tokens really moved: read from the token accounts themselves.
    assert_eq!(harness.balance(&lp.base).await, 0);
    assert_eq!(harness.balance(&lp.quote).await, 0);
    let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
    assert_eq!(harness.balance(&base_vault).await, 10 * ONE_BASE);
    assert_eq!(harness.balance(&quote_vault).await, 1_500 * ONE_QUOTE);
    // √(1e10 · 1.5e9) = 3 872 983 346, minus the locked shares.
    let expected = 3_872_983_346 - LOCKED_SHARES;
    assert_eq!(harness.balance(&lp.lp(&pool)).await, expected);
    let lp_mint = pool.lp_mint;
    assert_eq!(harness.supply(&lp_mint).await, expected);
    assert_eq!(harness.pool_state(&pool).await.shares_locked, 1);
}

#[tokio::test]
async fn later_deposits_follow_the_pool_ratio_within_the_maxima() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let lp_mint = pool.lp_mint;
    let supply = harness.supply(&lp_mint).await + LOCKED_SHARES;
    let second = harness.new_user(100 * ONE_BASE, 100_000 * ONE_QUOTE).await;
    // Offers 10 SOL and plenty of USDC: the pool takes 10 SOL and 1 500 USDC.
    harness
        .deposit(
            &pool,
            &second,
            DepositArgs {
                max_base: 10 * ONE_BASE,
                max_quote: 100_000 * ONE_QUOTE,
                min_shares: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&second.base).await, 90 * ONE_BASE);
    assert_eq!(
        harness.balance(&second.quote).await,
        100_000 * ONE_QUOTE - 1_500 * ONE_QUOTE
    );
    // shares = ⌊10e9 · S / 1000e9⌋ = S / 100
    assert_eq!(harness.balance(&second.lp(&pool)).await, supply / 100);
}

#[tokio::test]
async fn deposit_guards() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let user = harness.new_user(10 * ONE_BASE, 10_000 * ONE_QUOTE).await;
    // Slippage: asks for more shares than the maxima buy.
    let result = harness
        .deposit(
            &pool,
            &user,
            DepositArgs {
                max_base: ONE_BASE,
                max_quote: 150 * ONE_QUOTE,
                min_shares: u64::MAX,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::SlippageExceeded);
    // Zero amounts.
    let result = harness
        .deposit(
            &pool,
            &user,
            DepositArgs {
                max_base: 0,
                max_quote: 0,
                min_shares: 0,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::ZeroAmount);
    // Dust that mints no shares.
    let result = harness
        .deposit(
            &pool,
            &user,
            DepositArgs {
                max_base: 1,
                max_quote: 1,
                min_shares: 0,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::ZeroShares);
    // More than the user holds: the token program refuses, nothing moves.
    let result = harness.deposit(&pool, &user, sol_at_150(20)).await;
    assert!(result.is_err());
    assert_eq!(harness.balance(&user.base).await, 10 * ONE_BASE);
    // Paused.
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    let result = harness.deposit(&pool, &user, sol_at_150(1)).await;
    assert_program_error(result, HomeostatError::PoolPaused);
}

#[tokio::test]
async fn first_deposit_below_the_locked_shares_fails() {
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let user = harness.admin_user(1_000, 1_000).await;
    let result = harness
        .deposit(
            &pool,
            &user,
            DepositArgs {
                max_base: 1_000,
                max_quote: 1_000,
                min_shares: 0,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::ZeroShares);
}

#[tokio::test]
async fn a_donation_attack_on_share_price_does_not_pay() {
    // Classic share-inflation attack: the attacker makes the first (tiny) deposit, then
    // donates to the vaults so the next depositor's shares round down to little or nothing.
    // Only the pool's admin makes a first deposit (`a_stranger_cannot_seed_a_pool`): here
    // the admin is the attacker, and the locked shares still make it a loss.
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let attacker = harness.admin_user(10 * ONE_BASE, 10_000 * ONE_QUOTE).await;
    let start_value = Harness::value_at_150(10 * ONE_BASE, 10_000 * ONE_QUOTE);
    harness
        .deposit(
            &pool,
            &attacker,
            DepositArgs {
                max_base: 2_000,
                max_quote: 2_000,
                min_shares: 0,
            },
        )
        .await
        .unwrap(); // √(4e6) = 2000 → 1000 shares
    assert_eq!(
        harness.balance(&attacker.lp(&pool)).await,
        2_000 - LOCKED_SHARES
    );
    let (base_mint, quote_mint) = (harness.base_mint, harness.quote_mint);
    let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
    harness
        .transfer(
            &base_mint,
            &attacker.base,
            &base_vault,
            &attacker.keypair,
            5 * ONE_BASE,
        )
        .await;
    harness
        .transfer(
            &quote_mint,
            &attacker.quote,
            &quote_vault,
            &attacker.keypair,
            750 * ONE_QUOTE,
        )
        .await;

    // The victim's 1 SOL + 150 USDC still buys a fair share: ⌊1e9·2000/(5e9+2000)⌋ = 399
    // of the 2 399 — the coarse share price costs them at most one share (0.25%).
    let victim = harness.new_user(ONE_BASE, 150 * ONE_QUOTE).await;
    harness
        .deposit(&pool, &victim, sol_at_150(1))
        .await
        .unwrap();
    assert_eq!(harness.balance(&victim.lp(&pool)).await, 399);

    // The attacker leaves: the locked shares keep their part of the donation.
    let shares = harness.balance(&attacker.lp(&pool)).await;
    harness
        .withdraw(&pool, &attacker, burn(shares))
        .await
        .unwrap();
    let end_value = Harness::value_at_150(
        harness.balance(&attacker.base).await,
        harness.balance(&attacker.quote).await,
    );
    assert!(
        end_value < start_value,
        "attack paid: {start_value} -> {end_value}"
    );
    // ... and the victim takes out at least 99.5% of what they put in.
    harness
        .withdraw(
            &pool,
            &victim,
            WithdrawArgs {
                shares: 399,
                min_base: ONE_BASE / 1000 * 995,
                min_quote: 150 * ONE_QUOTE / 1000 * 995,
            },
        )
        .await
        .unwrap();
}

/// A pool pushed long by a 40 SOL sale, and the victim's quote for selling 10 SOL more.
async fn long_pool() -> (Harness, PoolAddresses, User, u64) {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let pusher = harness.new_user(40 * ONE_BASE, 0).await;
    harness
        .swap(&pool, &pusher, SELL, Exact::In(40 * ONE_BASE))
        .await
        .unwrap();
    let victim = harness.new_user(10 * ONE_BASE, 0).await;
    let quote = victims_sale(&mut harness, &pool).await;
    (harness, pool, victim, quote)
}

/// What the victim's 10 SOL sale pays now (quote atoms), quoted by the SDK.
async fn victims_sale(harness: &mut Harness, pool: &PoolAddresses) -> u64 {
    let update = harness.oracle_update().await;
    harness
        .expected_swap(pool, &update, SELL, Exact::In(10 * ONE_BASE))
        .await
        .unwrap()
        .amount_out
}

#[tokio::test]
async fn a_just_in_time_deposit_neither_moves_the_victims_price_nor_pays() {
    // Sandwich: triple the pool just before the victim's sale, withdraw right after.
    let (mut harness, pool, victim, alone) = long_pool().await;
    let (base, quote) = (
        harness.balance(&pool.base_vault).await,
        harness.balance(&pool.quote_vault).await,
    );
    let jit = harness
        .new_user(2 * base + ONE_BASE, 2 * quote + ONE_QUOTE)
        .await;
    let jit_start = Harness::value_at_150(
        harness.balance(&jit.base).await,
        harness.balance(&jit.quote).await,
    );
    harness
        .deposit(
            &pool,
            &jit,
            DepositArgs {
                max_base: 2 * base,
                max_quote: 2 * quote,
                min_shares: 1,
            },
        )
        .await
        .unwrap();
    let with_jit = victims_sale(&mut harness, &pool).await;
    // The victim's price does not get worse: skew·q is unchanged by the pro-rata deposit
    // (only the trade's own size term shrinks with the deeper pool, in the victim's favour).
    assert!(
        with_jit + 1 >= alone,
        "{} with the deposit vs {alone} without",
        with_jit
    );
    harness
        .swap_exact_in(
            &pool,
            &victim,
            SwapIn {
                direction: SELL,
                amount_in: 10 * ONE_BASE,
                min_amount_out: with_jit,
            },
        )
        .await
        .unwrap();
    let shares = harness.balance(&jit.lp(&pool)).await;
    let total = harness.supply(&pool.lp_mint).await + LOCKED_SHARES;
    harness.withdraw(&pool, &jit, burn(shares)).await.unwrap();
    let jit_end = Harness::value_at_150(
        harness.balance(&jit.base).await,
        harness.balance(&jit.quote).await,
    );
    // What the victim paid the pool beyond the mid (spread and fee), valued at 150.
    let victim_cost = Harness::value_at_150(10 * ONE_BASE, 0) - u128::from(with_jit);
    let share = shares as f64 / total as f64;
    let gain = jit_end as f64 - jit_start as f64;
    // The depositor earns at most its pro-rata part of that, as any LP would: nothing
    // extracted from the victim beyond the pool's own spread and fee.
    assert!(
        gain <= share * victim_cost as f64 + 2.0,
        "gain {gain} vs share {share} of {victim_cost}"
    );
}

#[tokio::test]
async fn a_large_deposit_does_not_push_the_inventory_past_the_cap() {
    // A pool at ~90 % of its cap (two 45 SOL sales): a deposit ten times its size scales
    // the inventory with it, and scales the cap along, so a trade that fitted still fits.
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let pusher = harness.new_user(200 * ONE_BASE, 0).await;
    for _ in 0..2 {
        harness
            .swap(&pool, &pusher, SELL, Exact::In(45 * ONE_BASE))
            .await
            .unwrap();
    }
    let update = harness.oracle_update().await;
    let before = harness
        .expected_swap(
            &pool,
            &update,
            homeostat_math::Direction::BaseToQuote,
            Exact::In(ONE_BASE),
        )
        .await;
    assert!(before.is_ok(), "{before:?}");
    let (base, quote) = (
        harness.balance(&pool.base_vault).await,
        harness.balance(&pool.quote_vault).await,
    );
    let whale = harness.new_user(10 * base, 10 * quote).await;
    harness
        .deposit(
            &pool,
            &whale,
            DepositArgs {
                max_base: 10 * base,
                max_quote: 10 * quote,
                min_shares: 1,
            },
        )
        .await
        .unwrap();
    let trader = harness.new_user(ONE_BASE, 0).await;
    harness
        .swap(&pool, &trader, SELL, Exact::In(ONE_BASE))
        .await
        .expect("the sale that fitted before still fits");
}

#[tokio::test]
async fn a_stranger_cannot_seed_a_pool_or_reset_its_depth() {
    // The review's attack: between `initialize_pool` and the operator's seed, a stranger's
    // 1 001 + 1 001 atoms would have fixed the pool's reference depth for good.
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let stranger = harness
        .new_user(200_000 * ONE_BASE, 30_000_000 * ONE_QUOTE)
        .await;
    let result = harness
        .deposit(
            &pool,
            &stranger,
            DepositArgs {
                max_base: 1_001,
                max_quote: 1_001,
                min_shares: 0,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::FirstDepositByAdmin);
    harness
        .admin_deposit(&pool, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
        .await
        .unwrap();
    let seeded = harness.pool_state(&pool).await;
    // The flash version: deposit 100× the pool and withdraw, in one transaction or two.
    harness
        .deposit(&pool, &stranger, sol_at_150(100_000))
        .await
        .unwrap();
    let shares = harness.balance(&stranger.lp(&pool)).await;
    harness
        .withdraw(&pool, &stranger, burn(shares))
        .await
        .unwrap();
    let after = harness.pool_state(&pool).await;
    assert_eq!(after.reference_shares, seeded.reference_shares);
    assert_eq!(
        (after.target_base, after.target_shares),
        (seeded.target_base, seeded.target_shares)
    );
    // The skew and the cap are the operator's: a 25 SOL sale is priced as on the seeded
    // pool, and the cap still binds at 100 SOL.
    let trader = harness.new_user(200 * ONE_BASE, 0).await;
    for _ in 0..4 {
        harness
            .swap(&pool, &trader, SELL, Exact::In(25 * ONE_BASE))
            .await
            .unwrap();
    }
    let result = harness
        .swap(&pool, &trader, SELL, Exact::In(25 * ONE_BASE))
        .await;
    assert_program_error(result, HomeostatError::InventoryCapExceeded);
}

#[tokio::test]
async fn an_emptied_pool_trades_and_takes_deposits_only_after_its_admin_reseeds_it() {
    // The review's attack: a 38-atom sale into an emptied pool set the next LP's inventory
    // (89.9 SOL long of a 1 000 SOL pool).
    let (mut harness, pool, admin) = Harness::with_liquidity().await;
    let shares = harness.balance(&admin.lp(&pool)).await;
    harness.withdraw(&pool, &admin, burn(shares)).await.unwrap();
    assert_eq!(harness.pool_state(&pool).await.total_shares, LOCKED_SHARES);
    let stranger = harness
        .new_user(1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
        .await;
    let result = harness
        .swap_exact_in(
            &pool,
            &stranger,
            SwapIn {
                direction: SELL,
                amount_in: 38,
                min_amount_out: 0,
            },
        )
        .await;
    assert_program_error(result, HomeostatError::PoolEmpty);
    let result = harness.deposit(&pool, &stranger, sol_at_150(1_000)).await;
    assert_program_error(result, HomeostatError::FirstDepositByAdmin);
    // The admin reseeds at the composition the last LP left: no inventory.
    harness
        .admin_deposit(&pool, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
        .await
        .unwrap();
    let update = harness.oracle_update().await;
    let snapshot = harness.snapshot(&pool, &update).await;
    assert!(snapshot.gross_position().unwrap().unsigned_abs() < u128::from(ONE_BASE) / 1_000);
    harness
        .swap(&pool, &stranger, SELL, Exact::In(ONE_BASE))
        .await
        .unwrap();
    harness
        .deposit(&pool, &stranger, sol_at_150(10))
        .await
        .unwrap();
}

/// The SDK's deposit and withdrawal quotes for `owner` on `pool` as it is now.
async fn quote(
    harness: &mut Harness,
    pool: &PoolAddresses,
    owner: Pubkey,
) -> (
    Result<(), homeostat_sdk::SdkError>,
    Result<(), homeostat_sdk::SdkError>,
) {
    let state = harness.pool_state(pool).await;
    let reserves = state
        .lp_reserves(Reserves {
            base: BaseAtoms::new(harness.balance(&pool.base_vault).await),
            quote: QuoteAtoms::new(harness.balance(&pool.quote_vault).await),
        })
        .unwrap();
    let supply = harness.supply(&pool.lp_mint).await;
    let deposit = homeostat_sdk::quote::deposit_quote(
        &state,
        &owner,
        reserves,
        supply,
        (
            BaseAtoms::new(10 * ONE_BASE),
            QuoteAtoms::new(1_500 * ONE_QUOTE),
        ),
    );
    let withdraw = homeostat_sdk::quote::withdraw_quote(&state, &owner, reserves, supply, 1_000);
    (deposit.map(drop), withdraw.map(drop))
}

#[tokio::test]
async fn deposit_and_withdraw_quotes_refuse_what_the_program_refuses() {
    // The SDK's quotes run the program's own checks (`Pool::prepare_deposit`,
    // `Pool::prepare_withdraw`): what the program refuses, the quote refuses by the same
    // name — it no longer quotes a deposit into a paused pool or a stranger's first one.
    let named = |result: Result<(), homeostat_sdk::SdkError>| match result {
        Err(homeostat_sdk::SdkError::Program { code, .. }) => Some(code),
        _ => None,
    };
    let code = |error: HomeostatError| Some(u32::from(error));
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let stranger = harness.new_user(10 * ONE_BASE, 1_500 * ONE_QUOTE).await;
    let admin = harness.admin.pubkey();
    let (deposit, _) = quote(&mut harness, &pool, stranger.keypair.pubkey()).await;
    assert_eq!(named(deposit), code(HomeostatError::FirstDepositByAdmin));
    assert_program_error(
        harness.deposit(&pool, &stranger, sol_at_150(10)).await,
        HomeostatError::FirstDepositByAdmin,
    );
    let (deposit, _) = quote(&mut harness, &pool, admin).await;
    assert!(deposit.is_ok());
    harness
        .admin_deposit(&pool, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
        .await
        .unwrap();
    let admin_key = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin_key, true).await.unwrap();
    let (deposit, withdraw) = quote(&mut harness, &pool, stranger.keypair.pubkey()).await;
    assert_eq!(named(deposit), code(HomeostatError::PoolPaused));
    assert!(withdraw.is_ok(), "withdrawals work while paused");
    // An operator pool: a stranger's quotes are refused both ways.
    let (mut operator, operator_pool) = Harness::with_pool(operator_params()).await;
    operator
        .admin_deposit(&operator_pool, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE)
        .await
        .unwrap();
    let outsider = Pubkey::new_unique();
    let (deposit, withdraw) = quote(&mut operator, &operator_pool, outsider).await;
    assert_eq!(named(deposit), code(HomeostatError::DepositsRestricted));
    assert_eq!(named(withdraw), code(HomeostatError::WithdrawalsRestricted));
}
