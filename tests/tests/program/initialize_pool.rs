use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use homeostat::errors::HomeostatError;
use homeostat::{PoolParams, StoredFixed};
use homeostat_localnet::{
    assert_program_error, default_params, fixed, price_update, pyth_price, Harness, MintSetup,
    BASE_DECIMALS, FEED_ID, QUOTE_DECIMALS, START_TIME, TOKEN, TOKEN_2022,
};
use homeostat_math::Fixed;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn creates_the_pool_its_vaults_and_lp_mint() {
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.admin, harness.admin.pubkey());
    assert_eq!(state.keeper, harness.keeper.pubkey());
    assert_eq!(
        (state.base_mint, state.quote_mint),
        (harness.base_mint, harness.quote_mint)
    );
    assert_eq!(
        (state.base_vault, state.quote_vault),
        (pool.base_vault, pool.quote_vault)
    );
    assert_eq!(state.lp_mint, pool.lp_mint);
    assert_eq!(
        (state.base_decimals, state.quote_decimals),
        (BASE_DECIMALS, QUOTE_DECIMALS)
    );
    assert_eq!(state.params, default_params());
    assert_eq!(state.feed_id, FEED_ID);
    // The oracle seeded the volatility estimate: 150 USDC per SOL lot = 150e6 atoms.
    let state = state.volatility_state();
    assert_eq!(state.sample_price, Fixed::from_int(150_000_000));
    assert_eq!(state.sample_time, START_TIME);
    let base_vault = pool.base_vault;
    assert_eq!(harness.balance(&base_vault).await, 0);
    let lp_mint = pool.lp_mint;
    assert_eq!(harness.supply(&lp_mint).await, 0);
}

#[tokio::test]
async fn a_second_initialisation_fails() {
    let (mut harness, pool) = Harness::with_pool(default_params()).await;
    let second = harness.initialize_pool(&pool, default_params()).await;
    assert!(second.is_err(), "the pool PDA already exists: {second:?}");
    // Another index on the same pair is a different pool.
    let pool = harness.pool_at(1);
    harness
        .initialize_pool(&pool, default_params())
        .await
        .expect("second pool on the pair");
}

#[tokio::test]
async fn out_of_bounds_parameters_are_rejected() {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    let bad = [
        PoolParams {
            fee_bps: 1_001,
            ..default_params()
        },
        PoolParams {
            lot: 0,
            ..default_params()
        },
        PoolParams {
            model_kind: 7,
            ..default_params()
        },
        PoolParams {
            risk_aversion: StoredFixed::from_bits(0),
            ..default_params()
        },
        PoolParams {
            max_oracle_age: 0,
            ..default_params()
        },
        PoolParams {
            max_confidence_bps: 5_000,
            ..default_params()
        },
        PoolParams {
            variance_floor: fixed(1, 10),
            variance_ceiling: fixed(1, 100),
            ..default_params()
        },
        PoolParams {
            min_half_spread: StoredFixed::from_bits(-1),
            ..default_params()
        },
    ];
    for params in bad {
        let result = harness.initialize_pool(&pool, params).await;
        assert_program_error(result, HomeostatError::InvalidParameter);
    }
}

#[tokio::test]
async fn identical_mints_are_rejected() {
    let mut harness = Harness::start().await;
    harness.quote_mint = harness.base_mint;
    let pool = harness.pool_at(0);
    let result = harness.initialize_pool(&pool, default_params()).await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn token_2022_mints_are_accepted_but_transfer_fee_mints_are_not() {
    let mut harness = Harness::start_with(MintSetup {
        base_token_program: TOKEN_2022,
        quote_token_program: TOKEN,
    })
    .await;
    let pool = harness.pool_at(0);
    harness
        .initialize_pool(&pool, default_params())
        .await
        .expect("token-2022 base mint");

    let fee_mint = harness
        .create_mint(TOKEN_2022, 9, &[ExtensionType::TransferFeeConfig])
        .await;
    harness.base_mint = fee_mint;
    let pool = harness.pool_at(0);
    let result = harness.initialize_pool(&pool, default_params()).await;
    assert_program_error(result, HomeostatError::UnsupportedMintExtension);

    let hooked = harness
        .create_mint(TOKEN_2022, 9, &[ExtensionType::TransferHook])
        .await;
    harness.base_mint = hooked;
    let pool = harness.pool_at(0);
    let result = harness.initialize_pool(&pool, default_params()).await;
    assert_program_error(result, HomeostatError::UnsupportedMintExtension);

    // A mint that can be closed could be re-created at the same address with a permanent
    // delegate once its supply is zero: refused.
    let closable = harness
        .create_mint(TOKEN_2022, 9, &[ExtensionType::MintCloseAuthority])
        .await;
    harness.base_mint = closable;
    let pool = harness.pool_at(0);
    let result = harness.initialize_pool(&pool, default_params()).await;
    assert_program_error(result, HomeostatError::UnsupportedMintExtension);
    // The extension without an authority: nobody can close it, so it is harmless.
    let harmless = harness
        .create_mint_with(TOKEN_2022, 9, &[ExtensionType::MintCloseAuthority], None)
        .await;
    harness.base_mint = harmless;
    let pool = harness.pool_at(0);
    harness
        .initialize_pool(&pool, default_params())
        .await
        .expect("allow-listed extension");
}

#[tokio::test]
async fn the_oracle_is_checked_at_creation() {
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    let mut update = price_update(pyth_price(150.0), pyth_price(0.05), START_TIME);
    update.feed_id = [1; 32];
    harness.set_oracle(&update);
    let result = harness.initialize_pool(&pool, default_params()).await;
    assert_program_error(result, HomeostatError::WrongOracleFeed);
}

#[tokio::test]
async fn the_canonical_pool_address_cannot_be_squatted() {
    // The admin's config owns the namespace; a stranger cannot create a pool in it, not
    // even with hostile parameters on a free index.
    let mut harness = Harness::start().await;
    let pool = harness.pool_at(0);
    let stranger = Keypair::new();
    harness.airdrop(&stranger.pubkey(), 10_000_000_000).await;
    let mut ix = harness.initialize_pool_ix(
        &pool,
        PoolParams {
            fee_bps: 1_000,
            protocol_share_bps: 10_000,
            ..default_params()
        },
    );
    ix.accounts[0].pubkey = stranger.pubkey();
    assert_program_error(
        harness.send(&[ix], &[&stranger]).await,
        HomeostatError::Unauthorized,
    );
    assert!(
        !harness.account_exists(&pool.pool).await,
        "nothing was created"
    );
    // Under their own config — one that accepts the legacy Pyth receiver for a day — the
    // stranger's pool is another address ...
    let sunset = harness.now + 86_400;
    harness
        .send(
            &[homeostat_sdk::instructions::initialize_config_with(
                stranger.pubkey(),
                homeostat::instructions::InitializeConfigArgs {
                    change_delay: 0,
                    legacy_receiver_until: sunset,
                },
            )],
            &[&stranger],
        )
        .await
        .unwrap();
    let canonical = pool.pool;
    let squatted = harness.pool_under(homeostat_sdk::pda::config(&stranger.pubkey()), 0);
    let mut ix = harness.initialize_pool_ix(&squatted, default_params());
    ix.accounts[0].pubkey = stranger.pubkey();
    harness.send(&[ix], &[&stranger]).await.unwrap();
    assert_ne!(squatted.pool, canonical);
    assert_eq!(harness.pool_state(&squatted).await.config, squatted.config);
    // (its pool took the config's sunset; the default config's pools have none)
    assert_eq!(
        harness.pool_state(&squatted).await.legacy_receiver_until,
        sunset
    );
    // ... and the canonical one is still free for the admin.
    harness
        .initialize_pool(&pool, default_params())
        .await
        .unwrap();
    assert_eq!(
        harness.pool_state(&pool).await.admin,
        harness.admin.pubkey()
    );
    // One config per authority.
    let admin = harness.admin.insecure_clone();
    assert!(harness
        .send(
            &[homeostat_sdk::instructions::initialize_config(
                admin.pubkey(),
                0,
            )],
            &[&admin],
        )
        .await
        .is_err());
}
