use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytemuck::Zeroable;
use homeostat::state::Pool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::exposition::escape;
use super::{
    bind, health_all, render_all, serve, HealthRule, Metrics, MAX_CONNECTIONS, MAX_REQUEST_HEAD,
    REQUEST_TIMEOUT,
};
use crate::keeper::{PoolView, Step};
use crate::KeeperError;

fn view() -> PoolView {
    PoolView {
        net_delta: -1_234,
        unpriced: None,
        band: 10_000,
        rebalance_seq: 3,
        recorded_seq: 2,
        lot: 1_000,
        seconds_until_rebalance: 0,
        next_request: None,
        hedge_position: 42_000,
        max_hedge_position: 1_000_000,
        pending_request_base: 5,
        hedge_realized_pnl: -17,
        hedge_unrealized_pnl: Some(99),
        pool: Pool::zeroed(),
    }
}

#[test]
fn the_exposition_names_every_series_once_with_its_value() {
    let metrics = Metrics::new("Pool1", "paper");
    let before = metrics.render();
    assert!(before.contains("homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"failed\"} 0"));
    assert!(
        before.contains("homeostat_keeper_failures_total{pool=\"Pool1\",class=\"transient\"} 0")
    );
    assert!(before.contains("homeostat_keeper_last_success_timestamp_seconds{pool=\"Pool1\"} 0\n"));
    assert!(
        !before.contains("net_delta"),
        "no pool gauges before the pool is read"
    );
    metrics.step_succeeded(&Step::Recorded {
        seq: 1,
        filled_base: -500,
    });
    metrics.step_succeeded(&Step::Recorded {
        seq: 2,
        filled_base: 0,
    });
    metrics.step_succeeded(&Step::Idle);
    metrics.step_failed(&KeeperError::Transient {
        message: "down".into(),
        retry_after: None,
    });
    metrics.step_failed(&KeeperError::VenueRejected {
        code: -2019,
        message: "margin".into(),
    });
    metrics.pool_read(&view());
    let text = metrics.render();
    for line in [
        "homeostat_keeper_info{pool=\"Pool1\",venue=\"paper\"} 1",
        "homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"recorded\"} 2",
        "homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"idle\"} 1",
        "homeostat_keeper_steps_total{pool=\"Pool1\",outcome=\"failed\"} 2",
        "homeostat_keeper_hedges_total{pool=\"Pool1\"} 2",
        "homeostat_keeper_fills_total{pool=\"Pool1\"} 1",
        "homeostat_keeper_filled_base_atoms_total{pool=\"Pool1\"} 500",
        "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"transient\"} 1",
        "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"venue_rejected\"} 1",
        "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"chain\"} 0",
        "homeostat_keeper_consecutive_failures{pool=\"Pool1\"} 2",
        "homeostat_keeper_net_delta_base_atoms{pool=\"Pool1\"} -1234",
        "homeostat_keeper_band_base_atoms{pool=\"Pool1\"} 10000",
        "homeostat_keeper_hedge_position_base_atoms{pool=\"Pool1\"} 42000",
        "homeostat_keeper_pending_requests{pool=\"Pool1\"} 1",
        "homeostat_keeper_hedge_realized_pnl_quote_atoms{pool=\"Pool1\"} -17",
        "homeostat_keeper_hedge_unrealized_pnl_quote_atoms{pool=\"Pool1\"} 99",
    ] {
        assert!(
            text.lines().any(|sample| sample == line),
            "{line} in\n{text}"
        );
    }
    // Every sample belongs to a family announced just before it, each family once.
    let mut announced = Vec::new();
    for sample in text.lines() {
        if let Some(rest) = sample.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert!(!announced.contains(&name.to_string()), "{name} twice");
            announced.push(name.to_string());
        } else if !sample.starts_with('#') {
            let name = sample.split(['{', ' ']).next().unwrap();
            assert_eq!(Some(&name.to_string()), announced.last(), "{sample}");
            let value = sample.rsplit(' ').next().unwrap();
            value.parse::<f64>().unwrap_or_else(|_| panic!("{sample}"));
        }
    }
    let timestamp: f64 = text
        .lines()
        .find_map(|line| {
            line.strip_prefix("homeostat_keeper_last_success_timestamp_seconds{pool=\"Pool1\"} ")
        })
        .unwrap()
        .parse()
        .unwrap();
    assert!(timestamp > 1.7e9, "{timestamp}");
    // A success resets the run of failures.
    metrics.step_succeeded(&Step::Waiting { seconds: 3 });
    assert!(metrics
        .render()
        .contains("homeostat_keeper_consecutive_failures{pool=\"Pool1\"} 0\n"));
    let unpriced = PoolView {
        hedge_unrealized_pnl: None,
        ..view()
    };
    metrics.pool_read(&unpriced);
    assert!(!metrics.render().contains("unrealized"));
    assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

#[test]
fn health_follows_the_last_successful_step() {
    let metrics = Metrics::new("Pool1", "paper");
    let rule = HealthRule {
        stale_after: Duration::from_secs(30),
    };
    let (code, body) = metrics.health(rule, Instant::now());
    assert_eq!(code, 503);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "starting");
    metrics.step_succeeded(&Step::Idle);
    let succeeded = Instant::now();
    let (code, body) = metrics.health(rule, succeeded + Duration::from_secs(29));
    assert_eq!(code, 200, "{body}");
    metrics.step_failed(&KeeperError::ChainState("paused".into()));
    let (code, body) = metrics.health(rule, succeeded + Duration::from_secs(31));
    assert_eq!(code, 503);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "stale");
    assert_eq!(body["consecutive_failures"], 1);
}

#[test]
fn many_pools_share_one_exposition_and_health_is_the_worst() {
    let (one, two) = (
        Arc::new(Metrics::new("Pool1", "paper")),
        Arc::new(Metrics::new("Pool2", "binance")),
    );
    one.step_failed(&KeeperError::ChainState("paused".into()));
    let text = render_all(&[&one, &two]);
    for line in [
        "homeostat_keeper_info{pool=\"Pool1\",venue=\"paper\"} 1",
        "homeostat_keeper_info{pool=\"Pool2\",venue=\"binance\"} 1",
        "homeostat_keeper_failures_total{pool=\"Pool1\",class=\"chain\"} 1",
        "homeostat_keeper_failures_total{pool=\"Pool2\",class=\"chain\"} 0",
    ] {
        assert!(
            text.lines().any(|sample| sample == line),
            "{line} in\n{text}"
        );
    }
    assert_eq!(
        text.matches("# TYPE homeostat_keeper_info ").count(),
        1,
        "each family once"
    );
    let rule = HealthRule {
        stale_after: Duration::from_secs(30),
    };
    let pools = vec![(Arc::clone(&one), rule), (Arc::clone(&two), rule)];
    two.step_succeeded(&Step::Idle);
    let (code, body) = health_all(&pools, Instant::now());
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (code, &body["status"]),
        (503, &serde_json::json!("starting"))
    );
    assert_eq!(body["pools"][1]["pool"], "Pool2");
    assert_eq!(body["pools"][1]["status"], "ok");
    one.step_succeeded(&Step::Idle);
    assert_eq!(health_all(&pools, Instant::now()).0, 200);
}

/// Sends `request` to the responder on `addr` and reads the whole answer.
async fn ask(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_responder_answers_its_two_paths_and_refuses_the_rest() {
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = Arc::new(Metrics::new("Pool1", "paper"));
    let rule = HealthRule {
        stale_after: Duration::from_secs(60),
    };
    tokio::spawn(serve(
        listener,
        Arc::new(vec![(Arc::clone(&metrics), rule)]),
    ));

    let answer = ask(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("Content-Type: text/plain; version=0.0.4"));
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
    assert!(body.contains("homeostat_keeper_steps_total"));

    let answer = ask(addr, b"GET /health HTTP/1.0\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    metrics.step_succeeded(&Step::Idle);
    let answer = ask(addr, b"GET /health?verbose=1 HTTP/1.1\n\n").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");

    let answer = ask(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n"), "no body for HEAD: {answer}");

    for (request, status) in [
        (&b"GET / HTTP/1.1\r\n\r\n"[..], "404"),
        (
            b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "405",
        ),
        (b"GET /metrics\r\n\r\n", "400"),
        (b"GET /metrics SPDY/3\r\n\r\n", "400"),
        (b"\xff\xfe /metrics HTTP/1.1\r\n\r\n", "400"),
        (b"GET /metrics HTTP/1.1\r\nHost: x", "400"),
    ] {
        let answer = ask(addr, request).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{}: {answer}",
            String::from_utf8_lossy(request)
        );
    }
    let mut huge = b"GET /metrics HTTP/1.1\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 2 * MAX_REQUEST_HEAD));
    let answer = ask(addr, &huge).await;
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    let answer = ask(addr, b"GET /metrics HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "still serving");
}
#[tokio::test(start_paused = true)]
async fn a_silent_client_is_dropped_and_a_crowd_waits_its_turn() {
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let rule = HealthRule {
        stale_after: Duration::from_secs(60),
    };
    tokio::spawn(serve(
        listener,
        Arc::new(vec![(Arc::new(Metrics::new("P", "paper")), rule)]),
    ));
    // Every slot taken by a client that sends half a request and waits.
    let mut silent = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /metr").await.unwrap();
        silent.push(stream);
    }
    // One more is closed unanswered while they hold the slots.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let mut crowded = TcpStream::connect(addr).await.unwrap();
    // A whole request: were it served, it would be answered.
    let _ = crowded.write_all(b"GET /health HTTP/1.1\r\n\r\n").await;
    let _ = crowded.shutdown().await;
    let mut answer = Vec::new();
    let _ = crowded.read_to_end(&mut answer).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // The silent ones are dropped when their time is up, unanswered…
    let started = tokio::time::Instant::now();
    for mut stream in silent {
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        assert!(answer.is_empty());
    }
    assert!(started.elapsed() >= REQUEST_TIMEOUT - Duration::from_millis(20));
    // …and the responder serves again.
    let answer = ask(addr, b"GET /health HTTP/1.1\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
}
