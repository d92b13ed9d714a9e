use anchor_lang::prelude::*;

use crate::constants::{CONFIG_SEED, MAX_CHANGE_DELAY};
use crate::errors::HomeostatError;
use crate::events::ConfigInitialized;
use crate::state::Config;

/// Creates a pool config: the namespace pools are created in, and who may create them.
///
/// Pools live at `["pool", config, base_mint, quote_mint, index]`, and only the config's
/// authority may create pools under it, so the address a user or an aggregator expects —
/// the pool of a known config on a pair — cannot be taken by a stranger: a stranger's pools
/// sit under the stranger's own config, at other addresses (Orca Whirlpools'
/// `WhirlpoolsConfig` is the model).
///
/// Arguments of `initialize_config`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeConfigArgs {
    /// Seconds a change that loosens a pool's risk limits waits (`update_params`,
    /// `retarget`), at most `MAX_CHANGE_DELAY` (30 days); 0 applies every change at once.
    pub change_delay: u64,
    /// Unix time until which the config's pools accept price updates owned by the legacy
    /// Pyth receiver (0: never; a sunset for feeds not yet moved to the current receiver).
    pub legacy_receiver_until: i64,
}

/// Specification:
/// - `authority` signs and pays.
/// - `change_delay ≤ MAX_CHANGE_DELAY` (`InvalidParameter`).
/// - `config` is created at `["config", authority]` (a second one for the same authority
///   fails); its authority is `authority`.
/// - Emits `ConfigInitialized`.
#[event_cpi]
#[derive(Accounts)]
pub struct InitializeConfig<'info> {
    /// Payer and the config's authority.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The config.
    #[account(
        init,
        payer = authority,
        space = Config::SPACE,
        seeds = [CONFIG_SEED, authority.key().as_ref()],
        bump,
    )]
    pub config: Account<'info, Config>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Handler.
pub(crate) fn handle(ctx: Context<InitializeConfig>, args: InitializeConfigArgs) -> Result<()> {
    require!(
        args.change_delay <= MAX_CHANGE_DELAY,
        HomeostatError::InvalidParameter
    );
    let config = &mut ctx.accounts.config;
    config.authority = ctx.accounts.authority.key();
    config.bump = ctx.bumps.config;
    config.change_delay = args.change_delay;
    config.legacy_receiver_until = args.legacy_receiver_until;
    emit_cpi!(ConfigInitialized {
        config: config.key(),
        authority: config.authority,
        change_delay: config.change_delay,
        legacy_receiver_until: config.legacy_receiver_until,
    });
    Ok(())
}
