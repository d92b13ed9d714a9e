//! Accounts: the pool (with the operator's parameters embedded), the pool config, and the
//! account form of fixed-point values.

mod config;
mod params;
mod pool;
mod pro;
mod quoter;
mod stored;

pub use config::Config;
pub use params::PoolParams;
pub use pool::{Pool, PoolSeeds, PreparedSwap, SwapClock};
pub use quoter::{PriceSource, PushQuoteArgs};
pub use stored::StoredFixed;
