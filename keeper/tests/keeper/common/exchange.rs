//! A local Binance USDⓈ-M exchange for the keeper's tests. It checks what Binance checks —
//! the API key header, the HMAC-SHA256 signature over the query string, the timestamp
//! window — and answers with the documented responses and error codes, positions
//! (`positionRisk`) and trades with commissions (`userTrades`), with scripted failures:
//! rate limiting (429 + Retry-After), an order whose execution status is unknown (503
//! after it executed), insufficient margin (-2019), a commission paid in BNB.
// Each test crate uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// The API key the exchange accepts.
pub const KEY: &str = "test-api-key";
/// The secret it verifies signatures with.
pub const SECRET: &str = "test-api-secret";

/// What the server does with the next order requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
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
pub struct Exchange {
    pub script: Vec<Script>,
    /// Client order id → order JSON.
    pub orders: HashMap<String, Value>,
    /// Orders that actually executed.
    pub executions: usize,
    /// Net SOLUSDT position, thousandths of a SOL (the test's quantities are 0.01 steps).
    pub position_milli: i64,
    /// Order id → its one trade (`userTrades` entry).
    pub trades: HashMap<i64, Value>,
    pub requests: Vec<String>,
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
    let (path, signed) = match authenticate(target, key) {
        Ok(authenticated) => authenticated,
        Err(refusal) => return refusal,
    };
    let params: HashMap<&str, &str> = signed
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    if let Err(refusal) = within_recv_window(&params) {
        return refusal;
    }
    match (path, method) {
        ("/fapi/v1/userTrades", _) => user_trades(&exchange, &params),
        ("/fapi/v2/positionRisk", _) => position_risk(&exchange, &params),
        (_, "GET") => match exchange.orders.get(params["origClientOrderId"]) {
            Some(order) => reply(200, order.clone(), ""),
            None => error(400, -2013, "Order does not exist."),
        },
        (_, "POST") => place_order(&mut exchange, &params),
        _ => error(405, -1000, "method"),
    }
}

/// The path and the signed query of a request to a known path with the API key and a
/// valid signature; else the exchange's refusal.
fn authenticate<'a>(target: &'a str, key: Option<&str>) -> Result<(&'a str, &'a str), String> {
    let Some((path, query)) = target.split_once('?') else {
        return Err(error(404, -1000, "unknown path"));
    };
    if ![
        "/fapi/v1/order",
        "/fapi/v2/positionRisk",
        "/fapi/v1/userTrades",
    ]
    .contains(&path)
    {
        return Err(error(404, -1000, "unknown path"));
    }
    if key != Some(KEY) {
        return Err(error(
            401,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
        ));
    }
    let Some((signed, signature)) = query.rsplit_once("&signature=") else {
        return Err(error(
            400,
            -1102,
            "Mandatory parameter 'signature' was not sent.",
        ));
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
        return Err(error(
            400,
            -1022,
            "Signature for this request is not valid.",
        ));
    }
    Ok((path, signed))
}

/// Refuses a request whose timestamp is outside its `recvWindow` of now.
fn within_recv_window(params: &HashMap<&str, &str>) -> Result<(), String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let timestamp: i64 = params["timestamp"].parse().expect("timestamp");
    let window: i64 = params["recvWindow"].parse().expect("recvWindow");
    if (now - timestamp).abs() > window {
        return Err(error(
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        ));
    }
    Ok(())
}

/// `userTrades`: the order's one trade.
fn user_trades(exchange: &Exchange, params: &HashMap<&str, &str>) -> String {
    let order_id: i64 = params["orderId"].parse().expect("orderId");
    let trades: Vec<Value> = exchange
        .trades
        .get(&order_id)
        .cloned()
        .into_iter()
        .collect();
    reply(200, json!(trades), "")
}

/// `positionRisk` in one-way mode: one BOTH entry per symbol; another symbol's entry is
/// listed too.
fn position_risk(exchange: &Exchange, params: &HashMap<&str, &str>) -> String {
    let milli = exchange.position_milli;
    let amount = format!(
        "{}{}.{:03}",
        if milli < 0 { "-" } else { "" },
        milli.abs() / 1_000,
        milli.abs() % 1_000
    );
    reply(
        200,
        json!([
            { "symbol": "BTCUSDT", "positionAmt": "0.500", "positionSide": "BOTH" },
            { "symbol": params["symbol"], "positionAmt": amount, "positionSide": "BOTH" },
        ]),
        "",
    )
}

/// A new market order, as the script says: refused, or executed (and its trade and the
/// position booked), answered or not.
fn place_order(exchange: &mut Exchange, params: &HashMap<&str, &str>) -> String {
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

/// Starts the exchange on loopback; returns its URL and state.
pub async fn exchange(script: Vec<Script>) -> (String, Arc<Mutex<Exchange>>) {
    let state = Arc::new(Mutex::new(Exchange {
        script,
        ..Exchange::default()
    }));
    let shared = Arc::clone(&state);
    let url = super::http::serve(move |request| {
        handle(
            &shared,
            &request.method,
            &request.target,
            request.header("x-mbx-apikey"),
        )
    })
    .await;
    (url, state)
}
