//! The native program: Homeostat registered natively in solana-program-test, exactly as the
//! workspace's tests and simulator run it (`homeostat_localnet::program_test`), on the same
//! genesis accounts.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::rent::Rent;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_program_test::ProgramTestContext;
use solana_signer::Signer;

use crate::genesis::Genesis;
use crate::logs::events;
use crate::sbf::{transaction, Outcome};

/// The native program in solana-program-test.
pub struct Native {
    context: ProgramTestContext,
    nonce: u32,
}

impl Native {
    /// The runtime with the genesis accounts.
    pub async fn start(genesis: &Genesis) -> Self {
        let mut test = homeostat_localnet::program_test();
        for (address, account) in &genesis.accounts {
            test.add_account(*address, account.clone());
        }
        Self {
            context: test.start_with_context().await,
            nonce: 0,
        }
    }

    /// Writes an account.
    pub fn set_account(&mut self, address: Pubkey, account: Account) {
        self.context.set_account(&address, &account.into());
    }

    /// The account at `address`.
    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.context
            .banks_client
            .get_account(*address)
            .await
            .expect("the in-process runtime answers")
    }

    /// Sets the clock.
    pub fn set_clock(&mut self, clock: &Clock) {
        self.context.set_sysvar(clock);
    }

    /// The rent sysvar.
    pub async fn rent(&mut self) -> Rent {
        self.context
            .banks_client
            .get_rent()
            .await
            .expect("the rent sysvar")
    }

    /// The fee payer (signs every transaction, never an account the program reads).
    pub fn payer(&self) -> Pubkey {
        self.context.payer.pubkey()
    }

    /// Executes `instructions` as [`crate::sbf::Sbf::execute`] does: simulated first (for
    /// the events, which only a simulation reports here), then committed; the two results
    /// must agree. The runtime logs no Homeostat lines (the native program prints them).
    pub async fn execute(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Outcome {
        self.nonce = self.nonce.wrapping_add(1);
        let payer = self.context.payer.insecure_clone();
        // The bank moves on as time passes: a fresh blockhash each time, as the harness does.
        let blockhash = self
            .context
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("a blockhash");
        let transaction = transaction(instructions, &payer, signers, self.nonce, blockhash);
        let keys = transaction.message.account_keys.clone();
        let simulation = self
            .context
            .banks_client
            .simulate_transaction(transaction.clone())
            .await
            .expect("simulate");
        let simulated = simulation.result.expect("a simulation result");
        let details = simulation.simulation_details.expect("simulation details");
        let result = self
            .context
            .banks_client
            .process_transaction_with_metadata(transaction)
            .await
            .expect("the in-process runtime answers")
            .result;
        assert_eq!(
            result, simulated,
            "the native run's simulation and execution disagree"
        );
        let events = if result.is_ok() {
            let inner = details.inner_instructions.unwrap_or_default();
            events(
                &keys,
                inner.iter().flatten().map(|entry| {
                    (
                        entry.instruction.program_id_index,
                        entry.instruction.data.as_slice(),
                    )
                }),
            )
        } else {
            Vec::new()
        };
        Outcome {
            result,
            logs: details.logs,
            events,
        }
    }
}
