//! The native harness runs the real program: an instruction it does not know is rejected
//! by Anchor's dispatcher with its documented error, not silently accepted.

use anchor_lang::error::ErrorCode;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat_localnet::program_test;
use solana_signer::Signer;
use solana_transaction::{InstructionError, Transaction, TransactionError};

#[tokio::test]
async fn unknown_instruction_is_rejected_by_the_program() {
    let context = program_test().start_with_context().await;
    let instruction = Instruction {
        program_id: homeostat::ID,
        accounts: vec![],
        data: vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0],
    };
    let transaction = Transaction::new_signed_with_payer(
        &[instruction],
        Some(&context.payer.pubkey()),
        &[&context.payer],
        context.last_blockhash,
    );
    let error = context
        .banks_client
        .process_transaction(transaction)
        .await
        .expect_err("the program must reject an unknown discriminator")
        .unwrap();
    assert_eq!(
        error,
        TransactionError::InstructionError(
            0,
            InstructionError::Custom(ErrorCode::InstructionFallbackNotFound as u32)
        )
    );
}
