//! Stop requests: SIGTERM (a service manager's stop) and SIGINT (Ctrl-C).
//!
//! The handlers are installed once, when the service starts, and a request is remembered
//! until the service looks: a signal that arrives while the keeper connects, catches up on
//! events, sits in a retry's back-off or waits on a hung node is never lost. (Listening
//! afresh around each step lost signals that arrived between two listens: once a handler
//! is installed the operating system's default action — ending the process — no longer
//! applies, so the review's keeper ran on 78 s after SIGTERM with the node down.)

use tokio::sync::watch;

/// Whether a stop was requested, and which signal asked; cheap to clone.
#[derive(Clone, Debug)]
pub struct Shutdown {
    requested: watch::Receiver<Option<&'static str>>,
}

/// Requests a stop by hand (tests, or an embedding program's own reasons).
#[derive(Debug)]
pub struct Trigger {
    sender: watch::Sender<Option<&'static str>>,
}

impl Trigger {
    /// Asks every [`Shutdown`] of this pair to stop, naming why.
    pub fn stop(&self, reason: &'static str) {
        self.sender.send_replace(Some(reason));
    }
}

impl Shutdown {
    /// A shutdown only `Trigger::stop` requests.
    pub fn manual() -> (Trigger, Self) {
        let (sender, requested) = watch::channel(None);
        (Trigger { sender }, Self { requested })
    }

    /// A shutdown SIGTERM or SIGINT requests, its handlers installed now (call it inside
    /// the tokio runtime, before anything that may wait). Fails when the operating system
    /// refuses a handler.
    pub fn on_signals() -> std::io::Result<Self> {
        let (trigger, shutdown) = Self::manual();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            // Both registered here, synchronously: from this line on a signal is caught.
            let mut terminate = signal(SignalKind::terminate())?;
            let mut interrupt = signal(SignalKind::interrupt())?;
            tokio::spawn(async move {
                let reason = tokio::select! {
                    _ = terminate.recv() => "SIGTERM",
                    _ = interrupt.recv() => "SIGINT",
                };
                trigger.stop(reason);
                // Hold the trigger: its drop must not look like a stop request to anyone.
                std::future::pending::<()>().await;
            });
        }
        #[cfg(not(unix))]
        {
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    trigger.stop("Ctrl-C");
                }
                std::future::pending::<()>().await;
            });
        }
        Ok(shutdown)
    }

    /// The reason, if a stop has been requested.
    pub fn reason(&self) -> Option<&'static str> {
        *self.requested.borrow()
    }

    /// Resolves once a stop is requested (at once if it already was), with its reason.
    /// Never resolves if every trigger is gone without asking.
    pub async fn requested(&mut self) -> &'static str {
        loop {
            if let Some(reason) = *self.requested.borrow_and_update() {
                return reason;
            }
            if self.requested.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_made_before_anyone_listens_is_kept() {
        let (trigger, mut shutdown) = Shutdown::manual();
        let mut other = shutdown.clone();
        assert_eq!(shutdown.reason(), None);
        trigger.stop("SIGTERM");
        assert_eq!(shutdown.requested().await, "SIGTERM");
        // Asked again, and by a clone taken before the request: still stopped.
        assert_eq!(shutdown.requested().await, "SIGTERM");
        assert_eq!(other.requested().await, "SIGTERM");
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_trigger_is_not_a_stop() {
        let (trigger, mut shutdown) = Shutdown::manual();
        drop(trigger);
        let waited =
            tokio::time::timeout(std::time::Duration::from_secs(3600), shutdown.requested()).await;
        assert!(waited.is_err(), "no stop was requested");
        assert_eq!(shutdown.reason(), None);
    }
}
