//! The pool's creation and administration: its identity (`prepare_initialize` /
//! `book_initialize`), parameter changes and the changes waiting for their delay
//! (`prepare_update_params`, `prepare_apply_pending`, …), the pause, the authorities and
//! the protocol fees. Each handler checks with `prepare_*` and records with `book_*`; the
//! CLI runs the same checks before it signs.

use anchor_lang::prelude::*;
use homeostat_math::{Coefficients, Reserves};

use super::{Pool, PoolParams};
use crate::errors::HomeostatError;
use crate::events::Retargeted;

/// What a pool is bound to for its life, as `initialize_pool` fixes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolIdentity {
    /// The config the pool is created under.
    pub config: Pubkey,
    /// The admin.
    pub admin: Pubkey,
    /// The keeper.
    pub keeper: Pubkey,
    /// Base and quote mints.
    pub mints: [Pubkey; 2],
    /// Base and quote vaults.
    pub vaults: [Pubkey; 2],
    /// The LP share mint.
    pub lp_mint: Pubkey,
    /// Base and quote decimals.
    pub decimals: [u8; 2],
    /// The Pyth feed id, and the quote feed id of a two-feed pool (all zero otherwise).
    pub feed_ids: [[u8; 32]; 2],
    /// The pool's index in its PDA seeds.
    pub pool_index: u16,
    /// The pool PDA's bump.
    pub bump: u8,
    /// The config's `change_delay` and `legacy_receiver_until` at creation.
    pub change_delay: u64,
    /// See `change_delay`.
    pub legacy_receiver_until: i64,
}

/// What `update_params` does with new parameters (`Pool::prepare_update_params`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamsUpdate {
    /// They apply now, with these coefficients.
    Now(Coefficients),
    /// They loosen a risk limit: they wait until `effective_at` (Unix time).
    Pending {
        /// When `apply_pending_changes` may apply them.
        effective_at: i64,
    },
}

/// Which pending changes are due (`Pool::prepare_apply_pending`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueChanges {
    /// The pending parameters.
    pub params: bool,
    /// The pending retarget.
    pub target: bool,
}

impl Pool {
    /// The checks of creating a pool with `params` bound to `identity`: the parameters
    /// within bounds (`PoolParams::validate`, which also gives their coefficients); a
    /// quote feed different from the base feed (`InvalidParameter`).
    pub fn prepare_initialize(
        params: &PoolParams,
        identity: &PoolIdentity,
    ) -> Result<Coefficients> {
        let coefficients = params.validate()?;
        require!(
            identity.feed_ids[1] != identity.feed_ids[0],
            HomeostatError::InvalidParameter
        );
        Ok(coefficients)
    }

    /// Writes a new pool's identity and parameters (from `prepare_initialize`). The
    /// volatility estimate starts after the oracle is read (`start_volatility`).
    pub fn book_initialize(
        &mut self,
        identity: &PoolIdentity,
        params: &PoolParams,
        coefficients: &Coefficients,
    ) {
        self.set_params(params, coefficients);
        self.config = identity.config;
        self.admin = identity.admin;
        self.keeper = identity.keeper;
        [self.base_mint, self.quote_mint] = identity.mints;
        [self.base_vault, self.quote_vault] = identity.vaults;
        self.lp_mint = identity.lp_mint;
        [self.base_decimals, self.quote_decimals] = identity.decimals;
        [self.feed_id, self.quote_feed_id] = identity.feed_ids;
        self.pool_index = identity.pool_index;
        self.bump = identity.bump;
        self.pending.delay = identity.change_delay;
        self.legacy_receiver_until = identity.legacy_receiver_until;
    }

    /// The checks of `update_params` with `params` at `now`, and what it does — the one
    /// place they are written (the handler and the CLI's `pool update-params` call it):
    /// the parameters within bounds (`PoolParams::validate`); who may be an LP is fixed at
    /// creation (`InvalidParameter`: public LPs must never find their pool turned into one
    /// whose quotes credit a hedge they do not own); a change that loosens a risk limit
    /// waits `change_delay` (`ParamsUpdate::Pending`), any other applies now.
    pub fn prepare_update_params(&self, params: &PoolParams, now: i64) -> Result<ParamsUpdate> {
        let coefficients = params.validate()?;
        require!(
            params.lp_access == self.params.lp_access,
            HomeostatError::InvalidParameter
        );
        if self.pending.delay > 0 && params.loosens(&self.params) {
            return Ok(ParamsUpdate::Pending {
                effective_at: self.change_effective_at(now)?,
            });
        }
        Ok(ParamsUpdate::Now(coefficients))
    }

    /// Records `update`'s `params`: applied now (`apply_params`), or proposed.
    pub fn book_update_params(&mut self, params: &PoolParams, update: &ParamsUpdate) -> Result<()> {
        match *update {
            ParamsUpdate::Now(coefficients) => self.apply_params(params, &coefficients),
            ParamsUpdate::Pending { effective_at } => {
                (self.pending.params, self.pending.params_at) = (*params, effective_at);
                Ok(())
            }
        }
    }

    /// Records a retarget to `target_base` at the current depth proposed to apply at
    /// `effective_at` (a pool with a `change_delay`; `prepare_retarget` checked it).
    pub fn book_pending_retarget(&mut self, target_base: u64, effective_at: i64) {
        (
            self.pending.target_base,
            self.pending.target_shares,
            self.pending.target_at,
        ) = (target_base, self.total_shares, effective_at);
    }

    /// The checks of `apply_pending_changes` at `now`: something pending
    /// (`NoPendingChange`), and due (`ChangeNotDue`). Returns which changes are due.
    pub fn prepare_apply_pending(&self, now: i64) -> Result<DueChanges> {
        require!(self.has_pending_change(), HomeostatError::NoPendingChange);
        let due = |at: i64| at != 0 && now >= at;
        let changes = DueChanges {
            params: due(self.pending.params_at),
            target: due(self.pending.target_at),
        };
        require!(
            changes.params || changes.target,
            HomeostatError::ChangeNotDue
        );
        Ok(changes)
    }

    /// Applies the pending parameters and clears them. Returns the parameters before and
    /// after.
    pub fn book_pending_params(&mut self) -> Result<(PoolParams, PoolParams)> {
        let (old, new) = (self.params, self.pending.params);
        let coefficients = new.validate()?;
        self.apply_params(&new, &coefficients)?;
        self.clear_pending_params();
        Ok((old, new))
    }

    /// Applies the pending retarget of `pool` at `reserves` and `now`, and clears it.
    pub fn book_pending_target(
        &mut self,
        pool: Pubkey,
        reserves: Reserves,
        now: i64,
    ) -> Result<Retargeted> {
        let target = (self.pending.target_base, self.pending.target_shares);
        let event = self.retarget_to(pool, target, reserves, now)?;
        self.clear_pending_target();
        Ok(event)
    }

    /// The check of `cancel_pending_changes`: something pending (`NoPendingChange`).
    pub fn prepare_cancel_pending(&self) -> Result<()> {
        require!(self.has_pending_change(), HomeostatError::NoPendingChange);
        Ok(())
    }

    /// Clears every pending change.
    pub fn book_cancel_pending(&mut self) {
        self.clear_pending_params();
        self.clear_pending_target();
    }

    fn clear_pending_params(&mut self) {
        (self.pending.params, self.pending.params_at) =
            (<PoolParams as bytemuck::Zeroable>::zeroed(), 0);
    }

    fn clear_pending_target(&mut self) {
        (
            self.pending.target_base,
            self.pending.target_shares,
            self.pending.target_at,
        ) = (0, 0, 0);
    }

    /// Records the pause flag.
    pub fn book_paused(&mut self, paused: bool) {
        self.paused = u8::from(paused);
    }

    /// Records `new_admin` as the proposed admin.
    pub fn book_admin_proposal(&mut self, new_admin: Pubkey) {
        self.pending_admin = new_admin;
    }

    /// The check of `accept_admin` by `new_admin`: the proposed admin (`NoPendingAdmin`).
    pub fn prepare_admin_acceptance(&self, new_admin: &Pubkey) -> Result<()> {
        require!(
            self.pending_admin != Pubkey::default() && self.pending_admin == *new_admin,
            HomeostatError::NoPendingAdmin
        );
        Ok(())
    }

    /// Makes the proposed admin the admin. Returns the old one.
    pub fn book_admin_acceptance(&mut self) -> Pubkey {
        let old = self.admin;
        self.admin = self.pending_admin;
        self.pending_admin = Pubkey::default();
        old
    }

    /// Records `new_keeper` as the keeper. Returns the old one.
    pub fn book_keeper(&mut self, new_keeper: Pubkey) -> Pubkey {
        core::mem::replace(&mut self.keeper, new_keeper)
    }

    /// Clears the protocol fees owed. Returns them, base and quote atoms: what the
    /// collection transfers.
    pub fn book_protocol_fees_collected(&mut self) -> (u64, u64) {
        (
            core::mem::take(&mut self.protocol_fees_base),
            core::mem::take(&mut self.protocol_fees_quote),
        )
    }
}
