//! One file per instruction (a folder for the two pairs that share their accounts): Args,
//! Accounts with constraints, a `Specification:` doc, and a thin `handle`.

pub mod accept_admin;
pub mod collect_protocol_fees;
pub mod initialize_config;
pub mod initialize_pool;
pub mod liquidity;
pub mod pending_changes;
pub mod post_pro_price;
pub mod propose_admin;
pub mod push_quote;
pub mod rebalance;
pub mod record_hedge;
pub mod retarget;
pub mod set_keeper;
pub mod set_paused;
pub mod set_pro_feeds;
pub mod set_quoter;
pub mod swap;
pub mod update_params;

pub use accept_admin::*;
pub use collect_protocol_fees::*;
pub use initialize_config::*;
pub use initialize_pool::*;
pub use liquidity::*;
pub use pending_changes::*;
pub use post_pro_price::*;
pub use propose_admin::*;
pub use push_quote::*;
pub use rebalance::*;
pub use record_hedge::*;
pub use retarget::*;
pub use set_keeper::*;
pub use set_paused::*;
pub use set_pro_feeds::*;
pub use set_quoter::*;
pub use swap::*;
pub use update_params::*;
