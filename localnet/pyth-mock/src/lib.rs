//! A stand-in for Pyth's receiver program (`rec2HHDD…`) on a local validator, where the
//! real one and its Wormhole verification are not available: one instruction overwrites
//! a price-update account the program owns with the bytes given, when the account's write
//! authority (bytes 8..40 of a `PriceUpdateV2`, its `write_authority`) signs. The accounts
//! start preloaded (`solana-test-validator --account`); the layout is the caller's
//! (`homeostat::oracle::PriceUpdate::encode`). `homeostat localnet --validator` deploys it
//! at the receiver's address so the pool trusts what it writes — never do that on a real
//! cluster.
// `entrypoint!` tests the cfgs `custom-heap`/`custom-panic`, which this crate does not
// define: the defaults are what it wants.
#![allow(unexpected_cfgs)]

use anchor_lang::pubkey;
use anchor_lang::solana_program::account_info::AccountInfo;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program_error::ProgramError;
use anchor_lang::solana_program::pubkey::Pubkey;
use anchor_lang::solana_program::{entrypoint::ProgramResult, msg};

/// Where it is deployed: the address of Pyth's receiver, whose accounts pools accept.
pub const ID: Pubkey = pubkey!("rec2HHDDnjLfj4kE7VyEtFA1HPGQLK33259532cRyHp");

/// Where a `PriceUpdateV2` holds its write authority (after the 8-byte discriminator).
const AUTHORITY: std::ops::Range<usize> = 8..40;

/// The instruction that overwrites `account` with `data` (its whole length), signed by its
/// write authority `authority`.
pub fn write(authority: Pubkey, account: Pubkey, data: Vec<u8>) -> Instruction {
    Instruction {
        program_id: ID,
        accounts: vec![
            AccountMeta::new(account, false),
            AccountMeta::new_readonly(authority, true),
        ],
        data,
    }
}

/// Accounts: `[writable] account` (owned by this program), `[signer] authority` (the
/// account's write authority). Data: the account's new contents, exactly as long as it.
/// Errors: `IncorrectProgramId` (account of another owner), `MissingRequiredSignature`
/// (authority not signing or not the account's), `InvalidInstructionData` (a length other
/// than the account's), `NotEnoughAccountKeys`.
pub fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let [account, authority, ..] = accounts else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    if account.owner != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    let mut contents = account.try_borrow_mut_data()?;
    let holder = contents
        .get(AUTHORITY)
        .ok_or(ProgramError::InvalidAccountData)?;
    if !authority.is_signer || holder != authority.key.as_ref() {
        msg!("the account's write authority must sign");
        return Err(ProgramError::MissingRequiredSignature);
    }
    if data.len() != contents.len() {
        msg!("data must be the account's length, {}", contents.len());
        return Err(ProgramError::InvalidInstructionData);
    }
    contents.copy_from_slice(data);
    Ok(())
}

#[cfg(not(feature = "no-entrypoint"))]
anchor_lang::solana_program::entrypoint!(process);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_stands_in_for_the_receiver_the_program_trusts() {
        assert_eq!(ID, homeostat::oracle::PYTH_RECEIVER_PROGRAM_ID);
    }

    /// Runs `process` on a `PriceUpdateV2`-sized account whose authority is `holder`,
    /// signed (or not) by `signer`, owned by `owner`; returns the result and the data.
    fn run(
        holder: Pubkey,
        signer: (Pubkey, bool),
        owner: Pubkey,
        data: &[u8],
    ) -> (ProgramResult, Vec<u8>) {
        let (address, mut lamports, mut signer_lamports) = (Pubkey::new_unique(), 1, 1);
        let mut contents = vec![0u8; homeostat::oracle::PRICE_UPDATE_V2_LEN];
        contents[AUTHORITY].copy_from_slice(holder.as_ref());
        let mut nothing = [];
        let system = Pubkey::default();
        let accounts = [
            AccountInfo::new(
                &address,
                false,
                true,
                &mut lamports,
                &mut contents,
                &owner,
                false,
            ),
            AccountInfo::new(
                &signer.0,
                signer.1,
                false,
                &mut signer_lamports,
                &mut nothing,
                &system,
                false,
            ),
        ];
        let result = process(&ID, &accounts, data);
        drop(accounts);
        (result, contents)
    }

    #[test]
    fn only_the_accounts_write_authority_overwrites_it_and_only_whole() {
        let authority = Pubkey::new_unique();
        let mut update = vec![7u8; homeostat::oracle::PRICE_UPDATE_V2_LEN];
        update[AUTHORITY].copy_from_slice(authority.as_ref());
        let (result, data) = run(authority, (authority, true), ID, &update);
        assert_eq!(result, Ok(()));
        assert_eq!(data, update);

        let refused = |result: (ProgramResult, Vec<u8>), error: ProgramError| {
            assert_eq!(result.0, Err(error));
            assert_eq!(result.1[..8], [0; 8], "unchanged");
        };
        let stranger = Pubkey::new_unique();
        refused(
            run(authority, (stranger, true), ID, &update),
            ProgramError::MissingRequiredSignature,
        );
        refused(
            run(authority, (authority, false), ID, &update),
            ProgramError::MissingRequiredSignature,
        );
        refused(
            run(authority, (authority, true), ID, &update[1..]),
            ProgramError::InvalidInstructionData,
        );
        refused(
            run(authority, (authority, true), stranger, &update),
            ProgramError::IncorrectProgramId,
        );
    }
}
