//! Homeostat on an in-process Solana runtime: the program runs natively inside
//! `solana-program-test` (processor mode) — no SBF toolchain needed — and CPIs to the
//! preloaded SPL Token and Token-2022 programs really move tokens.
//!
//! One small client method per instruction (built with `homeostat-sdk`), so tests and the
//! simulator read like a user's actions.

// solana-program-test 3.x marks its whole API "unstable" (deprecated) ahead of 4.0; the
// 3.x line is the one whose CPIs work with Anchor 1.2 here (see docs/architecture.md).
#![allow(deprecated)]

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::solana_program::{account_info::AccountInfo, entrypoint::ProgramResult};
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions,
};
use homeostat::instructions::{
    DepositArgs, InitializePoolArgs, SwapExactInArgs, SwapExactOutArgs, WithdrawArgs,
};
use homeostat::oracle::{PriceUpdate, VerificationLevel, PYTH_RECEIVER_PROGRAM_ID};
use homeostat::state::Pool;

pub use homeostat::errors::HomeostatError;
pub use homeostat::{PoolParams, StoredFixed};
use homeostat_math::{Direction, Fixed, ModelKind, Rounding, SwapQuote, Units};
use homeostat_sdk::instructions::{self as ix, UserAccounts};
use homeostat_sdk::pda::{self, PoolAddresses};
use homeostat_sdk::quote::PoolSnapshot;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_program_test::{processor, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
pub use solana_transaction::TransactionError;
use solana_transaction::{InstructionError, Transaction};

#[cfg(feature = "keeper")]
pub mod keeper_chain;
pub mod rpc;

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
    // The runtime logs every instruction at debug level unless told otherwise.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let mut test = ProgramTest::new("homeostat", homeostat::ID, processor!(process_instruction));
    test.prefer_bpf(false);
    test
}

/// SPL Token program id.
pub const TOKEN: Pubkey = anchor_spl::token::ID;
/// Token-2022 program id.
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;
/// Start of test time (unix seconds).
pub const START_TIME: i64 = 1_700_000_000;
/// Base decimals (SOL-like).
pub const BASE_DECIMALS: u8 = 9;
/// Quote decimals (USDC-like).
pub const QUOTE_DECIMALS: u8 = 6;
/// One whole base token, atoms.
pub const ONE_BASE: u64 = 1_000_000_000;
/// One whole quote token, atoms.
pub const ONE_QUOTE: u64 = 1_000_000;
/// The feed id tests use.
pub const FEED_ID: [u8; 32] = [0xfe; 32];
/// Feed id of the quote token in USD, for two-feed pools ([`Harness::use_quote_feed`]).
pub const QUOTE_FEED_ID: [u8; 32] = [0x5d; 32];
/// Pyth exponent tests use.
pub const PYTH_EXPONENT: i32 = -8;
/// The variance `initialize_pool` is given (clamped to the pool's bounds): 10⁻⁸ as I80F48
/// bits, ⌊10⁻⁸ · 2⁴⁸⌋.
pub const INITIAL_VARIANCE: i128 = 2_814_749;

/// `numerator / denominator` as raw I80F48 bits (rounded down).
pub fn bits(numerator: i128, denominator: i128) -> i128 {
    Fixed::ratio(numerator, denominator, Rounding::Down)
        .expect("constant ratio")
        .to_bits()
}

/// `numerator / denominator` as a fixed-point parameter (rounded down).
pub fn fixed(numerator: i128, denominator: i128) -> StoredFixed {
    StoredFixed::from_bits(bits(numerator, denominator))
}

/// A GLFT pool in relative units with a 1-SOL lot: γ = 50, k = 2000, A = 1/s,
/// 1 bp fee with 20% to the protocol, ±100 SOL inventory cap, 50 SOL per trade; rebalance
/// beyond ±10 SOL of net delta, at most every 30 s, hedge up to ±200 SOL.
pub fn default_params() -> PoolParams {
    PoolParams {
        model_kind: ModelKind::Glft.into(),
        units: Units::Relative.into(),
        risk_aversion: fixed(50, 1),
        order_decay: fixed(2_000, 1),
        arrival_intensity: fixed(1, 1),
        horizon: StoredFixed::ZERO,
        min_half_spread: fixed(1, 10_000),
        confidence_multiplier: fixed(1, 1),
        age_multiplier: fixed(1, 1),
        volatility_window: 600,
        variance_floor: fixed(1, 1_000_000_000),
        variance_ceiling: fixed(1, 10_000),
        lot: ONE_BASE,
        inventory_cap: 100 * ONE_BASE,
        max_trade_base: 50 * ONE_BASE,
        fee_bps: 1,
        protocol_share_bps: 2_000,
        max_oracle_age: 20,
        max_confidence_bps: 100,
        max_ema_deviation_bps: 500,
        rebalance_band: 10 * ONE_BASE,
        min_rebalance_interval: 30,
        max_hedge_position: 200 * ONE_BASE,
        reserved: [0; 6],
    }
}

/// A funded user with token accounts for both mints and the LP mint.
#[derive(Debug)]
pub struct User {
    /// Signer.
    pub keypair: Keypair,
    /// Base token account.
    pub base: Pubkey,
    /// Quote token account.
    pub quote: Pubkey,
    /// LP token account (after the pool exists).
    pub lp: Pubkey,
}

impl User {
    /// The SDK's view of this user's accounts.
    pub fn accounts(&self) -> UserAccounts {
        UserAccounts {
            owner: self.keypair.pubkey(),
            base: self.base,
            quote: self.quote,
            lp: self.lp,
        }
    }
}

/// The test world: one pair of mints, an oracle, and (after `initialize_pool`) a pool.
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
    /// The pool config pools are created under: the admin's (created by `start`). Tests
    /// of pools created by another authority point it at that authority's config.
    pub config: Pubkey,
    /// Pool index in the seeds.
    pub pool_index: u16,
    /// Current unix time of the runtime.
    pub now: i64,
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

/// A Pyth price in whole quote per whole base (e.g. 150.0), as `price · 10^8`.
pub fn pyth_price(whole: f64) -> i64 {
    (whole * 1e8).round() as i64
}

impl Harness {
    /// A fresh runtime with both mints (SPL Token), the oracle at 150.00 ± 0.05, time at
    /// `START_TIME`, and a funded admin and keeper.
    pub async fn start() -> Self {
        Self::start_with(MintSetup::default()).await
    }

    /// As `start`, choosing the mints' token programs.
    pub async fn start_with(mints: MintSetup) -> Self {
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
            pool_index: 0,
            now: START_TIME,
            nonce: 0,
        };
        harness.set_time(START_TIME);
        let admin = harness.admin.pubkey();
        let keeper = harness.keeper.pubkey();
        harness.airdrop(&admin, 10_000_000_000).await;
        harness.airdrop(&keeper, 1_000_000_000).await;
        let admin_key = harness.admin.insecure_clone();
        harness
            .send(&[ix::initialize_config(admin)], &[&admin_key])
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
        self.context
            .banks_client
            .process_transaction(transaction)
            .await
            .map_err(|error| error.unwrap())
    }

    /// Simulates the instructions (nothing is committed) and returns the payloads of the
    /// program's `emit_cpi!` events — inner self-invocations tagged with Anchor's
    /// `EVENT_IX_TAG` — in order, with the error the transaction would fail with.
    pub async fn simulate_events(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> (Vec<Vec<u8>>, Option<TransactionError>) {
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
        (events, error)
    }

    /// Moves the runtime's clock to `unix_timestamp`.
    pub fn set_time(&mut self, unix_timestamp: i64) {
        self.now = unix_timestamp;
        let clock = Clock {
            unix_timestamp,
            ..Clock::default()
        };
        self.context.set_sysvar(&clock);
    }

    /// Writes a new oracle account.
    pub fn set_oracle(&mut self, update: &PriceUpdate) {
        self.context
            .set_account(&self.oracle, &oracle_account(update).into());
    }

    /// Makes the pool `initialize_pool` creates next a two-feed pool: `oracle` prices base
    /// in USD, and a new quote/USD account (`QUOTE_FEED_ID`) holds `update`.
    pub fn use_quote_feed(&mut self, update: &PriceUpdate) {
        let address = Pubkey::new_unique();
        self.quote_oracle = Some(address);
        self.set_quote_oracle(update);
    }

    /// Writes the quote/USD oracle account (after [`Harness::use_quote_feed`]).
    pub fn set_quote_oracle(&mut self, update: &PriceUpdate) {
        let address = self.quote_oracle.expect("use_quote_feed first");
        self.context
            .set_account(&address, &oracle_account(update).into());
    }

    /// The price-update accounts swaps and rebalances pass.
    pub fn oracles(&self) -> ix::Oracles {
        ix::Oracles {
            oracle: self.oracle,
            quote_oracle: self.quote_oracle,
        }
    }

    /// The oracle account's current price update, decoded.
    pub async fn oracle_update(&mut self) -> PriceUpdate {
        self.price_update_at(self.oracle).await
    }

    /// Sets the oracle to `price ± conf` (Pyth units, expo −8) published now.
    pub fn set_price(&mut self, price: i64, conf: i64) {
        let update = price_update(price, conf, self.now);
        self.set_oracle(&update);
    }

    /// Lamports to an address.
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let from = self.context.payer.pubkey();
        self.send(&[system_instruction::transfer(&from, to, lamports)], &[])
            .await
            .expect("airdrop");
    }

    /// Creates a mint (authority: the payer) with optional Token-2022 extension setup; a
    /// `MintCloseAuthority` names the payer as close authority.
    pub async fn create_mint(
        &mut self,
        program: Pubkey,
        decimals: u8,
        extensions: &[ExtensionType],
    ) -> Pubkey {
        let payer = self.context.payer.pubkey();
        self.create_mint_with(program, decimals, extensions, Some(payer))
            .await
    }

    /// [`Harness::create_mint`] with the `MintCloseAuthority` extension's authority given
    /// (`None`: the extension is present, but nobody can close the mint).
    pub async fn create_mint_with(
        &mut self,
        program: Pubkey,
        decimals: u8,
        extensions: &[ExtensionType],
        close_authority: Option<Pubkey>,
    ) -> Pubkey {
        let mint = Keypair::new();
        let space = if extensions.is_empty() {
            spl_token_2022::state::Mint::LEN
        } else {
            ExtensionType::try_calculate_account_len::<spl_token_2022::state::Mint>(extensions)
                .expect("len")
        };
        let rent = self
            .context
            .banks_client
            .get_rent()
            .await
            .expect("rent")
            .minimum_balance(space);
        let payer = self.context.payer.pubkey();
        let mut instructions = vec![system_instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent,
            space as u64,
            &program,
        )];
        for extension in extensions {
            match extension {
                ExtensionType::TransferFeeConfig => instructions.push(
                    spl_token_2022::extension::transfer_fee::instruction::initialize_transfer_fee_config(
                        &program, &mint.pubkey(), Some(&payer), Some(&payer), 100, 1_000_000,
                    )
                    .expect("fee config"),
                ),
                ExtensionType::MintCloseAuthority => instructions.push(
                    spl_token_2022::instruction::initialize_mint_close_authority(&program, &mint.pubkey(), close_authority.as_ref())
                        .expect("close authority"),
                ),
                ExtensionType::TransferHook => instructions.push(
                    spl_token_2022::extension::transfer_hook::instruction::initialize(
                        &program,
                        &mint.pubkey(),
                        Some(payer),
                        Some(Pubkey::new_unique()),
                    )
                    .expect("transfer hook"),
                ),
                other => panic!("test harness does not set up {other:?}"),
            }
        }
        instructions.push(
            spl_token_2022::instruction::initialize_mint2(
                &program,
                &mint.pubkey(),
                &payer,
                None,
                decimals,
            )
            .expect("init mint"),
        );
        self.send(&instructions, &[&mint])
            .await
            .expect("create mint");
        mint.pubkey()
    }

    /// Creates a token account for `mint` owned by `owner`.
    pub async fn create_token_account(&mut self, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let program = self.program_of(mint).await;
        let space = if program == TOKEN {
            spl_token_2022::state::Account::LEN
        } else {
            let mint_data = self
                .context
                .banks_client
                .get_account(*mint)
                .await
                .expect("rpc")
                .expect("mint");
            let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&mint_data.data)
                .expect("mint");
            let mint_extensions = state.get_extension_types().expect("extensions");
            let required = ExtensionType::get_required_init_account_extensions(&mint_extensions);
            ExtensionType::try_calculate_account_len::<spl_token_2022::state::Account>(&required)
                .expect("len")
        };
        let rent = self
            .context
            .banks_client
            .get_rent()
            .await
            .expect("rent")
            .minimum_balance(space);
        let payer = self.context.payer.pubkey();
        self.send(
            &[
                system_instruction::create_account(
                    &payer,
                    &account.pubkey(),
                    rent,
                    space as u64,
                    &program,
                ),
                spl_token_2022::instruction::initialize_account3(
                    &program,
                    &account.pubkey(),
                    mint,
                    owner,
                )
                .expect("init account"),
            ],
            &[&account],
        )
        .await
        .expect("create token account");
        account.pubkey()
    }

    /// Mints `amount` to a token account (the payer is every test mint's authority).
    pub async fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let program = self.program_of(mint).await;
        let payer = self.context.payer.pubkey();
        self.send(
            &[
                spl_token_2022::instruction::mint_to(&program, mint, to, &payer, &[], amount)
                    .expect("mint_to"),
            ],
            &[],
        )
        .await
        .expect("mint to");
    }

    /// Transfers `amount` between token accounts of `mint`, signed by `owner`.
    pub async fn transfer(
        &mut self,
        mint: &Pubkey,
        from: &Pubkey,
        to: &Pubkey,
        owner: &Keypair,
        amount: u64,
    ) {
        let program = self.program_of(mint).await;
        let decimals = if *mint == self.base_mint {
            BASE_DECIMALS
        } else {
            QUOTE_DECIMALS
        };
        let ix = spl_token_2022::instruction::transfer_checked(
            &program,
            from,
            mint,
            to,
            &owner.pubkey(),
            &[],
            amount,
            decimals,
        )
        .expect("transfer");
        self.send(&[ix], &[owner]).await.expect("transfer");
    }

    /// Value of `base` and `quote` atoms in quote atoms at 150 USDC per SOL.
    pub fn value_at_150(base: u64, quote: u64) -> u128 {
        u128::from(base) * 150 / 1_000 + u128::from(quote)
    }

    /// The owner program of an account.
    pub async fn program_of(&mut self, address: &Pubkey) -> Pubkey {
        self.context
            .banks_client
            .get_account(*address)
            .await
            .expect("rpc")
            .expect("account exists")
            .owner
    }

    /// A user holding `base` and `quote` atoms (and an LP account once the pool exists).
    pub async fn new_user(&mut self, base: u64, quote: u64) -> User {
        let keypair = Keypair::new();
        let owner = keypair.pubkey();
        self.airdrop(&owner, 100_000_000).await;
        let (base_mint, quote_mint) = (self.base_mint, self.quote_mint);
        let base_account = self.create_token_account(&base_mint, &owner).await;
        let quote_account = self.create_token_account(&quote_mint, &owner).await;
        if base > 0 {
            self.mint_to(&base_mint, &base_account, base).await;
        }
        if quote > 0 {
            self.mint_to(&quote_mint, &quote_account, quote).await;
        }
        let lp = if self.account_exists(&self.lp_mint()).await {
            let lp_mint = self.lp_mint();
            self.create_token_account(&lp_mint, &owner).await
        } else {
            Pubkey::default()
        };
        User {
            keypair,
            base: base_account,
            quote: quote_account,
            lp,
        }
    }

    /// Whether an account exists.
    pub async fn account_exists(&mut self, address: &Pubkey) -> bool {
        self.context
            .banks_client
            .get_account(*address)
            .await
            .expect("rpc")
            .is_some()
    }

    /// Token balance of a token account (either program).
    pub async fn balance(&mut self, account: &Pubkey) -> u64 {
        let data = self
            .context
            .banks_client
            .get_account(*account)
            .await
            .expect("rpc")
            .expect("token account")
            .data;
        StateWithExtensions::<spl_token_2022::state::Account>::unpack(&data)
            .expect("token account")
            .base
            .amount
    }

    /// Supply of a mint.
    pub async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let data = self
            .context
            .banks_client
            .get_account(*mint)
            .await
            .expect("rpc")
            .expect("mint")
            .data;
        StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .expect("mint")
            .base
            .supply
    }

    /// The pool account, decoded.
    pub async fn pool_state(&mut self) -> Pool {
        let data = self
            .context
            .banks_client
            .get_account(self.pool())
            .await
            .expect("rpc")
            .expect("pool")
            .data;
        *bytemuck::from_bytes::<Pool>(&data[8..Pool::SPACE])
    }

    /// The SDK's snapshot of the pool as a swap would see it now with `update`.
    pub async fn snapshot(&mut self, update: &PriceUpdate) -> PoolSnapshot {
        let (base_vault, quote_vault) = (self.base_vault(), self.quote_vault());
        PoolSnapshot {
            pool: self.pool_state().await,
            base_vault: self.balance(&base_vault).await,
            quote_vault: self.balance(&quote_vault).await,
            oracle: *update,
            quote_oracle: match self.quote_oracle {
                Some(address) => Some(self.price_update_at(address).await),
                None => None,
            },
            now: self.now,
        }
    }

    /// The price update held at `address`.
    pub async fn price_update_at(&mut self, address: Pubkey) -> PriceUpdate {
        let account = self
            .context
            .banks_client
            .get_account(address)
            .await
            .expect("rpc")
            .expect("oracle account");
        PriceUpdate::decode(&account.data).expect("a PriceUpdateV2")
    }

    /// What the program will execute for a swap now, quoted off-chain by the SDK from the
    /// same account data: the expectation every swap test checks against.
    pub async fn expected_swap(
        &mut self,
        update: &PriceUpdate,
        direction: Direction,
        exact_in: bool,
        amount: u64,
    ) -> homeostat_sdk::Result<SwapQuote> {
        let snapshot = self.snapshot(update).await;
        if exact_in {
            snapshot.quote_exact_in(direction, amount)
        } else {
            snapshot.quote_exact_out(direction, amount)
        }
    }

    // ---- addresses ----

    /// Every address of the pool under test.
    pub fn addresses(&self) -> PoolAddresses {
        PoolAddresses::derive(
            self.config,
            self.base_mint,
            self.quote_mint,
            self.pool_index,
            self.base_token_program,
            self.quote_token_program,
        )
    }
    /// Pool PDA.
    pub fn pool(&self) -> Pubkey {
        self.addresses().pool
    }
    /// Base vault.
    pub fn base_vault(&self) -> Pubkey {
        self.addresses().base_vault
    }
    /// Quote vault.
    pub fn quote_vault(&self) -> Pubkey {
        self.addresses().quote_vault
    }
    /// LP mint PDA.
    pub fn lp_mint(&self) -> Pubkey {
        self.addresses().lp_mint
    }
    /// Anchor's event authority PDA.
    pub fn event_authority() -> Pubkey {
        pda::event_authority()
    }

    // ---- one client per instruction (built by the SDK) ----

    /// `initialize_pool` instruction.
    pub fn initialize_pool_ix(&self, params: PoolParams) -> Instruction {
        let args = InitializePoolArgs {
            pool_index: self.pool_index,
            feed_id: FEED_ID,
            quote_feed_id: if self.quote_oracle.is_some() {
                QUOTE_FEED_ID
            } else {
                [0; 32]
            },
            keeper: self.keeper.pubkey(),
            initial_variance: INITIAL_VARIANCE,
            params,
        };
        ix::initialize_pool(&self.addresses(), self.admin.pubkey(), self.oracles(), args)
    }

    /// Creates the pool.
    pub async fn initialize_pool(&mut self, params: PoolParams) -> Result<(), TransactionError> {
        let ix = self.initialize_pool_ix(params);
        let admin = self.admin.insecure_clone();
        self.send(&[ix], &[&admin]).await
    }

    /// Deposits.
    pub async fn deposit(
        &mut self,
        user: &User,
        max_base: u64,
        max_quote: u64,
        min_shares: u64,
    ) -> Result<(), TransactionError> {
        let ix = ix::deposit(
            &self.addresses(),
            &user.accounts(),
            DepositArgs {
                max_base,
                max_quote,
                min_shares,
            },
        );
        self.send(&[ix], &[&user.keypair]).await
    }

    /// Withdraws.
    pub async fn withdraw(
        &mut self,
        user: &User,
        shares: u64,
        min_base: u64,
        min_quote: u64,
    ) -> Result<(), TransactionError> {
        let ix = ix::withdraw(
            &self.addresses(),
            &user.accounts(),
            WithdrawArgs {
                shares,
                min_base,
                min_quote,
            },
        );
        self.send(&[ix], &[&user.keypair]).await
    }

    /// Swap accounts for a trader (to substitute one in tests).
    pub fn swap_accounts(&self, user: &User) -> homeostat::accounts::Swap {
        ix::swap_accounts(&self.addresses(), self.oracles(), &user.accounts())
    }

    /// `swap_exact_in` with explicit accounts.
    pub async fn swap_exact_in_with(
        &mut self,
        user: &User,
        accounts: homeostat::accounts::Swap,
        direction: u8,
        amount_in: u64,
        min_amount_out: u64,
    ) -> Result<(), TransactionError> {
        let ix = Instruction {
            program_id: homeostat::ID,
            accounts: accounts.to_account_metas(None),
            data: homeostat::instruction::SwapExactIn {
                args: SwapExactInArgs {
                    direction,
                    amount_in,
                    min_amount_out,
                },
            }
            .data(),
        };
        self.send(&[ix], &[&user.keypair]).await
    }

    /// `swap_exact_in`: direction 0 sells base, 1 buys base.
    pub async fn swap_exact_in(
        &mut self,
        user: &User,
        direction: u8,
        amount_in: u64,
        min_amount_out: u64,
    ) -> Result<(), TransactionError> {
        let accounts = self.swap_accounts(user);
        self.swap_exact_in_with(user, accounts, direction, amount_in, min_amount_out)
            .await
    }

    /// `swap_exact_out`.
    pub async fn swap_exact_out(
        &mut self,
        user: &User,
        direction: u8,
        amount_out: u64,
        max_amount_in: u64,
    ) -> Result<(), TransactionError> {
        let ix = Instruction {
            program_id: homeostat::ID,
            accounts: self.swap_accounts(user).to_account_metas(None),
            data: homeostat::instruction::SwapExactOut {
                args: SwapExactOutArgs {
                    direction,
                    amount_out,
                    max_amount_in,
                },
            }
            .data(),
        };
        self.send(&[ix], &[&user.keypair]).await
    }

    /// `update_params`, signed by `signer`.
    pub async fn update_params(
        &mut self,
        signer: &Keypair,
        params: PoolParams,
    ) -> Result<(), TransactionError> {
        let ix = ix::update_params(self.pool(), signer.pubkey(), params);
        self.send(&[ix], &[signer]).await
    }

    /// `set_paused`, signed by `signer`.
    pub async fn set_paused(
        &mut self,
        signer: &Keypair,
        paused: bool,
    ) -> Result<(), TransactionError> {
        let ix = ix::set_paused(self.pool(), signer.pubkey(), paused);
        self.send(&[ix], &[signer]).await
    }

    /// `propose_admin`, signed by `signer`.
    pub async fn propose_admin(
        &mut self,
        signer: &Keypair,
        new_admin: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix = ix::propose_admin(self.pool(), signer.pubkey(), new_admin);
        self.send(&[ix], &[signer]).await
    }

    /// `accept_admin`, signed by `signer`.
    pub async fn accept_admin(&mut self, signer: &Keypair) -> Result<(), TransactionError> {
        let ix = ix::accept_admin(self.pool(), signer.pubkey());
        self.send(&[ix], &[signer]).await
    }

    /// `set_keeper`, signed by `signer`.
    pub async fn set_keeper(
        &mut self,
        signer: &Keypair,
        new_keeper: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix = ix::set_keeper(self.pool(), signer.pubkey(), new_keeper);
        self.send(&[ix], &[signer]).await
    }

    /// `rebalance`, signed by `signer`.
    pub fn rebalance_ix(&self, signer: &Pubkey) -> Instruction {
        ix::rebalance(&self.addresses(), self.oracles(), *signer)
    }

    /// `rebalance`, signed by `signer`.
    pub async fn rebalance(&mut self, signer: &Keypair) -> Result<(), TransactionError> {
        let ix = self.rebalance_ix(&signer.pubkey());
        self.send(&[ix], &[signer]).await
    }

    /// `record_hedge`, signed by `signer`.
    pub async fn record_hedge(
        &mut self,
        signer: &Keypair,
        seq: u64,
        filled_base: i64,
        avg_price: i128,
    ) -> Result<(), TransactionError> {
        let ix = ix::record_hedge(self.pool(), signer.pubkey(), seq, filled_base, avg_price);
        self.send(&[ix], &[signer]).await
    }

    /// `collect_protocol_fees`, signed by `signer`, paying into `base_destination` /
    /// `quote_destination`.
    pub async fn collect_protocol_fees(
        &mut self,
        signer: &Keypair,
        base_destination: Pubkey,
        quote_destination: Pubkey,
    ) -> Result<(), TransactionError> {
        let ix = ix::collect_protocol_fees(
            &self.addresses(),
            signer.pubkey(),
            base_destination,
            quote_destination,
        );
        self.send(&[ix], &[signer]).await
    }

    /// A pool created with `default_params` and seeded by an LP with 1 000 SOL and
    /// 150 000 USDC (balanced at 150). Returns the LP.
    pub async fn with_liquidity() -> (Self, User) {
        let mut harness = Self::start().await;
        let lp = harness.seeded_pool(default_params()).await;
        (harness, lp)
    }

    /// Creates pool `pool_index` with `params` and seeds it, as `with_liquidity` does, with
    /// 1 000 SOL and 150 000 USDC from a new LP. Returns the LP.
    pub async fn seeded_pool(&mut self, params: PoolParams) -> User {
        self.initialize_pool(params).await.expect("initialize pool");
        let lp = self.new_user(1_000 * ONE_BASE, 150_000 * ONE_QUOTE).await;
        self.deposit(&lp, 1_000 * ONE_BASE, 150_000 * ONE_QUOTE, 1)
            .await
            .expect("seed deposit");
        lp
    }
}

/// A fresh folder for one test's files (keypairs, journals), unique per process and call.
pub fn temp_folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!(
        "homeostat-{name}-{}-{}",
        std::process::id(),
        Keypair::new().pubkey()
    ));
    std::fs::create_dir_all(&folder).expect("temp folder");
    folder
}

/// `keypair` written to `folder/id.json` as `solana-keygen new` writes it.
pub fn keypair_file(keypair: &Keypair, folder: &std::path::Path) -> std::path::PathBuf {
    let path = folder.join("id.json");
    solana_keypair::write_keypair_file(keypair, &path).expect("write keypair");
    path
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

/// xorshift64*: a tiny deterministic generator for randomized tests, so a failure replays
/// from its seed.
pub struct XorShift(pub u64);

impl XorShift {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// A fully verified `PriceUpdateV2` for `FEED_ID` at exponent −8.
pub fn price_update(price: i64, conf: i64, publish_time: i64) -> PriceUpdate {
    PriceUpdate {
        write_authority: Pubkey::new_from_array([1; 32]),
        verification_level: VerificationLevel::Full,
        feed_id: FEED_ID,
        price,
        conf: conf.unsigned_abs(),
        exponent: PYTH_EXPONENT,
        publish_time,
        prev_publish_time: publish_time - 1,
        ema_price: price,
        ema_conf: conf.unsigned_abs(),
        posted_slot: 1,
    }
}

/// A fully verified quote/USD `PriceUpdateV2` for `QUOTE_FEED_ID` at exponent −8.
pub fn quote_price_update(price: i64, conf: i64, publish_time: i64) -> PriceUpdate {
    PriceUpdate {
        feed_id: QUOTE_FEED_ID,
        ..price_update(price, conf, publish_time)
    }
}

/// The account holding an encoded price update, owned by the Pyth receiver.
pub fn oracle_account(update: &PriceUpdate) -> Account {
    Account {
        lamports: 10_000_000,
        data: update.encode(),
        owner: PYTH_RECEIVER_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}

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
