//! The HTTP/1.1 responder behind `--metrics-addr`: `GET`/`HEAD` of `/metrics` and
//! `/health`, nothing else.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::{health_all, render_all, HealthRule, Metrics};

/// The longest request head (request line and headers) read, bytes; longer is a 431.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// How long a client has to send its request head and read the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed unanswered until one finishes.
pub const MAX_CONNECTIONS: usize = 16;

/// The metrics address could not be bound (in use, not this host's, not permitted).
#[derive(Debug)]
pub struct BindError {
    /// `--metrics-addr`.
    pub addr: SocketAddr,
    /// Why.
    pub source: std::io::Error,
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--metrics-addr {}: {}", self.addr, self.source)
    }
}

impl std::error::Error for BindError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Binds the metrics address (an error names it), before the keeper starts stepping.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| BindError { addr, source })
}

/// What a responder serves: the exposition at `/metrics` and the answer at `/health`. The
/// keeper's pools are one; `homeostat calibrate --every` (the calibration service) is
/// another, on the same responder.
pub trait Exposition: Send + Sync {
    /// The Prometheus text exposition (format 0.0.4).
    fn exposition(&self) -> String;
    /// `/health`'s status code and JSON body at `now`.
    fn health(&self, now: Instant) -> (u16, String);
}

impl Exposition for Vec<(Arc<Metrics>, HealthRule)> {
    fn exposition(&self) -> String {
        render_all(
            &self
                .iter()
                .map(|(metrics, _)| &**metrics)
                .collect::<Vec<_>>(),
        )
    }

    fn health(&self, now: Instant) -> (u16, String) {
        health_all(self, now)
    }
}

/// Serves `/metrics` and `/health` of `pools` (the keeper's: each pool's [`Metrics`] with
/// its [`HealthRule`]) on `listener` until the process ends.
pub async fn serve(listener: TcpListener, pools: Arc<dyn Exposition>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: pass, then accept again.
                tracing::warn!("metrics: accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!("metrics: {MAX_CONNECTIONS} connections open; one refused");
            continue;
        };
        let pools = Arc::clone(&pools);
        tokio::spawn(async move {
            let _slot = slot;
            let _ = tokio::time::timeout(REQUEST_TIMEOUT, answer(stream, &*pools)).await;
        });
    }
}

/// Reads one request head from `stream` and writes its answer.
async fn answer(mut stream: TcpStream, pools: &dyn Exposition) {
    let response = match read_head(&mut stream).await {
        Ok(head) => respond(&head, pools),
        Err(Refusal::TooLarge) => Response::text(431, "request head too large\n"),
        Err(Refusal::Malformed) => Response::text(400, "bad request\n"),
        Err(Refusal::Closed) => return,
    };
    let _ = stream.write_all(&response.bytes()).await;
    let _ = stream.shutdown().await;
    // A lingering close: read what the client still sends (up to a bound, until it closes
    // or the request's time is up), so the answer is not lost to a reset.
    let mut rest = [0u8; 1024];
    let mut drained = 0usize;
    while drained < 64 * 1024 {
        match stream.read(&mut rest).await {
            Ok(0) | Err(_) => break,
            Ok(read) => drained = drained.saturating_add(read),
        }
    }
}

enum Refusal {
    TooLarge,
    Malformed,
    Closed,
}

/// The request head (everything before the blank line), at most [`MAX_REQUEST_HEAD`]
/// bytes.
async fn read_head(stream: &mut TcpStream) -> Result<String, Refusal> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk).await.map_err(|_| Refusal::Closed)?;
        if read == 0 {
            return Err(if head.is_empty() {
                Refusal::Closed
            } else {
                Refusal::Malformed
            });
        }
        head.extend_from_slice(chunk.get(..read).unwrap_or_default());
        if let Some(end) = find_blank_line(&head) {
            head.truncate(end);
            return String::from_utf8(head).map_err(|_| Refusal::Malformed);
        }
        if head.len() > MAX_REQUEST_HEAD {
            return Err(Refusal::TooLarge);
        }
    }
}

/// Where the head ends: the first `\r\n\r\n` (or bare `\n\n`).
fn find_blank_line(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|window| window == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|window| window == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

struct Response {
    code: u16,
    content_type: &'static str,
    body: String,
    head_only: bool,
    allow: bool,
}

impl Response {
    fn text(code: u16, body: &str) -> Self {
        Self {
            code,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
            head_only: false,
            allow: false,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.code {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.code,
            self.content_type,
            self.body.len()
        );
        if self.allow {
            out.push_str("Allow: GET, HEAD\r\n");
        }
        out.push_str("\r\n");
        if !self.head_only {
            out.push_str(&self.body);
        }
        out.into_bytes()
    }
}

/// The answer to a request head.
fn respond(head: &str, pools: &dyn Exposition) -> Response {
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Response::text(400, "bad request line\n");
    };
    if !version.starts_with("HTTP/1.") {
        return Response::text(400, "HTTP/1.x only\n");
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return Response {
                allow: true,
                ..Response::text(405, "GET or HEAD\n")
            }
        }
    };
    let path = target.split('?').next().unwrap_or_default();
    let response = match path {
        "/metrics" => Response {
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            ..Response::text(200, &pools.exposition())
        },
        "/health" => {
            let (code, body) = pools.health(Instant::now());
            Response {
                content_type: "application/json",
                ..Response::text(code, &body)
            }
        }
        _ => Response::text(404, "not found: /metrics or /health\n"),
    };
    Response {
        head_only,
        ..response
    }
}
