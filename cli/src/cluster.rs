//! Commands against a cluster (`--url`): read a pool and quote a trade with the same code
//! the program runs.

use anchor_lang::prelude::Pubkey;
use homeostat_math::Direction;
use homeostat_sdk::quote::{max_in, min_out};
use homeostat_sdk::rpc::PoolClient;
use serde_json::json;

use crate::numbers::to_f64;

fn parse_key(name: &str, value: &str) -> Result<Pubkey, String> {
    value
        .parse()
        .map_err(|_| format!("--{name}: `{value}` is not a base-58 public key"))
}

/// `homeostat pool show`.
pub async fn show(
    url: &str,
    pool: &str,
    oracle: &str,
    json_out: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let client =
        PoolClient::connect(url, parse_key("pool", pool)?, parse_key("oracle", oracle)?).await?;
    let snapshot = client.snapshot().await?;
    let state = snapshot.pool;
    let reserves = snapshot.reserves()?;
    let context = snapshot
        .context()
        .map(|(_, oracle, context)| (oracle, context));
    let (mid, curve_text, net_delta) = match &context {
        Ok((oracle, context)) => {
            let curve = match context.curve {
                homeostat_math::Curve::Linear(curve) => json!({
                    "half_spread": to_f64(curve.half_spread),
                    "skew": to_f64(curve.skew),
                }),
                homeostat_math::Curve::ConstantProduct(_) => json!("constant product"),
            };
            (json!(to_f64(oracle.mid)), curve, json!(context.inventory))
        }
        Err(error) => (
            json!(null),
            json!(format!("no quote: {error}")),
            json!(null),
        ),
    };
    let report = json!({
        "pool": client.addresses.pool.to_string(),
        "base_mint": state.base_mint.to_string(),
        "quote_mint": state.quote_mint.to_string(),
        "admin": state.admin.to_string(),
        "keeper": state.keeper.to_string(),
        "paused": state.paused == 1,
        "model_kind": state.model_kind,
        "fee_bps": state.fee_bps,
        "lot": state.lot,
        "reserves": { "base": reserves.base, "quote": reserves.quote },
        "protocol_fees": { "base": state.protocol_fees_base, "quote": state.protocol_fees_quote },
        "oracle_mid_per_lot": mid,
        "curve": curve_text,
        "net_delta": net_delta,
        "hedge_position": state.hedge_position,
        "rebalance": { "seq": state.rebalance_seq, "recorded": state.recorded_seq },
    });
    if json_out {
        println!("{report}");
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

/// `homeostat quote`.
pub async fn quote(
    url: &str,
    pool: &str,
    oracle: &str,
    side: &str,
    amount: u64,
    exact_out: bool,
    slippage_bps: u16,
) -> Result<(), Box<dyn std::error::Error>> {
    let direction = match side {
        "sell" => Direction::BaseToQuote,
        "buy" => Direction::QuoteToBase,
        other => {
            return Err(
                format!("--side must be `sell` (base for quote) or `buy`, not `{other}`").into(),
            )
        }
    };
    let client =
        PoolClient::connect(url, parse_key("pool", pool)?, parse_key("oracle", oracle)?).await?;
    let snapshot = client.snapshot().await?;
    let quote = if exact_out {
        snapshot.quote_exact_out(direction, amount)?
    } else {
        snapshot.quote_exact_in(direction, amount)?
    };
    let limit = if exact_out {
        json!({ "max_amount_in": max_in(quote.amount_in, slippage_bps) })
    } else {
        json!({ "min_amount_out": min_out(quote.amount_out, slippage_bps) })
    };
    println!(
        "{}",
        json!({
            "side": side,
            "exact_out": exact_out,
            "amount_in": quote.amount_in,
            "amount_out": quote.amount_out,
            "fee": quote.fee.total,
            "protocol_fee": quote.fee.protocol,
            "inventory_before": quote.inventory_before,
            "inventory_after": quote.inventory_after,
            "slippage_limit": limit,
        })
    );
    Ok(())
}
