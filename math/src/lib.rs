//! # homeostat-math
//!
//! The pure, fixed-point quoting core of Homeostat, shared by the on-chain program, the
//! SDK, the keeper and the simulator — one source of truth for every number a pool quotes.
//!
//! * [`Fixed`]: signed I80F48 fixed point with explicit [`Rounding`] on every lossy step.
//! * [`model`]: Avellaneda–Stoikov, GLFT and constant product behind one
//!   [`InventoryModel`] interface; parameters in absolute or relative [`Units`].
//! * [`units`]: token amounts typed by token ([`BaseAtoms`], [`QuoteAtoms`]) and prices
//!   per lot ([`LotPrice`]).
//! * [`trade`]: sized trades, integrating the marginal quote over the inventory path.
//! * [`swap`]: fees, limits and balances on top — the function the program executes.
//! * [`lp`]: LP shares — what a deposit mints and a withdrawal pays.
//! * [`volatility`]: the on-chain variance estimate (grid samples, continuous and jump parts).
//! * [`transcendental`]: deterministic `ln`/`exp`, used only when parameters are set.
//!
//! No floating point, no panics: every failure is a [`MathError`] that says where it
//! happened. See `docs/math.md` for units, precision and the rounding table.
#![no_std]
#![deny(missing_docs)]
#![deny(clippy::arithmetic_side_effects, clippy::integer_division)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod error;
pub mod fees;
pub mod fixed;
#[cfg(feature = "std")]
pub mod float;
pub mod hedge;
pub mod integer;
pub mod lp;
pub mod model;
pub mod ops;
pub mod swap;
pub mod trade;
pub mod transcendental;
pub mod units;
pub mod volatility;
mod wide;

pub use error::{MathError, MathErrorKind, Result};
pub use fees::{Fee, FeeSchedule};
pub use fixed::{Fixed, Rounding};
#[cfg(feature = "std")]
pub use float::FloatRounding;
pub use hedge::HedgeLedger;
pub use integer::mul_div_u64;
pub use model::{
    Coefficients, InventoryModel, MarketState, ModelKind, ModelParams, PoolModel, SpreadConfig,
    Units,
};
pub use swap::{flow_inventory, risk_position, Limits, SwapContext, SwapQuote};
pub use trade::{ConstantProductCurve, Curve, Direction, LinearCurve, PrintDepth, Reserves};
pub use units::{BaseAtoms, LotPrice, QuoteAtoms, TokenAtoms};
pub use volatility::{VolatilityConfig, VolatilityScale, VolatilityState};
