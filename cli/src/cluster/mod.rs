//! Commands against a cluster (`--url`): create a pool, deposit, withdraw, quote and swap
//! with the same code the program runs, signing with a keypair file.

mod create;
mod trade;

use anchor_lang::prelude::Pubkey;
pub use create::{bootstrap, create_pool, PoolSpec};
use homeostat_math::{BaseAtoms, LotPrice};
pub(crate) use homeostat_sdk::cli_conventions::parse_key;
use homeostat_sdk::cli_conventions::{read_keypair, resolve_url, KeypairError, NotAKey};
use homeostat_sdk::instructions::Oracles;
use homeostat_sdk::landing::{Landed, Landing};
use homeostat_sdk::rpc::PoolClient;
use homeostat_sdk::SdkError;
use serde_json::json;
use solana_keypair::Keypair;
pub use trade::{deposit, swap, withdraw, Trade};
use trade::{limit_json, parse_side, quote_with_limit};

use crate::pool_config::ConfigFileError;

/// Why a cluster command failed: what would fail on chain, named before anything is sent,
/// or the cluster's or the SDK's error.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The node, an account, a quote or a transaction.
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
    /// `--side` is neither side.
    #[error("--side must be `sell` (base for quote) or `buy`, not `{0}`")]
    Side(String),
    /// A trade beyond the pool's size limits.
    #[error(
        "{source}: the pool takes at most {max_trade_base} base atoms a trade \
         (max_trade_base) and holds at most {inventory_cap} beyond its target \
         (inventory_cap, at its reference depth); the largest trade this way now moves {}",
        largest.map_or_else(|| "nothing".to_string(), |base| format!("{base} base atoms"))
    )]
    TooLarge {
        /// The quote's refusal.
        #[source]
        source: SdkError,
        /// The pool's `max_trade_base`.
        max_trade_base: u64,
        /// The pool's `inventory_cap`.
        inventory_cap: u64,
        /// The largest trade this way now, base atoms (none: nothing trades).
        largest: Option<BaseAtoms>,
    },
    /// The wallet holds less than the transaction spends.
    #[error(
        "the wallet's {token} account {account} holds {held} atoms and {spends} {needed}",
        spends = spends.text()
    )]
    Shortfall {
        /// `base` or `quote`.
        token: &'static str,
        /// The token account.
        account: Pubkey,
        /// What it holds, atoms.
        held: u64,
        /// What the transaction spends.
        spends: Spend,
        /// How much, atoms.
        needed: u64,
    },
    /// More LP shares than the wallet holds, or none.
    #[error("cannot withdraw {shares} shares: the wallet's LP account {account} holds {held}")]
    Shares {
        /// Shares asked.
        shares: u64,
        /// The LP token account.
        account: Pubkey,
        /// Shares held.
        held: u64,
    },
    /// `--change-delay` beyond the program's.
    #[error("--change-delay {delay}: at most {max} s (30 days)")]
    ChangeDelay {
        /// The delay given.
        delay: u64,
        /// The most.
        max: u64,
    },
    /// One mint on both sides.
    #[error("--base-mint and --quote-mint are the same mint: a pool trades two different tokens")]
    SameMint,
    /// `pool create` of a pool that exists.
    #[error("pool {pool} (index {index} of this pair) already exists")]
    PoolExists {
        /// The pool.
        pool: Pubkey,
        /// `--index`.
        index: u16,
    },
    /// `pool bootstrap` of a pool that exists with other parameters.
    #[error("pool {pool} exists with other parameters than {}", path.display())]
    OtherParams {
        /// The pool.
        pool: Pubkey,
        /// The configuration file.
        path: std::path::PathBuf,
    },
}

/// What spends a token account's balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spend {
    /// An LP's deposit.
    Deposit,
    /// `pool bootstrap`'s seed deposit.
    Seed,
    /// A swap's input.
    Swap,
}

impl Spend {
    fn text(self) -> &'static str {
        match self {
            Self::Deposit => "this deposit takes",
            Self::Seed => "the seed deposit takes",
            Self::Swap => "this swap pays up to",
        }
    }
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

fn parse_oracles(keys: OracleKeys<'_>) -> Result<Oracles, NotAKey> {
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
async fn connect(url: &str, pool: &str, keys: OracleKeys<'_>) -> Result<PoolClient, ClusterError> {
    let client = PoolClient::connect(url, parse_key("pool", pool)?, parse_oracles(keys)?).await?;
    if let Some(authority) = keys.config_authority {
        client.expect_config_authority(&parse_key("config-authority", authority)?)?;
    }
    Ok(client)
}

/// `homeostat pool show`.
pub async fn show(url: &str, pool: &str, oracles: OracleKeys<'_>) -> Result<(), ClusterError> {
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
                    "half_spread": curve.half_spread.to_f64(),
                    "skew": curve.skew.to_f64(),
                }),
                homeostat_math::Curve::ConstantProduct(_) => json!("constant product"),
            };
            (json!(oracle.mid.to_f64()), curve)
        }
        Err(error) => (json!(null), json!(format!("no quote: {error}"))),
    };
    let ledger = state.hedge_ledger();
    let unrealized = context.as_ref().ok().and_then(|(oracle, _)| {
        ledger
            .unrealized_pnl(LotPrice::new(oracle.mid), state.params.lot)
            .ok()
    });
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
        "reserves": { "base": reserves.base.get(), "quote": reserves.quote.get() },
        "protocol_fees": { "base": state.protocol_fees_base, "quote": state.protocol_fees_quote },
        "feeds": {
            "feed_id": hex(&state.feed_id),
            "quote_feed_id": state.has_quote_feed().then(|| hex(&state.quote_feed_id)),
            // Until when the legacy Pyth receiver's accounts price the pool (0: never).
            "legacy_receiver_until": state.legacy_receiver_until,
            // Pyth Pro feeds whose signed updates may price the pool (null: none).
            "pro_feed_id": state.has_pro_feed().then_some(state.pro.feed_id),
            "pro_quote_feed_id": (state.pro.quote_feed_id != 0).then_some(state.pro.quote_feed_id),
        },
        "quoter": state.has_quoter().then(|| state.quoter.to_string()),
        "oracle_mid_per_lot": mid,
        "curve": curve_text,
        "lp_access": if state.params.lp_access == homeostat::constants::LP_ACCESS_OPERATOR {
            "operator"
        } else {
            "public"
        },
        "target_base": state.target_at_depth()?,
        "gross_position": snapshot.gross_position()?,
        "net_delta": snapshot.net_delta()?,
        "risk_position": snapshot.risk_position()?,
        "greeks": {
            // The LPs' book: its delta is the base it holds; its gamma is the model's
            // (`ModelKind::book_gamma_per_percent`, the figure `RebalanceRequested` reports).
            "gross_delta": reserves.base.get(),
            "gamma_per_percent": state.params.model()?.book_gamma_per_percent(reserves.base),
        },
        "hedge_credit_bps": state.params.hedge_credit_bps,
        "hedge_position": state.hedge_position,
        "hedge": {
            "position": ledger.position,
            "entry_price_per_lot": ledger.entry_price.get().to_f64(),
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
) -> Result<(), ClusterError> {
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
        "gross_position_before": quote.gross_position_before,
        "gross_position_after": quote.gross_position_after,
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
    pub fn open(url: &str, keypair_path: &str, landing: Landing) -> Result<Self, KeypairError> {
        Ok(Self {
            url: resolve_url(url),
            keypair: read_keypair(keypair_path)?,
            landing,
        })
    }
}

/// What one of the wallet's token accounts holds: checked before a transaction spends it,
/// so a shortfall is named rather than reported as SPL Token's error 1 from the simulation.
struct Holding {
    token: &'static str,
    account: Pubkey,
    held: u64,
}

impl Holding {
    /// `Ok` when the account holds `needed` atoms; else what it holds and what `spends` it.
    fn covers(&self, needed: u64, spends: Spend) -> Result<(), ClusterError> {
        let &Self {
            token,
            account,
            held,
        } = self;
        if held >= needed {
            return Ok(());
        }
        Err(ClusterError::Shortfall {
            token,
            account,
            held,
            spends,
            needed,
        })
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
