//! An LP's deposit and withdrawal and a trader's swap, each quoted first with the program's
//! own code and sent with a limit from the quote.

use homeostat::instructions::{DepositArgs, WithdrawArgs};
use homeostat_math::{BaseAtoms, Direction, QuoteAtoms, SwapQuote};
use homeostat_sdk::instructions::{self, SwapIn, SwapOut, UserAccounts};
use homeostat_sdk::quote::PoolSnapshot;
use homeostat_sdk::quote::{deposit_quote, max_in, min_out, withdraw_quote};
use homeostat_sdk::rpc::PoolClient;
use serde_json::json;
use solana_signer::Signer;

use super::{connect, parse_key, sent_json, ClusterError, Holding, OracleKeys, Spend, Wallet};

/// `homeostat deposit`: at most `max_base` / `max_quote` in the pool's proportions, from
/// the wallet's associated token accounts (created where missing).
pub async fn deposit(
    wallet: &Wallet,
    pool: &str,
    max_base: u64,
    max_quote: u64,
    slippage_bps: u16,
) -> Result<(), ClusterError> {
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
        (BaseAtoms::new(max_base), QuoteAtoms::new(max_quote)),
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
        (expected.base.get(), user.base, "base"),
        (expected.quote.get(), user.quote, "quote"),
    ] {
        let held = client.token_balance(account).await?.unwrap_or(0);
        Holding {
            token,
            account,
            held,
        }
        .covers(needed, Spend::Deposit)?;
    }
    let lp_before = client.token_balance(user.lp).await?.unwrap_or(0);
    let sent = client.send_landed(&batch, &[&wallet.keypair]).await?;
    let lp_after = client.token_balance(user.lp).await?.unwrap_or(0);
    crate::render::print(&json!({
        "sent": sent_json(&sent),
        "expected": { "base": expected.base.get(), "quote": expected.quote.get(), "shares": expected.shares },
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
) -> Result<(), ClusterError> {
    let client = PoolClient::connect_for_liquidity(&wallet.url, parse_key("pool", pool)?)
        .await?
        .with_landing(wallet.landing);
    let owner = wallet.keypair.pubkey();
    let user = UserAccounts::associated(&client.addresses, owner);
    let held = client.token_balance(user.lp).await?.unwrap_or(0);
    let shares = shares.unwrap_or(held);
    if shares == 0 || shares > held {
        return Err(ClusterError::Shares {
            shares,
            account: user.lp,
            held,
        });
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
        min_out(expected.base.get(), slippage_bps),
        min_out(expected.quote.get(), slippage_bps),
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
        "expected": { "base": expected.base.get(), "quote": expected.quote.get() },
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
) -> Result<(), ClusterError> {
    let direction = parse_side(trade.side)?;
    let client = connect(&wallet.url, pool, oracles)
        .await?
        .with_landing(wallet.landing);
    let snapshot = client.snapshot().await?;
    let owner = wallet.keypair.pubkey();
    let user = UserAccounts::associated(&client.addresses, owner);
    let (quote, limit) = quote_with_limit(&snapshot, direction, &trade)?;
    let swap = if trade.exact_out {
        let args = SwapOut {
            direction,
            amount_out: trade.amount,
            max_amount_in: limit,
        };
        instructions::swap_exact_out(&client.addresses, client.oracles, &user, args)
    } else {
        let args = SwapIn {
            direction,
            amount_in: trade.amount,
            min_amount_out: limit,
        };
        instructions::swap_exact_in(&client.addresses, client.oracles, &user, args)
    };
    let mut batch = client.create_missing_accounts(owner, false).await?;
    batch.push(swap);
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
    .covers(most_paid, Spend::Swap)?;
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
pub(super) fn quote_with_limit(
    snapshot: &PoolSnapshot,
    direction: Direction,
    trade: &Trade<'_>,
) -> Result<(SwapQuote, u64), ClusterError> {
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
            ClusterError::TooLarge {
                source: error,
                max_trade_base: params.max_trade_base,
                inventory_cap: params.inventory_cap,
                largest: snapshot
                    .max_trade(direction)
                    .ok()
                    .flatten()
                    .map(|quote| quote.base_amount),
            }
        }
        _ => error.into(),
    })
}

pub(super) fn limit_json(trade: &Trade<'_>, limit: u64) -> serde_json::Value {
    if trade.exact_out {
        json!({ "max_amount_in": limit })
    } else {
        json!({ "min_amount_out": limit })
    }
}

pub(super) fn parse_side(side: &str) -> Result<Direction, ClusterError> {
    match side {
        "sell" => Ok(Direction::BaseToQuote),
        "buy" => Ok(Direction::QuoteToBase),
        other => Err(ClusterError::Side(other.into())),
    }
}
