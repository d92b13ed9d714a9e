//! Harness for running the Homeostat program natively inside `solana-program-test`
//! (processor mode): the SBF toolchain is not needed, and CPIs to the preloaded SPL Token
//! program really move tokens.

// solana-program-test 3.x marks its whole API "unstable" (deprecated) ahead of 4.0; the
// 3.x line is the one whose CPIs work with Anchor 1.2 here (see docs/architecture.md).
#![allow(deprecated)]

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::{account_info::AccountInfo, entrypoint::ProgramResult};
use solana_program_test::{processor, ProgramTest};

/// Adapter from the runtime's builtin signature to Anchor's `entry`, which wants every
/// argument to live as long as the accounts' data borrows (`'info`). The runtime hands out
/// shorter-lived references, so the adapter copies the program id, the `AccountInfo`s
/// (cheap handles onto the same data) and the instruction data into leaked allocations:
/// a small leak per instruction, in tests only.
fn process_instruction<'info>(
    program_id: &Pubkey,
    accounts: &[AccountInfo<'info>],
    data: &[u8],
) -> ProgramResult {
    let program_id: &'info Pubkey = Box::leak(Box::new(*program_id));
    let accounts: &'info [AccountInfo<'info>] = Box::leak(accounts.to_vec().into_boxed_slice());
    let data: &'info [u8] = Box::leak(data.to_vec().into_boxed_slice());
    homeostat::entry(program_id, accounts, data)
}

/// A `ProgramTest` with the Homeostat program registered natively.
pub fn program_test() -> ProgramTest {
    let mut test = ProgramTest::new("homeostat", homeostat::ID, processor!(process_instruction));
    test.prefer_bpf(false);
    test
}
