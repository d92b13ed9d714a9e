use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use homeostat_math::Reserves;

use crate::constants::*;
use crate::errors::HomeostatError;
use crate::events::PoolInitialized;
use crate::state::{Config, Pool, PoolIdentity, PoolParams, StoredFixed};
use crate::token::check_mint_extensions;

/// Arguments of `initialize_pool`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializePoolArgs {
    /// Distinguishes pools on the same pair (PDA seed).
    pub pool_index: u16,
    /// Pyth feed id pricing base in quote (e.g. SOL/USD for SOL/USDC, accepting
    /// USDC = USD), or base in USD when `quote_feed_id` is set.
    pub feed_id: [u8; 32],
    /// Pyth feed id of the quote token in USD (e.g. USDC/USD): the pool then prices base
    /// in quote as `feed_id ÷ quote_feed_id`. All zero for a single-feed pool.
    pub quote_feed_id: [u8; 32],
    /// Keeper authority.
    pub keeper: Pubkey,
    /// Starting variance estimate, clamped to the configured floor/ceiling.
    pub initial_variance: StoredFixed,
    /// All tunable parameters.
    pub params: PoolParams,
}

/// Creates a pool, its two vaults and its LP mint.
///
/// Specification:
/// - `admin` signs and pays; it is the `config`'s authority (`Unauthorized`: only a
///   config's authority creates pools under it) and becomes the pool's admin.
/// - `base_mint` and `quote_mint` are owned by the given token programs (SPL Token or
///   Token-2022), differ from each other, and carry no mint extension outside the
///   allowlist in `token.rs` (transfer fees and hooks are rejected:
///   `UnsupportedMintExtension`).
/// - `pool` is created at `["pool", config, base_mint, quote_mint, pool_index]` (a second
///   initialisation of the same PDA fails).
/// - `base_vault` / `quote_vault` are created at `["vault", pool, mint]`, owned by the
///   pool; `lp_mint` at `["lp_mint", pool]` under SPL Token, authority the pool.
/// - Every parameter is within its documented bounds (`InvalidParameter`).
/// - `oracle` is a fully verified Pyth `PriceUpdateV2` for `feed_id`, fresh and tight
///   enough under the new parameters; with a `quote_feed_id`, `quote_oracle` is one for
///   that feed (`QuoteOracleMismatch` when one is missing or extra; a quote feed equal to
///   the base feed is `InvalidParameter`); the price seeds the volatility estimate.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: InitializePoolArgs)]
pub struct InitializePool<'info> {
    /// Payer and admin: the config's authority.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The config the pool is created under.
    #[account(constraint = config.authority == admin.key() @ HomeostatError::Unauthorized)]
    pub config: Box<Account<'info, Config>>,
    /// Base mint.
    #[account(mint::token_program = base_token_program)]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Quote mint.
    #[account(
        mint::token_program = quote_token_program,
        constraint = quote_mint.key() != base_mint.key() @ HomeostatError::IdenticalMints,
    )]
    pub quote_mint: Box<InterfaceAccount<'info, Mint>>,
    /// The pool.
    #[account(
        init,
        payer = admin,
        space = Pool::SPACE,
        seeds = [POOL_SEED, config.key().as_ref(), base_mint.key().as_ref(), quote_mint.key().as_ref(), &args.pool_index.to_le_bytes()],
        bump,
    )]
    pub pool: AccountLoader<'info, Pool>,
    /// Base vault.
    #[account(
        init,
        payer = admin,
        seeds = [VAULT_SEED, pool.key().as_ref(), base_mint.key().as_ref()],
        bump,
        token::mint = base_mint,
        token::authority = pool,
        token::token_program = base_token_program,
    )]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// Quote vault.
    #[account(
        init,
        payer = admin,
        seeds = [VAULT_SEED, pool.key().as_ref(), quote_mint.key().as_ref()],
        bump,
        token::mint = quote_mint,
        token::authority = pool,
        token::token_program = quote_token_program,
    )]
    pub quote_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// LP share mint.
    #[account(
        init,
        payer = admin,
        seeds = [LP_MINT_SEED, pool.key().as_ref()],
        bump,
        mint::decimals = LP_DECIMALS,
        mint::authority = pool,
        mint::token_program = lp_token_program,
    )]
    pub lp_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: validated by `Pool::read_oracle` (owner, layout, verification, feed, age, confidence).
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the quote/USD print of a two-feed pool, validated like `oracle`; omitted
    /// (the program id in its place) for a single-feed pool.
    pub quote_oracle: Option<UncheckedAccount<'info>>,
    /// Token program of the base mint.
    pub base_token_program: Interface<'info, TokenInterface>,
    /// Token program of the quote mint.
    pub quote_token_program: Interface<'info, TokenInterface>,
    /// SPL Token, for the LP mint.
    #[account(address = anchor_spl::token::ID)]
    pub lp_token_program: Interface<'info, TokenInterface>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
    let accounts = &ctx.accounts;
    check_mint_extensions(&accounts.base_mint)?;
    check_mint_extensions(&accounts.quote_mint)?;
    let identity = PoolIdentity {
        config: accounts.config.key(),
        admin: accounts.admin.key(),
        keeper: args.keeper,
        mints: [accounts.base_mint.key(), accounts.quote_mint.key()],
        vaults: [accounts.base_vault.key(), accounts.quote_vault.key()],
        lp_mint: accounts.lp_mint.key(),
        decimals: [accounts.base_mint.decimals, accounts.quote_mint.decimals],
        feed_ids: [args.feed_id, args.quote_feed_id],
        pool_index: args.pool_index,
        bump: ctx.bumps.pool,
        change_delay: accounts.config.change_delay,
        legacy_receiver_until: accounts.config.legacy_receiver_until,
    };
    let coefficients = Pool::prepare_initialize(&args.params, &identity)?;
    let now = Clock::get()?.unix_timestamp;
    {
        let mut pool = accounts.pool.load_init()?;
        pool.book_initialize(&identity, &args.params, &coefficients);
        let oracle = pool.read_oracle(&accounts.oracle, accounts.quote_oracle.as_deref(), now)?;
        pool.start_volatility(args.initial_variance.get(), &oracle)?;
        pool.invariant_with_vaults(Reserves::default())?;
    }
    emit_cpi!(PoolInitialized {
        pool: ctx.accounts.pool.key(),
        config: ctx.accounts.config.key(),
        base_mint: ctx.accounts.base_mint.key(),
        quote_mint: ctx.accounts.quote_mint.key(),
        admin: ctx.accounts.admin.key(),
        keeper: args.keeper,
        feed_id: args.feed_id,
        quote_feed_id: args.quote_feed_id,
        params: args.params,
    });
    Ok(())
}
