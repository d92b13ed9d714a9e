//! `homeostat simulate`'s arguments: one subcommand per market, each with only its own
//! flags (clap refuses the others); without a subcommand, the adversarial market.

use clap::Subcommand;

/// `homeostat simulate [adversarial | hour | as2008]`. The adversarial market's flags
/// are also `simulate`'s own, for its default run: `simulate --seeds 4` is `simulate
/// adversarial --seeds 4`; a flag before a subcommand's name is refused.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SimulateArgs {
    /// The market; none: the adversarial market.
    #[command(subcommand)]
    pub(crate) market: Option<Market>,
    /// The adversarial market's flags, for `simulate` without a subcommand.
    #[command(flatten)]
    pub(crate) adversarial: AdversarialArgs,
}

impl SimulateArgs {
    /// The market to run: the subcommand's, else the adversarial market with `simulate`'s
    /// own flags.
    pub(crate) fn into_market(self) -> Market {
        self.market.unwrap_or(Market::Adversarial(self.adversarial))
    }
}

/// The markets `homeostat simulate` runs.
#[derive(Debug, Subcommand)]
pub(crate) enum Market {
    /// The adversarial market, over many seeds (the default: `simulate` alone runs it).
    ///
    /// Homeostat pools (the program's state code and math crate) and constant-product
    /// baselines against an optimal arbitrageur every block, a lagging oracle, jumps and
    /// routed uninformed flow, over many seeds; each figure is the mean ± standard error
    /// over the seeds. `--scenario FILE.toml` changes any of its fields (see
    /// scenarios/default.toml).
    Adversarial(AdversarialArgs),
    /// One hour of the real program on the in-process runtime, the keeper hedging.
    ///
    /// The GLFT pool and a constant-product baseline on the same captive flow, the
    /// keeper hedging on a paper venue; the CSV time series and charts are written to
    /// `--out`. `--scenario FILE.toml` changes any of its fields (a file that says
    /// `market = "hour"`; see scenarios/hour.toml).
    Hour(HourArgs),
    /// Avellaneda & Stoikov (2008), section 4: a Homeostat AS pool against the symmetric
    /// strategy.
    ///
    /// The paper's experiment (s=100, T=1, σ=2, dt=0.005, A=140, k=1.5): a Homeostat AS
    /// pool against the symmetric strategy on the same paths, on the math crate (or the
    /// program with --onchain, or as the paper's strategy with --paper).
    As2008(As2008Args),
}

impl Market {
    /// Its `--json` flag (`main` sets it for `--output json` and `json-compact`).
    pub(crate) fn json_mut(&mut self) -> &mut bool {
        match self {
            Self::Adversarial(args) => &mut args.json,
            Self::Hour(args) => &mut args.json,
            Self::As2008(args) => &mut args.json,
        }
    }
}

/// `homeostat simulate [adversarial]`.
#[derive(Debug, clap::Args)]
pub(crate) struct AdversarialArgs {
    /// An adversarial scenario file: the adversarial market with some fields changed (see
    /// scenarios/default.toml; an hour scenario, one that says `market = "hour"`, runs with
    /// `homeostat simulate hour --scenario FILE.toml`).
    #[arg(long, value_name = "FILE.toml")]
    pub(crate) scenario: Option<String>,
    /// Seeds to run, from the scenario's seed: each figure is reported as mean ± standard
    /// error over them.
    #[arg(long, default_value_t = 8)]
    pub(crate) seeds: u32,
    /// Threads the seeds run on [default: every core].
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Pools to run, comma-separated: glft, cp, cp-dynamic, prop, pro [default: the
    /// scenario's: glft, cp, cp-dynamic].
    #[arg(long, value_delimiter = ',')]
    pub(crate) pools: Option<Vec<String>>,
    /// Run the Homeostat pools through the program on the in-process runtime, every trade
    /// a swap transaction, instead of its state code and the math crate; the results are
    /// identical. One seed at a time, a few seconds per simulated day.
    #[arg(long)]
    pub(crate) onchain: bool,
    /// Seed of the first run: the same seed reproduces the same results [default: the
    /// scenario's, 1].
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Simulated seconds per seed [default: the scenario's, 3600].
    #[arg(long)]
    pub(crate) duration: Option<u32>,
    /// Print exactly one JSON object instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Folder for the output files: a sweep's grid and heat maps; a calibrating scenario's
    /// charts, history.json and pool.toml.
    #[arg(long, default_value = "out")]
    pub(crate) out: std::path::PathBuf,
    /// Run the scenario once per value of a field; give it twice for a grid (`--sweep
    /// oracle_latency_ms=0,500,1000 --sweep jumps_per_hour=0,0.5,2`): the figure of each
    /// pool per cell (mean ± s.e.) and a heat map per pool.
    #[arg(long, value_name = "FIELD=V1,V2,...")]
    pub(crate) sweep: Vec<String>,
    /// The pool figure a sweep shows in its grid and heat maps (any field of a pool in the
    /// JSON report, e.g. arbitrage_edge_usdc, lp_over_lvr, volume_share).
    #[arg(long, default_value = "lp_vs_hold_usdc")]
    pub(crate) figure: String,
}

/// `homeostat simulate hour`. It always runs the program (there is no `--onchain`).
#[derive(Debug, clap::Args)]
pub(crate) struct HourArgs {
    /// An hour scenario file: the hour with some fields changed; it must say
    /// `market = "hour"` (see scenarios/hour.toml).
    #[arg(long, value_name = "FILE.toml")]
    pub(crate) scenario: Option<String>,
    /// Random seed: the same seed reproduces the same results [default: the scenario's,
    /// 1].
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Simulated seconds [default: the scenario's, 3600].
    #[arg(long)]
    pub(crate) duration: Option<u32>,
    /// Print exactly one JSON object instead of the tables.
    #[arg(long)]
    pub(crate) json: bool,
    /// Folder for the output files: the CSV time series and charts, or a sweep's table
    /// and frontier chart.
    #[arg(long, default_value = "out")]
    pub(crate) out: std::path::PathBuf,
    /// Run the hour once per value of one field, same seed: one row per value and a
    /// frontier chart (`--sweep hedge_credit_bps=0,5000,10000`).
    #[arg(long, value_name = "FIELD=V1,V2,...")]
    pub(crate) sweep: Option<String>,
}

/// `homeostat simulate as2008`.
#[derive(Debug, clap::Args)]
pub(crate) struct As2008Args {
    /// Risk aversion γ.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub(crate) gamma: f64,
    /// Number of simulated paths.
    #[arg(long, default_value_t = 1_000)]
    pub(crate) paths: u32,
    /// Random seed: the same seed reproduces the same results.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Run the pool through the program on the in-process runtime, every trade a swap
    /// transaction, instead of its state code and the math crate; the results are
    /// identical. One pool per path, about half a second per path (try `--paths 20`
    /// first).
    #[arg(long)]
    pub(crate) onchain: bool,
    /// Run the paper's strategy: the pool's curve without the mid guard, with inventory
    /// counted as units held (math crate only; see docs/simulator.md).
    #[arg(long, conflicts_with = "onchain")]
    pub(crate) paper: bool,
    /// Print exactly one JSON object instead of the table.
    #[arg(long)]
    pub(crate) json: bool,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Market;
    use crate::args::{Cli, Command};

    /// The market `homeostat args` parses to.
    fn market(args: &[&str]) -> Result<Market, clap::Error> {
        let cli = Cli::try_parse_from([&["homeostat"][..], args].concat())?;
        match cli.command {
            Command::Simulate(args) => Ok(args.into_market()),
            other => panic!("not simulate: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn simulate_alone_is_the_adversarial_market_with_its_flags() {
        for args in [
            &["simulate", "--seeds", "4", "--pools", "glft,cp"][..],
            &[
                "simulate",
                "adversarial",
                "--seeds",
                "4",
                "--pools",
                "glft,cp",
            ],
        ] {
            let Ok(Market::Adversarial(adversarial)) = market(args) else {
                panic!("{args:?}: not the adversarial market");
            };
            assert_eq!(adversarial.seeds, 4, "{args:?}");
            assert_eq!(
                adversarial.pools.as_deref(),
                Some(&["glft".to_string(), "cp".to_string()][..])
            );
        }
        let Ok(Market::Adversarial(defaults)) = market(&["simulate"]) else {
            panic!("simulate: not the adversarial market");
        };
        assert_eq!((defaults.seeds, defaults.scenario), (8, None));
    }

    #[test]
    fn each_market_parses_its_own_flags_and_refuses_the_others() {
        let Ok(Market::Hour(hour)) = market(&["simulate", "hour", "--sweep", "seed=1,2"]) else {
            panic!("not the hour");
        };
        assert_eq!(hour.sweep.as_deref(), Some("seed=1,2"));
        let Ok(Market::As2008(as2008)) = market(&["simulate", "as2008", "--paper"]) else {
            panic!("not as2008");
        };
        assert!(as2008.paper && !as2008.onchain);
        assert_eq!((as2008.seed, as2008.paths), (1, 1_000));
        for args in [
            &["simulate", "hour", "--paper"][..],
            &["simulate", "hour", "--sweep", "a=1", "--sweep", "b=1"],
            &["simulate", "as2008", "--sweep", "x=1"],
            &["simulate", "as2008", "--paper", "--onchain"],
            &["simulate", "adversarial", "--gamma", "0.2"],
            &["simulate", "--seeds", "4", "hour"],
        ] {
            assert!(market(args).is_err(), "{args:?} parsed");
        }
    }
}
