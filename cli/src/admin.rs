//! `homeostat pool <admin command>`: every admin instruction from the command line. Each
//! checks what the program would (the wallet is the pool's admin — or its proposed admin
//! for `accept-admin` —, the parameters are in bounds) before anything is signed, and
//! `--dry-run` prints the exact change against the pool's current state instead of
//! sending it. Changes that loosen a risk limit wait the pool's `change_delay` as pending
//! changes (docs/instructions.md, "Pending changes"); the output says which.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::constants::MAX_RETARGET_BPS;
use homeostat::state::{ParamsUpdate, Pool};
use homeostat::PoolParams;
use homeostat_math::{ModelKind, Units};
use homeostat_sdk::cli_conventions::NotAKey;
use homeostat_sdk::instructions;
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use serde_json::{json, Value};
use solana_signer::Signer;

use crate::cluster::{parse_key, sent_json, Wallet};
use crate::pool_config::{ConfigFileError, PoolConfig};

/// Why an admin command failed: what the program would refuse, named before anything is
/// signed, or the cluster's or the SDK's error.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The node, an account or a transaction.
    #[error("{0}")]
    Sdk(#[from] SdkError),
    /// A flag that is not a key.
    #[error("{0}")]
    Key(#[from] NotAKey),
    /// The pool configuration file cannot be used.
    #[error("{0}")]
    Config(#[from] ConfigFileError),
    /// The pool's state could not be read as the program reads it.
    #[error("{0}")]
    State(#[from] anchor_lang::error::Error),
    /// The retarget's bound could not be computed.
    #[error("{0}")]
    Math(#[from] homeostat_math::MathError),
    /// The wallet may not make this change.
    #[error(
        "the wallet {signer} is not the pool's {role} ({authority}): the program would \
         refuse with Unauthorized"
    )]
    NotAuthority {
        /// The wallet.
        signer: Pubkey,
        /// `admin` or `proposed admin`.
        role: &'static str,
        /// Who may.
        authority: Pubkey,
    },
    /// Nothing to apply or cancel, or not yet due.
    #[error("the program would refuse it: {0}")]
    Pending(#[source] SdkError),
    /// An update the program would refuse.
    #[error(
        "{}: the program would refuse it: {source} (lp_access is fixed at creation: \
         {lp_access} here)",
        path.display()
    )]
    Update {
        /// The configuration file.
        path: PathBuf,
        /// The program's error.
        #[source]
        source: SdkError,
        /// The pool's `lp_access`.
        lp_access: u8,
    },
    /// A retarget step beyond `MAX_RETARGET_BPS` of the current target.
    #[error(
        "--target-base {target}: a retarget moves the target at most {step} base atoms \
         ({} % of the current {current}), so to within [{}, {}]: the program would refuse \
         with RetargetOutOfBounds",
        MAX_RETARGET_BPS / 100,
        current.saturating_sub(*step).max(1),
        current.saturating_add(*step)
    )]
    RetargetStep {
        /// `--target-base`.
        target: u64,
        /// The largest step.
        step: u64,
        /// The current target.
        current: u64,
    },
    /// A retarget beyond the inventory cap of the first target.
    #[error(
        "--target-base {target}: every retarget stays within the inventory cap ({cap} base \
         atoms at the current depth) of the first target ({first}), so within [{}, {}]: \
         the program would refuse with RetargetBeyondCap",
        first.saturating_sub(*cap),
        first.saturating_add(*cap)
    )]
    RetargetBeyondCap {
        /// `--target-base`.
        target: u64,
        /// The cap at the current depth.
        cap: u64,
        /// The first target at the current depth.
        first: u64,
    },
    /// A retarget before `MIN_RETARGET_INTERVAL` has passed.
    #[error(
        "a retarget applied at {last} (Unix time): the next may come from {next}, {} s from \
         now (cluster time {now}): the program would refuse with RetargetTooSoon",
        next.saturating_sub(*now)
    )]
    RetargetTooSoon {
        /// When the last retarget applied.
        last: i64,
        /// When the next may.
        next: i64,
        /// The cluster's time.
        now: i64,
    },
}

type Result<T> = std::result::Result<T, AdminError>;

/// What to do to the pool.
#[derive(Debug, Clone)]
pub enum Change {
    /// `set_paused(true)`.
    Pause,
    /// `set_paused(false)`.
    Unpause,
    /// `update_params` with the parameters of a pool configuration file.
    UpdateParams(PathBuf),
    /// `retarget` to hold this many base atoms at the current depth.
    Retarget(u64),
    /// `apply_pending_changes`.
    ApplyPending,
    /// `cancel_pending_changes`.
    CancelPending,
    /// `set_keeper`.
    SetKeeper(String),
    /// `set_quoter` (prop-AMM mode; the default key turns it off).
    SetQuoter(String),
    /// `set_pro_feeds`: the Pyth Pro feed and quote/USD feed (0: none).
    SetProFeeds(u32, u32),
    /// `propose_admin`.
    ProposeAdmin(String),
    /// `accept_admin` (signed by the proposed admin).
    AcceptAdmin,
    /// `collect_protocol_fees` to the wallet's associated token accounts.
    CollectFees,
}

/// Every parameter by name — the model and units by the names pool.toml uses (a code the
/// program does not know, as its number) — amounts in atoms, fixed point as decimals.
pub fn params_json(params: &PoolParams) -> Value {
    let model = ModelKind::try_from(params.model_kind)
        .map_or_else(|_| json!(params.model_kind), |kind| json!(kind.name()));
    let units = Units::try_from(params.units)
        .map_or_else(|_| json!(params.units), |units| json!(units.name()));
    json!({
        "model": model,
        "units": units,
        "risk_aversion": params.risk_aversion.get().to_f64(),
        "order_decay": params.order_decay.get().to_f64(),
        "arrival_intensity": params.arrival_intensity.get().to_f64(),
        "horizon": params.horizon.get().to_f64(),
        "min_half_spread": params.min_half_spread.get().to_f64(),
        "confidence_multiplier": params.confidence_multiplier.get().to_f64(),
        "age_multiplier": params.age_multiplier.get().to_f64(),
        "variance_floor": params.variance_floor.get().to_f64(),
        "variance_ceiling": params.variance_ceiling.get().to_f64(),
        "volatility_window": params.volatility_window,
        "volatility_grid": params.volatility_grid,
        "lot": params.lot,
        "inventory_cap": params.inventory_cap,
        "max_trade_base": params.max_trade_base,
        "max_oracle_age": params.max_oracle_age,
        "rebalance_band": params.rebalance_band,
        "min_rebalance_interval": params.min_rebalance_interval,
        "max_hedge_position": params.max_hedge_position,
        "fee_bps": params.fee_bps,
        "protocol_share_bps": params.protocol_share_bps,
        "max_confidence_bps": params.max_confidence_bps,
        "max_ema_deviation_bps": params.max_ema_deviation_bps,
        "hedge_credit_bps": params.hedge_credit_bps,
        "hedge_cost_bps": params.hedge_cost_bps,
        "depth_relief_bps": params.depth_relief_bps,
        "age_shrink_bps": params.age_shrink_bps,
        "quote_band_bps": params.quote_band_bps,
        "quote_fallback": params.quote_fallback,
        "lp_access": params.lp_access,
    })
}

/// The pool's pending changes (`null` when none).
pub fn pending_json(pool: &Pool) -> Value {
    json!({
        "change_delay": pool.pending.delay,
        "params": (pool.pending.params_at != 0).then(|| json!({
            "effective_at": pool.pending.params_at,
            "params": params_json(&pool.pending.params),
        })),
        "retarget": (pool.pending.target_at != 0).then(|| json!({
            "effective_at": pool.pending.target_at,
            "target_base": pool.pending.target_base,
            "at_shares": pool.pending.target_shares,
        })),
    })
}

/// `retarget`'s bounds, checked before signing and named with their values when hit
/// (the program's own checks, `instructions/retarget.rs`): a step of at most
/// `MAX_RETARGET_BPS` of the current target, and in total within the cap of the first.
fn retarget_bounds(state: &Pool, current: u64, target: u64) -> Result<()> {
    let step = homeostat_math::mul_div_u64(
        current,
        MAX_RETARGET_BPS,
        homeostat_math::fees::BPS_DENOMINATOR,
        homeostat_math::Rounding::Down,
    )?;
    if target == 0 || target.abs_diff(current) > step {
        return Err(AdminError::RetargetStep {
            target,
            step,
            current,
        });
    }
    let first = state.first_target_at_depth()?;
    let cap = state.cap_at_depth();
    if target.abs_diff(first) > cap {
        return Err(AdminError::RetargetBeyondCap { target, cap, first });
    }
    Ok(())
}

/// The fields that differ, `{ name: [old, new] }`.
fn params_diff(old: &PoolParams, new: &PoolParams) -> Value {
    let (old, new) = (params_json(old), params_json(new));
    let mut diff = serde_json::Map::new();
    if let (Some(old), Some(new)) = (old.as_object(), new.as_object()) {
        for (name, before) in old {
            if new.get(name) != Some(before) {
                diff.insert(name.clone(), json!([before, new[name]]));
            }
        }
    }
    Value::Object(diff)
}

/// Runs `change` on `pool` as the wallet.
pub async fn run(wallet: &Wallet, pool: &str, change: Change, dry_run: bool) -> Result<()> {
    let client = PoolClient::connect_for_liquidity(&wallet.url, parse_key("pool", pool)?)
        .await?
        .with_landing(wallet.landing);
    let state = client.liquidity().await?.pool;
    let signer = wallet.keypair.pubkey();
    let addresses = client.addresses;
    check_authority(&state, signer, &change)?;
    let (instruction, plan) = match &change {
        Change::Pause | Change::Unpause => {
            let paused = matches!(change, Change::Pause);
            (
                instructions::set_paused(addresses.pool, signer, paused),
                json!({ "paused": [state.is_paused(), paused], "effective": "now" }),
            )
        }
        Change::UpdateParams(path) => plan_update_params(path, &state, &addresses, signer)?,
        Change::Retarget(target) => plan_retarget(&client, &state, signer, *target).await?,
        Change::ApplyPending | Change::CancelPending => {
            plan_pending(
                &client,
                &state,
                signer,
                matches!(change, Change::ApplyPending),
            )
            .await?
        }
        Change::SetKeeper(keeper) => {
            let keeper = parse_key("keeper", keeper)?;
            (
                instructions::set_keeper(addresses.pool, signer, keeper),
                json!({ "keeper": [state.keeper.to_string(), keeper.to_string()], "effective": "now" }),
            )
        }
        Change::SetQuoter(quoter) => {
            let quoter = parse_key("quoter", quoter)?;
            (
                instructions::set_quoter(addresses.pool, signer, quoter),
                json!({ "quoter": [state.quoter.to_string(), quoter.to_string()], "effective": "now" }),
            )
        }
        Change::SetProFeeds(feed, quote_feed) => (
            instructions::set_pro_feeds(addresses.pool, signer, *feed, *quote_feed),
            json!({
                "pro_feeds": [
                    [state.pro.feed_id, state.pro.quote_feed_id],
                    [feed, quote_feed],
                ],
                "effective": "now",
            }),
        ),
        Change::ProposeAdmin(admin) => {
            let admin = parse_key("new-admin", admin)?;
            (
                instructions::propose_admin(addresses.pool, signer, admin),
                json!({ "pending_admin": [state.pending_admin.to_string(), admin.to_string()] }),
            )
        }
        Change::AcceptAdmin => (
            instructions::accept_admin(addresses.pool, signer),
            json!({ "admin": [state.admin.to_string(), signer.to_string()] }),
        ),
        Change::CollectFees => {
            let user = instructions::UserAccounts::associated(&addresses, signer);
            (
                instructions::collect_protocol_fees(&addresses, signer, user.base, user.quote),
                json!({
                    "base": state.protocol_fees_base,
                    "quote": state.protocol_fees_quote,
                    "to": { "base": user.base.to_string(), "quote": user.quote.to_string() },
                }),
            )
        }
    };
    let mut report = json!({ "pool": addresses.pool.to_string(), "plan": plan });
    if dry_run {
        report["dry_run"] = json!(true);
    } else {
        let mut batch = Vec::new();
        if matches!(change, Change::CollectFees) {
            batch = client.create_missing_accounts(signer, false).await?;
        }
        batch.push(instruction);
        let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
        report["sent"] = sent_json(&sent);
    }
    crate::render::print(&report);
    Ok(())
}

/// `apply_pending_changes` (`apply`) or `cancel_pending_changes`, checked as the program
/// would at the cluster's time, and the pending changes they concern.
async fn plan_pending(
    client: &PoolClient,
    state: &Pool,
    signer: Pubkey,
    apply: bool,
) -> Result<(Instruction, Value)> {
    let addresses = client.addresses;
    // The program's own checks: something pending, and for apply-pending due at
    // the cluster's time.
    let checked = if apply {
        state
            .prepare_apply_pending(client.cluster_time().await?)
            .map(drop)
    } else {
        state.prepare_cancel_pending()
    };
    checked.map_err(|error| AdminError::Pending(error.into()))?;
    let instruction = if apply {
        instructions::apply_pending_changes(&addresses, signer)
    } else {
        instructions::cancel_pending_changes(&addresses, signer)
    };
    Ok((
        instruction,
        json!({
            "pending": pending_json(state),
            "changes": (state.pending.params_at != 0)
                .then(|| params_diff(&state.params, &state.pending.params)),
        }),
    ))
}

/// Fails unless `signer` may make `change`: the pool's admin, or for `accept-admin` its
/// proposed admin.
fn check_authority(state: &Pool, signer: Pubkey, change: &Change) -> Result<()> {
    let (authority, role) = match change {
        Change::AcceptAdmin => (state.pending_admin, "proposed admin"),
        _ => (state.admin, "admin"),
    };
    if signer == authority {
        return Ok(());
    }
    Err(AdminError::NotAuthority {
        signer,
        role,
        authority,
    })
}

/// `update_params` from the pool configuration at `path`, checked as the program would,
/// and the changes it makes.
fn plan_update_params(
    path: &std::path::Path,
    state: &Pool,
    addresses: &PoolAddresses,
    signer: Pubkey,
) -> Result<(Instruction, Value)> {
    // Within the program's bounds (`PoolConfig::params` checks them).
    let (params, _) = PoolConfig::read(path)?;
    // The program's own checks (bounds, lp_access fixed at creation, the delay); the
    // time only dates a pending change, which the report states relative to landing.
    let update = state
        .prepare_update_params(&params, 0)
        .map_err(|error| AdminError::Update {
            path: path.to_path_buf(),
            source: error.into(),
            lp_access: state.params.lp_access,
        })?;
    let waits = matches!(update, ParamsUpdate::Pending { .. });
    Ok((
        instructions::update_params(addresses.pool, signer, params),
        json!({
            "changes": params_diff(&state.params, &params),
            "effective": if waits {
                json!(format!("pending: loosens a risk limit, applicable {} s after it lands (apply-pending)", state.pending.delay))
            } else {
                json!("now")
            },
        }),
    ))
}

/// `retarget` to `target` base atoms, checked as the program would at the cluster's time,
/// and the change it makes.
async fn plan_retarget(
    client: &PoolClient,
    state: &Pool,
    signer: Pubkey,
    target: u64,
) -> Result<(Instruction, Value)> {
    let addresses = client.addresses;
    let current = state.target_at_depth()?;
    retarget_bounds(state, current, target)?;
    // The program's own checks at the cluster's time (the rate limit needs it).
    let now = client.cluster_time().await?;
    if state.prepare_retarget(target, now).is_err() {
        let next = state
            .last_retarget_time
            .saturating_add(homeostat::constants::MIN_RETARGET_INTERVAL);
        return Err(AdminError::RetargetTooSoon {
            last: state.last_retarget_time,
            next,
            now,
        });
    }
    Ok((
        instructions::retarget(&addresses, signer, target),
        json!({
            "target_base": [current, target],
            "effective": if state.pending.delay > 0 {
                json!(format!("pending: applicable {} s after it lands (apply-pending)", state.pending.delay))
            } else {
                json!("now")
            },
        }),
    ))
}
