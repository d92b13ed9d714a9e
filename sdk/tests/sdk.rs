//! The SDK's pure parts: addresses, decoding with clear errors, slippage helpers.

use anchor_lang::prelude::Pubkey;
use anchor_lang::Discriminator;
use homeostat_sdk::accounts::{decode_pool, decode_price_update, mint_supply, token_amount};
use homeostat_sdk::pda::{self, PoolAddresses};
use homeostat_sdk::quote::{max_in, min_out};
use homeostat_sdk::{Pool, SdkError};

#[test]
fn addresses_follow_the_documented_seeds() {
    let (base, quote) = (Pubkey::new_unique(), Pubkey::new_unique());
    let authority = Pubkey::new_unique();
    let config = Pubkey::find_program_address(&[b"config", authority.as_ref()], &homeostat::ID).0;
    assert_eq!(pda::config(&authority), config);
    let pool = Pubkey::find_program_address(
        &[
            b"pool",
            config.as_ref(),
            base.as_ref(),
            quote.as_ref(),
            &3u16.to_le_bytes(),
        ],
        &homeostat::ID,
    )
    .0;
    assert_eq!(pda::pool(&config, &base, &quote, 3), pool);
    assert_ne!(
        pda::pool(&config, &base, &quote, 4),
        pool,
        "the index is part of the seeds"
    );
    assert_ne!(
        pda::pool(&pda::config(&Pubkey::new_unique()), &base, &quote, 3),
        pool,
        "so is the config: another authority's pool is another address"
    );
    let addresses = PoolAddresses::derive(
        config,
        base,
        quote,
        3,
        anchor_spl::token::ID,
        anchor_spl::token_2022::ID,
    );
    assert_eq!(addresses.pool, pool);
    assert_eq!(
        addresses.base_vault,
        Pubkey::find_program_address(&[b"vault", pool.as_ref(), base.as_ref()], &homeostat::ID).0
    );
    assert_eq!(
        addresses.lp_mint,
        Pubkey::find_program_address(&[b"lp_mint", pool.as_ref()], &homeostat::ID).0
    );
    assert_eq!(
        pda::event_authority(),
        Pubkey::find_program_address(&[b"__event_authority"], &homeostat::ID).0
    );
}

#[test]
fn decoding_a_pool_explains_what_is_wrong() {
    let mut data = vec![0u8; Pool::SPACE];
    data[..8].copy_from_slice(Pool::DISCRIMINATOR);
    assert!(decode_pool(&homeostat::ID, &data).is_ok());
    let stranger = Pubkey::new_unique();
    let error = decode_pool(&stranger, &data).unwrap_err();
    assert!(
        error.to_string().contains("not the Homeostat program"),
        "{error}"
    );
    let error = decode_pool(&homeostat::ID, &data[..100]).unwrap_err();
    assert!(error.to_string().contains("100 bytes"), "{error}");
    data[0] ^= 1;
    assert!(matches!(
        decode_pool(&homeostat::ID, &data),
        Err(SdkError::WrongAccount { .. })
    ));
}

#[test]
fn decoding_an_oracle_checks_its_owner() {
    let error = decode_price_update(&Pubkey::new_unique(), &[0; 134]).unwrap_err();
    assert!(error.to_string().contains("Pyth receiver"), "{error}");
    let error =
        decode_price_update(&homeostat::oracle::PYTH_RECEIVER_PROGRAM_ID, &[0; 134]).unwrap_err();
    assert!(
        matches!(error, SdkError::Program { ref name, .. } if name == "InvalidOracleAccount"),
        "{error:?}"
    );
}

#[test]
fn token_account_and_mint_fields() {
    let mut account = vec![0u8; 165];
    account[64..72].copy_from_slice(&123_456u64.to_le_bytes());
    assert_eq!(token_amount(&account).unwrap(), 123_456);
    assert!(token_amount(&account[..70]).is_err());
    let mut mint = vec![0u8; 82];
    mint[36..44].copy_from_slice(&9_999u64.to_le_bytes());
    assert_eq!(mint_supply(&mint).unwrap(), 9_999);
}

#[test]
fn slippage_helpers_round_against_the_trader() {
    assert_eq!(min_out(10_000, 50), 9_950);
    assert_eq!(min_out(999, 1), 998, "999 · 0.9999 = 998.9 rounds down");
    assert_eq!(min_out(u64::MAX, 0), u64::MAX);
    assert_eq!(max_in(10_000, 50), 10_050);
    assert_eq!(max_in(999, 1), 1_000, "999 · 1.0001 = 999.1 rounds up");
    assert_eq!(max_in(u64::MAX, 10), u64::MAX, "saturates");
}
