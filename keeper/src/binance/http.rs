//! Signed HTTP to the venue: HMAC-SHA256 over the query (`timestamp`, `recvWindow`
//! included), the key in `X-MBX-APIKEY`, requests spaced by `min_request_interval`, and
//! every failure classified — transient (HTTP 429/418/5xx, `-1003`, `-1006`, `-1007`,
//! `-1021`: retry, after `Retry-After` when given) or a refusal with the venue's code.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::venue::{send, Reply};
use crate::{KeeperError, Result};

/// A signing client for one API key.
pub(super) struct SignedHttp {
    base_url: String,
    api_key: String,
    api_secret: String,
    recv_window_ms: u64,
    min_request_interval: Duration,
    http: reqwest::Client,
    last_request: std::cell::Cell<Option<tokio::time::Instant>>,
}

impl SignedHttp {
    /// A client for `base_url` with these credentials and pacing.
    pub(super) fn new(
        base_url: String,
        api_key: String,
        api_secret: String,
        recv_window_ms: u64,
        min_request_interval: Duration,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| KeeperError::VenueClient {
                context: "HTTP client",
                source: std::sync::Arc::new(error),
            })?;
        Ok(Self {
            base_url,
            api_key,
            api_secret,
            recv_window_ms,
            min_request_interval,
            http,
            last_request: std::cell::Cell::new(None),
        })
    }

    fn sign(&self, query: &str) -> Result<String> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.api_secret.as_bytes()).map_err(|error| {
                KeeperError::VenueClient {
                    context: "API secret",
                    source: std::sync::Arc::new(error),
                }
            })?;
        mac.update(query.as_bytes());
        Ok(mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect())
    }

    /// One signed request to `path`; the venue's error payload mapped to transient or
    /// refusal.
    pub(super) async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Value> {
        if let Some(last) = self.last_request.get() {
            tokio::time::sleep_until(last + self.min_request_interval).await;
        }
        self.last_request.set(Some(tokio::time::Instant::now()));
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|error| KeeperError::VenueClient {
                context: "clock",
                source: std::sync::Arc::new(error),
            })?
            .as_millis();
        let mut query: String = params
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("&");
        query.push_str(&format!(
            "&recvWindow={}&timestamp={timestamp}",
            self.recv_window_ms
        ));
        let signature = self.sign(&query)?;
        let url = format!(
            "{}{path}?{query}&signature={signature}",
            self.base_url.trim_end_matches('/')
        );
        let reply = send(
            self.http
                .request(method, &url)
                .header("X-MBX-APIKEY", &self.api_key),
        )
        .await?;
        payload(reply)
    }
}

/// The JSON of a venue answer, or its failure classified: transient (HTTP 429/418/5xx,
/// `-1003`, `-1006`, `-1007`, `-1021`: retry, after `Retry-After` when given) or a refusal
/// with the venue's code. Signed and public (the quoter's book ticker) requests alike.
pub(super) fn payload(reply: Reply) -> Result<Value> {
    let Reply {
        status,
        retry_after,
        headers,
        body,
    } = reply;
    if let Some(weight) = headers.get("X-MBX-USED-WEIGHT-1M") {
        tracing::debug!(weight = ?weight, "venue request weight used this minute");
    }
    let payload: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(payload);
    }
    let code = payload["code"].as_i64().unwrap_or(0);
    let message = format!(
        "HTTP {} code {code}: {}",
        status.as_u16(),
        payload["msg"].as_str().unwrap_or(body.as_str())
    );
    let transient = status.as_u16() == 429
        || status.as_u16() == 418
        || status.is_server_error()
        || matches!(code, -1003 | -1006 | -1007 | -1021);
    Err(if transient {
        KeeperError::Transient {
            message,
            retry_after,
        }
    } else {
        KeeperError::VenueRejected { code, message }
    })
}
