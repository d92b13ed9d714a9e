//! The endpoint's HTTP/1.1 side: keep-alive connections carrying one JSON-RPC request per
//! POST, bounded the way a validator's is — a request body of at most `MAX_BODY` bytes
//! (413), a header section of at most `MAX_HEAD` (431), a connection idle for
//! `Options::idle_timeout` or slow to send a request within `Options::read_timeout`
//! closed, at most `Options::max_connections` at once (503 beyond) — so that no request
//! can take the process or another client's connection down.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::Node;

/// Largest request body, bytes: a validator's (agave's `MAX_REQUEST_BODY_SIZE`, 50 KiB).
pub const MAX_BODY: usize = 50 * 1024;
/// Largest header section, bytes (the request line and every header).
pub const MAX_HEAD: usize = 16 * 1024;

/// Why a request was not read.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// The client closed the connection, or went quiet: nothing to answer.
    Gone,
    /// The body is larger than `MAX_BODY` (413).
    BodyTooLarge,
    /// The header section is larger than `MAX_HEAD` (431).
    HeadTooLarge,
    /// The request cannot be parsed as HTTP/1.1 (400).
    Malformed,
}

/// Accepts connections on `listener`, each served on its own task while there is room.
pub(super) async fn accept(listener: TcpListener, node: Arc<Node>) {
    let room = Arc::new(Semaphore::new(node.options.max_connections));
    while let Ok((stream, _)) = listener.accept().await {
        match Arc::clone(&room).try_acquire_owned() {
            Ok(permit) => {
                let node = Arc::clone(&node);
                tokio::spawn(async move {
                    connection(node, stream).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tokio::spawn(refuse(stream, "503 Service Unavailable"));
            }
        }
    }
}

/// Answers `status` with no body and closes the connection.
async fn refuse(mut stream: TcpStream, status: &str) {
    let message = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(message.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// One keep-alive HTTP/1.1 connection: a JSON-RPC request per POST.
async fn connection(node: Arc<Node>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let (idle, read) = (node.options.idle_timeout, node.options.read_timeout);
    loop {
        let status = match read_request(&mut reader, idle, read).await {
            Ok(body) => {
                let response = respond(&node, &body).await;
                // One write per response: head and body in separate segments would meet
                // the client's delayed ACK (~40 ms a request).
                let message = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{response}",
                    response.len()
                );
                if writer.write_all(message.as_bytes()).await.is_err() {
                    return;
                }
                continue;
            }
            Err(Refused::Gone) => return,
            Err(Refused::BodyTooLarge) => "413 Payload Too Large",
            Err(Refused::HeadTooLarge) => "431 Request Header Fields Too Large",
            Err(Refused::Malformed) => "400 Bad Request",
        };
        let message =
            format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = writer.write_all(message.as_bytes()).await;
        return;
    }
}

/// The JSON-RPC answer to a request body: one response, or one per request of a batch.
async fn respond(node: &Node, body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Err(error) => json!({
            "jsonrpc": "2.0", "id": null,
            "error": { "code": -32700, "message": format!("Parse error: {error}") },
        }),
        // An empty batch is one invalid request, as JSON-RPC 2.0 (and a validator) says.
        Ok(Value::Array(requests)) if requests.is_empty() => json!({
            "jsonrpc": "2.0", "id": null,
            "error": { "code": -32600, "message": "Invalid request" },
        }),
        Ok(Value::Array(requests)) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in &requests {
                responses.push(node.respond(request).await);
            }
            Value::Array(responses)
        }
        Ok(request) => node.respond(&request).await,
    }
    .to_string()
}

/// One line of at most `limit` bytes (CRLF included); `None` when the client went away.
async fn read_line(
    reader: &mut BufReader<OwnedReadHalf>,
    limit: usize,
) -> Result<Vec<u8>, Refused> {
    let mut line = Vec::new();
    let read = (&mut *reader)
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_until(b'\n', &mut line)
        .await
        .map_err(|_| Refused::Gone)?;
    if read == 0 {
        return Err(Refused::Gone);
    }
    if line.len() > limit || !line.ends_with(b"\n") {
        return Err(Refused::HeadTooLarge);
    }
    Ok(line)
}

/// The body of the next request: waits up to `idle` for it to start, then `read` for the
/// whole of it.
async fn read_request(
    reader: &mut BufReader<OwnedReadHalf>,
    idle: Duration,
    read: Duration,
) -> Result<Vec<u8>, Refused> {
    // The first byte may take the idle time; the rest of the request, the read time.
    let waiting = tokio::time::timeout(idle, reader.fill_buf()).await;
    match waiting {
        Ok(Ok(bytes)) if !bytes.is_empty() => {}
        _ => return Err(Refused::Gone),
    }
    tokio::time::timeout(read, read_body(reader))
        .await
        .unwrap_or(Err(Refused::Gone))
}

/// The body of a request whose first byte has arrived — `Content-Length` or
/// `Transfer-Encoding: chunked` — within `MAX_HEAD` and `MAX_BODY`.
async fn read_body(reader: &mut BufReader<OwnedReadHalf>) -> Result<Vec<u8>, Refused> {
    let (mut length, mut chunked, mut head) = (0usize, false, 0usize);
    loop {
        let line = read_line(reader, MAX_HEAD - head).await?;
        head += line.len();
        let line = String::from_utf8(line).map_err(|_| Refused::Malformed)?;
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().map_err(|_| Refused::Malformed)?;
        }
        if let Some(value) = lower.strip_prefix("transfer-encoding:") {
            chunked = value.contains("chunked");
        }
        if line == "\r\n" {
            break;
        }
    }
    if !chunked {
        if length > MAX_BODY {
            return Err(Refused::BodyTooLarge);
        }
        let mut body = vec![0; length];
        reader
            .read_exact(&mut body)
            .await
            .map_err(|_| Refused::Gone)?;
        return Ok(body);
    }
    // Chunks: a hexadecimal size line, the bytes, CRLF; a zero size ends the body.
    let mut body = Vec::new();
    loop {
        let line = read_line(reader, MAX_HEAD).await?;
        let line = String::from_utf8(line).map_err(|_| Refused::Malformed)?;
        let size = line
            .trim()
            .split(';')
            .next()
            .and_then(|size| usize::from_str_radix(size, 16).ok())
            .ok_or(Refused::Malformed)?;
        if size == 0 {
            // The trailer section ends with an empty line.
            loop {
                if read_line(reader, MAX_HEAD).await? == b"\r\n" {
                    return Ok(body);
                }
            }
        }
        if size > MAX_BODY.saturating_sub(body.len()) {
            return Err(Refused::BodyTooLarge);
        }
        let mut chunk = vec![0; size + 2];
        reader
            .read_exact(&mut chunk)
            .await
            .map_err(|_| Refused::Gone)?;
        body.extend_from_slice(&chunk[..size]);
    }
}

/// A bare HTTP/1.1 client, for tests that use this endpoint as a third-party client does:
/// POSTs `body` to `url` on a new connection (chunked in two pieces when `chunked`), reads
/// the response's head and exactly its `Content-Length` of body (the endpoint keeps
/// connections alive), and parses it. Blocking: call it off the runtime serving the
/// endpoint. Panics, naming the step, when the exchange fails.
pub fn post_blocking(url: &str, body: &str, chunked: bool) -> Value {
    let request = if chunked {
        let (first, second) = body.split_at(body.len() / 2);
        format!(
            "Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x}\r\n{second}\r\n0\r\n\r\n",
            first.len(),
            second.len()
        )
    } else {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    };
    let (status, response) = exchange_blocking(url, &request);
    assert!(status.starts_with("HTTP/1.1 200"), "status: {status}");
    serde_json::from_str(&response).expect("a JSON response")
}

/// Sends `POST / HTTP/1.1`, a `Host` and a `Content-Type` header, then `rest` (the
/// remaining headers, the blank line and the body) on a new connection; returns the
/// response's status line and its body (`Content-Length` of it). Blocking.
pub fn exchange_blocking(url: &str, rest: &str) -> (String, String) {
    use std::io::{BufRead, Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    let request =
        format!("POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{rest}");
    stream.write_all(request.as_bytes()).expect("request");
    let mut reader = std::io::BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("head");
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().expect("length");
        }
        if line == "\r\n" || line.is_empty() {
            break;
        }
    }
    let mut response = String::new();
    reader
        .take(length)
        .read_to_string(&mut response)
        .expect("body");
    (status.trim_end().to_string(), response)
}
