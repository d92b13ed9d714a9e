//! Liquidity and depth: deposits and withdrawals (`prepare_deposit` / `book_deposit`,
//! `prepare_withdraw` / `book_withdraw`),
//! the depth the skew, caps and target scale with, and retargeting.

use anchor_lang::prelude::*;
use homeostat_math::lp::{
    deposit_amounts, total_shares, withdraw_amounts, DepositAmounts, WithdrawAmounts,
};
use homeostat_math::{mul_div_u64, BaseAtoms, QuoteAtoms, Reserves, Rounding};

use super::Pool;
use crate::constants::*;
use crate::errors::{HomeostatError, MathResultExt};

impl Pool {
    /// The checks of a `retarget` to `target_base` at `now`, in the handler's order (the
    /// CLI runs them before signing): a step of at most `MAX_RETARGET_BPS` of the current
    /// target (`RetargetOutOfBounds`); in total, however many steps, within the cap of the
    /// first target, so the inventory a retarget creates never exceeds what trades could
    /// have (`RetargetBeyondCap`); at least `MIN_RETARGET_INTERVAL` after the last applied
    /// retarget (`RetargetTooSoon`).
    pub fn prepare_retarget(&self, target_base: u64, now: i64) -> Result<()> {
        let old = self.target_at_depth()?;
        let step = homeostat_math::mul_div_u64(
            old,
            MAX_RETARGET_BPS,
            homeostat_math::fees::BPS_DENOMINATOR,
            homeostat_math::Rounding::Down,
        )
        .math()?;
        require!(
            self.target_shares > 0
                && old > 0
                && target_base > 0
                && target_base.abs_diff(old) <= step,
            HomeostatError::RetargetOutOfBounds
        );
        require!(
            target_base.abs_diff(self.first_target_at_depth()?) <= self.cap_at_depth(),
            HomeostatError::RetargetBeyondCap
        );
        require!(
            self.last_retarget_time == 0
                || now.saturating_sub(self.last_retarget_time) >= MIN_RETARGET_INTERVAL,
            HomeostatError::RetargetTooSoon
        );
        Ok(())
    }

    /// Moves the target to `target_base` base atoms at `target_shares` shares, now: the
    /// step `retarget` takes (or `apply_pending_changes` for a pending retarget). Returns
    /// the `Retargeted` event of `pool` with the inventory before and after at `reserves`.
    pub fn retarget_to(
        &mut self,
        pool: Pubkey,
        (target_base, target_shares): (u64, u64),
        reserves: Reserves,
        now: i64,
    ) -> Result<crate::events::Retargeted> {
        let old_target_base = self.target_at_depth()?;
        let gross_position_before = self.gross_position(reserves)?;
        (self.target_base, self.target_shares) = (target_base, target_shares);
        self.last_retarget_time = now;
        self.invariant()?;
        Ok(crate::events::Retargeted {
            pool,
            old_target_base,
            new_target_base: self.target_at_depth()?,
            total_shares: self.total_shares,
            gross_position_before,
            gross_position_after: self.gross_position(reserves)?,
        })
    }

    /// Books a deposit that left `lp_supply` shares minted over `reserves`: the shares
    /// locked for good, and the new depth (`set_depth`) — the first deposit, and the
    /// admin's into an emptied pool, also fix the target. Returns the shares outstanding,
    /// locked ones included.
    pub fn book_deposit(&mut self, lp_supply: u64, reserves: Reserves) -> Result<u64> {
        let reopens = self.is_empty();
        self.shares_locked = 1;
        let total = total_shares(lp_supply, true).math()?;
        self.set_depth(total, reserves.base, reopens);
        Ok(total)
    }

    /// Books a withdrawal that left `lp_supply` shares minted over `reserves`: the new
    /// depth. Returns the shares outstanding, locked ones included.
    pub fn book_withdraw(&mut self, lp_supply: u64, reserves: Reserves) -> Result<u64> {
        let total = total_shares(lp_supply, self.shares_are_locked()).math()?;
        self.set_depth(total, reserves.base, false);
        Ok(total)
    }

    /// Records the pool's depth after a deposit or withdrawal: `total` shares outstanding
    /// (locked included) over `base` atoms of LP reserves. The first deposit also fixes the
    /// reference depth and the target, `base / total` base atoms per share: the pool starts
    /// at inventory 0. A deposit that `reopens` an emptied pool (the admin's, after only
    /// the locked shares were left) sets the target again: the dust the last LP left has
    /// the exit's composition only to the rounding of a few atoms, and the pool restarts
    /// at inventory 0 rather than at that rounding scaled up.
    fn set_depth(&mut self, total: u64, base: BaseAtoms, reopens: bool) {
        self.total_shares = total;
        if self.reference_shares == 0 {
            self.reference_shares = total;
        }
        if self.target_shares == 0 || reopens {
            (self.target_base, self.target_shares) = (base.get(), total);
            self.first_target[..8].copy_from_slice(&base.get().to_le_bytes());
            self.first_target[8..].copy_from_slice(&total.to_le_bytes());
        }
    }

    /// The first target (`first_target`) at the pool's current depth, base atoms, rounded
    /// down (0 without one).
    pub fn first_target_at_depth(&self) -> Result<u64> {
        let [base, shares] = [&self.first_target[..8], &self.first_target[8..]]
            .map(|bytes| <[u8; 8]>::try_from(bytes).map_or(0, u64::from_le_bytes));
        if shares == 0 {
            return Ok(0);
        }
        mul_div_u64(self.total_shares, base, shares, Rounding::Down).math()
    }

    /// The inventory cap at the pool's depth, base atoms (`inventory_cap · total_shares /
    /// reference_shares`, rounded down — what the swap's limits use).
    pub fn cap_at_depth(&self) -> u64 {
        self.scaled_to_depth(self.params.inventory_cap)
    }

    /// `amount · total_shares / reference_shares`, rounded down: an amount stated at the
    /// pool's first depth, at its current one.
    pub(crate) fn scaled_to_depth(&self, amount: u64) -> u64 {
        let (reference, total) = (self.reference_shares, self.total_shares);
        if reference == 0 || total == 0 || reference == total {
            return amount;
        }
        // Through the math crate's division: a compiled u128 division costs thousands of
        // units on SBF. Past u64 the amount is no limit at all.
        mul_div_u64(amount, total, reference, Rounding::Down).unwrap_or(u64::MAX)
    }

    /// Whether `owner` may add or take liquidity in this pool's access rule: anyone in a
    /// public pool, only the admin in an operator pool.
    fn admits(&self, owner: &Pubkey) -> bool {
        self.params.lp_access == LP_ACCESS_PUBLIC || *owner == self.admin
    }

    /// The checks and amounts of a deposit by `owner` of at most `max_base` / `max_quote`
    /// into the LPs' `reserves` with `lp_supply` shares minted — the one place they are
    /// written (the `deposit` handler and the SDK's quote call it): not paused
    /// (`PoolPaused`); an operator pool's deposits are its admin's (`DepositsRestricted`);
    /// the first deposit, and the first into an emptied pool, are the admin's
    /// (`FirstDepositByAdmin`: they fix the reference depth and the composition later LPs
    /// join at); then `homeostat_math::lp::deposit_amounts`.
    pub fn prepare_deposit(
        &self,
        owner: &Pubkey,
        reserves: Reserves,
        lp_supply: u64,
        (max_base, max_quote): (BaseAtoms, QuoteAtoms),
    ) -> Result<DepositAmounts> {
        require!(!self.is_paused(), HomeostatError::PoolPaused);
        require!(self.admits(owner), HomeostatError::DepositsRestricted);
        require!(
            *owner == self.admin || !self.is_empty(),
            HomeostatError::FirstDepositByAdmin
        );
        deposit_amounts(
            reserves,
            lp_supply,
            self.shares_are_locked(),
            max_base,
            max_quote,
        )
        .math()
    }

    /// The checks and amounts of `owner` burning `shares`: an operator pool's withdrawals
    /// are its admin's (`WithdrawalsRestricted`: its quotes credit the admin's hedge); then
    /// `homeostat_math::lp::withdraw_amounts`. Never the oracle, never refused for a pause.
    pub fn prepare_withdraw(
        &self,
        owner: &Pubkey,
        reserves: Reserves,
        lp_supply: u64,
        shares: u64,
    ) -> Result<WithdrawAmounts> {
        require!(self.admits(owner), HomeostatError::WithdrawalsRestricted);
        withdraw_amounts(reserves, lp_supply, self.shares_are_locked(), shares).math()
    }

    /// The target base at the pool's current depth, `⌊total_shares · target_base /
    /// target_shares⌋` atoms (0 without a target).
    pub fn target_at_depth(&self) -> Result<u64> {
        if self.target_shares == 0 {
            return Ok(0);
        }
        mul_div_u64(
            self.total_shares,
            self.target_base,
            self.target_shares,
            Rounding::Down,
        )
        .math()
    }
}
