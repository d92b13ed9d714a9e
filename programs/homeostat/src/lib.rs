//! Homeostat: an Anchor program running oracle-anchored liquidity pools whose quotes are
//! skewed by the pool's own inventory. Every number it quotes comes from `homeostat-math`.
//!
//! The instructions arrive with the program issue; this crate is their home and already
//! builds for the native test harness (and, elsewhere, with `anchor build`).
#![allow(unexpected_cfgs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use anchor_lang::prelude::*;

declare_id!("7r8vRrScdz6x1v1gRHHyz73n3wGoDcPMZnDBHijTWsn5");

/// Re-exported so every consumer of the program quotes with the very same math.
pub use homeostat_math as math;

#[program]
pub mod homeostat {}
