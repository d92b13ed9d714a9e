//! The accounts every run starts from, identical in both runtimes: two mints, an oracle,
//! and funded wallets with their token accounts — written directly (no transactions), from
//! fixed keys, so every address, PDA bump and compute-unit count is the same run after run.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_option::COption;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::rent::Rent;
use anchor_spl::token::spl_token;
use homeostat::PoolParams;
use homeostat_localnet::{
    default_params, fixed, oracle_account, price_update, pyth_price, BASE_DECIMALS, QUOTE_DECIMALS,
    START_TIME,
};
use homeostat_math::ModelKind;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// SPL Token (or p-token, which runs at the same address).
pub const TOKEN: Pubkey = anchor_spl::token::ID;
/// One whole base token (9 decimals), atoms.
pub const ONE_BASE: u64 = 1_000_000_000;
/// One whole quote token (6 decimals), atoms.
pub const ONE_QUOTE: u64 = 1_000_000;
/// The admin's base atoms (first deposits of 1 000 base in up to three pools).
const ADMIN_BASE: u64 = 5_000 * ONE_BASE;
/// The admin's quote atoms.
const ADMIN_QUOTE: u64 = 750_000 * ONE_QUOTE;
/// Lamports every wallet starts with.
pub const WALLET_LAMPORTS: u64 = 1_000 * 1_000_000_000;

/// The three pricing models, with the parameters the program's op-count test uses.
pub const MODELS: [(&str, ModelKind); 3] = [
    ("AS", ModelKind::AvellanedaStoikov),
    ("GLFT", ModelKind::Glft),
    ("CP", ModelKind::ConstantProduct),
];

/// The pool parameters of `model`: localnet's default pool (a 1-SOL lot, 1 bp fee with 20 %
/// to the protocol, a ±10 SOL rebalance band), AS with a 600 s horizon.
pub fn params(model: ModelKind) -> PoolParams {
    let mut params = PoolParams {
        model_kind: model.into(),
        ..default_params()
    };
    if model == ModelKind::AvellanedaStoikov {
        params.horizon = fixed(600, 1);
    }
    params
}

/// A keypair from a one-byte tag (fixed keys: fixed addresses and PDA bumps).
pub fn keypair(tag: u8) -> Keypair {
    let mut seed = [tag; 32];
    seed[0] = 0x48; // 'H': away from all-equal byte patterns
    Keypair::new_from_array(seed)
}

/// An address that signs nothing (token accounts, the oracle), from a tag.
pub fn address(tag: u8) -> Pubkey {
    let mut bytes = [tag; 32];
    bytes[0] = 0xa0;
    Pubkey::new_from_array(bytes)
}

/// A wallet: its signer and its base and quote token accounts.
pub struct Wallet {
    /// The signer (and owner of its token accounts).
    pub keypair: Keypair,
    /// Base token account.
    pub base: Pubkey,
    /// Quote token account.
    pub quote: Pubkey,
}

impl Wallet {
    /// Its address.
    pub fn pubkey(&self) -> Pubkey {
        self.keypair.pubkey()
    }

    /// Its LP token account in the pool whose LP mint is `lp_mint` (written by
    /// [`lp_account`] after the pool exists).
    pub fn lp(&self, lp_mint: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[b"lp", self.pubkey().as_ref(), lp_mint.as_ref()], &TOKEN).0
    }

    /// The SDK's view of its accounts in a pool.
    pub fn accounts(&self, lp_mint: &Pubkey) -> homeostat_sdk::instructions::UserAccounts {
        homeostat_sdk::instructions::UserAccounts {
            owner: self.pubkey(),
            base: self.base,
            quote: self.quote,
            lp: self.lp(lp_mint),
        }
    }
}

/// The starting accounts and who is who.
pub struct Genesis {
    /// Every account to write before the first transaction.
    pub accounts: Vec<(Pubkey, Account)>,
    /// Pool admin: creates the config and the pools, makes the first deposits.
    pub admin: Wallet,
    /// Keeper of every pool.
    pub keeper: Keypair,
    /// Further wallets (LPs and traders).
    pub users: Vec<Wallet>,
    /// Base mint (9 decimals).
    pub base_mint: Pubkey,
    /// Quote mint (6 decimals).
    pub quote_mint: Pubkey,
    /// The Pyth `PriceUpdateV2` account.
    pub oracle: Pubkey,
}

/// Encoded SPL Token mint.
fn mint_account(authority: Pubkey, supply: u64, decimals: u8) -> Account {
    let mut data = vec![0; spl_token::state::Mint::LEN];
    spl_token::state::Mint {
        mint_authority: COption::Some(authority),
        supply,
        decimals,
        is_initialized: true,
        freeze_authority: COption::None,
    }
    .pack_into_slice(&mut data);
    token_program_account(data)
}

/// A rent-exempt account owned by the token program, holding `data`.
fn token_program_account(data: Vec<u8>) -> Account {
    Account {
        lamports: Rent::default().minimum_balance(data.len()),
        data,
        owner: TOKEN,
        executable: false,
        rent_epoch: 0,
    }
}

/// Encoded SPL Token account of `mint` owned by `owner`, holding `amount`.
pub fn token_account(mint: Pubkey, owner: Pubkey, amount: u64) -> Account {
    let mut data = vec![0; spl_token::state::Account::LEN];
    spl_token::state::Account {
        mint,
        owner,
        amount,
        delegate: COption::None,
        state: spl_token::state::AccountState::Initialized,
        is_native: COption::None,
        delegated_amount: 0,
        close_authority: COption::None,
    }
    .pack_into_slice(&mut data);
    token_program_account(data)
}

/// `wallet`'s empty LP token account for the LP mint `lp_mint`, at [`Wallet::lp`].
pub fn lp_account(wallet: &Wallet, lp_mint: Pubkey) -> (Pubkey, Account) {
    (
        wallet.lp(&lp_mint),
        token_account(lp_mint, wallet.pubkey(), 0),
    )
}

/// The oracle account: a verified `PriceUpdateV2` of `price ± conf` (Pyth units, 10⁻⁸)
/// published at `publish_time`.
pub fn oracle(price: i64, conf: i64, publish_time: i64) -> Account {
    oracle_account(&price_update(price, conf, publish_time))
}

/// The genesis: an admin with 5 000 base and 750 000 quote, a keeper, and `users` wallets
/// with 10 000 base and 2 000 000 quote each; the oracle at 150.00 ± 0.05 published at
/// `START_TIME`.
pub fn genesis(users: u8) -> Genesis {
    let wallet = |tag: u8,
                  base: u64,
                  quote: u64,
                  accounts: &mut Vec<(Pubkey, Account)>,
                  mints: (Pubkey, Pubkey)| {
        let keypair = keypair(tag);
        let (base_account, quote_account) = (address(tag), address(tag.wrapping_add(0x80)));
        accounts.push((
            keypair.pubkey(),
            Account::new(WALLET_LAMPORTS, 0, &anchor_lang::system_program::ID),
        ));
        accounts.push((base_account, token_account(mints.0, keypair.pubkey(), base)));
        accounts.push((
            quote_account,
            token_account(mints.1, keypair.pubkey(), quote),
        ));
        Wallet {
            keypair,
            base: base_account,
            quote: quote_account,
        }
    };
    let (base_mint, quote_mint) = (address(1), address(2));
    let mint_authority = keypair(3).pubkey();
    let mut accounts = Vec::new();
    let admin = wallet(
        10,
        ADMIN_BASE,
        ADMIN_QUOTE,
        &mut accounts,
        (base_mint, quote_mint),
    );
    let keeper = keypair(11);
    accounts.push((
        keeper.pubkey(),
        Account::new(WALLET_LAMPORTS, 0, &anchor_lang::system_program::ID),
    ));
    let users: Vec<Wallet> = (0..users)
        .map(|n| {
            wallet(
                20 + n,
                10_000 * ONE_BASE,
                2_000_000 * ONE_QUOTE,
                &mut accounts,
                (base_mint, quote_mint),
            )
        })
        .collect();
    let supply = |per_admin: u64, per_user: u64| per_admin + per_user * users.len() as u64;
    accounts.push((
        base_mint,
        mint_account(
            mint_authority,
            supply(ADMIN_BASE, 10_000 * ONE_BASE),
            BASE_DECIMALS,
        ),
    ));
    accounts.push((
        quote_mint,
        mint_account(
            mint_authority,
            supply(ADMIN_QUOTE, 2_000_000 * ONE_QUOTE),
            QUOTE_DECIMALS,
        ),
    ));
    let oracle_address = address(4);
    accounts.push((
        oracle_address,
        oracle(pyth_price(150.0), pyth_price(0.05), START_TIME),
    ));
    // Pyth Pro's storage account, trusting the local test signer.
    accounts.push((
        homeostat::oracle::pro::PYTH_PRO_STORAGE_ID,
        homeostat_localnet::pro_storage_account(&[(
            homeostat_localnet::pro_signer().pubkey(),
            i64::MAX,
        )]),
    ));
    Genesis {
        accounts,
        admin,
        keeper,
        users,
        base_mint,
        quote_mint,
        oracle: oracle_address,
    }
}
