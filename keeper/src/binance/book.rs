//! The symbol's best bid and ask, for the quoter: the public book ticker
//! (`GET /fapi/v1/ticker/bookTicker?symbol=…`, request weight 2, no key), whose answer is
//! `{ "symbol", "bidPrice", "bidQty", "askPrice", "askQty", "time", … }` — `time` the
//! book's last change, milliseconds since the epoch. Failures are classified as the
//! signed requests' are (`http::payload`); an answer without those fields, or for another
//! symbol, is the venue's error.

use std::time::Duration;

use serde_json::Value;

use super::decimal::parse_decimal;
use super::http::payload;
use crate::venue::send;
use crate::{KeeperError, Result};

const BOOK_TICKER: &str = "/fapi/v1/ticker/bookTicker";

/// The best bid and ask as the venue writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touch {
    /// Best bid price, quote per base (`"149.95"`).
    pub bid: String,
    /// Best ask price.
    pub ask: String,
    /// When the book last changed, milliseconds since the epoch.
    pub time_ms: u64,
}

/// A book-ticker client for one symbol.
pub struct BookTicker {
    url: String,
    symbol: String,
    http: reqwest::Client,
}

impl BookTicker {
    /// The ticker of `symbol` at `base_url`; an answer slower than `timeout` is a transient
    /// failure (a book that late is no use to the quoter).
    pub fn new(base_url: &str, symbol: &str, timeout: Duration) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| KeeperError::VenueClient {
                context: "HTTP client",
                source: std::sync::Arc::new(error),
            })?;
        Ok(Self {
            url: format!(
                "{}{BOOK_TICKER}?symbol={symbol}",
                base_url.trim_end_matches('/')
            ),
            symbol: symbol.to_string(),
            http,
        })
    }

    /// The symbol's touch now.
    pub async fn touch(&self) -> Result<Touch> {
        let answer = payload(send(self.http.get(&self.url)).await?)?;
        touch_of(&answer, &self.symbol)
    }
}

/// The touch in a book-ticker answer for `symbol`: both prices decimal text, the bid
/// positive and not above the ask.
pub fn touch_of(answer: &Value, symbol: &str) -> Result<Touch> {
    let garbage = |problem: &str| KeeperError::Venue(format!("book ticker: {problem}: {answer}"));
    if answer["symbol"].as_str() != Some(symbol) {
        return Err(garbage(&format!("not {symbol}'s")));
    }
    let price = |field: &str| {
        let text = answer[field].as_str().unwrap_or_default();
        parse_decimal(text)
            .map(|value| (text.to_string(), value))
            .ok_or_else(|| garbage(&format!("`{field}` is not a price")))
    };
    let (bid, (bid_mantissa, bid_scale)) = price("bidPrice")?;
    let (ask, (ask_mantissa, ask_scale)) = price("askPrice")?;
    let time_ms = answer["time"]
        .as_u64()
        .ok_or_else(|| garbage("no `time`"))?;
    // Compared at a common scale: an empty side (0) or a crossed book is no price.
    let scale = bid_scale.max(ask_scale);
    let at_scale = |mantissa: u128, own: u32| {
        super::decimal::pow10(scale - own).and_then(|factor| mantissa.checked_mul(factor))
    };
    match (
        at_scale(bid_mantissa, bid_scale),
        at_scale(ask_mantissa, ask_scale),
    ) {
        (Some(bid), Some(ask)) if bid > 0 && bid <= ask => {}
        _ => return Err(garbage("an empty or crossed book")),
    }
    Ok(Touch { bid, ask, time_ms })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_touch_and_its_time_are_read_and_garbage_refused() {
        let answer = json!({
            "lastUpdateId": 1027024, "symbol": "SOLUSDT", "bidPrice": "149.95",
            "bidQty": "431.00", "askPrice": "150.050", "askQty": "9.00", "time": 1589437530011u64,
        });
        assert_eq!(
            touch_of(&answer, "SOLUSDT").unwrap(),
            Touch {
                bid: "149.95".into(),
                ask: "150.050".into(),
                time_ms: 1_589_437_530_011,
            }
        );
        let refused = |change: Value| {
            let mut broken = answer.clone();
            for (key, value) in change.as_object().unwrap() {
                broken[key] = value.clone();
            }
            touch_of(&broken, "SOLUSDT").unwrap_err().to_string()
        };
        assert!(refused(json!({ "symbol": "BTCUSDT" })).contains("not SOLUSDT's"));
        assert!(refused(json!({ "bidPrice": "1e3" })).contains("`bidPrice` is not a price"));
        assert!(refused(json!({ "askPrice": null })).contains("`askPrice` is not a price"));
        assert!(refused(json!({ "time": "soon" })).contains("no `time`"));
        assert!(refused(json!({ "bidPrice": "150.06" })).contains("crossed"));
        assert!(refused(json!({ "bidPrice": "0.000" })).contains("empty"));
        assert!(touch_of(&json!("<html>"), "SOLUSDT").is_err());
    }
}
