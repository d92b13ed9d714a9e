//! Reading results: program and Anchor error codes, emitted events.

use solana_transaction::{InstructionError, TransactionError};

use homeostat::errors::HomeostatError;

/// The custom error code of a failed instruction, if it failed with one.
pub fn custom_error(result: &Result<(), TransactionError>) -> Option<u32> {
    match result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => Some(*code),
        _ => None,
    }
}

/// Asserts that `result` failed with the program error `expected`.
#[track_caller]
pub fn assert_program_error(result: Result<(), TransactionError>, expected: HomeostatError) {
    let code = u32::from(expected);
    assert_eq!(
        custom_error(&result),
        Some(code),
        "expected {expected:?} ({code}), got {result:?}"
    );
}

/// Asserts that `result` failed with an Anchor framework error (constraint, account, ...).
#[track_caller]
pub fn assert_anchor_error(
    result: Result<(), TransactionError>,
    expected: anchor_lang::error::ErrorCode,
) {
    let code = expected as u32;
    assert_eq!(
        custom_error(&result),
        Some(code),
        "expected {expected:?} ({code}), got {result:?}"
    );
}

/// The events of type `T` among `payloads` (see `Harness::simulate_events`).
pub fn decode_events<T: anchor_lang::AnchorDeserialize + anchor_lang::Discriminator>(
    payloads: &[Vec<u8>],
) -> Vec<T> {
    payloads
        .iter()
        .filter(|payload| payload.starts_with(T::DISCRIMINATOR))
        .map(|payload| {
            T::try_from_slice(&payload[T::DISCRIMINATOR.len()..]).expect("event decodes")
        })
        .collect()
}
