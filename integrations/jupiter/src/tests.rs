//! The adapter's plumbing without a runtime: which accounts it asks for, how it reads
//! them, and every input it refuses. That its quotes equal what the program executes is
//! tested against the program itself (tests/conformance.rs).

use anchor_lang::Discriminator;
use bytemuck::Zeroable;
use homeostat::oracle::PYTH_RECEIVER_PROGRAM_ID;
use jupiter_amm_interface::FeeMode;

use super::*;

const FEED: [u8; 32] = [7; 32];
const QUOTE_FEED: [u8; 32] = [9; 32];

fn pool(two_feeds: bool) -> Pool {
    let mut pool = Pool::zeroed();
    pool.base_mint = Pubkey::new_unique();
    pool.quote_mint = Pubkey::new_unique();
    pool.base_vault = Pubkey::new_unique();
    pool.quote_vault = Pubkey::new_unique();
    pool.feed_id = FEED;
    if two_feeds {
        pool.quote_feed_id = QUOTE_FEED;
    }
    pool
}

fn pool_account(pool: &Pool) -> Account {
    let mut data = Pool::DISCRIMINATOR.to_vec();
    data.extend_from_slice(bytemuck::bytes_of(pool));
    Account {
        lamports: 1,
        data,
        owner: homeostat::ID,
        executable: false,
        rent_epoch: 0,
    }
}

fn keyed(pool: &Pool, params: Option<serde_json::Value>) -> KeyedAccount {
    KeyedAccount {
        key: Pubkey::new_unique(),
        account: pool_account(pool),
        params,
    }
}

fn amm(pool: &Pool, params: Option<serde_json::Value>) -> Result<HomeostatAmm> {
    HomeostatAmm::from_keyed_account(&keyed(pool, params), &AmmContext::default())
}

fn token_account(amount: u64, program: Pubkey) -> Account {
    let mut data = vec![0; 165];
    data[64..72].copy_from_slice(&amount.to_le_bytes());
    Account {
        lamports: 1,
        data,
        owner: program,
        executable: false,
        rent_epoch: 0,
    }
}

fn oracle_account(feed_id: [u8; 32]) -> Account {
    let update = PriceUpdate {
        feed_id,
        price: 150_0000_0000,
        conf: 1_0000,
        exponent: -8,
        publish_time: 1_700_000_000,
        prev_publish_time: 1_699_999_999,
        ema_price: 150_0000_0000,
        ema_conf: 1_0000,
        posted_slot: 1,
        verification_level: homeostat::oracle::VerificationLevel::Full,
        write_authority: Pubkey::default(),
    };
    Account {
        lamports: 1,
        data: update.encode(),
        owner: PYTH_RECEIVER_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}

fn clock_account(unix_timestamp: i64) -> Account {
    let mut data = vec![0; 40];
    data[32..40].copy_from_slice(&unix_timestamp.to_le_bytes());
    Account {
        lamports: 1,
        data,
        owner: Pubkey::default(),
        executable: false,
        rent_epoch: 0,
    }
}

/// Every account `amm` asks for, refreshed.
fn refreshed(amm: &HomeostatAmm, pool: &Pool, clock: Option<i64>) -> AccountMap {
    let mut map = AccountMap::default();
    map.insert(amm.key, pool_account(pool));
    map.insert(pool.base_vault, token_account(5, anchor_spl_token()));
    map.insert(pool.quote_vault, token_account(750, token_2022()));
    map.insert(amm.oracles.oracle, oracle_account(FEED));
    if let Some(quote_oracle) = amm.oracles.quote_oracle {
        map.insert(quote_oracle, oracle_account(QUOTE_FEED));
    }
    if let Some(time) = clock {
        map.insert(CLOCK_SYSVAR, clock_account(time));
    }
    map
}

fn anchor_spl_token() -> Pubkey {
    anchor_lang::prelude::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
}

fn token_2022() -> Pubkey {
    anchor_lang::prelude::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
}

fn params(amount: u64, input: Pubkey, output: Pubkey, swap_mode: SwapMode) -> QuoteParams {
    QuoteParams {
        amount,
        input_mint: input,
        output_mint: output,
        swap_mode,
        fee_mode: FeeMode::Normal,
    }
}

fn message<T>(result: Result<T>) -> String {
    match result {
        Ok(_) => panic!("must be refused"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn it_reads_the_pools_sponsored_pyth_feeds_unless_told_otherwise() {
    let single = pool(false);
    let amm = amm(&single, None).expect("a pool");
    assert_eq!(amm.oracles.oracle, pyth_push_feed(0, &FEED));
    assert_eq!(amm.oracles.quote_oracle, None);
    assert_eq!(
        amm.get_accounts_to_update(),
        vec![
            amm.key,
            single.base_vault,
            single.quote_vault,
            amm.oracles.oracle,
            CLOCK_SYSVAR
        ]
    );

    let two = pool(true);
    let amm = HomeostatAmm::from_keyed_account(&keyed(&two, None), &AmmContext::default())
        .expect("a pool");
    assert_eq!(
        amm.oracles.quote_oracle,
        Some(pyth_push_feed(0, &QUOTE_FEED))
    );
    assert_eq!(amm.get_accounts_to_update().len(), 6);

    let (oracle, quote_oracle) = (Pubkey::new_unique(), Pubkey::new_unique());
    let named = serde_json::json!({
        "oracle": oracle.to_string(),
        "quote_oracle": quote_oracle.to_string(),
    });
    let amm = HomeostatAmm::from_keyed_account(&keyed(&two, Some(named)), &AmmContext::default())
        .expect("a pool");
    assert_eq!(amm.oracles.oracle, oracle);
    assert_eq!(amm.oracles.quote_oracle, Some(quote_oracle));
}

#[test]
fn bad_market_params_are_named() {
    let single = pool(false);
    assert_eq!(
        message(amm(&single, Some(serde_json::json!({ "orcale": "x" })))),
        "params.orcale: unknown field (expected oracle, quote_oracle)"
    );
    assert_eq!(
        message(amm(
            &single,
            Some(serde_json::json!({ "oracle": "not-an-address" }))
        )),
        "params.oracle: expected a base-58 address"
    );
    let quote_oracle = Pubkey::new_unique().to_string();
    assert_eq!(
        message(amm(
            &single,
            Some(serde_json::json!({ "quote_oracle": quote_oracle }))
        )),
        "params.quote_oracle: this pool has one feed, it reads no quote oracle"
    );
}

#[test]
fn an_account_that_is_not_a_pool_is_refused() {
    let mut keyed = keyed(&pool(false), None);
    keyed.account.owner = Pubkey::new_unique();
    let error = message(HomeostatAmm::from_keyed_account(
        &keyed,
        &AmmContext::default(),
    ));
    assert!(
        error.starts_with("not a Homeostat pool: owned by"),
        "{error}"
    );
    keyed.account.owner = homeostat::ID;
    keyed.account.data.truncate(100);
    let error = message(HomeostatAmm::from_keyed_account(
        &keyed,
        &AmmContext::default(),
    ));
    assert!(error.contains("100 bytes"), "{error}");
}

#[test]
fn quotes_and_metas_need_an_update_first_and_every_account_refreshed() {
    let state = pool(false);
    let mut amm = amm(&state, None).expect("a pool");
    let quote = params(1, state.base_mint, state.quote_mint, SwapMode::ExactIn);
    assert_eq!(
        message(amm.quote(&quote)),
        format!("pool {}: call update before quoting", amm.key)
    );
    let mut map = refreshed(&amm, &state, Some(1_700_000_001));
    map.remove(&state.quote_vault);
    assert_eq!(
        message(amm.update(&map)),
        format!("quote vault {} was not refreshed", state.quote_vault)
    );
    // A price account from another program is not an oracle.
    let mut map = refreshed(&amm, &state, Some(1_700_000_001));
    map.get_mut(&amm.oracles.oracle).expect("oracle").owner = Pubkey::new_unique();
    assert!(message(amm.update(&map)).starts_with("not a Pyth PriceUpdateV2"));
}

#[test]
fn update_reads_balances_token_programs_and_the_clock() {
    let state = pool(false);
    let mut amm = amm(&state, None).expect("a pool");
    amm.update(&refreshed(&amm, &state, Some(1_700_000_042)))
        .expect("update");
    let market = amm.market.expect("refreshed");
    assert_eq!(
        (market.vaults.base.get(), market.vaults.quote.get()),
        (5, 750)
    );
    assert_eq!(
        (market.base_token_program, market.quote_token_program),
        (anchor_spl_token(), token_2022())
    );
    // Without the router's clock the sysvar's time prices the swap ...
    assert_eq!(amm.snapshot().expect("snapshot").now, 1_700_000_042);
    // ... and the router's clock wins when it is set.
    amm.clock
        .unix_timestamp
        .store(1_700_000_050, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(amm.snapshot().expect("snapshot").now, 1_700_000_050);
    // With neither there is no quote.
    let mut amm = HomeostatAmm::from_keyed_account(&keyed(&state, None), &AmmContext::default())
        .expect("a pool");
    amm.update(&refreshed(&amm, &state, None)).expect("update");
    assert!(message(amm.snapshot()).ends_with("no clock (AmmContext unset, sysvar not refreshed)"));
}

#[test]
fn only_the_pools_pair_is_traded() {
    let state = pool(false);
    let mut amm = amm(&state, None).expect("a pool");
    amm.update(&refreshed(&amm, &state, Some(1_700_000_001)))
        .expect("update");
    let stranger = Pubkey::new_unique();
    for (input, output) in [
        (stranger, state.quote_mint),
        (state.base_mint, stranger),
        (state.base_mint, state.base_mint),
    ] {
        let error = message(amm.quote(&params(1, input, output, SwapMode::ExactIn)));
        assert!(
            error.contains(&format!("not {input} for {output}")),
            "{error}"
        );
    }
}

#[test]
fn a_paused_pool_is_not_active() {
    let mut state = pool(false);
    assert!(amm(&state, None).expect("a pool").is_active());
    state.paused = 1;
    assert!(!amm(&state, None).expect("a pool").is_active());
}
