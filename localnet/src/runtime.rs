//! The runtime: the program registered natively in `solana-program-test`, the harness
//! world it runs in, transactions, simulation, the clock.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::solana_program::{account_info::AccountInfo, entrypoint::ProgramResult};
use homeostat_sdk::instructions as ix;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::{Transaction, TransactionError};

use crate::oracle::{oracle_account, price_update, pyth_price};
use crate::tokens::{BASE_DECIMALS, QUOTE_DECIMALS, TOKEN};

/// Start of test time (unix seconds).
pub const START_TIME: i64 = 1_700_000_000;

/// Adapter from the runtime's builtin signature to the program's `process_instruction`
/// (as the SBF build's entrypoint: `push_quote`'s fast path, then Anchor's `entry`), which
/// wants every
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
    homeostat::process_instruction(program_id, accounts, data)
}

/// A `ProgramTest` with the Homeostat program registered natively.
pub fn program_test() -> ProgramTest {
    // The runtime logs every instruction at debug level unless told otherwise.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let mut test = ProgramTest::new("homeostat", homeostat::ID, processor!(process_instruction));
    test.prefer_bpf(false);
    test
}

/// The test world: one pair of mints, an oracle, an admin with a pool config, a keeper —
/// and the pools created on them, each named by its `PoolAddresses` in every call.
pub struct Harness {
    /// The runtime.
    pub context: ProgramTestContext,
    /// Pool admin.
    pub admin: Keypair,
    /// Keeper.
    pub keeper: Keypair,
    /// Base mint.
    pub base_mint: Pubkey,
    /// Quote mint.
    pub quote_mint: Pubkey,
    /// Token program of the base mint.
    pub base_token_program: Pubkey,
    /// Token program of the quote mint.
    pub quote_token_program: Pubkey,
    /// Pyth PriceUpdateV2 account.
    pub oracle: Pubkey,
    /// The quote token's USD PriceUpdateV2 account, once [`Harness::use_quote_feed`] has
    /// made the next pool a two-feed pool (`oracle` then prices base in USD).
    pub quote_oracle: Option<Pubkey>,
    /// The admin's pool config (created by `start`): the one `Harness::pool_at` derives
    /// pools under.
    pub config: Pubkey,
    /// Current unix time of the runtime.
    pub now: i64,
    /// Current slot of the runtime's clock.
    pub slot: u64,
    nonce: u32,
}

/// Token programs for the two mints.
#[derive(Clone, Copy)]
pub struct MintSetup {
    /// Base mint's token program.
    pub base_token_program: Pubkey,
    /// Quote mint's token program.
    pub quote_token_program: Pubkey,
}

impl Default for MintSetup {
    fn default() -> Self {
        Self {
            base_token_program: TOKEN,
            quote_token_program: TOKEN,
        }
    }
}

/// What [`Harness::simulate`] saw.
#[derive(Debug)]
pub struct Simulation {
    /// The payloads of the program's `emit_cpi!` events (inner self-invocations tagged
    /// with Anchor's `EVENT_IX_TAG`), in order.
    pub events: Vec<Vec<u8>>,
    /// The runtime's log lines: the SBF programs' own, and the units each invocation
    /// consumed (the natively registered Homeostat program's `msg!` goes to stdout).
    pub logs: Vec<String>,
    /// The error the transaction would fail with.
    pub error: Option<TransactionError>,
}

impl Harness {
    /// A fresh runtime with both mints (SPL Token), the oracle at 150.00 ± 0.05, time at
    /// `START_TIME`, and a funded admin and keeper.
    pub async fn start() -> Self {
        Self::start_with(MintSetup::default()).await
    }

    /// As `start`, choosing the mints' token programs.
    pub async fn start_with(mints: MintSetup) -> Self {
        Self::start_configured(mints, 0).await
    }

    /// As `start`, with the admin's pool config fixing `change_delay` seconds before a
    /// change that loosens a pool's risk limits applies (`start`'s config has none).
    pub async fn with_change_delay(change_delay: u64) -> Self {
        Self::start_configured(MintSetup::default(), change_delay).await
    }

    /// As `start`, choosing the mints' token programs and the config's `change_delay`.
    pub async fn start_configured(mints: MintSetup, change_delay: u64) -> Self {
        let mut test = program_test();
        let oracle = Pubkey::new_unique();
        test.add_account(
            oracle,
            oracle_account(&price_update(
                pyth_price(150.0),
                pyth_price(0.05),
                START_TIME,
            )),
        );
        test.add_account(
            homeostat::oracle::pro::PYTH_PRO_STORAGE_ID,
            crate::pro::pro_storage_account(&[(crate::pro::pro_signer().pubkey(), i64::MAX)]),
        );
        let context = test.start_with_context().await;
        let mut harness = Self {
            context,
            admin: Keypair::new(),
            keeper: Keypair::new(),
            base_mint: Pubkey::default(),
            quote_mint: Pubkey::default(),
            base_token_program: mints.base_token_program,
            quote_token_program: mints.quote_token_program,
            oracle,
            quote_oracle: None,
            config: Pubkey::default(),
            now: START_TIME,
            slot: 0,
            nonce: 0,
        };
        harness.set_time(START_TIME);
        let admin = harness.admin.pubkey();
        let keeper = harness.keeper.pubkey();
        harness.airdrop(&admin, 10_000_000_000).await;
        harness.airdrop(&keeper, 1_000_000_000).await;
        let admin_key = harness.admin.insecure_clone();
        harness
            .send(&[ix::initialize_config(admin, change_delay)], &[&admin_key])
            .await
            .expect("the admin's pool config");
        harness.config = homeostat_sdk::pda::config(&admin);
        harness.base_mint = harness
            .create_mint(mints.base_token_program, BASE_DECIMALS, &[])
            .await;
        harness.quote_mint = harness
            .create_mint(mints.quote_token_program, QUOTE_DECIMALS, &[])
            .await;
        harness
    }

    /// A signed transaction of `instructions`, paid by the payer. Each carries a unique
    /// compute-budget instruction so identical actions are not deduplicated.
    async fn transaction(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Transaction {
        self.nonce = self.nonce.wrapping_add(1);
        let unique_limit = 1_400_000 - self.nonce % 1_000_000;
        let mut all = vec![
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_limit(
                unique_limit,
            ),
        ];
        all.extend_from_slice(instructions);
        let payer = self.context.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        let blockhash = self
            .context
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash)
    }

    /// Sends one transaction; the payer signs too.
    pub async fn send(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TransactionError> {
        let transaction = self.transaction(instructions, signers).await;
        // Executed on the working bank directly: `process_transaction` hands the
        // transaction to the server's bank thread and polls for its status with tick-long
        // sleeps, which was half of a simulated hour's wall time.
        self.context
            .banks_client
            .process_transaction_with_metadata(transaction)
            .await
            .map_err(|error| error.unwrap())?
            .result
    }

    /// Simulates the instructions (nothing is committed) and returns the payloads of the
    /// program's `emit_cpi!` events, in order, with the error the transaction would fail
    /// with.
    pub async fn simulate_events(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> (Vec<Vec<u8>>, Option<TransactionError>) {
        let simulation = self.simulate(instructions, signers).await;
        (simulation.events, simulation.error)
    }

    /// Simulates the instructions: nothing is committed.
    pub async fn simulate(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Simulation {
        let transaction = self.transaction(instructions, signers).await;
        let account_keys = transaction.message.account_keys.clone();
        let simulation = self
            .context
            .banks_client
            .simulate_transaction(transaction)
            .await
            .expect("simulate");
        let error = simulation.result.and_then(Result::err);
        let details = simulation.simulation_details.expect("simulation details");
        let mut events = Vec::new();
        for inner in details.inner_instructions.unwrap_or_default() {
            for entry in inner {
                let program = account_keys[usize::from(entry.instruction.program_id_index)];
                let data = &entry.instruction.data;
                if program == homeostat::ID && data.starts_with(anchor_lang::event::EVENT_IX_TAG_LE)
                {
                    events.push(data[anchor_lang::event::EVENT_IX_TAG_LE.len()..].to_vec());
                }
            }
        }
        Simulation {
            events,
            logs: details.logs,
            error,
        }
    }

    /// Moves the runtime's clock to `unix_timestamp` (the slot unchanged).
    pub fn set_time(&mut self, unix_timestamp: i64) {
        self.set_clock(unix_timestamp, self.slot);
    }

    /// Moves the runtime's clock to `unix_timestamp` at `slot` — a served endpoint's
    /// (`Endpoint::slot`), so that programs see the slot its clients see.
    pub fn set_clock(&mut self, unix_timestamp: i64, slot: u64) {
        self.now = unix_timestamp;
        self.slot = slot;
        let clock = Clock {
            slot,
            unix_timestamp,
            ..Clock::default()
        };
        self.context.set_sysvar(&clock);
    }

    /// An address lookup table holding `addresses`, active from now on (written into the
    /// runtime as the lookup-table program leaves a table once extended in an earlier
    /// slot), its authority the admin.
    pub fn create_lookup_table(&mut self, addresses: &[Pubkey]) -> Pubkey {
        use solana_address_lookup_table_interface::state::{AddressLookupTable, LookupTableMeta};
        let address = Pubkey::new_unique();
        let data = AddressLookupTable {
            meta: LookupTableMeta::new(self.admin.pubkey()),
            addresses: addresses.into(),
        }
        .serialize_for_tests()
        .expect("a lookup table serialises");
        let account = Account {
            lamports: anchor_lang::prelude::Rent::default().minimum_balance(data.len()),
            data,
            owner: solana_address_lookup_table_interface::program::ID,
            executable: false,
            rent_epoch: 0,
        };
        self.context.set_account(&address, &account.into());
        address
    }

    /// Lamports to an address.
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let from = self.context.payer.pubkey();
        self.send(&[system_instruction::transfer(&from, to, lamports)], &[])
            .await
            .expect("airdrop");
    }

    /// Lamports that keep an account of `space` bytes rent-exempt.
    pub async fn rent_exempt(&mut self, space: usize) -> u64 {
        self.context
            .banks_client
            .get_rent()
            .await
            .expect("the rent sysvar")
            .minimum_balance(space)
    }

    /// The account at `address`, if it exists.
    pub async fn find_account(&mut self, address: &Pubkey) -> Option<Account> {
        self.context
            .banks_client
            .get_account(*address)
            .await
            .expect("the in-process runtime answers")
    }

    /// The account at `address`, which must exist (`what` names it in the panic).
    pub async fn account(&mut self, address: &Pubkey, what: &str) -> Account {
        self.find_account(address)
            .await
            .unwrap_or_else(|| panic!("{what} {address} does not exist"))
    }

    /// Whether an account exists.
    pub async fn account_exists(&mut self, address: &Pubkey) -> bool {
        self.find_account(address).await.is_some()
    }
}

/// Serialized size of a transaction carrying `instruction` signed by `signer` alone (as
/// fee payer): what counts against Solana's 1 232-byte packet limit.
pub fn swap_transaction_size(instruction: &Instruction, signer: &Keypair) -> usize {
    let transaction = Transaction::new_signed_with_payer(
        std::slice::from_ref(instruction),
        Some(&signer.pubkey()),
        &[signer],
        solana_transaction::Hash::default(),
    );
    bincode::serialized_size(&transaction).expect("serializable") as usize
}
