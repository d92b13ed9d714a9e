//! Homeostat: an Anchor program running oracle-anchored liquidity pools whose quotes are
//! skewed by the pool's own inventory. Every number it quotes comes from `homeostat-math`.
#![allow(unexpected_cfgs)]
// Every amount is checked (`checked_*`, or `saturating_*` where a bound makes it exact and
// a comment says why): a wrapped amount is a drained pool.
#![deny(clippy::arithmetic_side_effects, clippy::integer_division)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod oracle;
pub mod state;
pub mod token;
pub mod trace;

pub use instructions::*;
pub use state::{PoolParams, StoredFixed};

declare_id!("7r8vRrScdz6x1v1gRHHyz73n3wGoDcPMZnDBHijTWsn5");

/// Re-exported so every consumer of the program quotes with the very same math.
pub use homeostat_math as math;

/// The program's entrypoint: `push_quote` — a quoter sends one every slot — on its
/// hand-checked path (`instructions::push_quote::fast_path`), every other instruction
/// through Anchor's `entry`. (Anchor's own entrypoint is off: the `fast-entrypoint`
/// feature, on by default, turns on `no-entrypoint`.)
pub fn process_instruction<'info>(
    program_id: &'info Pubkey,
    accounts: &'info [AccountInfo<'info>],
    data: &'info [u8],
) -> anchor_lang::solana_program::entrypoint::ProgramResult {
    match instructions::push_quote::fast_path(accounts, data) {
        Some(result) => result.map_err(Into::into),
        None => entry(program_id, accounts, data),
    }
}

#[cfg(all(feature = "fast-entrypoint", not(feature = "cpi")))]
anchor_lang::solana_program::entrypoint!(process_instruction);

#[program]
pub mod homeostat {
    use super::*;

    /// Creates a pool config (the namespace of pools its authority may create).
    pub fn initialize_config(
        ctx: Context<InitializeConfig>,
        args: InitializeConfigArgs,
    ) -> Result<()> {
        instructions::initialize_config::handle(ctx, args)
    }

    /// Creates a pool with its vaults and LP mint.
    pub fn initialize_pool(ctx: Context<InitializePool>, args: InitializePoolArgs) -> Result<()> {
        instructions::initialize_pool::handle(ctx, args)
    }

    /// Adds liquidity in the pool's proportions.
    pub fn deposit(ctx: Context<Liquidity>, args: DepositArgs) -> Result<()> {
        instructions::liquidity::deposit::handle(ctx, args)
    }

    /// Removes liquidity pro rata (works while paused and without the oracle).
    pub fn withdraw(ctx: Context<Liquidity>, args: WithdrawArgs) -> Result<()> {
        instructions::liquidity::withdraw::handle(ctx, args)
    }

    /// Swaps an exact input.
    pub fn swap_exact_in(ctx: Context<Swap>, args: SwapExactInArgs) -> Result<()> {
        instructions::swap::exact_in::handle(ctx, args)
    }

    /// Swaps for an exact output.
    pub fn swap_exact_out(ctx: Context<Swap>, args: SwapExactOutArgs) -> Result<()> {
        instructions::swap::exact_out::handle(ctx, args)
    }

    /// Replaces the tunable parameters (admin).
    pub fn update_params(ctx: Context<UpdateParams>, params: PoolParams) -> Result<()> {
        instructions::update_params::handle(ctx, params)
    }

    /// Pauses or resumes swaps and deposits (admin).
    pub fn set_paused(ctx: Context<SetPaused>, paused: bool) -> Result<()> {
        instructions::set_paused::handle(ctx, paused)
    }

    /// Proposes a new admin (admin).
    pub fn propose_admin(ctx: Context<ProposeAdmin>, new_admin: Pubkey) -> Result<()> {
        instructions::propose_admin::handle(ctx, new_admin)
    }

    /// Accepts a pending admin transfer (the proposed admin).
    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::accept_admin::handle(ctx)
    }

    /// Replaces the keeper authority (admin).
    pub fn set_keeper(ctx: Context<SetKeeper>, new_keeper: Pubkey) -> Result<()> {
        instructions::set_keeper::handle(ctx, new_keeper)
    }

    /// Requests a hedge when the net delta left its band (keeper).
    pub fn set_quoter(ctx: Context<SetQuoter>, new_quoter: Pubkey) -> Result<()> {
        instructions::set_quoter::handle(ctx, new_quoter)
    }

    pub fn push_quote(ctx: Context<PushQuote>, args: PushQuoteArgs) -> Result<()> {
        instructions::push_quote::handle(ctx, args)
    }

    pub fn set_pro_feeds(ctx: Context<SetProFeeds>, args: SetProFeedsArgs) -> Result<()> {
        instructions::set_pro_feeds::handle(ctx, args)
    }

    pub fn post_pro_price(ctx: Context<PostProPrice>, args: PostProPriceArgs) -> Result<()> {
        instructions::post_pro_price::handle(ctx, args)
    }

    pub fn rebalance(ctx: Context<Rebalance>) -> Result<()> {
        instructions::rebalance::handle(ctx)
    }

    /// Records the keeper's hedge for the pending request (keeper).
    pub fn record_hedge(ctx: Context<RecordHedge>, args: RecordHedgeArgs) -> Result<()> {
        instructions::record_hedge::handle(ctx, args)
    }

    /// Moves the pool's target base per share by a bounded step (admin).
    pub fn retarget(ctx: Context<Retarget>, args: RetargetArgs) -> Result<()> {
        instructions::retarget::handle(ctx, args)
    }

    /// Pays out the protocol fees owed (admin).
    pub fn collect_protocol_fees(ctx: Context<CollectProtocolFees>) -> Result<()> {
        instructions::collect_protocol_fees::handle(ctx)
    }

    /// Applies the pending changes that are due (admin).
    pub fn apply_pending_changes(ctx: Context<PendingChanges>) -> Result<()> {
        instructions::pending_changes::apply(ctx)
    }

    /// Withdraws every pending change (admin).
    pub fn cancel_pending_changes(ctx: Context<PendingChanges>) -> Result<()> {
        instructions::pending_changes::cancel(ctx)
    }
}
