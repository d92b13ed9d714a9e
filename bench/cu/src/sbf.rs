//! The compiled program in LiteSVM: the runtime set up with mainnet's features and the token
//! program chosen (SPL Token 3.5.0 or p-token, both ELFs bundled with LiteSVM), the genesis
//! written, transactions executed with their compute units, logs and events.

use agave_feature_set::{replace_spl_token_with_p_token, FeatureSet};
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::rent::Rent;
use litesvm::LiteSVM;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::{Transaction, TransactionError};

use crate::genesis::{Genesis, WALLET_LAMPORTS};
use crate::logs::{events_of, Invocation};

/// The token program the runtime runs at `Tokenkeg…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProgram {
    /// p-token (the Pinocchio rewrite), what agave's `replace_spl_token_with_p_token`
    /// feature installs.
    PToken,
    /// SPL Token 3.5.0.
    SplToken,
}

impl TokenProgram {
    /// Both, in the table's order.
    pub const ALL: [TokenProgram; 2] = [TokenProgram::PToken, TokenProgram::SplToken];

    /// Its name in the table and the budgets (`p-token`, `SPL Token`).
    pub fn label(self) -> &'static str {
        match self {
            TokenProgram::PToken => "p-token",
            TokenProgram::SplToken => "SPL Token",
        }
    }

    /// Its key in `budgets.toml`.
    pub fn key(self) -> &'static str {
        match self {
            TokenProgram::PToken => "p_token",
            TokenProgram::SplToken => "spl_token",
        }
    }
}

/// What one transaction did.
#[derive(Debug)]
pub struct Outcome {
    /// Its result.
    pub result: Result<(), TransactionError>,
    /// The runtime's log lines.
    pub logs: Vec<String>,
    /// The payloads of Homeostat's `emit_cpi!` events, in order (empty when it failed).
    pub events: Vec<Vec<u8>>,
}

impl Outcome {
    /// The first top-level invocation of Homeostat, read from the logs (`None` when the
    /// logs do not show one that completed).
    pub fn homeostat(&self) -> Option<Invocation> {
        crate::logs::invocations(&self.logs)
            .into_iter()
            .find(|invocation| invocation.program == homeostat::ID.to_string())
    }
}

/// The SBF program in LiteSVM.
pub struct Sbf {
    /// The runtime.
    pub svm: LiteSVM,
    payer: Keypair,
    nonce: u32,
}

impl Sbf {
    /// A runtime with mainnet's features (p-token's replacement of SPL Token switched as
    /// `token` says), Homeostat's ELF `program` at its id, and the genesis accounts.
    pub fn new(program: &[u8], token: TokenProgram, genesis: &Genesis) -> Self {
        let mut features: FeatureSet = LiteSVM::mainnet_feature_set();
        match token {
            TokenProgram::PToken => features.activate(&replace_spl_token_with_p_token::id(), 0),
            TokenProgram::SplToken => {
                features.deactivate(&replace_spl_token_with_p_token::id());
            }
        }
        // `LiteSVM::new()`'s steps, with this feature set.
        let mut svm = LiteSVM::default()
            .with_feature_set(features)
            .with_builtins()
            .with_lamports(1_000_000 * 1_000_000_000)
            .with_sysvars()
            .with_feature_accounts()
            .with_default_programs()
            // The ed25519 precompile, for `post_pro_price`.
            .with_precompiles()
            .with_sigverify(true)
            .with_blockhash_check(true);
        svm.add_program(homeostat::ID, program)
            .expect("LiteSVM loads the Homeostat ELF");
        let payer = Keypair::new();
        svm.airdrop(&payer.pubkey(), WALLET_LAMPORTS)
            .expect("the fee payer's airdrop");
        let mut sbf = Self {
            svm,
            payer,
            nonce: 0,
        };
        for (address, account) in &genesis.accounts {
            sbf.set_account(*address, account.clone());
        }
        sbf
    }

    /// Writes an account.
    pub fn set_account(&mut self, address: Pubkey, account: Account) {
        self.svm
            .set_account(address, account)
            .expect("LiteSVM takes the account");
    }

    /// The account at `address`.
    pub fn account(&self, address: &Pubkey) -> Option<Account> {
        self.svm.get_account(address)
    }

    /// Sets the clock.
    pub fn set_clock(&mut self, clock: &Clock) {
        self.svm.set_sysvar(clock);
    }

    /// Sets the rent sysvar.
    pub fn set_rent(&mut self, rent: &Rent) {
        self.svm.set_sysvar(rent);
    }

    /// The fee payer (signs every transaction, never an account the program reads).
    pub fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// Executes `instructions` in one transaction after a compute-budget instruction
    /// raising the limit to 1.4 M units (so every instruction completes and is measured;
    /// a unique limit per transaction, so identical ones are not deduplicated), paid by the
    /// fee payer and signed by `signers`.
    pub fn execute(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Outcome {
        let transaction = self.transaction(instructions, signers);
        let keys = transaction.message.account_keys.clone();
        match self.svm.send_transaction(transaction) {
            Ok(meta) => Outcome {
                result: Ok(()),
                events: events_of(&keys, &meta.inner_instructions),
                logs: meta.logs,
            },
            Err(failed) => Outcome {
                result: Err(failed.err),
                events: Vec::new(),
                logs: failed.meta.logs,
            },
        }
    }

    fn transaction(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Transaction {
        self.nonce = self.nonce.wrapping_add(1);
        transaction(
            instructions,
            &self.payer,
            signers,
            self.nonce,
            self.svm.latest_blockhash(),
        )
    }
}

/// `instructions` behind a compute-budget instruction with the limit `1_400_000 − nonce`,
/// paid by `payer`, signed by it and `signers`.
pub fn transaction(
    instructions: &[Instruction],
    payer: &Keypair,
    signers: &[&Keypair],
    nonce: u32,
    blockhash: solana_transaction::Hash,
) -> Transaction {
    let mut all = vec![
        solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
            1_400_000 - nonce % 1_000_000,
        ),
    ];
    all.extend_from_slice(instructions);
    let mut keys: Vec<&Keypair> = vec![payer];
    keys.extend_from_slice(signers);
    Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash)
}
