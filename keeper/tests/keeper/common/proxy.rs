//! A TCP proxy in front of the loopback JSON-RPC endpoint that can make the node hang —
//! once it has forwarded a `sendTransaction`, it holds every later `getTransaction` forever
//! (the connection stays open, nothing comes back): a node that stops answering in the
//! middle of a keeper's step — or go down: every connection closed, every new one refused.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
struct State {
    hang_after_send: AtomicBool,
    sent: AtomicBool,
    held: AtomicUsize,
    down: AtomicBool,
}

/// The proxy: its URL, and what it has held.
pub struct Proxy {
    /// `http://127.0.0.1:<port>`, forwarding to the target.
    pub url: String,
    state: Arc<State>,
}

impl Proxy {
    /// From now on, the first `sendTransaction` makes every later `getTransaction` hang.
    pub fn hang_after_a_send(&self) {
        self.state.hang_after_send.store(true, Ordering::SeqCst);
    }

    /// From now on the node is down: open connections close at their next request, and
    /// the listener closes at its next connection (the ones after it are refused).
    pub fn go_down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
    }

    /// Requests held so far.
    pub fn held(&self) -> usize {
        self.state.held.load(Ordering::SeqCst)
    }
}

/// A proxy to `target` (`http://host:port`), serving on the current runtime.
pub async fn proxy(target: &str) -> Proxy {
    let target = target
        .strip_prefix("http://")
        .expect("an http:// URL")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(State::default());
    let shared = Arc::clone(&state);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            if shared.down.load(Ordering::SeqCst) {
                // Dropping the listener with it: refused from now on.
                drop(client);
                return;
            }
            let Ok(server) = TcpStream::connect(&target).await else {
                continue;
            };
            let state = Arc::clone(&shared);
            tokio::spawn(pump(client, server, state));
        }
    });
    Proxy { url, state }
}

/// Forwards both ways until either side closes, holding what `state` says to hold.
async fn pump(client: TcpStream, server: TcpStream, state: Arc<State>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async move {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => read,
            };
            if state.down.load(Ordering::SeqCst) {
                return;
            }
            let chunk = &buffer[..read];
            let text = String::from_utf8_lossy(chunk);
            if state.hang_after_send.load(Ordering::SeqCst)
                && state.sent.load(Ordering::SeqCst)
                && text.contains("\"getTransaction\"")
            {
                state.held.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
            }
            if text.contains("\"sendTransaction\"") {
                state.sent.store(true, Ordering::SeqCst);
            }
            if server_write.write_all(chunk).await.is_err() {
                return;
            }
        }
    };
    let downstream = async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}
