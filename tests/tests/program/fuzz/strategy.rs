//! What a fuzzed sequence is made of: the pool it runs on ([`Setup`]), who acts ([`By`]),
//! the actions ([`Action`]) and the weighted strategies that draw them.

use proptest::prelude::*;

/// Actions per sequence, at most; the first half at a fixed price.
pub(super) const MAX_STEPS: usize = 40;

/// The pool a sequence runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Setup {
    /// An operator pool (only the admin deposits and withdraws; the quotes credit the
    /// hedge) rather than a public one.
    pub(super) operator: bool,
    /// Priced by base/USD ÷ quote/USD.
    pub(super) two_feeds: bool,
    /// Token-2022 mints rather than SPL Token.
    pub(super) token_2022: bool,
    /// Loosening changes wait an hour (the config's `change_delay`).
    pub(super) delayed: bool,
}

/// Who signs an admin or keeper action: the rightful authority or the stranger.
#[derive(Clone, Copy, Debug)]
pub(super) enum By {
    Authority,
    Stranger,
}

/// One step of a sequence.
#[derive(Clone, Debug)]
pub(super) enum Action {
    /// A trader swaps `percent` of what it holds of the input (a quarter of it for exact
    /// input, an eighth as exact output).
    Swap {
        trader: usize,
        sell: bool,
        exact_out: bool,
        percent: u64,
    },
    /// An LP deposits up to `percent` of its tokens.
    Deposit { lp: usize, percent: u64 },
    /// An LP burns `percent` of its shares.
    Withdraw { lp: usize, percent: u64 },
    /// `rebalance`.
    Rebalance(By),
    /// `record_hedge` of `percent` of the request (negative: the opposite sign), for the
    /// pending sequence number or `wrong_seq`.
    RecordHedge {
        by: By,
        wrong_seq: Option<u64>,
        percent: i64,
    },
    /// `set_paused`.
    SetPaused { by: By, paused: bool },
    /// `update_params` from the current parameters with these edits.
    UpdateParams {
        by: By,
        fee_bps: u16,
        cap_sol: u64,
        max_trade_sol: u64,
        min_half_spread_bp: i128,
    },
    /// `apply_pending_changes`.
    ApplyPending(By),
    /// `cancel_pending_changes`.
    CancelPending(By),
    /// `retarget` by `step_bps` of the current target.
    Retarget { by: By, step_bps: i64 },
    /// `set_keeper` to the keeper itself or to the stranger.
    SetKeeper { by: By, to_stranger: bool },
    /// `propose_admin` of the admin itself, then maybe `accept_admin`.
    ProposeAdmin(By),
    /// `accept_admin`.
    AcceptAdmin(By),
    /// `collect_protocol_fees` to the signer's accounts.
    CollectFees(By),
    /// A trader's swap with a vault in its own account's place.
    AliasedSwap { trader: usize },
    /// The clock moves `seconds`.
    Clock { seconds: i64 },
    /// The price moves `bps` (only its publish time in the fixed-price half).
    Price { bps: i64 },
}

pub(super) fn by() -> impl Strategy<Value = By> {
    prop_oneof![3 => Just(By::Authority), 1 => Just(By::Stranger)]
}

pub(super) fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        30 => (0..2usize, any::<bool>(), any::<bool>(), 1..60u64).prop_map(
            |(trader, sell, exact_out, percent)| Action::Swap { trader, sell, exact_out, percent }
        ),
        8 => (0..2usize, 1..60u64).prop_map(|(lp, percent)| Action::Deposit { lp, percent }),
        8 => (0..2usize, 1..101u64).prop_map(|(lp, percent)| Action::Withdraw { lp, percent }),
        6 => by().prop_map(Action::Rebalance),
        6 => (by(), prop::option::weighted(0.2, 0..4u64), -150..150i64).prop_map(
            |(by, wrong_seq, percent)| Action::RecordHedge { by, wrong_seq, percent }
        ),
        3 => (by(), any::<bool>()).prop_map(|(by, paused)| Action::SetPaused { by, paused }),
        5 => (by(), 0..50u16, 20..220u64, 10..80u64, 0..20i128).prop_map(
            |(by, fee_bps, cap_sol, max_trade_sol, min_half_spread_bp)| Action::UpdateParams {
                by, fee_bps, cap_sol, max_trade_sol, min_half_spread_bp
            }
        ),
        3 => by().prop_map(Action::ApplyPending),
        2 => by().prop_map(Action::CancelPending),
        3 => (by(), -1_200..1_200i64).prop_map(|(by, step_bps)| Action::Retarget { by, step_bps }),
        2 => (by(), any::<bool>()).prop_map(|(by, to_stranger)| Action::SetKeeper { by, to_stranger }),
        2 => by().prop_map(Action::ProposeAdmin),
        2 => by().prop_map(Action::AcceptAdmin),
        3 => by().prop_map(Action::CollectFees),
        1 => (0..2usize).prop_map(|trader| Action::AliasedSwap { trader }),
        6 => (1..4_000i64).prop_map(|seconds| Action::Clock { seconds }),
        6 => (-40..40i64).prop_map(|bps| Action::Price { bps }),
    ]
}

pub(super) fn setup() -> impl Strategy<Value = Setup> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(operator, two_feeds, token_2022, delayed)| Setup {
            operator,
            two_feeds,
            token_2022,
            delayed,
        },
    )
}
