//! The one defaults table. `--help` shows each entry beside its flag ([`show_defaults`])
//! and [`Settings::defaults`] parses the same entries with the flags' own parsers, so the
//! text a user reads and the value a run takes cannot differ.

use clap::{Arg, Args, Command, FromArgMatches};
use homeostat_sdk::cli_conventions::DEFAULT_KEYPAIR;

use super::Settings;
use crate::hyperliquid::MAINNET_URL;

/// Each setting with a default: its name (the field, and the `--config` file's key) and its
/// value as its flag would take it. Settings absent here (pool, oracle, API keys, the
/// quoter's keypair; `max_order_base` and `quote_oracle`, where absence means "no limit"
/// and "one feed") have no default.
pub const DEFAULTS: [(&str, &str); 37] = [
    ("url", "localhost"),
    ("keypair", DEFAULT_KEYPAIR),
    ("journal", "keeper.sqlite"),
    ("interval_secs", "10"),
    ("min_order_base", "0"),
    ("retry_attempts", "6"),
    ("retry_initial_ms", "250"),
    ("venue", "paper"),
    ("paper_fee_bps", "5"),
    ("paper_slippage_bps", "2"),
    ("binance_url", "https://fapi.binance.com"),
    ("binance_symbol", "SOLUSDT"),
    ("binance_quantity_step", "10000000"),
    ("binance_taker_fee_bps", "5"),
    ("binance_commission_asset", "USDT"),
    ("binance_recv_window_ms", "5000"),
    ("hyperliquid_url", MAINNET_URL),
    ("hyperliquid_chain", "mainnet"),
    ("hyperliquid_coin", "SOL"),
    ("hyperliquid_slippage_bps", "50"),
    ("hyperliquid_taker_fee_bps", "5"),
    ("position_tolerance_base", "0"),
    ("max_failures", "10"),
    ("log", "info"),
    ("log_format", "text"),
    ("health_intervals", "3"),
    // A rebalance that lands late hedges a stale delta: above the median.
    ("priority_fee", "p75"),
    ("max_priority_fee", "1000000"),
    ("commitment", "confirmed"),
    // The keeper's report is for a supervisor or a script first.
    ("output", "json-compact"),
    ("quoter_journal", "quoter.sqlite"),
    // One push a slot.
    ("quoter_interval_ms", "400"),
    // Four slots: a push may land a slot or two late, and a quoter that stops leaves the
    // pool on its last price for at most 1.6 s.
    ("quoter_valid_slots", "4"),
    ("quoter_bid_offset_bps", "0"),
    ("quoter_ask_offset_bps", "0"),
    ("quoter_max_book_age_ms", "1000"),
    // `push_quote`'s gated budget, 1 500 (bench/cu/budgets.toml), plus 150 for each of the
    // two compute-budget instructions, plus 200 to spare.
    ("quoter_compute_unit_limit", "2000"),
];

/// Settings the Solana CLI's configuration gives before the table does, with its key.
const FROM_SOLANA_CONFIG: [(&str, &str); 3] = [
    ("url", "json_rpc_url"),
    ("keypair", "keypair_path"),
    ("commitment", "commitment"),
];

impl Settings {
    /// [`DEFAULTS`] as settings: what a setting is when no flag, variable or file sets it.
    pub fn defaults() -> Self {
        let flags = DEFAULTS
            .iter()
            .flat_map(|(name, value)| [format!("--{}", name.replace('_', "-")), value.to_string()]);
        // Without the environment: only the table speaks here.
        let command = Self::augment_args(Command::new("defaults")).mut_args(|arg| arg.env(None));
        let parsed = command
            .try_get_matches_from(std::iter::once("defaults".to_string()).chain(flags))
            .and_then(|matches| Self::from_arg_matches(&matches));
        // A table that does not parse is a bug the unit tests catch, not a user's mistake.
        parsed.unwrap_or_else(|error| panic!("the keeper's defaults table: {error}"))
    }
}

/// `command` (one holding the [`Settings`] flags) with each flag's default from
/// [`DEFAULTS`] after its help, as `[default: …]`.
pub fn show_defaults(command: Command) -> Command {
    DEFAULTS.iter().fold(command, |command, (name, value)| {
        let shown = match FROM_SOLANA_CONFIG
            .iter()
            .find(|(setting, _)| setting == name)
        {
            Some((_, key)) => format!("[default: the Solana CLI config's {key}, else {value}]"),
            None => format!("[default: {value}]"),
        };
        command.mut_arg(name, |arg| with_help_suffix(arg, &shown))
    })
}

fn with_help_suffix(arg: Arg, suffix: &str) -> Arg {
    let help = arg.get_help().map(|help| format!("{help} {suffix}"));
    let long_help = arg.get_long_help().map(|help| format!("{help} {suffix}"));
    let arg = match help {
        Some(help) => arg.help(help),
        None => arg,
    };
    match long_help {
        Some(help) => arg.long_help(help),
        None => arg,
    }
}
