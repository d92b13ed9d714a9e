//! The token world: mints (SPL Token or Token-2022, with extensions), token accounts,
//! users, balances.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::token_2022::spl_token_2022;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, ExtensionType, StateWithExtensions,
};
use homeostat_sdk::instructions::{create_associated_accounts, UserAccounts};
use homeostat_sdk::pda::PoolAddresses;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::Harness;

/// SPL Token program id.
pub const TOKEN: Pubkey = anchor_spl::token::ID;
/// Token-2022 program id.
pub const TOKEN_2022: Pubkey = anchor_spl::token_2022::ID;
/// Base decimals (SOL-like).
pub const BASE_DECIMALS: u8 = 9;
/// Quote decimals (USDC-like).
pub const QUOTE_DECIMALS: u8 = 6;
/// One whole base token, atoms.
pub const ONE_BASE: u64 = 1_000_000_000;
/// One whole quote token, atoms.
pub const ONE_QUOTE: u64 = 1_000_000;

/// A funded user with token accounts for both mints. Its LP account in a pool is the
/// associated token account of the pool's LP mint ([`User::lp`]), which `deposit` and
/// `withdraw` create when missing.
#[derive(Debug)]
pub struct User {
    /// Signer.
    pub keypair: Keypair,
    /// Base token account.
    pub base: Pubkey,
    /// Quote token account.
    pub quote: Pubkey,
}

impl User {
    /// The user's LP-share account in `pool`.
    pub fn lp(&self, pool: &PoolAddresses) -> Pubkey {
        get_associated_token_address_with_program_id(&self.keypair.pubkey(), &pool.lp_mint, &TOKEN)
    }

    /// The SDK's view of this user's accounts in `pool`.
    pub fn accounts(&self, pool: &PoolAddresses) -> UserAccounts {
        UserAccounts {
            owner: self.keypair.pubkey(),
            base: self.base,
            quote: self.quote,
            lp: self.lp(pool),
        }
    }
}

impl Harness {
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
        let rent = self.rent_exempt(space).await;
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
            let mint_data = self.account(mint, "mint").await;
            let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&mint_data.data)
                .expect("mint");
            let mint_extensions = state.get_extension_types().expect("extensions");
            let required = ExtensionType::get_required_init_account_extensions(&mint_extensions);
            ExtensionType::try_calculate_account_len::<spl_token_2022::state::Account>(&required)
                .expect("len")
        };
        let rent = self.rent_exempt(space).await;
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
        // A mint's decimals sit at byte 44 of its account (SPL Token and Token-2022).
        let decimals = self.account(mint, "mint").await.data[44];
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
        self.account(address, "account").await.owner
    }

    /// A user holding `base` and `quote` atoms.
    pub async fn new_user(&mut self, base: u64, quote: u64) -> User {
        self.user_of(Keypair::new(), base, quote).await
    }

    /// `keypair` as a user: funded, with token accounts holding `base` and `quote` atoms.
    pub async fn user_of(&mut self, keypair: Keypair, base: u64, quote: u64) -> User {
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
        User {
            keypair,
            base: base_account,
            quote: quote_account,
        }
    }

    /// `owner`'s associated token accounts for `pool`'s mints — created, the LP one too
    /// once the pool exists — holding `base` and `quote` atoms: where wallets and the CLI
    /// keep their tokens.
    pub async fn fund_associated(
        &mut self,
        pool: &PoolAddresses,
        owner: &Pubkey,
        base: u64,
        quote: u64,
    ) -> UserAccounts {
        let payer = self.context.payer.pubkey();
        let mut create = create_associated_accounts(pool, payer, *owner);
        if !self.account_exists(&pool.lp_mint).await {
            create.truncate(2);
        }
        self.send(&create, &[])
            .await
            .expect("associated token accounts");
        let accounts = UserAccounts::associated(pool, *owner);
        let (base_mint, quote_mint) = (pool.base_mint, pool.quote_mint);
        self.mint_to(&base_mint, &accounts.base, base).await;
        self.mint_to(&quote_mint, &accounts.quote, quote).await;
        accounts
    }

    /// Token balance of a token account (either program).
    pub async fn balance(&mut self, account: &Pubkey) -> u64 {
        let data = self.account(account, "token account").await.data;
        StateWithExtensions::<spl_token_2022::state::Account>::unpack(&data)
            .expect("token account")
            .base
            .amount
    }

    /// Supply of a mint.
    pub async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let data = self.account(mint, "mint").await.data;
        StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .expect("mint")
            .base
            .supply
    }
}
