//! The Hyperliquid adapter against the local exchange of `common::hyperliquid`: signed IOC
//! orders with a cloid, lookups, fees, position and funding, and the scripted failures.

use std::time::Duration;

use crate::common::hyperliquid::{hyperliquid, Script, KEY};
use homeostat_keeper::hyperliquid::{cloid, Hyperliquid, HyperliquidConfig};
use homeostat_keeper::planner::{HedgeOrder, Side};
use homeostat_keeper::retry::Backoff;
use homeostat_keeper::venue::Venue;
use homeostat_keeper::KeeperError;
use homeostat_math::{Fixed, LotPrice, Rounding};

const LOT: u64 = 1_000_000_000;
/// 150 USDC per SOL, per 1-SOL lot.
const MID: LotPrice = LotPrice::new(Fixed::from_bits(150_000_000 << 48));

fn config(url: &str, key: &str) -> HyperliquidConfig {
    HyperliquidConfig {
        base_url: url.to_string(),
        mainnet: true,
        secret_key: key.into(),
        account: None,
        coin: "SOL".into(),
        base_decimals: 9,
        quote_decimals: 6,
        slippage_bps: 50,
        taker_fee_bps: 5,
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

fn per_lot(cents: i128) -> LotPrice {
    LotPrice::new(Fixed::ratio(cents * 10_000, 1, Rounding::Down).unwrap())
}

#[tokio::test]
async fn fills_a_signed_ioc_order_and_finds_it_by_cloid() {
    let (url, exchange) = hyperliquid(vec![]).await;
    let mut venue = Hyperliquid::new(config(&url, KEY)).expect("venue");
    // 2.0149 SOL rounds down to the coin's 0.01.
    let sell = order(Side::SellBase, 2_014_900_000, 1);
    let fill = venue.execute(&sell, MID, LOT).await.expect("fill");
    assert_eq!(fill.base, 2_010_000_000);
    assert_eq!(fill.avg_price, per_lot(14_995));
    // 2.01 × 149.95 = 301.3995 USDC at the exchange's 4.5 bp: 0.135630, from its fills.
    assert_eq!(fill.fee_quote, 135_630);
    {
        let exchange = exchange.lock().unwrap();
        assert_eq!(exchange.executions, 1);
        let sent = &exchange.actions[0]["orders"][0];
        // A sell limit 50 bp under 150: 149.25, the size as the coin's decimals.
        assert_eq!(sent["p"], "149.25");
        assert_eq!(sent["s"], "2.01");
        assert_eq!(sent["b"], false);
        assert_eq!(sent["c"], cloid(&sell.client_id));
        assert_eq!(exchange.position_centi, -201);
    }
    assert_eq!(
        venue.find(&sell.client_id, LOT).await.expect("lookup"),
        Some(fill)
    );
    assert_eq!(venue.find("never-sent", LOT).await.expect("lookup"), None);
    assert_eq!(venue.position().await.expect("position"), -2_010_000_000);
    // SOL's two payments (−0.123456 + 0.023456); BTC's is another coin's.
    assert_eq!(venue.funding_since(0).await.expect("funding"), -100_000);
    let buy = order(Side::BuyBase, 1_000_000_000, 2);
    let bought = venue.execute(&buy, MID, LOT).await.expect("fill");
    assert_eq!(
        (bought.base, bought.avg_price),
        (1_000_000_000, per_lot(15_005))
    );
    let exchange = exchange.lock().unwrap();
    assert_eq!(exchange.actions[1]["orders"][0]["p"], "150.75");
    assert_eq!(exchange.position_centi, -101);
}

#[tokio::test]
async fn rate_limits_and_unknown_outcomes_never_trade_twice() {
    let (url, exchange) = hyperliquid(vec![Script::RateLimit, Script::ExecuteThenFail]).await;
    let mut venue = Hyperliquid::new(config(&url, KEY)).expect("venue");
    let sell = order(Side::SellBase, 2_000_000_000, 3);
    let fill = venue.execute(&sell, MID, LOT).await.expect("fill");
    assert_eq!(fill.base, 2_000_000_000);
    assert_eq!(fill.avg_price, per_lot(14_995));
    let exchange = exchange.lock().unwrap();
    assert_eq!(
        exchange.executions, 1,
        "executed once, through the 429 and the 502"
    );
    assert_eq!(exchange.actions.len(), 2, "the third try found it by cloid");
}

#[tokio::test]
async fn refusals_and_unmatched_orders() {
    let (url, exchange) = hyperliquid(vec![Script::NoMargin, Script::NoMatch]).await;
    let mut venue = Hyperliquid::new(config(&url, KEY)).expect("venue");
    let error = venue
        .execute(&order(Side::SellBase, 1_000_000_000, 4), MID, LOT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, KeeperError::VenueRejected { code: 0, message } if message.contains("Insufficient margin")),
        "{error}"
    );
    // Nothing at the limit: the IOC order is cancelled, a zero fill.
    let fill = venue
        .execute(&order(Side::SellBase, 1_000_000_000, 5), MID, LOT)
        .await
        .expect("a zero fill");
    assert_eq!((fill.base, fill.fee_quote), (0, 0));
    // A hedge below the coin's step is not sent.
    let fill = venue
        .execute(&order(Side::SellBase, 9_999_999, 6), MID, LOT)
        .await
        .expect("not sent");
    assert_eq!(fill.base, 0);
    let exchange = exchange.lock().unwrap();
    assert_eq!((exchange.executions, exchange.actions.len()), (0, 2));
}

#[tokio::test]
async fn a_signature_by_another_key_is_refused() {
    let (url, exchange) = hyperliquid(vec![]).await;
    let stranger = "11".repeat(32);
    let mut venue = Hyperliquid::new(HyperliquidConfig {
        account: Some(exchange.lock().unwrap().account.clone()),
        ..config(&url, &stranger)
    })
    .expect("venue");
    let error = venue
        .execute(&order(Side::SellBase, 1_000_000_000, 7), MID, LOT)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, KeeperError::VenueRejected { message, .. } if message.contains("does not exist")),
        "{error}"
    );
    assert_eq!(exchange.lock().unwrap().executions, 0);
    // A key that is not one is refused before anything is sent.
    let error = Hyperliquid::new(config(&url, "not-a-key"))
        .err()
        .expect("refused");
    assert!(error.to_string().contains("32 bytes of hex"), "{error}");
}

/// The keeper binary hedging a pool on Hyperliquid (`--venue hyperliquid`, the local
/// exchange): the dry run reads the account's position and funding, `--once` hedges the
/// request with one signed order and records it, and the position check holds.
#[tokio::test]
async fn the_keeper_hedges_a_pool_on_hyperliquid() {
    use crate::cluster::{keeper_args, keeper_binary, skewed};
    use homeostat_localnet::{keypair_file, temp_folder};

    let (mut harness, pool, url) = skewed().await;
    let (exchange_url, exchange) = hyperliquid(vec![]).await;
    let folder = temp_folder("keeper-hyperliquid");
    let keypair = keypair_file(&harness.keeper, &folder);
    let journal = folder.join("journal.sqlite");
    let args = |extra: &[&str]| {
        let mut args = keeper_args(&url, &keypair, &pool, &harness.oracle, extra);
        args.extend(
            [
                "--venue",
                "hyperliquid",
                "--hyperliquid-url",
                &exchange_url,
                "--hyperliquid-secret-key",
                KEY,
                "--journal",
                journal.to_str().unwrap(),
            ]
            .map(str::to_string),
        );
        args
    };
    let output = keeper_binary(args(&["--dry-run"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(plan["venue"]["name"], "hyperliquid", "{plan}");
    assert_eq!(plan["venue"]["matches"], true, "{plan}");
    assert_eq!(
        plan["venue"]["funding_24h_quote_atoms"], "-100000",
        "{plan}"
    );
    assert_eq!(plan["would_rebalance"], true, "{plan}");

    let output = keeper_binary(args(&["--once"])).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state = harness.pool_state(&pool).await;
    assert_eq!(state.recorded_seq, 1);
    let exchange = exchange.lock().unwrap();
    assert_eq!(exchange.executions, 1);
    // The pool is long: the hedge sold, to the coin's 0.01, and the record is the fill.
    assert!(state.hedge_position > 0);
    assert_eq!(
        exchange.position_centi * 10_000_000,
        -state.hedge_position,
        "the venue holds what the pool recorded"
    );
}
