//! The `homeostat-keeper` binary as a supervisor sees it: started in the background, its
//! stderr read line by line while the test's runtime keeps serving the cluster, stopped
//! with a signal, and waited for within a bound.
#![allow(dead_code)]

use std::io::BufRead;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// A running keeper and the lines of its stderr.
pub struct Running {
    child: Child,
    lines: UnboundedReceiver<String>,
    /// Every line read so far.
    pub seen: Vec<String>,
}

/// Starts the binary with `args` and an empty environment.
pub fn spawn(args: &[String]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeostat-keeper"))
        .args(args)
        .env_clear()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start homeostat-keeper");
    let stderr = child.stderr.take().expect("stderr");
    let (sender, lines) = unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if sender.send(line).is_err() {
                return;
            }
        }
    });
    Running {
        child,
        lines,
        seen: Vec::new(),
    }
}

impl Running {
    /// The first line from now that satisfies `wanted`, within `bound`; panics with every
    /// line seen otherwise.
    pub async fn line(&mut self, bound: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Ok(None) | Err(_) => panic!(
                    "no such line within {bound:?}; the keeper wrote:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Sends `signal` (`TERM`, `INT`, …) to the keeper.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {signal}");
    }

    /// Waits for the keeper to exit, at most `bound`: its status and how long it took, or
    /// `None` (the keeper is killed then, so no test leaves it behind).
    pub async fn exit_within(&mut self, bound: Duration) -> Option<(ExitStatus, Duration)> {
        let started = Instant::now();
        while started.elapsed() < bound {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some((status, started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    /// Every line the keeper wrote, once it has exited.
    pub async fn rest(&mut self) -> Vec<String> {
        while let Some(line) = self.lines.recv().await {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
