//! The Binance USDⓈ-M adapter against a local HTTP server started by the test. The server
//! checks what Binance checks — the API key header, the HMAC-SHA256 signature over the
//! query string, the timestamp window — and answers with the documented responses and
//! error codes, positions (`positionRisk`) and trades with commissions (`userTrades`),
//! with scripted failures: rate limiting (429 + Retry-After), an order whose execution
//! status is unknown (503 after it executed), insufficient margin (-2019), a commission
//! paid in BNB.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use homeostat_keeper::binance::{venue_client_id, Binance, BinanceConfig};
use homeostat_keeper::planner::{HedgeOrder, Side};
use homeostat_keeper::retry::Backoff;
use homeostat_keeper::venue::Venue;
use homeostat_keeper::KeeperError;
use homeostat_math::{Fixed, Rounding};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const KEY: &str = "test-api-key";
const SECRET: &str = "test-api-secret";
const LOT: u64 = 1_000_000_000;

/// What the server does with the next order requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    /// Answer normally.
    Fill,
    /// 429 with Retry-After: 1, nothing executed.
    RateLimit,
    /// Execute the order, then answer 503 (status unknown to the client).
    ExecuteThenFail,
    /// -2019 Margin is insufficient.
    NoMargin,
    /// Fill, charging the commission in BNB.
    FillPayingBnb,
}

#[derive(Default)]
struct Exchange {
    script: Vec<Script>,
    /// Client order id → order JSON.
    orders: HashMap<String, Value>,
    /// Orders that actually executed.
    executions: usize,
    /// Net SOLUSDT position, thousandths of a SOL (the test's quantities are 0.01 steps).
    position_milli: i64,
    /// Order id → its one trade (`userTrades` entry).
    trades: HashMap<i64, Value>,
    requests: Vec<String>,
}

fn reply(status: u16, body: Value, extra: &str) -> String {
    let body = body.to_string();
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nX-MBX-USED-WEIGHT-1M: 7\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn error(status: u16, code: i64, msg: &str) -> String {
    reply(status, json!({ "code": code, "msg": msg }), "")
}

fn handle(exchange: &Mutex<Exchange>, method: &str, target: &str, key: Option<&str>) -> String {
    let mut exchange = exchange.lock().expect("lock");
    exchange.requests.push(format!("{method} {target}"));
    let Some((path, query)) = target.split_once('?') else {
        return error(404, -1000, "unknown path");
    };
    if ![
        "/fapi/v1/order",
        "/fapi/v2/positionRisk",
        "/fapi/v1/userTrades",
    ]
    .contains(&path)
    {
        return error(404, -1000, "unknown path");
    }
    if key != Some(KEY) {
        return error(
            401,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        );
    }
    let Some((signed, signature)) = query.rsplit_once("&signature=") else {
        return error(400, -1102, "Mandatory parameter 'signature' was not sent.");
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(signed.as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if signature != expected {
        return error(400, -1022, "Signature for this request is not valid.");
    }
    let params: HashMap<&str, &str> = signed
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let timestamp: i64 = params["timestamp"].parse().expect("timestamp");
    let window: i64 = params["recvWindow"].parse().expect("recvWindow");
    if (now - timestamp).abs() > window {
        return error(
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        );
    }
    if path == "/fapi/v1/userTrades" {
        let order_id: i64 = params["orderId"].parse().expect("orderId");
        let trades: Vec<Value> = exchange
            .trades
            .get(&order_id)
            .cloned()
            .into_iter()
            .collect();
        return reply(200, json!(trades), "");
    }
    if path == "/fapi/v2/positionRisk" {
        // One-way mode: one BOTH entry per symbol; another symbol's entry is listed too.
        let milli = exchange.position_milli;
        let amount = format!(
            "{}{}.{:03}",
            if milli < 0 { "-" } else { "" },
            milli.abs() / 1_000,
            milli.abs() % 1_000
        );
        return reply(
            200,
            json!([
                { "symbol": "BTCUSDT", "positionAmt": "0.500", "positionSide": "BOTH" },
                { "symbol": params["symbol"], "positionAmt": amount, "positionSide": "BOTH" },
            ]),
            "",
        );
    }
    match method {
        "GET" => match exchange.orders.get(params["origClientOrderId"]) {
            Some(order) => reply(200, order.clone(), ""),
            None => error(400, -2013, "Order does not exist."),
        },
        "POST" => {
            let script = if exchange.script.is_empty() {
                Script::Fill
            } else {
                exchange.script.remove(0)
            };
            match script {
                Script::RateLimit => {
                    return reply(
                        429,
                        json!({ "code": -1003, "msg": "Too many requests." }),
                        "Retry-After: 1\r\n",
                    )
                }
                Script::NoMargin => return error(400, -2019, "Margin is insufficient."),
                Script::Fill | Script::ExecuteThenFail | Script::FillPayingBnb => {}
            }
            let client_id = params["newClientOrderId"].to_string();
            if exchange.orders.contains_key(&client_id) {
                return error(400, -4116, "ClientOrderId is duplicated.");
            }
            assert_eq!(params["type"], "MARKET");
            assert_eq!(params["newOrderRespType"], "RESULT");
            let price = if params["side"] == "SELL" {
                "149.95"
            } else {
                "150.05"
            };
            let order_id = 1000 + exchange.orders.len() as i64;
            let order = json!({
                "orderId": order_id,
                "symbol": params["symbol"],
                "status": "FILLED",
                "clientOrderId": client_id,
                "side": params["side"],
                "type": "MARKET",
                "origQty": params["quantity"],
                "executedQty": params["quantity"],
                "cumQuote": "0",
                "avgPrice": price,
            });
            exchange.orders.insert(client_id, order.clone());
            exchange.executions += 1;
            let (whole, fraction) = params["quantity"]
                .split_once('.')
                .unwrap_or((params["quantity"], "0"));
            let milli = whole.parse::<i64>().expect("quantity") * 1_000
                + format!("{fraction:0<3}")[..3]
                    .parse::<i64>()
                    .expect("quantity");
            exchange.position_milli += if params["side"] == "SELL" {
                -milli
            } else {
                milli
            };
            // A 4 bp taker commission (the adapter's estimate is 5 bp), in 10⁻⁸ USDT:
            // milli-SOL × cents × 4 / 10.
            let cents: i64 = price.replace('.', "").parse().expect("price");
            let commission = milli * cents * 4 / 10;
            exchange.trades.insert(
                order_id,
                json!({
                    "orderId": order_id,
                    "qty": params["quantity"],
                    "price": price,
                    "commission": format!("-{}.{:08}", commission / 100_000_000, commission % 100_000_000),
                    "commissionAsset": if script == Script::FillPayingBnb { "BNB" } else { "USDT" },
                }),
            );
            if script == Script::ExecuteThenFail {
                return error(503, -1007, "Timeout waiting for response from backend server. Send status unknown; execution status unknown.");
            }
            reply(200, order, "")
        }
        _ => error(405, -1000, "method"),
    }
}

/// Starts the exchange on loopback; returns its URL and state.
async fn exchange(script: Vec<Script>) -> (String, Arc<Mutex<Exchange>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let state = Arc::new(Mutex::new(Exchange {
        script,
        ..Exchange::default()
    }));
    let shared = Arc::clone(&state);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let state = Arc::clone(&shared);
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut reader = BufReader::new(reader);
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = request_line.split_whitespace();
                    let (method, target) = (
                        parts.next().unwrap_or_default().to_string(),
                        parts.next().unwrap_or_default().to_string(),
                    );
                    let (mut key, mut length) = (None, 0usize);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let (name, value) = line.split_once(':').unwrap_or_default();
                        match name.to_ascii_lowercase().as_str() {
                            "x-mbx-apikey" => key = Some(value.trim().to_string()),
                            "content-length" => length = value.trim().parse().unwrap_or(0),
                            _ => {}
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let response = handle(&state, &method, &target, key.as_deref());
                    if writer.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, state)
}

fn config(url: &str, secret: &str) -> BinanceConfig {
    BinanceConfig {
        base_url: url.to_string(),
        api_key: KEY.into(),
        api_secret: secret.into(),
        symbol: "SOLUSDT".into(),
        base_decimals: 9,
        quote_decimals: 6,
        quantity_step: 10_000_000,
        taker_fee_bps: 5,
        commission_asset: "USDT".into(),
        recv_window_ms: 5_000,
        min_request_interval: Duration::from_millis(1),
        backoff: Backoff {
            attempts: 4,
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
    }
}

fn order(side: Side, base: u64, seq: u64) -> HedgeOrder {
    HedgeOrder {
        seq,
        client_id: format!("7r8vRrScdz6x1v1gRHHyz73n3wGoDcPMZnDBHijTWsn5-{seq}"),
        side,
        base,
    }
}

fn per_lot(price: &str) -> i128 {
    let (whole, cents) = price.split_once('.').expect("decimal");
    let micro =
        whole.parse::<i128>().unwrap() * 1_000_000 + cents.parse::<i128>().unwrap() * 10_000;
    Fixed::ratio(micro, 1, Rounding::Down).unwrap().to_bits()
}

const MID: i128 = 150_000_000 << 48;

#[tokio::test]
async fn fills_a_signed_market_order_and_finds_it_by_client_id() {
    let (url, exchange) = exchange(vec![]).await;
    let mut venue = Binance::new(config(&url, SECRET)).expect("venue");
    // 2.0149 SOL rounds down to the 0.01 step.
    let sell = order(Side::SellBase, 2_014_900_000, 1);
    let fill = venue.execute(&sell, MID, LOT).await.expect("fill");
    assert_eq!(fill.base, 2_010_000_000);
    assert_eq!(fill.avg_price, per_lot("149.95"));
    // 2.01 × 149.95 = 301.3995 USDT notional; the venue charged 4 bp (0.12055980), read
    // from the order's trades and rounded up to quote atoms.
    assert_eq!(fill.fee_quote, 120_560);
    {
        let exchange = exchange.lock().unwrap();
        assert_eq!(exchange.executions, 1);
        let sent = &exchange.requests[0];
        assert!(sent.starts_with("POST /fapi/v1/order?symbol=SOLUSDT&side=SELL&type=MARKET&quantity=2.01&newClientOrderId="), "{sent}");
        assert!(sent.contains(&venue_client_id(&sell.client_id)));
    }
    assert_eq!(
        venue.find(&sell.client_id, LOT).await.expect("lookup"),
        Some(fill)
    );
    assert_eq!(venue.find("never-sent", LOT).await.expect("lookup"), None);
    // Prices are per the lot asked for: after `update_params` to a 0.01 SOL lot, the same
    // fill is 1.4995 USDT per lot.
    let per_small_lot = venue
        .find(&sell.client_id, LOT / 100)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        per_small_lot.avg_price,
        Fixed::from_int(1_499_500).to_bits()
    );

    // Commission paid in BNB: the fee is the 5 bp estimate of the notional, rounded up.
    exchange.lock().unwrap().script.push(Script::FillPayingBnb);
    let bnb = venue
        .execute(&order(Side::SellBase, 2_010_000_000, 4), MID, LOT)
        .await
        .expect("fill");
    assert_eq!(bnb.fee_quote, 150_700);

    let buy = order(Side::BuyBase, 500_000_000, 2);
    let fill = venue.execute(&buy, MID, LOT).await.expect("fill");
    assert_eq!(
        (fill.base, fill.avg_price),
        (500_000_000, per_lot("150.05"))
    );

    // Below the step: nothing is sent, a zero fill is reported.
    let dust = order(Side::BuyBase, 9_999_999, 3);
    assert_eq!(venue.execute(&dust, MID, LOT).await.expect("dust").base, 0);
    assert_eq!(exchange.lock().unwrap().executions, 3);

    // Sold 2.01 twice, bought 0.5: the account is 3.52 SOL short; other symbols do not
    // count.
    assert_eq!(venue.position().await.expect("position"), -3_520_000_000);
    assert!(exchange
        .lock()
        .unwrap()
        .requests
        .last()
        .unwrap()
        .starts_with("GET /fapi/v2/positionRisk?symbol=SOLUSDT&recvWindow="));
}

#[tokio::test]
async fn waits_out_rate_limits_and_never_trades_an_unknown_order_twice() {
    let (url, exchange) = exchange(vec![Script::RateLimit, Script::ExecuteThenFail]).await;
    let mut venue = Binance::new(config(&url, SECRET)).expect("venue");
    let started = std::time::Instant::now();
    let fill = venue
        .execute(&order(Side::SellBase, ONE_SOL, 7), MID, LOT)
        .await
        .expect("fills after a 429 and a 503");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(fill.base, ONE_SOL);
    let exchange = exchange.lock().unwrap();
    assert_eq!(
        exchange.executions, 1,
        "the 503'd order was found, not resent"
    );
    let calls: Vec<&str> = exchange
        .requests
        .iter()
        .map(|request| request.split('?').next().unwrap())
        .collect();
    // 429 → lookup (not found) → order (executes, 503) → lookup (found) → its commission.
    assert_eq!(
        calls,
        [
            "POST /fapi/v1/order",
            "GET /fapi/v1/order",
            "POST /fapi/v1/order",
            "GET /fapi/v1/order",
            "GET /fapi/v1/userTrades"
        ]
    );
    // 1 SOL × 149.95 at the venue's 4 bp: 0.05998 USDT.
    assert_eq!(fill.fee_quote, 59_980);
}

const ONE_SOL: u64 = 1_000_000_000;

#[tokio::test]
async fn refusals_carry_the_venues_code() {
    let (url, exchange) = exchange(vec![Script::NoMargin]).await;
    let mut venue = Binance::new(config(&url, SECRET)).expect("venue");
    let error = venue
        .execute(&order(Side::BuyBase, ONE_SOL, 8), MID, LOT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, KeeperError::VenueRejected { code: -2019, message } if message.contains("Margin is insufficient")),
        "{error}"
    );
    assert_eq!(
        exchange.lock().unwrap().requests.len(),
        1,
        "a refusal is not retried"
    );

    let mut forged = Binance::new(config(&url, "wrong-secret")).expect("venue");
    let error = forged
        .execute(&order(Side::BuyBase, ONE_SOL, 9), MID, LOT)
        .await
        .unwrap_err();
    assert!(
        matches!(error, KeeperError::VenueRejected { code: -1022, .. }),
        "{error}"
    );

    // Nobody listening: transient, retried, then reported.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut offline = Binance::new(config(&nowhere, SECRET)).expect("venue");
    let error = offline.find("x", LOT).await.unwrap_err();
    assert!(matches!(error, KeeperError::Transient { .. }), "{error}");
}

#[test]
fn client_ids_fit_the_venue_and_stay_deterministic() {
    let long = "7r8vRrScdz6x1v1gRHHyz73n3wGoDcPMZnDBHijTWsn5-42";
    let id = venue_client_id(long);
    assert_eq!(id.len(), 33);
    assert_eq!(id, venue_client_id(long));
    assert_ne!(
        id,
        venue_client_id("7r8vRrScdz6x1v1gRHHyz73n3wGoDcPMZnDBHijTWsn5-43")
    );
    assert_eq!(venue_client_id("pool-1"), "pool-1");
}
