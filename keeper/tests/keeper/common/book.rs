//! A local Binance book ticker for the quoter's tests: `GET /fapi/v1/ticker/bookTicker`
//! answered as Binance answers it (`symbol`, `bidPrice`, `askPrice`, `time`, …), and on
//! the test's word down (HTTP 503, `-1001`), garbage (an HTML page) or frozen (the book's
//! `time` stops moving).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use serde_json::json;

/// How the ticker answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The touch, changed just now.
    Live,
    /// HTTP 503.
    Down,
    /// An HTML error page.
    Garbage,
    /// The touch, last changed when it froze.
    Frozen { since_ms: u64 },
}

/// The ticker's state.
pub struct Ticker {
    pub bid: String,
    pub ask: String,
    pub mode: Mode,
    /// Requests answered.
    pub asked: u64,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

impl Ticker {
    /// From now on the book's `time` stays where it is.
    pub fn freeze(&mut self) {
        self.mode = Mode::Frozen { since_ms: now_ms() };
    }
}

fn reply(status: u16, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn answer(ticker: &Mutex<Ticker>, target: &str) -> String {
    let mut ticker = ticker.lock().expect("lock");
    ticker.asked += 1;
    let Some(("/fapi/v1/ticker/bookTicker", query)) = target.split_once('?') else {
        return reply(
            404,
            "application/json",
            r#"{"code":-1000,"msg":"unknown path"}"#,
        );
    };
    let symbol = query.strip_prefix("symbol=").unwrap_or_default();
    let time = match ticker.mode {
        Mode::Live => now_ms(),
        Mode::Frozen { since_ms } => since_ms,
        Mode::Down => {
            return reply(
                503,
                "application/json",
                r#"{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}"#,
            )
        }
        Mode::Garbage => return reply(200, "text/html", "<html>maintenance</html>"),
    };
    let body = json!({
        "lastUpdateId": 1_027_024, "symbol": symbol, "bidPrice": ticker.bid,
        "bidQty": "431.00", "askPrice": ticker.ask, "askQty": "9.00", "time": time,
    });
    reply(200, "application/json", &body.to_string())
}

/// Starts the ticker on loopback at `bid` / `ask`, live; its URL and state.
pub async fn book_ticker(bid: &str, ask: &str) -> (String, Arc<Mutex<Ticker>>) {
    let state = Arc::new(Mutex::new(Ticker {
        bid: bid.into(),
        ask: ask.into(),
        mode: Mode::Live,
        asked: 0,
    }));
    let shared = Arc::clone(&state);
    let url = super::http::serve(move |request| answer(&shared, &request.target)).await;
    (url, state)
}
