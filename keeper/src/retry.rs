//! Retries with exponential backoff for transient failures (an unreachable RPC node or
//! venue, rate limits). Refusals — the program rejecting a transaction, the venue
//! rejecting an order — are not retried: they would fail the same way again.

use std::future::Future;
use std::time::Duration;

use crate::{KeeperError, Result};

/// How often and how long to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// Wait after the first failure; doubles each time.
    pub initial: Duration,
    /// Longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: 6,
            initial: Duration::from_millis(250),
            max: Duration::from_secs(10),
        }
    }
}

impl Backoff {
    /// The wait after failure number `failure` (1-based): `initial · 2^(failure−1)`, capped.
    pub fn delay(&self, failure: u32) -> Duration {
        let factor = 1u32
            .checked_shl(failure.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

/// Runs `operation` until it succeeds, fails with an error that is not transient, or has
/// been tried `backoff.attempts` times. Waits `backoff.delay(n)` between tries, or longer
/// when the error asks for it (`Retry-After`).
pub async fn retry<T, F, Fut>(backoff: &Backoff, what: &str, mut operation: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut failures = 0u32;
    loop {
        match operation().await {
            Err(error) if error.is_transient() && failures.saturating_add(1) < backoff.attempts => {
                failures = failures.saturating_add(1);
                let wait = backoff
                    .delay(failures)
                    .max(error.retry_after().unwrap_or_default());
                tracing::warn!(
                    what,
                    attempt = failures,
                    wait_ms = wait.as_millis() as u64,
                    "transient failure, retrying: {}",
                    transient_message(&error)
                );
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

/// What a retried failure logs: the message alone, without the `transient: ` its display
/// opens with (the log line says so already).
fn transient_message(error: &KeeperError) -> String {
    match error {
        KeeperError::Transient { message, .. } => message.clone(),
        KeeperError::Node { context, source } => format!("{context}: {source}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient() -> KeeperError {
        KeeperError::Transient {
            message: "connection refused".into(),
            retry_after: None,
        }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let backoff = Backoff {
            attempts: 10,
            initial: Duration::from_millis(100),
            max: Duration::from_millis(700),
        };
        let delays: Vec<u128> = (1..=5).map(|n| backoff.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 700, 700]);
        assert_eq!(backoff.delay(200), Duration::from_millis(700));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_transient_errors_only_and_gives_up_after_the_attempts() {
        let backoff = Backoff {
            attempts: 3,
            initial: Duration::from_millis(10),
            max: Duration::from_secs(1),
        };
        let mut calls = 0;
        let result = retry(&backoff, "flaky", || {
            calls += 1;
            let outcome = if calls < 3 {
                Err(transient())
            } else {
                Ok(calls)
            };
            async move { outcome }
        })
        .await;
        assert_eq!(result.unwrap(), 3);

        let mut calls = 0;
        let result: Result<()> = retry(&backoff, "down", || {
            calls += 1;
            async { Err(transient()) }
        })
        .await;
        assert!(matches!(result, Err(KeeperError::Transient { .. })));
        assert_eq!(calls, 3, "three attempts in all");

        let mut calls = 0;
        let result: Result<()> = retry(&backoff, "refused", || {
            calls += 1;
            async { Err(KeeperError::Venue("margin is insufficient".into())) }
        })
        .await;
        assert!(matches!(result, Err(KeeperError::Venue(_))));
        assert_eq!(calls, 1, "a refusal is not retried");
    }

    #[tokio::test(start_paused = true)]
    async fn waits_at_least_what_the_server_asks() {
        let backoff = Backoff {
            attempts: 2,
            initial: Duration::from_millis(1),
            max: Duration::from_millis(1),
        };
        let started = tokio::time::Instant::now();
        let mut calls = 0;
        let _ = retry(&backoff, "rate limited", || {
            calls += 1;
            let outcome = if calls == 1 {
                Err(KeeperError::Transient {
                    message: "429".into(),
                    retry_after: Some(Duration::from_secs(3)),
                })
            } else {
                Ok(())
            };
            async move { outcome }
        })
        .await;
        assert!(started.elapsed() >= Duration::from_secs(3));
    }
}
