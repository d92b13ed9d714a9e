use homeostat::errors::HomeostatError;
use homeostat::instructions::WithdrawArgs;
use homeostat::math::lp::LOCKED_SHARES;
use homeostat_localnet::{
    assert_program_error, burn, operator_params, price_update, sol_at_150, Exact, Harness, BUY,
    ONE_BASE, ONE_QUOTE, SELL,
};
use homeostat_math::Direction;

#[tokio::test]
async fn withdrawal_is_pro_rata_in_both_tokens() {
    let (mut harness, pool, lp) = Harness::with_liquidity().await;
    let shares = harness.balance(&lp.lp(&pool)).await;
    let total = shares + LOCKED_SHARES;
    let half = shares / 2;
    harness
        .withdraw(
            &pool,
            &lp,
            WithdrawArgs {
                shares: half,
                min_base: 1,
                min_quote: 1,
            },
        )
        .await
        .unwrap();
    let expected_base =
        (u128::from(half) * u128::from(1_000 * ONE_BASE) / u128::from(total)) as u64;
    let expected_quote =
        (u128::from(half) * u128::from(150_000 * ONE_QUOTE) / u128::from(total)) as u64;
    assert_eq!(harness.balance(&lp.base).await, expected_base);
    assert_eq!(harness.balance(&lp.quote).await, expected_quote);
    assert_eq!(harness.balance(&lp.lp(&pool)).await, shares - half);
    let lp_mint = pool.lp_mint;
    assert_eq!(harness.supply(&lp_mint).await, shares - half);
}

#[tokio::test]
async fn withdrawal_works_paused_and_without_a_valid_oracle() {
    let (mut harness, pool, lp) = Harness::with_liquidity().await;
    let admin = harness.admin.insecure_clone();
    harness.set_paused(&pool, &admin, true).await.unwrap();
    let now = harness.now;
    harness.set_oracle(&price_update(-1, 0, now - 100_000)); // stale and negative
    let shares = harness.balance(&lp.lp(&pool)).await;
    harness
        .withdraw(
            &pool,
            &lp,
            WithdrawArgs {
                shares,
                min_base: 1,
                min_quote: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(harness.balance(&lp.lp(&pool)).await, 0);
    assert!(harness.balance(&lp.base).await > 999 * ONE_BASE);
}

#[tokio::test]
async fn withdraw_guards() {
    let (mut harness, pool, lp) = Harness::with_liquidity().await;
    let shares = harness.balance(&lp.lp(&pool)).await;
    let refused = [
        (burn(0), HomeostatError::ZeroAmount),
        (burn(shares + 1), HomeostatError::InsufficientLiquidity),
        (
            WithdrawArgs {
                min_base: u64::MAX,
                ..burn(shares / 10)
            },
            HomeostatError::SlippageExceeded,
        ),
        (
            WithdrawArgs {
                min_quote: u64::MAX,
                ..burn(shares / 10)
            },
            HomeostatError::SlippageExceeded,
        ),
    ];
    for (args, expected) in refused {
        assert_program_error(harness.withdraw(&pool, &lp, args).await, expected);
    }
    // More shares than the account holds (a second LP holds the rest): named, not the
    // token program's bare code.
    let other = harness.new_user(10 * ONE_BASE, 1_500 * ONE_QUOTE).await;
    harness
        .deposit(&pool, &other, sol_at_150(10))
        .await
        .unwrap();
    assert_program_error(
        harness.withdraw(&pool, &lp, burn(shares + 1)).await,
        HomeostatError::InsufficientFunds,
    );
    // Another user's LP account cannot be burned by this signer.
    let thief = harness.new_user(0, 0).await;
    let mut stolen = thief.accounts(&pool);
    stolen.lp = lp.lp(&pool);
    let withdraw = homeostat_sdk::instructions::withdraw(&pool, &stolen, burn(shares / 10));
    assert!(harness.send(&[withdraw], &[&thief.keypair]).await.is_err());
    assert_eq!(harness.balance(&lp.lp(&pool)).await, shares);
}

#[tokio::test]
async fn lp_share_value_does_not_decrease_through_swaps_at_a_fixed_price() {
    let (mut harness, pool, lp) = Harness::with_liquidity().await;
    let shares = harness.balance(&lp.lp(&pool)).await + LOCKED_SHARES;
    let (base_vault, quote_vault) = (pool.base_vault, pool.quote_vault);
    let value_per_share = |base: u64, quote: u64, fees: (u64, u64)| {
        Harness::value_at_150(base - fees.0, quote - fees.1) * 1_000_000_000 / u128::from(shares)
    };
    let start = value_per_share(
        harness.balance(&base_vault).await,
        harness.balance(&quote_vault).await,
        (0, 0),
    );
    let trader = harness.new_user(200 * ONE_BASE, 40_000 * ONE_QUOTE).await;
    let script: [(Direction, Exact); 8] = [
        (SELL, Exact::In(30 * ONE_BASE)),
        (BUY, Exact::In(2_000 * ONE_QUOTE)),
        (BUY, Exact::Out(25 * ONE_BASE)),
        (SELL, Exact::Out(700 * ONE_QUOTE)),
        (SELL, Exact::In(ONE_BASE / 3)),
        (BUY, Exact::In(5_999 * ONE_QUOTE)),
        (SELL, Exact::In(40 * ONE_BASE)),
        (BUY, Exact::Out(17 * ONE_BASE)),
    ];
    let mut previous = start;
    for (direction, size) in script {
        let result = harness.swap(&pool, &trader, direction, size).await;
        result.unwrap();
        let state = harness.pool_state(&pool).await;
        let base = harness.balance(&base_vault).await;
        let quote = harness.balance(&quote_vault).await;
        // Vaults hold exactly the LPs' reserves plus the protocol fees owed.
        assert!(base >= state.protocol_fees_base && quote >= state.protocol_fees_quote);
        let value = value_per_share(
            base,
            quote,
            (state.protocol_fees_base, state.protocol_fees_quote),
        );
        assert!(value >= previous, "share value fell: {previous} -> {value}");
        previous = value;
    }
    assert!(previous > start, "spread and fees accrue to LPs");
}

#[tokio::test]
async fn an_operator_pools_shares_are_of_no_use_to_anyone_but_its_admin() {
    // The review's finding: a stranger who received an operator pool's shares withdrew
    // from a pool whose quotes credit a hedge the stranger does not own.
    let (mut harness, pool, _) = Harness::skewed_pool_with(operator_params()).await;
    // The admin's LP account holds the seed's shares (token accounts of its own besides).
    let admin = harness.admin_user(0, 0).await;
    let stranger = harness.new_user(0, 0).await;
    let open = harness.open_lp_account(&pool, &stranger);
    harness.send(&[open], &[]).await.unwrap();
    let lp_mint = pool.lp_mint;
    let (from, to) = (admin.lp(&pool), stranger.lp(&pool));
    harness
        .transfer(&lp_mint, &from, &to, &admin.keypair, 1_000_000)
        .await;
    assert_eq!(harness.balance(&to).await, 1_000_000);
    assert_program_error(
        harness.withdraw(&pool, &stranger, burn(1_000_000)).await,
        HomeostatError::WithdrawalsRestricted,
    );
    assert_eq!(harness.balance(&stranger.base).await, 0);
    // The admin withdraws as before; a public pool's LPs withdraw whoever they are.
    harness
        .withdraw(&pool, &admin, burn(1_000_000))
        .await
        .unwrap();
    let (mut public, public_pool, _) = Harness::skewed_pool().await;
    let lp = public.new_user(ONE_BASE, 150 * ONE_QUOTE).await;
    public
        .deposit(&public_pool, &lp, sol_at_150(1))
        .await
        .unwrap();
    let shares = public.balance(&lp.lp(&public_pool)).await;
    public
        .withdraw(&public_pool, &lp, burn(shares))
        .await
        .unwrap();
}
