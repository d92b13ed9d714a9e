//! One file per instruction: Args, Accounts with constraints, a `Specification:` doc, and
//! a thin handler.

pub mod accept_admin;
pub mod collect_protocol_fees;
pub mod deposit;
pub mod initialize_config;
pub mod initialize_pool;
pub mod liquidity;
pub mod propose_admin;
pub mod rebalance;
pub mod record_hedge;
pub mod set_keeper;
pub mod set_paused;
pub mod swap;
pub mod swap_exact_in;
pub mod swap_exact_out;
pub mod update_params;
pub mod withdraw;

pub use accept_admin::*;
pub use collect_protocol_fees::*;
pub use deposit::DepositArgs;
pub use initialize_config::*;
pub use initialize_pool::*;
pub use liquidity::*;
pub use propose_admin::*;
pub use rebalance::*;
pub use record_hedge::*;
pub use set_keeper::*;
pub use set_paused::*;
pub use swap::*;
pub use swap_exact_in::SwapExactInArgs;
pub use swap_exact_out::SwapExactOutArgs;
pub use update_params::*;
pub use withdraw::WithdrawArgs;
