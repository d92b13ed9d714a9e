//! A real venue: Binance USDⓈ-M perpetual futures over its REST API.
//!
//! * Orders: `POST /fapi/v1/order` — `MARKET`, `newOrderRespType=RESULT`, the keeper's
//!   deterministic client order id (`newClientOrderId`), so a resent order is recognised.
//! * Lookups: `GET /fapi/v1/order?origClientOrderId=…` — `-2013` ("Order does not exist")
//!   means it never executed.
//! * Position: `GET /fapi/v2/positionRisk?symbol=…` — the sum of `positionAmt` over the
//!   symbol's entries (one in one-way mode, LONG and SHORT in hedge mode).
//! * Signing: `signature = hex(HMAC-SHA256(secret, query string))` over every parameter
//!   including `timestamp` and `recvWindow`; the key goes in the `X-MBX-APIKEY` header.
//! * Limits: HTTP 429 (and 418, banned) carry `Retry-After`; the adapter waits at least
//!   that long. Requests are spaced by `min_request_interval`, and the used request weight
//!   (`X-MBX-USED-WEIGHT-1M`) is logged.
//! * Errors: transient — HTTP 429/418/5xx, `-1003` (too many requests), `-1006`/`-1007`
//!   (execution status unknown: the order is looked up by client id before it is ever sent
//!   again), `-1021` (timestamp outside `recvWindow`, retried with a fresh one); anything
//!   else (`-1022` bad signature, `-2019` margin insufficient, `-1111` precision, …) is a
//!   refusal reported with its code and message.
//!
//! Quantities are rounded down to `quantity_step` (the symbol's `LOT_SIZE`); the fill
//! reports `executedQty` and `avgPrice` converted to base atoms and to the program's
//! price unit (quote atoms per lot). The order response carries no commission: the fee is
//! the sum of the order's trades' `commission` (`GET /fapi/v1/userTrades?orderId=…`) when
//! they cover the executed quantity in `commission_asset`, else an estimate at
//! `taker_fee_bps` of the notional (commission paid in BNB, trades not listed yet, or the
//! lookup failed).
//!
//! [`book`]: the symbol's public book ticker, the quoter's price source.

use std::time::Duration;

use homeostat_math::{Fixed, LotPrice, Rounding};
use serde_json::Value;
use sha2::{Digest, Sha256};

use self::decimal::decimal_atoms;
use self::http::SignedHttp;

use crate::planner::{HedgeOrder, Side};
use crate::retry::{retry, Backoff};
use crate::venue::{Fill, Venue};
use crate::{KeeperError, Result};

/// How the adapter reaches the venue and maps its units to the pool's.
#[derive(Clone, Debug)]
pub struct BinanceConfig {
    /// REST base URL, e.g. `https://fapi.binance.com`.
    pub base_url: String,
    /// API key (`X-MBX-APIKEY`).
    pub api_key: String,
    /// API secret (signs requests; never sent).
    pub api_secret: String,
    /// Perpetual symbol hedging the pool's base, e.g. `SOLUSDT`.
    pub symbol: String,
    /// Decimals of the pool's base mint (quantities are base atoms on chain).
    pub base_decimals: u8,
    /// Decimals of the pool's quote mint (prices are quote atoms per lot on chain).
    pub quote_decimals: u8,
    /// The symbol's quantity step, base atoms (e.g. 0.01 SOL = 10 000 000).
    pub quantity_step: u64,
    /// Taker fee estimate, basis points of the notional.
    pub taker_fee_bps: u32,
    /// The asset commissions are read in: the symbol's quote asset (e.g. `USDT`), whose
    /// units are the pool's quote token.
    pub commission_asset: String,
    /// `recvWindow`, milliseconds.
    pub recv_window_ms: u64,
    /// Least time between two requests.
    pub min_request_interval: Duration,
    /// Retries for transient failures.
    pub backoff: Backoff,
}

pub mod book;
pub(crate) mod decimal;
mod http;

/// The venue client.
pub struct Binance {
    config: BinanceConfig,
    http: SignedHttp,
}

const NO_SUCH_ORDER: i64 = -2013;
const ORDER: &str = "/fapi/v1/order";
const POSITION_RISK: &str = "/fapi/v2/positionRisk";
const USER_TRADES: &str = "/fapi/v1/userTrades";

/// The venue's client order id for a keeper client id: itself when Binance accepts it
/// (`^[.A-Z:/a-z0-9_-]{1,36}$`), else `h` and 32 hex digits of its SHA-256 — deterministic,
/// so a resent order carries the same id.
pub fn venue_client_id(client_id: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".:/_-".contains(c);
    if !client_id.is_empty() && client_id.len() <= 36 && client_id.chars().all(allowed) {
        return client_id.to_string();
    }
    let digest = Sha256::digest(client_id.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("h{hex}")
}

fn invalid(message: String) -> KeeperError {
    KeeperError::Venue(message)
}

impl Binance {
    /// A client for `config`.
    pub fn new(config: BinanceConfig) -> Result<Self> {
        if config.quantity_step == 0 {
            return Err(invalid("quantity_step must be positive".into()));
        }
        let http = SignedHttp::new(
            config.base_url.clone(),
            config.api_key.clone(),
            config.api_secret.clone(),
            config.recv_window_ms,
            config.min_request_interval,
        )?;
        Ok(Self { config, http })
    }

    /// `atoms` of base as the venue's quantity text, rounded down to the step; `None` when
    /// that is zero.
    pub fn quantity(&self, atoms: u64) -> Option<String> {
        decimal::quantity_text(atoms, self.config.quantity_step, self.config.base_decimals)
    }

    /// The venue's quantity text as base atoms (rounded down).
    fn base_atoms(&self, text: &str) -> Result<u64> {
        decimal_atoms(text, self.config.base_decimals, Rounding::Down, "quantity")
    }

    /// The venue's quote-asset amount text as quote atoms, rounded up.
    fn quote_atoms_up(&self, text: &str) -> Result<u64> {
        decimal_atoms(text, self.config.quote_decimals, Rounding::Up, "amount")
    }

    /// The venue's price text (quote per base) in the program's unit: quote atoms per
    /// `lot` base atoms, rounded down.
    fn program_price(&self, text: &str, lot: u64) -> Result<LotPrice> {
        decimal::price_per_lot(
            text,
            self.config.base_decimals,
            self.config.quote_decimals,
            lot,
            Rounding::Down,
        )
    }

    /// An order's fill from the venue's order JSON; `Err(Transient)` while it still works.
    fn fill_of(&self, order: &Value, lot: u64, reference_price: LotPrice) -> Result<Fill> {
        let status = order["status"].as_str().unwrap_or_default();
        let executed = self.base_atoms(order["executedQty"].as_str().unwrap_or("0"))?;
        match status {
            "FILLED" | "EXPIRED" | "CANCELED" | "EXPIRED_IN_MATCH" => {}
            "NEW" | "PARTIALLY_FILLED" => {
                return Err(KeeperError::Transient {
                    message: format!("order {} still {status}", order["clientOrderId"]),
                    retry_after: None,
                })
            }
            other => return Err(invalid(format!("order status `{other}`"))),
        }
        let avg_price = if executed == 0 {
            reference_price
        } else {
            self.program_price(order["avgPrice"].as_str().unwrap_or("0"), lot)?
        };
        let notional = Fixed::from_u64(executed)
            .mul_div(avg_price.get(), Fixed::from_u64(lot), Rounding::Up)
            .and_then(|notional| {
                notional.mul_div(
                    Fixed::from_u64(u64::from(self.config.taker_fee_bps)),
                    Fixed::from_int(10_000),
                    Rounding::Up,
                )
            })
            .and_then(|fee| fee.to_u64(Rounding::Up))
            .map_err(|error| invalid(format!("fee: {error}")))?;
        Ok(Fill {
            base: executed,
            avg_price,
            fee_quote: notional,
        })
    }

    async fn query(&self, client_id: &str) -> Result<Option<Value>> {
        let params = [
            ("symbol", self.config.symbol.clone()),
            ("origClientOrderId", venue_client_id(client_id)),
        ];
        match self
            .http
            .request(reqwest::Method::GET, ORDER, &params)
            .await
        {
            Ok(order) => Ok(Some(order)),
            Err(KeeperError::VenueRejected {
                code: NO_SUCH_ORDER,
                ..
            }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn place(&self, order: &HedgeOrder, quantity: &str) -> Result<Value> {
        let side = match order.side {
            Side::SellBase => "SELL",
            Side::BuyBase => "BUY",
        };
        let params = [
            ("symbol", self.config.symbol.clone()),
            ("side", side.to_string()),
            ("type", "MARKET".to_string()),
            ("quantity", quantity.to_string()),
            ("newClientOrderId", venue_client_id(&order.client_id)),
            ("newOrderRespType", "RESULT".to_string()),
        ];
        self.http
            .request(reqwest::Method::POST, ORDER, &params)
            .await
    }

    /// A signed `GET` of `path` whose answer is a JSON list.
    async fn get_list(&self, path: &str, params: &[(&str, String)]) -> Result<Vec<Value>> {
        match self
            .http
            .request(reqwest::Method::GET, path, params)
            .await?
        {
            Value::Array(items) => Ok(items),
            other => Err(invalid(format!("{path}: expected a list, got {other}"))),
        }
    }

    /// The commission of `order`, quote atoms: the sum over its trades, each rounded up.
    /// `None` when the trades do not cover `executed` yet or charge another asset.
    async fn commission(&self, order: &Value, executed: u64) -> Result<Option<u64>> {
        let Some(order_id) = order["orderId"].as_i64() else {
            return Ok(None);
        };
        let params = [
            ("symbol", self.config.symbol.clone()),
            ("orderId", order_id.to_string()),
        ];
        let trades = self.get_list(USER_TRADES, &params).await?;
        let (mut traded, mut commission) = (0u64, 0u64);
        for trade in &trades {
            if trade["commissionAsset"].as_str() != Some(self.config.commission_asset.as_str()) {
                return Ok(None);
            }
            traded = traded.saturating_add(self.base_atoms(trade["qty"].as_str().unwrap_or("0"))?);
            // Binance reports commissions paid as negative amounts.
            let paid = trade["commission"].as_str().unwrap_or("0");
            commission = commission
                .checked_add(self.quote_atoms_up(paid.trim_start_matches('-'))?)
                .ok_or_else(|| invalid(format!("commission `{paid}` out of range")))?;
        }
        Ok((traded == executed).then_some(commission))
    }

    /// `fill` with the venue's actual commission when it can be read, else as estimated.
    async fn with_commission(&self, order: &Value, fill: Fill) -> Fill {
        if fill.base == 0 {
            return fill;
        }
        match self.commission(order, fill.base).await {
            Ok(Some(fee_quote)) => Fill { fee_quote, ..fill },
            Ok(None) => {
                tracing::debug!(order = %order["clientOrderId"], "commission not in the quote asset or not listed yet: fee estimated");
                fill
            }
            Err(error) => {
                tracing::warn!(order = %order["clientOrderId"], "commission lookup failed, fee estimated: {error}");
                fill
            }
        }
    }

    /// The symbol's net position from `positionRisk`, base atoms, long positive.
    async fn net_position(&self) -> Result<i128> {
        let params = [("symbol", self.config.symbol.clone())];
        let entries = self.get_list(POSITION_RISK, &params).await?;
        let mut position = 0i128;
        for entry in &entries {
            if entry["symbol"].as_str() != Some(self.config.symbol.as_str()) {
                continue;
            }
            let amount = entry["positionAmt"].as_str().unwrap_or("0");
            let (negative, magnitude) = match amount.strip_prefix('-') {
                Some(magnitude) => (true, magnitude),
                None => (false, amount),
            };
            let atoms = i128::from(self.base_atoms(magnitude)?);
            position += if negative { -atoms } else { atoms };
        }
        Ok(position)
    }
}

impl Venue for Binance {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: LotPrice,
        lot: u64,
    ) -> Result<Fill> {
        let Some(quantity) = self.quantity(order.base) else {
            tracing::info!(client_id = %order.client_id, base = order.base, "below the venue's quantity step: not sent");
            return Ok(Fill {
                base: 0,
                avg_price: reference_price,
                fee_quote: 0,
            });
        };
        let this = &*self;
        let attempts = std::cell::Cell::new(0u32);
        let placed = retry(&this.config.backoff, "venue order", || {
            attempts.set(attempts.get() + 1);
            let first = attempts.get() == 1;
            let quantity = quantity.clone();
            async move {
                // After a failure the order may have executed: look it up before resending.
                if !first {
                    if let Some(existing) = this.query(&order.client_id).await? {
                        return Ok(existing);
                    }
                }
                this.place(order, &quantity).await
            }
        })
        .await?;
        let (settled, fill) = match this.fill_of(&placed, lot, reference_price) {
            // Still working (rare for MARKET): wait for its final state.
            Err(KeeperError::Transient { .. }) => {
                retry(&this.config.backoff, "venue order status", || async move {
                    let settled = this
                        .query(&order.client_id)
                        .await?
                        .ok_or_else(|| invalid(format!("order {} vanished", order.client_id)))?;
                    let fill = this.fill_of(&settled, lot, reference_price)?;
                    Ok((settled, fill))
                })
                .await?
            }
            other => (placed, other?),
        };
        let fill = this.with_commission(&settled, fill).await;
        tracing::info!(client_id = %order.client_id, base = fill.base, "venue fill");
        Ok(fill)
    }

    async fn find(&mut self, client_id: &str, lot: u64) -> Result<Option<Fill>> {
        let this = &*self;
        let found = retry(&this.config.backoff, "venue lookup", || async move {
            this.query(client_id).await
        })
        .await?;
        let Some(order) = found else {
            return Ok(None);
        };
        let fill = this.fill_of(&order, lot, LotPrice::ZERO)?;
        Ok(Some(this.with_commission(&order, fill).await))
    }

    async fn position(&mut self) -> Result<i128> {
        let this = &*self;
        retry(&this.config.backoff, "venue position", || async move {
            this.net_position().await
        })
        .await
    }
}
