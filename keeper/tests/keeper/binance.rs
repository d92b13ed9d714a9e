//! The Binance USDⓈ-M adapter against the local exchange of `common::exchange`.

use std::time::Duration;

use crate::common::exchange::{exchange, Script, KEY, SECRET};
use homeostat_keeper::binance::{venue_client_id, Binance, BinanceConfig};
use homeostat_keeper::planner::{HedgeOrder, Side};
use homeostat_keeper::retry::Backoff;
use homeostat_keeper::venue::Venue;
use homeostat_keeper::KeeperError;
use homeostat_math::{Fixed, LotPrice, Rounding};

const LOT: u64 = 1_000_000_000;

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

fn per_lot(price: &str) -> LotPrice {
    let (whole, cents) = price.split_once('.').expect("decimal");
    let micro =
        whole.parse::<i128>().unwrap() * 1_000_000 + cents.parse::<i128>().unwrap() * 10_000;
    LotPrice::new(Fixed::ratio(micro, 1, Rounding::Down).unwrap())
}

const MID: LotPrice = LotPrice::new(Fixed::from_bits(150_000_000 << 48));

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
        LotPrice::new(Fixed::from_int(1_499_500))
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
