//! A local Hyperliquid for the keeper's tests. It checks what Hyperliquid checks — the
//! signature over the action's MessagePack hash recovers the account (else "User or API
//! Wallet … does not exist"), each nonce used once, a cloid never reused — and answers
//! with the documented shapes: `order` statuses (`filled`, `error`), `orderStatus` by
//! cloid (`unknownOid`), `userFills` with fees, `clearinghouseState` positions and
//! `userFunding`. Scripted: a 429, an order executed then a 502 (outcome unknown to the
//! client), insufficient margin, an IOC order nothing matches.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use homeostat_keeper::hyperliquid::signing::{
    agent_digest, connection_id, hex, unhex, ActionSignature, Msgpack, Signer,
};
use serde_json::{json, Value};

/// The account's key (the official SDK's test key).
pub const KEY: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";
/// The coin's index in `meta` and its size decimals.
pub const SOL_INDEX: u64 = 2;

/// What the exchange does with the next order actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    /// Answer normally.
    Fill,
    /// 429, nothing executed.
    RateLimit,
    /// Execute the order, then answer 502.
    ExecuteThenFail,
    /// Refuse: insufficient margin.
    NoMargin,
    /// Nothing to match: the IOC order is cancelled unfilled.
    NoMatch,
}

#[derive(Default)]
pub struct Exchange {
    pub script: Vec<Script>,
    /// The account (lowercase `0x…`) whose signatures are accepted.
    pub account: String,
    /// cloid → (oid, order status JSON).
    pub orders: HashMap<String, (u64, Value)>,
    pub fills: Vec<Value>,
    pub nonces: HashSet<u64>,
    pub executions: usize,
    /// The SOL position, hundredths (szDecimals 2).
    pub position_centi: i64,
    /// Every order action received.
    pub actions: Vec<Value>,
}

fn reply(status: u16, body: &Value, extra: &str) -> String {
    let body = body.to_string();
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn err(message: &str) -> String {
    reply(200, &json!({ "status": "err", "response": message }), "")
}

fn statuses(status: Value) -> String {
    reply(
        200,
        &json!({ "status": "ok", "response": { "type": "order", "data": { "statuses": [status] } } }),
        "",
    )
}

/// The order action rebuilt in the exchange's canonical field order, as it hashes it.
fn canonical(action: &Value) -> Option<Msgpack> {
    let orders = action["orders"].as_array()?;
    let orders = orders
        .iter()
        .map(|order| {
            let mut fields = vec![
                ("a", Msgpack::Uint(order["a"].as_u64()?)),
                ("b", Msgpack::Bool(order["b"].as_bool()?)),
                ("p", Msgpack::str(order["p"].as_str()?)),
                ("s", Msgpack::str(order["s"].as_str()?)),
                ("r", Msgpack::Bool(order["r"].as_bool()?)),
                (
                    "t",
                    Msgpack::map([(
                        "limit",
                        Msgpack::map([("tif", Msgpack::str(order["t"]["limit"]["tif"].as_str()?))]),
                    )]),
                ),
            ];
            if let Some(cloid) = order["c"].as_str() {
                fields.push(("c", Msgpack::str(cloid)));
            }
            Some(Msgpack::map(fields))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Msgpack::map([
        ("type", Msgpack::str(action["type"].as_str()?)),
        ("orders", Msgpack::Array(orders)),
        ("grouping", Msgpack::str(action["grouping"].as_str()?)),
    ]))
}

/// Hundredths of a coin from its size text ("2.01" → 201).
fn centi(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    whole.parse::<i64>().expect("size") * 100
        + format!("{fraction:0<2}")[..2].parse::<i64>().expect("size")
}

fn exchange_action(exchange: &mut Exchange, body: &Value) -> String {
    let action = &body["action"];
    exchange.actions.push(action.clone());
    let Some(nonce) = body["nonce"].as_u64() else {
        return err("missing nonce");
    };
    let signature = &body["signature"];
    let (Some(r), Some(s), Some(v)) = (
        signature["r"].as_str().and_then(unhex::<32>),
        signature["s"].as_str().and_then(unhex::<32>),
        signature["v"].as_u64().and_then(|v| u8::try_from(v).ok()),
    ) else {
        return err("Failed to deserialize the JSON body into the target type");
    };
    let Some(hashed) = canonical(action) else {
        return err("Failed to deserialize the JSON body into the target type");
    };
    let digest = agent_digest(connection_id(&hashed, nonce, None), true);
    let signer = ActionSignature { r, s, v }.signer(&digest);
    let signer = signer.map(|address| format!("0x{}", hex(&address)));
    if signer.as_deref() != Some(exchange.account.as_str()) {
        return err(&format!(
            "User or API Wallet {} does not exist.",
            signer.unwrap_or_default()
        ));
    }
    if !exchange.nonces.insert(nonce) {
        return err("Invalid nonce: duplicate nonce");
    }
    let script = if exchange.script.is_empty() {
        Script::Fill
    } else {
        exchange.script.remove(0)
    };
    match script {
        Script::RateLimit => return reply(429, &json!(null), "Retry-After: 1\r\n"),
        Script::NoMargin => {
            return statuses(json!({ "error": "Insufficient margin to place order. asset=2" }))
        }
        _ => {}
    }
    let order = &action["orders"][0];
    assert_eq!(order["a"], SOL_INDEX, "the SOL perpetual");
    assert_eq!(order["t"]["limit"]["tif"], "Ioc");
    let cloid = order["c"].as_str().expect("a cloid").to_string();
    if exchange.orders.contains_key(&cloid) {
        return statuses(json!({ "error": "Duplicate cloid" }));
    }
    let buy = order["b"].as_bool().expect("side");
    // The book: bids at 149.95, asks at 150.05 (cents).
    let price: i64 = if buy { 15_005 } else { 14_995 };
    let limit = centi(order["p"].as_str().expect("price"));
    let crosses = if buy { limit >= price } else { limit <= price };
    let oid = 9_000 + exchange.orders.len() as u64;
    let size = order["s"].as_str().expect("size");
    if script == Script::NoMatch || !crosses {
        exchange.orders.insert(
            cloid.clone(),
            (oid, json!({ "order": { "oid": oid, "cloid": cloid, "coin": "SOL", "origSz": size, "sz": size }, "status": "canceled" })),
        );
        return statuses(
            json!({ "error": "Order could not immediately match against any resting orders. asset=2" }),
        );
    }
    let size_centi = centi(size);
    exchange.position_centi += if buy { size_centi } else { -size_centi };
    exchange.executions += 1;
    // A 4.5 bp taker fee in micro-USDC, rounded up: centi × cents × 100 × 45 / 10⁵.
    let fee_micro = (size_centi * price * 45 + 999) / 1_000;
    let px = format!("{}.{:02}", price / 100, price % 100);
    exchange.fills.push(json!({
        "coin": "SOL", "px": px, "sz": size, "side": if buy { "B" } else { "A" },
        "oid": oid, "cloid": cloid, "crossed": true,
        "fee": format!("{}.{:06}", fee_micro / 1_000_000, fee_micro % 1_000_000), "feeToken": "USDC",
    }));
    exchange.orders.insert(
        cloid.clone(),
        (oid, json!({ "order": { "oid": oid, "cloid": cloid, "coin": "SOL", "origSz": size, "sz": "0.0" }, "status": "filled" })),
    );
    if script == Script::ExecuteThenFail {
        return reply(502, &json!(null), "");
    }
    statuses(json!({ "filled": { "totalSz": size, "avgPx": px, "oid": oid } }))
}

fn info(exchange: &Exchange, body: &Value) -> String {
    let user_ok = body["user"].as_str().map(str::to_lowercase) == Some(exchange.account.clone());
    match body["type"].as_str() {
        Some("meta") => reply(
            200,
            &json!({ "universe": [
                { "name": "BTC", "szDecimals": 5, "maxLeverage": 40 },
                { "name": "ETH", "szDecimals": 4, "maxLeverage": 25 },
                { "name": "SOL", "szDecimals": 2, "maxLeverage": 20 },
            ] }),
            "",
        ),
        Some("orderStatus") => {
            let found = body["oid"]
                .as_str()
                .and_then(|cloid| exchange.orders.get(cloid))
                .filter(|_| user_ok);
            match found {
                Some((_, order)) => reply(200, &json!({ "status": "order", "order": order }), ""),
                None => reply(200, &json!({ "status": "unknownOid" }), ""),
            }
        }
        Some("userFills") => reply(
            200,
            &json!(if user_ok {
                exchange.fills.clone()
            } else {
                vec![]
            }),
            "",
        ),
        Some("clearinghouseState") => {
            let centi = exchange.position_centi;
            let szi = format!(
                "{}{}.{:02}",
                if centi < 0 { "-" } else { "" },
                centi.abs() / 100,
                centi.abs() % 100
            );
            reply(
                200,
                &json!({ "assetPositions": [
                    { "type": "oneWay", "position": { "coin": "BTC", "szi": "0.5" } },
                    { "type": "oneWay", "position": { "coin": "SOL", "szi": szi } },
                ] }),
                "",
            )
        }
        Some("userFunding") => reply(
            200,
            &json!([
                { "time": 1, "hash": "0x0", "delta": { "type": "funding", "coin": "SOL", "usdc": "-0.123456", "szi": "-2.01", "fundingRate": "0.0000125" } },
                { "time": 2, "hash": "0x0", "delta": { "type": "funding", "coin": "BTC", "usdc": "1.5", "szi": "0.5", "fundingRate": "0.0000125" } },
                { "time": 3, "hash": "0x0", "delta": { "type": "funding", "coin": "SOL", "usdc": "0.023456", "szi": "-2.01", "fundingRate": "-0.000002" } },
            ]),
            "",
        ),
        _ => reply(422, &json!(null), ""),
    }
}

fn handle(exchange: &Mutex<Exchange>, method: &str, path: &str, body: &[u8]) -> String {
    let mut exchange = exchange.lock().expect("lock");
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return reply(422, &json!(null), "");
    };
    match (method, path) {
        ("POST", "/exchange") => exchange_action(&mut exchange, &body),
        ("POST", "/info") => info(&exchange, &body),
        _ => reply(404, &json!(null), ""),
    }
}

/// Starts the exchange on loopback, trading for [`KEY`]'s account; its URL and state.
pub async fn hyperliquid(script: Vec<Script>) -> (String, Arc<Mutex<Exchange>>) {
    let account = format!("0x{}", hex(&Signer::from_hex(KEY).expect("key").address()));
    let state = Arc::new(Mutex::new(Exchange {
        script,
        account,
        ..Exchange::default()
    }));
    let shared = Arc::clone(&state);
    let url = super::http::serve(move |request| {
        handle(&shared, &request.method, &request.target, &request.body)
    })
    .await;
    (url, state)
}
