//! A second real venue: Hyperliquid perpetuals over its HTTP API.
//!
//! * Orders: `POST /exchange` with an `order` action — a limit order, time in force `Ioc`
//!   (what is not filled at once is cancelled), priced `slippage_bps` through the pool's
//!   oracle price — signed as [`signing`] describes, with a client order id (`cloid`)
//!   derived from the keeper's: the first 16 bytes of its SHA-256, so a resent order
//!   carries the same id.
//! * Lookups: `POST /info` `orderStatus` by cloid — `unknownOid` means it never reached
//!   the book; its fills (`userFills`, by order id) give the size, the average price and
//!   the fee.
//! * Position: `clearinghouseState` — the coin's `szi`, long positive. Funding:
//!   `userFunding` — the coin's payments since a time, for the dry run's report.
//! * Errors: transient — HTTP 429 (after `Retry-After`), 5xx, unreachable: the order is
//!   looked up by cloid before it is ever sent again; a refusal (`"status": "err"`, or an
//!   order status `error`) is `VenueRejected` with code 0 (Hyperliquid has no error
//!   codes) and the exchange's message — except an IOC order nothing matched, which is a
//!   zero fill.
//!
//! Sizes are rounded down to the coin's `szDecimals` (from `meta`); prices are written
//! with at most five significant figures and `6 − szDecimals` decimals, as the exchange
//! requires, without trailing zeros (the exchange hashes the canonical text).

pub mod signing;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use homeostat_math::{Fixed, LotPrice, Rounding};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use self::signing::{Msgpack, Signer};
use crate::binance::decimal::{decimal_atoms, price_per_lot, quantity_text};
use crate::planner::{HedgeOrder, Side};
use crate::retry::{retry, Backoff};
use crate::venue::{send, Fill, Reply, Venue};
use crate::{KeeperError, Result};

/// Hyperliquid's API on mainnet.
pub const MAINNET_URL: &str = "https://api.hyperliquid.xyz";

/// How the adapter reaches the exchange and maps its units to the pool's.
#[derive(Clone, Debug)]
pub struct HyperliquidConfig {
    /// API base URL (`https://api.hyperliquid.xyz`, or the testnet's).
    pub base_url: String,
    /// Signatures for mainnet (source `a`) or testnet (`b`).
    pub mainnet: bool,
    /// The signing key, hex: the account's, or an API wallet's approved for it.
    pub secret_key: String,
    /// The account traded (`0x…`); absent: the key's own address.
    pub account: Option<String>,
    /// The perpetual hedging the pool's base, e.g. `SOL`.
    pub coin: String,
    /// Decimals of the pool's base mint.
    pub base_decimals: u8,
    /// Decimals of the pool's quote mint (USDC on the exchange).
    pub quote_decimals: u8,
    /// How far through the oracle price the IOC limit is set, basis points.
    pub slippage_bps: u32,
    /// Taker fee estimate, basis points, for a fill whose fee cannot be read.
    pub taker_fee_bps: u32,
    /// Retries for transient failures.
    pub backoff: Backoff,
}

/// The coin as the exchange lists it.
#[derive(Clone, Copy, Debug)]
struct Asset {
    /// Its index in `meta.universe`: the order's `a`.
    index: u64,
    /// Decimals of its size.
    sz_decimals: u8,
}

/// The venue client.
pub struct Hyperliquid {
    config: HyperliquidConfig,
    signer: Signer,
    account: String,
    http: reqwest::Client,
    asset: std::cell::Cell<Option<Asset>>,
    last_nonce: std::cell::Cell<u64>,
}

/// The exchange's cloid for a keeper client id: `0x` and 32 hex digits of its SHA-256.
pub fn cloid(client_id: &str) -> String {
    let digest = Sha256::digest(client_id.as_bytes());
    format!("0x{}", signing::hex(&digest[..16]))
}

fn invalid(message: String) -> KeeperError {
    KeeperError::Venue(message)
}

/// The refusal of an order nothing matched: a zero fill, not an error.
const NO_MATCH: &str = "could not immediately match";

impl Hyperliquid {
    /// A client for `config`; the key is checked here.
    pub fn new(config: HyperliquidConfig) -> Result<Self> {
        let signer =
            Signer::from_hex(&config.secret_key).map_err(|error| KeeperError::VenueClient {
                context: "Hyperliquid secret key",
                source: std::sync::Arc::new(error),
            })?;
        let account = match &config.account {
            Some(account) => {
                signing::unhex::<20>(account).ok_or_else(|| {
                    invalid(format!(
                        "--hyperliquid-account `{account}` is not a 0x address"
                    ))
                })?;
                account.to_lowercase()
            }
            None => format!("0x{}", signing::hex(&signer.address())),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| invalid(format!("HTTP client: {error}")))?;
        Ok(Self {
            config,
            signer,
            account,
            http,
            asset: std::cell::Cell::new(None),
            last_nonce: std::cell::Cell::new(0),
        })
    }

    /// The account traded.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// One `POST` of `body` to `path`; failures classified.
    async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let url = format!("{}{path}", self.config.base_url.trim_end_matches('/'));
        let Reply {
            status,
            retry_after,
            body: text,
            ..
        } = send(self.http.post(&url).json(body)).await?;
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(KeeperError::Transient {
                message: format!("HTTP {}: {text}", status.as_u16()),
                retry_after,
            });
        }
        let payload: Value = serde_json::from_str(&text)
            .map_err(|_| invalid(format!("HTTP {}: not JSON: {text}", status.as_u16())))?;
        if !status.is_success() || payload["status"] == "err" {
            let message = payload["response"].as_str().unwrap_or(text.as_str());
            return Err(KeeperError::VenueRejected {
                code: 0,
                message: format!("HTTP {}: {message}", status.as_u16()),
            });
        }
        Ok(payload)
    }

    /// An `/info` request, retried while transient.
    async fn info(&self, body: Value) -> Result<Value> {
        let body = &body;
        retry(&self.config.backoff, "venue info", || async move {
            self.post("/info", body).await
        })
        .await
    }

    /// The coin's index and size decimals (read once).
    async fn asset(&self) -> Result<Asset> {
        if let Some(asset) = self.asset.get() {
            return Ok(asset);
        }
        let meta = self.info(json!({ "type": "meta" })).await?;
        let universe = meta["universe"].as_array().cloned().unwrap_or_default();
        let (index, entry) = universe
            .iter()
            .enumerate()
            .find(|(_, entry)| entry["name"] == self.config.coin.as_str())
            .ok_or_else(|| {
                invalid(format!(
                    "--hyperliquid-coin `{}` is not a perpetual the exchange lists",
                    self.config.coin
                ))
            })?;
        let sz_decimals = entry["szDecimals"]
            .as_u64()
            .and_then(|decimals| u8::try_from(decimals).ok())
            .filter(|decimals| *decimals <= self.config.base_decimals)
            .ok_or_else(|| invalid(format!("meta: szDecimals of {}: {entry}", self.config.coin)))?;
        let asset = Asset {
            index: index as u64,
            sz_decimals,
        };
        self.asset.set(Some(asset));
        Ok(asset)
    }

    /// A nonce: the time in milliseconds, above every one this client used.
    fn nonce(&self) -> Result<u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|error| invalid(format!("clock: {error}")))?
            .as_millis();
        let now = u64::try_from(now).unwrap_or(u64::MAX);
        let nonce = now.max(self.last_nonce.get().saturating_add(1));
        self.last_nonce.set(nonce);
        Ok(nonce)
    }

    /// `atoms` as the coin's size text, rounded down to its decimals; `None` when zero.
    fn size(&self, atoms: u64, asset: Asset) -> Option<String> {
        let step = 10u64.checked_pow(u32::from(
            self.config.base_decimals.checked_sub(asset.sz_decimals)?,
        ))?;
        quantity_text(atoms, step, self.config.base_decimals).map(|text| trim_zeros(&text))
    }

    /// The IOC limit for `side`: the oracle price (quote atoms per `lot`)
    /// moved `slippage_bps` against the keeper, as the exchange's price text (five
    /// significant figures, `6 − szDecimals` decimals), rounded away from the book's
    /// other side so the limit is never tighter than asked.
    fn limit_price(
        &self,
        reference: LotPrice,
        lot: u64,
        side: Side,
        asset: Asset,
    ) -> Result<String> {
        let fail = |error: homeostat_math::MathError| invalid(format!("limit price: {error}"));
        let decimals = 6u32.saturating_sub(u32::from(asset.sz_decimals));
        let rounding = match side {
            Side::BuyBase => Rounding::Up,
            Side::SellBase => Rounding::Down,
        };
        let factor = match side {
            Side::BuyBase => 10_000u64.saturating_add(u64::from(self.config.slippage_bps)),
            Side::SellBase => 10_000u64.saturating_sub(u64::from(self.config.slippage_bps)),
        };
        let pow = |exponent: u32| {
            10u64
                .checked_pow(exponent)
                .ok_or_else(|| invalid("decimals out of range".into()))
        };
        let base_unit = Fixed::from_u64(pow(u32::from(self.config.base_decimals))?);
        let tick = Fixed::from_u64(pow(decimals)?);
        let quote_unit = Fixed::from_u64(pow(u32::from(self.config.quote_decimals))?);
        // Quote atoms per base unit, moved, then in units of 10^-decimals quote.
        let per_unit = reference
            .get()
            .mul_div(base_unit, Fixed::from_u64(lot), rounding)
            .and_then(|price| {
                price.mul_div(Fixed::from_u64(factor), Fixed::from_int(10_000), rounding)
            })
            .and_then(|price| price.mul_div(tick, quote_unit, rounding))
            .and_then(|price| price.to_u64(rounding))
            .map_err(fail)?;
        let ticks = significant(per_unit, 5, rounding)
            .ok_or_else(|| invalid(format!("limit price {per_unit} out of range")))?;
        if ticks == 0 {
            return Err(invalid("the limit price rounds to zero".into()));
        }
        let divisor = pow(decimals)?;
        let text = if decimals == 0 {
            ticks.to_string()
        } else {
            format!(
                "{}.{:0width$}",
                ticks / divisor,
                ticks % divisor,
                width = decimals as usize
            )
        };
        Ok(trim_zeros(&text))
    }

    /// The signed `order` action's body.
    fn order_body(
        &self,
        order: &HedgeOrder,
        asset: Asset,
        price: &str,
        size: &str,
    ) -> Result<Value> {
        let is_buy = order.side == Side::BuyBase;
        let cloid = cloid(&order.client_id);
        let action = Msgpack::map([
            ("type", Msgpack::str("order")),
            (
                "orders",
                Msgpack::Array(vec![Msgpack::map([
                    ("a", Msgpack::Uint(asset.index)),
                    ("b", Msgpack::Bool(is_buy)),
                    ("p", Msgpack::str(price)),
                    ("s", Msgpack::str(size)),
                    ("r", Msgpack::Bool(false)),
                    (
                        "t",
                        Msgpack::map([("limit", Msgpack::map([("tif", Msgpack::str("Ioc"))]))]),
                    ),
                    ("c", Msgpack::str(&cloid)),
                ])]),
            ),
            ("grouping", Msgpack::str("na")),
        ]);
        let nonce = self.nonce()?;
        let signature = self.signer.sign_action(&action, nonce, self.config.mainnet);
        Ok(json!({
            "action": {
                "type": "order",
                "orders": [{
                    "a": asset.index,
                    "b": is_buy,
                    "p": price,
                    "s": size,
                    "r": false,
                    "t": { "limit": { "tif": "Ioc" } },
                    "c": cloid,
                }],
                "grouping": "na",
            },
            "nonce": nonce,
            "signature": signature.json(),
            "vaultAddress": null,
        }))
    }

    /// The order `client_id` names, as `orderStatus` reports it; `None` when the exchange
    /// never saw it.
    async fn status(&self, client_id: &str) -> Result<Option<Value>> {
        let answer = self
            .info(json!({ "type": "orderStatus", "user": self.account, "oid": cloid(client_id) }))
            .await?;
        match answer["status"].as_str() {
            Some("unknownOid") => Ok(None),
            Some("order") => Ok(Some(answer["order"].clone())),
            _ => Err(invalid(format!("orderStatus: {answer}"))),
        }
    }

    /// The fill of order `oid`, `executed` base atoms by the exchange's account of it,
    /// from the account's fills: size, average price and fee — estimated while the fills
    /// listed do not add up to `executed` yet.
    async fn fill_of(
        &self,
        oid: u64,
        executed: u64,
        lot: u64,
        reference: LotPrice,
    ) -> Result<Fill> {
        let fills = self
            .info(json!({ "type": "userFills", "user": self.account }))
            .await?;
        let fills: Vec<&Value> = fills
            .as_array()
            .map(|fills| {
                fills
                    .iter()
                    .filter(|fill| fill["oid"].as_u64() == Some(oid))
                    .collect()
            })
            .unwrap_or_default();
        let (mut base, mut notional, mut fee) = (0u64, 0u128, 0u64);
        for fill in &fills {
            let size = self.base_atoms(fill["sz"].as_str().unwrap_or("0"))?;
            let price = price_per_lot(
                fill["px"].as_str().unwrap_or("0"),
                self.config.base_decimals,
                self.config.quote_decimals,
                lot,
                Rounding::Down,
            )?
            .get()
            .to_bits();
            base = base.saturating_add(size);
            // Σ size × price (I80F48 bits); divided by Σ size below.
            notional = notional.saturating_add(
                u128::from(size).saturating_mul(u128::try_from(price).unwrap_or(0)),
            );
            let paid = fill["fee"].as_str().unwrap_or("0");
            fee = fee.saturating_add(decimal_atoms(
                paid.trim_start_matches('-'),
                self.config.quote_decimals,
                Rounding::Up,
                "fee",
            )?);
        }
        // The order's own report wins over fills the exchange has not listed yet.
        if executed != base {
            return self.estimated(executed, reference, lot, notional, base);
        }
        if base == 0 {
            return Ok(Fill {
                base: 0,
                avg_price: reference,
                fee_quote: 0,
            });
        }
        let avg_price = i128::try_from(notional / u128::from(base))
            .map(|bits| LotPrice::new(Fixed::from_bits(bits)))
            .map_err(|_| invalid("average price out of range".into()))?;
        Ok(Fill {
            base,
            avg_price,
            fee_quote: fee,
        })
    }

    /// A fill of `base` whose fills are not all listed yet: at the listed average (the
    /// reference without any), the fee estimated at `taker_fee_bps`.
    fn estimated(
        &self,
        base: u64,
        reference: LotPrice,
        lot: u64,
        notional: u128,
        listed: u64,
    ) -> Result<Fill> {
        let avg_price = if listed == 0 {
            reference
        } else {
            i128::try_from(notional / u128::from(listed))
                .map(|bits| LotPrice::new(Fixed::from_bits(bits)))
                .map_err(|_| invalid("average price out of range".into()))?
        };
        let fee_quote = Fixed::from_u64(base)
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
        tracing::debug!(base, "fills not all listed yet: fee estimated");
        Ok(Fill {
            base,
            avg_price,
            fee_quote,
        })
    }

    fn base_atoms(&self, text: &str) -> Result<u64> {
        decimal_atoms(text, self.config.base_decimals, Rounding::Down, "size")
    }

    /// The fill of a final order from `orderStatus`, or `Transient` while it rests.
    async fn settled(&self, order: &Value, lot: u64, reference: LotPrice) -> Result<Fill> {
        let status = order["status"].as_str().unwrap_or_default();
        if matches!(status, "open" | "triggered") {
            return Err(KeeperError::Transient {
                message: format!("order still {status}"),
                retry_after: None,
            });
        }
        let oid = order["order"]["oid"]
            .as_u64()
            .ok_or_else(|| invalid(format!("orderStatus without an oid: {order}")))?;
        // What executed: the original size less what was left when it ended.
        let original = self.base_atoms(order["order"]["origSz"].as_str().unwrap_or("0"))?;
        let left = self.base_atoms(order["order"]["sz"].as_str().unwrap_or("0"))?;
        let executed = original.saturating_sub(left);
        self.fill_of(oid, executed, lot, reference).await
    }

    /// Places the order once; the fill it reports, or an error classified.
    async fn place(&self, order: &HedgeOrder, reference: LotPrice, lot: u64) -> Result<Fill> {
        let asset = self.asset().await?;
        let Some(size) = self.size(order.base, asset) else {
            tracing::info!(client_id = %order.client_id, base = order.base, "below the coin's size step: not sent");
            return Ok(Fill {
                base: 0,
                avg_price: reference,
                fee_quote: 0,
            });
        };
        let price = self.limit_price(reference, lot, order.side, asset)?;
        let body = self.order_body(order, asset, &price, &size)?;
        let answer = self.post("/exchange", &body).await?;
        let status = &answer["response"]["data"]["statuses"][0];
        if let Some(filled) = status.get("filled") {
            let base = self.base_atoms(filled["totalSz"].as_str().unwrap_or("0"))?;
            let oid = filled["oid"]
                .as_u64()
                .ok_or_else(|| invalid(format!("a fill without an oid: {answer}")))?;
            return self.fill_of(oid, base, lot, reference).await;
        }
        if let Some(error) = status["error"].as_str() {
            if error.contains(NO_MATCH) {
                tracing::info!(client_id = %order.client_id, "nothing matched within the limit: a zero fill");
                return Ok(Fill {
                    base: 0,
                    avg_price: reference,
                    fee_quote: 0,
                });
            }
            return Err(KeeperError::VenueRejected {
                code: 0,
                message: error.to_string(),
            });
        }
        if status.get("resting").is_some() {
            return Err(KeeperError::Transient {
                message: format!("order {} rests on the book", order.client_id),
                retry_after: None,
            });
        }
        Err(invalid(format!("order answer: {answer}")))
    }

    /// The coin's net position, base atoms, long positive.
    async fn net_position(&self) -> Result<i128> {
        let state = self
            .info(json!({ "type": "clearinghouseState", "user": self.account }))
            .await?;
        let mut position = 0i128;
        for entry in state["assetPositions"].as_array().into_iter().flatten() {
            let entry = &entry["position"];
            if entry["coin"] != self.config.coin.as_str() {
                continue;
            }
            let size = entry["szi"].as_str().unwrap_or("0");
            let (negative, magnitude) = match size.strip_prefix('-') {
                Some(magnitude) => (true, magnitude),
                None => (false, size),
            };
            let atoms = i128::from(self.base_atoms(magnitude)?);
            position += if negative { -atoms } else { atoms };
        }
        Ok(position)
    }

    /// The funding the coin's position received since `start_ms` (unix milliseconds),
    /// quote atoms: negative when it paid.
    pub async fn funding_since(&self, start_ms: u64) -> Result<i128> {
        let payments = self
            .info(json!({ "type": "userFunding", "user": self.account, "startTime": start_ms }))
            .await?;
        let mut total = 0i128;
        for payment in payments.as_array().into_iter().flatten() {
            let delta = &payment["delta"];
            if delta["coin"] != self.config.coin.as_str() {
                continue;
            }
            let amount = delta["usdc"].as_str().unwrap_or("0");
            let (negative, magnitude) = match amount.strip_prefix('-') {
                Some(magnitude) => (true, magnitude),
                None => (false, amount),
            };
            // What was paid rounds up, what was received down: never flattering.
            let rounding = if negative {
                Rounding::Up
            } else {
                Rounding::Down
            };
            let atoms = i128::from(decimal_atoms(
                magnitude,
                self.config.quote_decimals,
                rounding,
                "funding",
            )?);
            total += if negative { -atoms } else { atoms };
        }
        Ok(total)
    }
}

/// `value` rounded to `digits` significant figures, in `rounding`'s direction.
fn significant(value: u64, digits: u32, rounding: Rounding) -> Option<u64> {
    let length = value.checked_ilog10().map_or(1, |log| log + 1);
    if length <= digits {
        return Some(value);
    }
    let unit = 10u64.checked_pow(length - digits)?;
    let down = value / unit * unit;
    match rounding {
        Rounding::Down => Some(down),
        Rounding::Up if down == value => Some(value),
        Rounding::Up => down.checked_add(unit),
    }
}

/// Decimal text without trailing zeros (`"2000.50"` → `"2000.5"`, `"3.0"` → `"3"`).
fn trim_zeros(text: &str) -> String {
    if !text.contains('.') {
        return text.to_string();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Venue for Hyperliquid {
    async fn execute(
        &mut self,
        order: &HedgeOrder,
        reference_price: LotPrice,
        lot: u64,
    ) -> Result<Fill> {
        let this = &*self;
        let attempts = std::cell::Cell::new(0u32);
        let fill = retry(&this.config.backoff, "venue order", || {
            attempts.set(attempts.get() + 1);
            let first = attempts.get() == 1;
            async move {
                // After a failure the order may have reached the book: look it up first.
                if !first {
                    if let Some(existing) = this.status(&order.client_id).await? {
                        return this.settled(&existing, lot, reference_price).await;
                    }
                }
                this.place(order, reference_price, lot).await
            }
        })
        .await?;
        tracing::info!(client_id = %order.client_id, base = fill.base, "venue fill");
        Ok(fill)
    }

    async fn find(&mut self, client_id: &str, lot: u64) -> Result<Option<Fill>> {
        let this = &*self;
        retry(&this.config.backoff, "venue lookup", || async move {
            match this.status(client_id).await? {
                Some(order) => this.settled(&order, lot, LotPrice::ZERO).await.map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn position(&mut self) -> Result<i128> {
        self.net_position().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_keep_five_significant_figures_rounded_against_the_keeper() {
        assert_eq!(significant(123_456, 5, Rounding::Down), Some(123_450));
        assert_eq!(significant(123_456, 5, Rounding::Up), Some(123_460));
        assert_eq!(significant(123_450, 5, Rounding::Up), Some(123_450));
        assert_eq!(significant(999, 5, Rounding::Up), Some(999));
        assert_eq!(trim_zeros("2000.50"), "2000.5");
        assert_eq!(trim_zeros("3.000"), "3");
        assert_eq!(trim_zeros("3000"), "3000");
        let config = HyperliquidConfig {
            base_url: MAINNET_URL.into(),
            mainnet: true,
            secret_key: "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e".into(),
            account: None,
            coin: "SOL".into(),
            base_decimals: 9,
            quote_decimals: 6,
            slippage_bps: 50,
            taker_fee_bps: 5,
            backoff: Backoff::default(),
        };
        let venue = Hyperliquid::new(config).unwrap();
        let asset = Asset {
            index: 5,
            sz_decimals: 2,
        };
        // 150.1234 USDC per SOL, lot 1 SOL: ±0.5 %, five figures, four decimals at most.
        let lot = 1_000_000_000;
        let reference = LotPrice::new(Fixed::ratio(150_123_400, 1, Rounding::Down).unwrap());
        assert_eq!(
            venue
                .limit_price(reference, lot, Side::BuyBase, asset)
                .unwrap(),
            "150.88"
        );
        assert_eq!(
            venue
                .limit_price(reference, lot, Side::SellBase, asset)
                .unwrap(),
            "149.37"
        );
        assert_eq!(venue.size(1_234_567_890, asset).as_deref(), Some("1.23"));
        assert_eq!(venue.size(20_000_000_000, asset).as_deref(), Some("20"));
        assert_eq!(venue.size(9_999_999, asset), None);
        assert_eq!(cloid("Pool-7").len(), 34);
        assert_eq!(cloid("Pool-7"), cloid("Pool-7"));
        assert_ne!(cloid("Pool-7"), cloid("Pool-8"));
    }
}
