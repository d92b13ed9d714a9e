//! Accounts: the pool (with the operator's parameters embedded), the pool config, and the
//! account form of fixed-point values.

mod admin;
mod config;
mod hedge;
mod liquidity;
mod params;
mod pool;
mod pro;
mod quoter;
mod stored;
mod swap;

pub use admin::{DueChanges, ParamsUpdate, PoolIdentity};
pub use config::Config;
pub use hedge::RebalancePlan;
pub use params::PoolParams;
pub use pool::{Pool, PoolSeeds};
pub use quoter::{PriceSource, PushQuoteArgs};
pub use stored::StoredFixed;
pub use swap::{PreparedSwap, SwapClock};
