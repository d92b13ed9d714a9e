//! How each [`Action`] runs: [`act`] moves the clock and hands the action to the part of
//! the program it exercises — trading, liquidity, the hedge loop, the pool's parameters,
//! its roles and fees, or the market (clock and price).

use homeostat::instructions::{DepositArgs, RecordHedgeArgs};
use homeostat::PoolParams;
use homeostat_localnet::{burn, fixed, Harness, SwapIn, SwapOut, BUY, ONE_BASE, SELL};
use homeostat_sdk::instructions::{apply_pending_changes, cancel_pending_changes};
use homeostat_sdk::pda::PoolAddresses;
use solana_signer::Signer;
use solana_transaction::TransactionError;

use super::strategy::{Action, By};
use super::{copy, publish, World};

/// What an action exercised (for the tally), and the program's answer.
type Outcome = (&'static str, Result<(), TransactionError>);

/// Runs `action`; the name of what it exercised for the tally.
pub(super) async fn act(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &mut World,
    action: &Action,
    fixed_price: bool,
) -> Outcome {
    // Every step the clock moves a second and the oracle publishes.
    let now = harness.now + 1;
    harness.set_time(now);
    match action {
        Action::Swap { .. } | Action::AliasedSwap { .. } => {
            trade(harness, pool, world, action).await
        }
        Action::Deposit { .. } | Action::Withdraw { .. } => {
            provide(harness, pool, world, action).await
        }
        Action::Rebalance(_) | Action::RecordHedge { .. } => {
            hedge(harness, pool, world, action).await
        }
        Action::SetPaused { .. }
        | Action::UpdateParams { .. }
        | Action::ApplyPending(_)
        | Action::CancelPending(_)
        | Action::Retarget { .. } => tune(harness, pool, world, action).await,
        Action::SetKeeper { .. }
        | Action::ProposeAdmin(_)
        | Action::AcceptAdmin(_)
        | Action::CollectFees(_) => administer(harness, pool, world, action).await,
        Action::Clock { seconds } => {
            harness.set_time(now + seconds);
            publish(harness, world.price);
            ("clock", Ok(()))
        }
        Action::Price { bps } => {
            if !fixed_price {
                world.price *= 1.0 + *bps as f64 / 10_000.0;
            }
            publish(harness, world.price);
            ("price", Ok(()))
        }
    }
}

/// `Swap` and `AliasedSwap`, at the current price.
async fn trade(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &World,
    action: &Action,
) -> Outcome {
    publish(harness, world.price);
    match *action {
        Action::Swap {
            trader,
            sell,
            exact_out,
            percent,
        } => {
            let trader = copy(&world.traders[trader]);
            let base = harness.balance(&trader.base).await;
            let quote = harness.balance(&trader.quote).await;
            let part = |amount: u64, divisor: u64| amount / 100 * percent / divisor + 1;
            let result = match (sell, exact_out) {
                (true, false) => {
                    harness
                        .swap_exact_in(
                            pool,
                            &trader,
                            SwapIn {
                                direction: SELL,
                                amount_in: part(base, 4),
                                min_amount_out: 1,
                            },
                        )
                        .await
                }
                (false, false) => {
                    harness
                        .swap_exact_in(
                            pool,
                            &trader,
                            SwapIn {
                                direction: BUY,
                                amount_in: part(quote, 4),
                                min_amount_out: 1,
                            },
                        )
                        .await
                }
                (true, true) => {
                    harness
                        .swap_exact_out(
                            pool,
                            &trader,
                            SwapOut {
                                direction: SELL,
                                amount_out: part(quote, 8),
                                max_amount_in: base,
                            },
                        )
                        .await
                }
                (false, true) => {
                    harness
                        .swap_exact_out(
                            pool,
                            &trader,
                            SwapOut {
                                direction: BUY,
                                amount_out: part(base, 8),
                                max_amount_in: quote,
                            },
                        )
                        .await
                }
            };
            ("swap", result)
        }
        Action::AliasedSwap { trader } => {
            let trader = copy(&world.traders[trader]);
            let mut accounts = harness.swap_accounts(pool, &trader);
            accounts.trader_base = pool.base_vault;
            (
                "aliased swap",
                harness
                    .swap_exact_in_with(
                        pool,
                        &trader,
                        accounts,
                        SwapIn {
                            direction: SELL,
                            amount_in: ONE_BASE,
                            min_amount_out: 1,
                        },
                    )
                    .await,
            )
        }
        _ => unreachable!("not a trade: {action:?}"),
    }
}

/// `Deposit` and `Withdraw`, by one of the LPs.
async fn provide(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &World,
    action: &Action,
) -> Outcome {
    match *action {
        Action::Deposit { lp, percent } => {
            let lp = copy(&world.lps[lp]);
            let base = harness.balance(&lp.base).await;
            let quote = harness.balance(&lp.quote).await;
            let args = DepositArgs {
                max_base: base / 100 * percent,
                max_quote: quote / 100 * percent,
                min_shares: 0,
            };
            ("deposit", harness.deposit(pool, &lp, args).await)
        }
        Action::Withdraw { lp, percent } => {
            let lp = copy(&world.lps[lp]);
            let shares = harness.lp_shares(pool, &lp).await;
            let args = burn(shares / 100 * percent + 1);
            ("withdraw", harness.withdraw(pool, &lp, args).await)
        }
        _ => unreachable!("not a deposit or withdrawal: {action:?}"),
    }
}

/// `Rebalance` and `RecordHedge`, by the keeper or the stranger.
async fn hedge(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &World,
    action: &Action,
) -> Outcome {
    let keeper = world.keeper.insecure_clone();
    match *action {
        Action::Rebalance(by) => {
            publish(harness, world.price);
            let signer = world.signer(by, &keeper);
            ("rebalance", harness.rebalance(pool, &signer).await)
        }
        Action::RecordHedge {
            by,
            wrong_seq,
            percent,
        } => {
            let state = harness.pool_state(pool).await;
            let requested = i64::from_le_bytes(state.pending_request_base);
            let args = RecordHedgeArgs {
                seq: wrong_seq.unwrap_or(state.rebalance_seq),
                filled_base: requested / 100 * percent,
                avg_price: state.pending_request_price,
            };
            let signer = world.signer(by, &keeper);
            (
                "record_hedge",
                harness.record_hedge(pool, &signer, args).await,
            )
        }
        _ => unreachable!("not a keeper action: {action:?}"),
    }
}

/// The pool's parameters and target, by the admin or the stranger: `SetPaused`,
/// `UpdateParams`, `ApplyPending`, `CancelPending`, `Retarget`.
async fn tune(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &World,
    action: &Action,
) -> Outcome {
    let admin = &world.admin;
    match *action {
        Action::SetPaused { by, paused } => {
            let signer = world.signer(by, admin);
            let result = harness.set_paused(pool, &signer, paused).await;
            ("set_paused", result)
        }
        Action::UpdateParams {
            by,
            fee_bps,
            cap_sol,
            max_trade_sol,
            min_half_spread_bp,
        } => {
            let current = harness.pool_state(pool).await.params;
            let params = PoolParams {
                fee_bps,
                inventory_cap: cap_sol * ONE_BASE,
                max_trade_base: max_trade_sol * ONE_BASE,
                min_half_spread: fixed(min_half_spread_bp, 10_000),
                ..current
            };
            let signer = world.signer(by, admin);
            let result = harness.update_params(pool, &signer, params).await;
            ("update_params", result)
        }
        Action::ApplyPending(by) => {
            let signer = world.signer(by, admin);
            let ix = apply_pending_changes(pool, signer.pubkey());
            (
                "apply_pending_changes",
                harness.send(&[ix], &[&signer]).await,
            )
        }
        Action::CancelPending(by) => {
            let signer = world.signer(by, admin);
            let ix = cancel_pending_changes(pool, signer.pubkey());
            (
                "cancel_pending_changes",
                harness.send(&[ix], &[&signer]).await,
            )
        }
        Action::Retarget { by, step_bps } => {
            let state = harness.pool_state(pool).await;
            let target = state.target_at_depth().unwrap_or(0);
            let new = (i128::from(target) * (10_000 + i128::from(step_bps)) / 10_000).max(0);
            let signer = world.signer(by, admin);
            (
                "retarget",
                harness.retarget(pool, &signer, new as u64).await,
            )
        }
        _ => unreachable!("not a parameter action: {action:?}"),
    }
}

/// The pool's roles and fees, by the admin or the stranger: `SetKeeper`, `ProposeAdmin`,
/// `AcceptAdmin`, `CollectFees`.
async fn administer(
    harness: &mut Harness,
    pool: &PoolAddresses,
    world: &World,
    action: &Action,
) -> Outcome {
    let admin = &world.admin;
    match *action {
        Action::SetKeeper { by, to_stranger } => {
            let new = if to_stranger {
                world.stranger.keypair.pubkey()
            } else {
                world.keeper.pubkey()
            };
            let signer = world.signer(by, admin);
            ("set_keeper", harness.set_keeper(pool, &signer, new).await)
        }
        Action::ProposeAdmin(by) => {
            let signer = world.signer(by, admin);
            let result = harness.propose_admin(pool, &signer, admin.pubkey()).await;
            ("propose_admin", result)
        }
        Action::AcceptAdmin(by) => {
            let signer = world.signer(by, admin);
            ("accept_admin", harness.accept_admin(pool, &signer).await)
        }
        Action::CollectFees(by) => {
            let (signer, destination) = match by {
                By::Authority => (admin.insecure_clone(), &world.admin_accounts),
                By::Stranger => (world.stranger.keypair.insecure_clone(), &world.stranger),
            };
            let (base, quote) = (destination.base, destination.quote);
            let result = harness
                .collect_protocol_fees(pool, &signer, base, quote)
                .await;
            ("collect_protocol_fees", result)
        }
        _ => unreachable!("not a role or fee action: {action:?}"),
    }
}
