//! Commands against a cluster (`--url`): create a pool, deposit, withdraw, quote and swap
//! with the same code the program runs, signing with a keypair file.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use homeostat::instructions::{DepositArgs, InitializePoolArgs, WithdrawArgs};
use homeostat_math::{Direction, SwapQuote};
use homeostat_sdk::cli_conventions::{read_keypair, resolve_url};
use homeostat_sdk::instructions::{self, Oracles, UserAccounts};
use homeostat_sdk::landing::{Landed, Landing};
use homeostat_sdk::quote::PoolSnapshot;
use homeostat_sdk::quote::{deposit_quote, max_in, min_out, withdraw_quote};
use homeostat_sdk::rpc::PoolClient;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::numbers::to_f64;
use crate::pool_config::PoolConfig;

pub(crate) fn parse_key(name: &str, value: &str) -> Result<Pubkey, String> {
    value
        .parse()
        .map_err(|_| format!("--{name}: `{value}` is not a base-58 public key"))
}

/// Bytes as lowercase hex (Pyth feed ids are written this way).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What identifies the pool to trade against, as typed: its oracle account and, for a
/// two-feed pool, the quote/USD account; optionally the authority whose config the pool
/// must live under.
#[derive(Clone, Copy, Debug)]
pub struct OracleKeys<'a> {
    /// `--oracle`.
    pub oracle: &'a str,
    /// `--quote-oracle`.
    pub quote_oracle: Option<&'a str>,
    /// `--config-authority`.
    pub config_authority: Option<&'a str>,
}

fn parse_oracles(keys: OracleKeys<'_>) -> Result<Oracles, String> {
    Ok(Oracles {
        oracle: parse_key("oracle", keys.oracle)?,
        quote_oracle: keys
            .quote_oracle
            .map(|key| parse_key("quote-oracle", key))
            .transpose()?,
    })
}

/// Connects to `pool` with its oracles, and checks it lives under the expected config
/// when `--config-authority` is given.
async fn connect(
    url: &str,
    pool: &str,
    keys: OracleKeys<'_>,
) -> Result<PoolClient, Box<dyn std::error::Error>> {
    let client = PoolClient::connect(url, parse_key("pool", pool)?, parse_oracles(keys)?).await?;
    if let Some(authority) = keys.config_authority {
        client.expect_config_authority(&parse_key("config-authority", authority)?)?;
    }
    Ok(client)
}

/// `homeostat pool show`.
pub async fn show(
    url: &str,
    pool: &str,
    oracles: OracleKeys<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = connect(url, pool, oracles).await?;
    let snapshot = client.snapshot().await?;
    let state = snapshot.pool;
    let reserves = snapshot.reserves()?;
    let context = snapshot
        .context()
        .map(|(_, prepared)| (prepared.oracle, prepared.context));
    let (mid, curve_text) = match &context {
        Ok((oracle, context)) => {
            let curve = match context.curve {
                homeostat_math::Curve::Linear(curve) => json!({
                    "half_spread": to_f64(curve.half_spread),
                    "skew": to_f64(curve.skew),
                }),
                homeostat_math::Curve::ConstantProduct(_) => json!("constant product"),
            };
            (json!(to_f64(oracle.mid)), curve)
        }
        Err(error) => (json!(null), json!(format!("no quote: {error}"))),
    };
    let ledger = state.hedge_ledger();
    let unrealized = context
        .as_ref()
        .ok()
        .and_then(|(oracle, _)| ledger.unrealized_pnl(oracle.mid, state.params.lot).ok());
    let report = json!({
        "pool": client.addresses.pool.to_string(),
        "base_mint": state.base_mint.to_string(),
        "quote_mint": state.quote_mint.to_string(),
        "admin": state.admin.to_string(),
        "keeper": state.keeper.to_string(),
        "paused": state.is_paused(),
        "model_kind": state.params.model_kind,
        "fee_bps": state.params.fee_bps,
        "lot": state.params.lot,
        "reserves": { "base": reserves.base, "quote": reserves.quote },
        "protocol_fees": { "base": state.protocol_fees_base, "quote": state.protocol_fees_quote },
        "feeds": {
            "feed_id": hex(&state.feed_id),
            "quote_feed_id": state.has_quote_feed().then(|| hex(&state.quote_feed_id)),
            // Until when the legacy Pyth receiver's accounts price the pool (0: never).
            "legacy_receiver_until": state.legacy_receiver_until,
        },
        "oracle_mid_per_lot": mid,
        "curve": curve_text,
        "lp_access": if state.params.lp_access == homeostat::constants::LP_ACCESS_OPERATOR {
            "operator"
        } else {
            "public"
        },
        "target_base": state.target_at_depth()?,
        "inventory": snapshot.inventory()?,
        "net_delta": snapshot.net_delta()?,
        "risk_position": snapshot.risk_position()?,
        "greeks": {
            // The LPs' book: its delta is the base it holds; its gamma is the model's
            // (`ModelKind::book_gamma_per_percent`, the figure `RebalanceRequested` reports).
            "gross_delta": reserves.base,
            "gamma_per_percent": state.params.model()?.book_gamma_per_percent(reserves.base),
        },
        "hedge_credit_bps": state.params.hedge_credit_bps,
        "hedge_position": state.hedge_position,
        "hedge": {
            "position": ledger.position,
            "entry_price_per_lot": to_f64(ledger.entry_price),
            "realized_pnl_quote_atoms": ledger.realized_pnl.to_string(),
            "unrealized_pnl_quote_atoms_at_oracle": unrealized.map(|pnl| pnl.to_string()),
        },
        "rebalance": { "seq": state.rebalance_seq, "recorded": state.recorded_seq },
        "params": crate::admin::params_json(&state.params),
        "pending_changes": crate::admin::pending_json(&state),
    });
    crate::render::print(&report);
    Ok(())
}

/// `homeostat quote`.
pub async fn quote(
    url: &str,
    pool: &str,
    oracles: OracleKeys<'_>,
    trade: Trade<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    let direction = parse_side(trade.side)?;
    let client = connect(url, pool, oracles).await?;
    let snapshot = client.snapshot().await?;
    let (quote, limit) = quote_with_limit(&snapshot, direction, &trade)?;
    crate::render::print(&json!({
        "side": trade.side,
        "exact_out": trade.exact_out,
        "amount_in": quote.amount_in,
        "amount_out": quote.amount_out,
        "fee": quote.fee.total,
        "protocol_fee": quote.fee.protocol,
        "inventory_before": quote.inventory_before,
        "inventory_after": quote.inventory_after,
        "slippage_limit": limit_json(&trade, limit),
    }));
    Ok(())
}

/// Where, as whom and how cluster commands send.
pub struct Wallet {
    /// JSON-RPC URL.
    pub url: String,
    /// The signer: fee payer, and owner of the token accounts used.
    pub keypair: Keypair,
    /// Compute budget, priority fee, commitment.
    pub landing: Landing,
}

impl Wallet {
    /// The cluster at `url` (or moniker), signing with the keypair file at `keypair_path`
    /// and sending with `landing`.
    pub fn open(url: &str, keypair_path: &str, landing: Landing) -> Result<Self, String> {
        Ok(Self {
            url: resolve_url(url),
            keypair: read_keypair(keypair_path)?,
            landing,
        })
    }
}

/// What one of the wallet's token accounts holds: checked before a transaction spends it,
/// so a shortfall is named rather than reported as SPL Token's error 1 from the simulation.
struct Holding<'a> {
    token: &'a str,
    account: Pubkey,
    held: u64,
}

impl Holding<'_> {
    /// `Ok` when the account holds `needed` atoms; else what it holds, what `spends` it
    /// and the `remedy`.
    fn covers(&self, needed: u64, spends: &str, remedy: &str) -> Result<(), String> {
        let Self {
            token,
            account,
            held,
        } = self;
        if *held >= needed {
            return Ok(());
        }
        Err(format!(
            "the wallet's {token} account {account} holds {held} atoms and {spends} {needed}: \
             fund it or {remedy}"
        ))
    }
}

/// What a sent transaction paid for: its signature and compute budget.
pub(crate) fn sent_json(landed: &Landed) -> serde_json::Value {
    json!({
        "signature": landed.signature,
        "compute_units": {
            "simulated": landed.simulated_units,
            "limit": landed.compute_unit_limit,
            "price_micro_lamports": landed.compute_unit_price,
        },
    })
}

/// What `pool create` and `pool bootstrap` share: the parameters checked against the
/// program's bounds, the pair, and the pool's addresses under the wallet's config.
struct NewPool {
    client: PoolClient,
    config: Pubkey,
    admin: Pubkey,
    keeper: Pubkey,
    params: homeostat::PoolParams,
    initial_variance: i128,
    change_delay: u64,
    legacy_receiver_until: i64,
}

/// A new pool as typed: its mints, oracle accounts, index, keeper and parameter file.
pub struct PoolSpec<'a> {
    /// `--base-mint`, `--quote-mint`.
    pub mints: (&'a str, &'a str),
    /// `--oracle`, `--quote-oracle`.
    pub oracles: OracleKeys<'a>,
    /// `--index`.
    pub index: u16,
    /// `--keeper` (default: the wallet).
    pub keeper: Option<&'a str>,
    /// `--config`.
    pub config_path: &'a Path,
    /// `--change-delay`: the delay a config created now fixes.
    pub change_delay: u64,
    /// `--legacy-receiver-until`: the legacy Pyth receiver's sunset a config created now
    /// fixes.
    pub legacy_receiver_until: i64,
}

/// The pool `spec` describes; nothing is read but the mints.
async fn new_pool(
    wallet: &Wallet,
    spec: &PoolSpec<'_>,
) -> Result<NewPool, Box<dyn std::error::Error>> {
    let PoolSpec {
        mints,
        oracles,
        index,
        keeper,
        config_path,
        change_delay,
        legacy_receiver_until,
    } = *spec;
    if change_delay > homeostat::constants::MAX_CHANGE_DELAY {
        return Err(format!(
            "--change-delay {change_delay}: at most {} s (30 days)",
            homeostat::constants::MAX_CHANGE_DELAY
        )
        .into());
    }
    let text = std::fs::read_to_string(config_path)
        .map_err(|error| format!("{}: {error}", config_path.display()))?;
    let (params, initial_variance) = PoolConfig::from_toml(&text)
        .and_then(|config| config.params())
        .map_err(|error| format!("{}: {error}", config_path.display()))?;
    let admin = wallet.keypair.pubkey();
    let keeper = keeper.map_or(Ok(admin), |key| parse_key("keeper", key))?;
    let (base_mint, quote_mint) = (
        parse_key("base-mint", mints.0)?,
        parse_key("quote-mint", mints.1)?,
    );
    if base_mint == quote_mint {
        return Err(
            "--base-mint and --quote-mint are the same mint: a pool trades two different tokens"
                .into(),
        );
    }
    // Pools live under the wallet's config: created with the pool if it does not exist.
    let config = homeostat_sdk::pda::config(&admin);
    let client = PoolClient::for_pair(
        &wallet.url,
        config,
        base_mint,
        quote_mint,
        index,
        parse_oracles(oracles)?,
    )
    .await?
    .with_landing(wallet.landing);
    Ok(NewPool {
        client,
        config,
        admin,
        keeper,
        params,
        initial_variance,
        change_delay,
        legacy_receiver_until,
    })
}

impl NewPool {
    /// `initialize_config` where the wallet has none, then `initialize_pool` with the
    /// oracle accounts' feeds.
    async fn instructions(
        &self,
    ) -> Result<
        Vec<anchor_lang::solana_program::instruction::Instruction>,
        Box<dyn std::error::Error>,
    > {
        let client = &self.client;
        let feed_id = client.price_update().await?.feed_id;
        let quote_feed_id = client
            .quote_price_update()
            .await?
            .map_or([0; 32], |update| update.feed_id);
        let args = InitializePoolArgs {
            pool_index: client.addresses.index,
            feed_id,
            quote_feed_id,
            keeper: self.keeper,
            initial_variance: self.initial_variance,
            params: self.params,
        };
        let mut batch = Vec::new();
        if !client.exists(self.config).await? {
            batch.push(instructions::initialize_config_with(
                self.admin,
                homeostat::instructions::InitializeConfigArgs {
                    change_delay: self.change_delay,
                    legacy_receiver_until: self.legacy_receiver_until,
                },
            ));
        }
        batch.push(instructions::initialize_pool(
            &client.addresses,
            self.admin,
            client.oracles,
            args,
        ));
        Ok(batch)
    }

    fn addresses_json(&self) -> serde_json::Value {
        let addresses = &self.client.addresses;
        json!({
            "pool": addresses.pool.to_string(),
            "config": self.config.to_string(),
            "base_vault": addresses.base_vault.to_string(),
            "quote_vault": addresses.quote_vault.to_string(),
            "lp_mint": addresses.lp_mint.to_string(),
            "admin": self.admin.to_string(),
            "keeper": self.keeper.to_string(),
        })
    }
}

/// `homeostat pool create`.
pub async fn create_pool(
    wallet: &Wallet,
    spec: &PoolSpec<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    let new = new_pool(wallet, spec).await?;
    let index = spec.index;
    let client = &new.client;
    if client.exists(client.addresses.pool).await? {
        return Err(format!(
            "pool {} (index {index} of this pair) already exists; pick another --index",
            client.addresses.pool
        )
        .into());
    }
    let feed_id = client.price_update().await?.feed_id;
    let batch = new.instructions().await?;
    let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
    let mut report = new.addresses_json();
    report["feed_id"] = json!(hex(&feed_id));
    report["sent"] = sent_json(&sent);
    crate::render::print(&report);
    Ok(())
}

/// `homeostat pool bootstrap`: the wallet's config, the pool and its seed liquidity, each
/// only where it is missing — run it again and nothing happens; `dry_run` prints the plan
/// and sends nothing. A pool that exists with other parameters is an error, not a change.
pub async fn bootstrap(
    wallet: &Wallet,
    spec: &PoolSpec<'_>,
    seed: (u64, u64),
    dry_run: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let new = new_pool(wallet, spec).await?;
    let config_path = spec.config_path;
    let client = &new.client;
    let owner = wallet.keypair.pubkey();
    let mut steps: Vec<(
        &str,
        Vec<anchor_lang::solana_program::instruction::Instruction>,
    )> = Vec::new();
    let exists = client.exists(client.addresses.pool).await?;
    let seeded = if exists {
        let liquidity = client.liquidity().await?;
        if bytemuck::bytes_of(&liquidity.pool.params) != bytemuck::bytes_of(&new.params) {
            return Err(format!(
                "pool {} exists with other parameters than {}: change them with update_params, \
                 or bootstrap another --index",
                client.addresses.pool,
                config_path.display()
            )
            .into());
        }
        liquidity.lp_supply > 0
    } else {
        steps.push(("create pool", new.instructions().await?));
        false
    };
    if !seeded && seed != (0, 0) {
        let user = UserAccounts::associated(&client.addresses, owner);
        for (needed, account, token) in [(seed.0, user.base, "base"), (seed.1, user.quote, "quote")]
        {
            let held = client.token_balance(account).await?.unwrap_or(0);
            Holding {
                token,
                account,
                held,
            }
            .covers(needed, "the seed deposit takes", "seed less")?;
        }
        let mut batch = client.create_missing_accounts(owner, true).await?;
        batch.push(instructions::deposit(
            &client.addresses,
            &user,
            DepositArgs {
                max_base: seed.0,
                max_quote: seed.1,
                min_shares: 1,
            },
        ));
        steps.push(("seed liquidity", batch));
    }
    let mut report = new.addresses_json();
    report["dry_run"] = json!(dry_run);
    let mut done = Vec::new();
    for (name, batch) in &steps {
        if dry_run {
            done.push(json!({ "step": name }));
        } else {
            let sent = client.send_landed(batch, &[&wallet.keypair]).await?;
            done.push(json!({ "step": name, "sent": sent_json(&sent) }));
        }
    }
    report["steps"] = json!(done);
    crate::render::print(&report);
    Ok(())
}

/// `homeostat deposit`: at most `max_base` / `max_quote` in the pool's proportions, from
/// the wallet's associated token accounts (created where missing).
pub async fn deposit(
    wallet: &Wallet,
    pool: &str,
    max_base: u64,
    max_quote: u64,
    slippage_bps: u16,
) -> Result<(), Box<dyn std::error::Error>> {
    // Liquidity instructions do not read the oracle.
    let client = PoolClient::connect_for_liquidity(&wallet.url, parse_key("pool", pool)?)
        .await?
        .with_landing(wallet.landing);
    let liquidity = client.liquidity().await?;
    let owner = wallet.keypair.pubkey();
    let expected = deposit_quote(
        &liquidity.pool,
        &owner,
        liquidity.reserves,
        liquidity.lp_supply,
        (max_base, max_quote),
    )?;
    let user = UserAccounts::associated(&client.addresses, owner);
    let mut batch = client.create_missing_accounts(owner, true).await?;
    let min_shares = min_out(expected.shares, slippage_bps);
    batch.push(instructions::deposit(
        &client.addresses,
        &user,
        DepositArgs {
            max_base,
            max_quote,
            min_shares,
        },
    ));
    for (needed, account, token) in [
        (expected.base, user.base, "base"),
        (expected.quote, user.quote, "quote"),
    ] {
        let held = client.token_balance(account).await?.unwrap_or(0);
        Holding {
            token,
            account,
            held,
        }
        .covers(needed, "this deposit takes", "deposit less")?;
    }
    let lp_before = client.token_balance(user.lp).await?.unwrap_or(0);
    let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
    let lp_after = client.token_balance(user.lp).await?.unwrap_or(0);
    crate::render::print(&json!({
        "sent": sent_json(&sent),
        "expected": { "base": expected.base, "quote": expected.quote, "shares": expected.shares },
        "min_shares": min_shares,
        "shares_received": lp_after.saturating_sub(lp_before),
        "lp_account": user.lp.to_string(),
    }));
    Ok(())
}

/// `homeostat withdraw`: burns `shares` (or every share the wallet holds) for both tokens.
pub async fn withdraw(
    wallet: &Wallet,
    pool: &str,
    shares: Option<u64>,
    slippage_bps: u16,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = PoolClient::connect_for_liquidity(&wallet.url, parse_key("pool", pool)?)
        .await?
        .with_landing(wallet.landing);
    let owner = wallet.keypair.pubkey();
    let user = UserAccounts::associated(&client.addresses, owner);
    let held = client.token_balance(user.lp).await?.unwrap_or(0);
    let shares = shares.unwrap_or(held);
    if shares == 0 || shares > held {
        return Err(format!(
            "cannot withdraw {shares} shares: the wallet's LP account {} holds {held}",
            user.lp
        )
        .into());
    }
    let liquidity = client.liquidity().await?;
    let expected = withdraw_quote(
        &liquidity.pool,
        &wallet.keypair.pubkey(),
        liquidity.reserves,
        liquidity.lp_supply,
        shares,
    )?;
    let (min_base, min_quote) = (
        min_out(expected.base, slippage_bps),
        min_out(expected.quote, slippage_bps),
    );
    let mut batch = client.create_missing_accounts(owner, true).await?;
    batch.push(instructions::withdraw(
        &client.addresses,
        &user,
        WithdrawArgs {
            shares,
            min_base,
            min_quote,
        },
    ));
    let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
    crate::render::print(&json!({
        "sent": sent_json(&sent),
        "shares": shares,
        "expected": { "base": expected.base, "quote": expected.quote },
        "min": { "base": min_base, "quote": min_quote },
    }));
    Ok(())
}

/// `homeostat swap`: quotes with the program's code, sends with the slippage limit, and
/// reports what the wallet's token accounts actually moved.
pub async fn swap(
    wallet: &Wallet,
    pool: &str,
    oracles: OracleKeys<'_>,
    trade: Trade<'_>,
) -> Result<(), Box<dyn std::error::Error>> {
    let direction = parse_side(trade.side)?;
    let client = connect(&wallet.url, pool, oracles)
        .await?
        .with_landing(wallet.landing);
    let snapshot = client.snapshot().await?;
    let owner = wallet.keypair.pubkey();
    let user = UserAccounts::associated(&client.addresses, owner);
    let (quote, limit) = quote_with_limit(&snapshot, direction, &trade)?;
    let build = if trade.exact_out {
        instructions::swap_exact_out
    } else {
        instructions::swap_exact_in
    };
    let mut batch = client.create_missing_accounts(owner, false).await?;
    batch.push(build(
        &client.addresses,
        client.oracles,
        &user,
        direction,
        trade.amount,
        limit,
    ));
    let balances = || async {
        Ok::<_, homeostat_sdk::SdkError>((
            client.token_balance(user.base).await?.unwrap_or(0),
            client.token_balance(user.quote).await?.unwrap_or(0),
        ))
    };
    let before = balances().await?;
    let (held, account, token) = match direction {
        Direction::BaseToQuote => (before.0, user.base, "base"),
        Direction::QuoteToBase => (before.1, user.quote, "quote"),
    };
    let most_paid = if trade.exact_out { limit } else { trade.amount };
    Holding {
        token,
        account,
        held,
    }
    .covers(most_paid, "this swap pays up to", "trade less")?;
    let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
    let after = balances().await?;
    let (paid, received) = match direction {
        Direction::BaseToQuote => (
            before.0.saturating_sub(after.0),
            after.1.saturating_sub(before.1),
        ),
        Direction::QuoteToBase => (
            before.1.saturating_sub(after.1),
            after.0.saturating_sub(before.0),
        ),
    };
    crate::render::print(&json!({
        "sent": sent_json(&sent),
        "side": trade.side,
        "quoted": { "amount_in": quote.amount_in, "amount_out": quote.amount_out, "fee": quote.fee.total },
        "slippage_limit": limit_json(&trade, limit),
        "paid": paid,
        "received": received,
    }));
    Ok(())
}

/// A trade's terms, as given on the command line.
pub struct Trade<'a> {
    /// `sell` or `buy` (base).
    pub side: &'a str,
    /// Input atoms (exact-in) or output atoms (exact-out).
    pub amount: u64,
    /// Whether `amount` is the output.
    pub exact_out: bool,
    /// Slippage tolerance, basis points.
    pub slippage_bps: u16,
}

/// The quote for a trade and the limit to send with it: the least output (exact-in) or
/// the most input (exact-out) within the slippage tolerance.
fn quote_with_limit(
    snapshot: &PoolSnapshot,
    direction: Direction,
    trade: &Trade<'_>,
) -> Result<(SwapQuote, u64), Box<dyn std::error::Error>> {
    let quoted = if trade.exact_out {
        snapshot
            .quote_exact_out(direction, trade.amount)
            .map(|quote| (quote, max_in(quote.amount_in, trade.slippage_bps)))
    } else {
        snapshot
            .quote_exact_in(direction, trade.amount)
            .map(|quote| (quote, min_out(quote.amount_out, trade.slippage_bps)))
    };
    quoted.map_err(|error| match &error {
        // A refusal for size says the limit it hit and what would trade.
        homeostat_sdk::SdkError::Math(math)
            if matches!(
                math.kind,
                homeostat_math::MathErrorKind::TradeTooLarge
                    | homeostat_math::MathErrorKind::InventoryCapExceeded
            ) =>
        {
            let params = &snapshot.pool.params;
            let largest = snapshot.max_trade(direction).ok().flatten().map_or_else(
                || "nothing".to_string(),
                |quote| format!("{} base atoms", quote.base_amount),
            );
            format!(
                "{error}: the pool takes at most {} base atoms a trade (max_trade_base) and \
                 holds at most {} beyond its target (inventory_cap, at its reference depth); \
                 the largest trade this way now moves {largest}",
                params.max_trade_base, params.inventory_cap
            )
            .into()
        }
        _ => error.into(),
    })
}

fn limit_json(trade: &Trade<'_>, limit: u64) -> serde_json::Value {
    if trade.exact_out {
        json!({ "max_amount_in": limit })
    } else {
        json!({ "min_amount_out": limit })
    }
}

fn parse_side(side: &str) -> Result<Direction, String> {
    match side {
        "sell" => Ok(Direction::BaseToQuote),
        "buy" => Ok(Direction::QuoteToBase),
        other => Err(format!(
            "--side must be `sell` (base for quote) or `buy`, not `{other}`"
        )),
    }
}
