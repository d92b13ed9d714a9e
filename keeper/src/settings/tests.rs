use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{journal_of, required, Settings, SettingsError, DEFAULTS};
use crate::output::Output;
use crate::retry::Backoff;

#[test]
fn the_help_states_every_default_of_the_table() {
    let help = crate::cli::command().render_long_help().to_string();
    let normalized = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for (name, value) in DEFAULTS {
        let flag = name.replace('_', "-");
        let section = help
            .split(&format!("--{flag} <"))
            .nth(1)
            .unwrap_or_else(|| panic!("--{flag} in the help"));
        let section = section.split("\n      --").next().unwrap_or(section);
        assert!(
            section.contains(&format!("{value}]")) && section.contains("[default: "),
            "--{flag}: the help must show the default {value}:\n{section}"
        );
    }
    // The cluster, keypair and commitment: the Solana CLI's config, then the table.
    for shown in [
        "[default: the Solana CLI config's json_rpc_url, else localhost]",
        "[default: the Solana CLI config's keypair_path, else ~/.config/solana/id.json]",
        "[default: the Solana CLI config's commitment, else confirmed]",
    ] {
        assert!(normalized.contains(shown), "{shown} in the help");
    }
}

#[test]
fn every_default_of_the_table_parses_into_its_setting() {
    let defaults = Settings::defaults();
    assert_eq!(defaults.interval_secs, Some(10));
    assert_eq!(defaults.journal, Some(PathBuf::from("keeper.sqlite")));
    assert_eq!(defaults.output, Some(Output::JsonCompact));
    assert_eq!(
        (defaults.quoter_interval_ms, defaults.quoter_valid_slots),
        (Some(400), Some(4))
    );
    assert_eq!(defaults.quoter_compute_unit_limit, Some(2_000));
    assert_eq!(
        defaults.quoter_keypair, None,
        "the quoter's key is never defaulted"
    );
    // Only the table: no environment variable reaches the defaults.
    assert_eq!((defaults.pool, defaults.binance_api_key), (None, None));
    // The retry policy's own defaults (used where no settings exist) are the table's.
    let backoff = Backoff::default();
    assert_eq!(defaults.retry_attempts, Some(backoff.attempts));
    assert_eq!(
        defaults.retry_initial_ms.map(Duration::from_millis),
        Some(backoff.initial)
    );
}

#[test]
fn flags_win_over_the_file_and_the_file_over_the_defaults() {
    let folder = std::env::temp_dir().join(format!("keeper-settings-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("keeper.toml");
    std::fs::write(&file, "interval_secs = 3\nvenue = \"binance\"\n").unwrap();
    let flags = Settings {
        venue: Some("paper".into()),
        ..Settings::default()
    };
    let resolved = flags.resolve(Some(&file)).unwrap();
    assert_eq!(resolved.venue.as_deref(), Some("paper"), "the flag");
    assert_eq!(resolved.interval_secs, Some(3), "the file");
    assert_eq!(resolved.retry_initial_ms, Some(250), "the default");
    assert_eq!(resolved.pool, None, "no default");
    assert_eq!(
        required(&resolved.pool, "pool").unwrap_err().to_string(),
        "--pool is required (flag, environment variable or config file)"
    );
    std::fs::write(&file, "intervall_secs = 3\n").unwrap();
    let error = Settings::default()
        .resolve(Some(&file))
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `intervall_secs`"), "{error}");
}

mod ranges {
    use super::Settings;

    #[test]
    fn every_setting_out_of_its_range_is_named() {
        let cases: [(Settings, &str); 11] = [
            (
                Settings {
                    health_intervals: Some(0),
                    ..Settings::default()
                },
                "--health-intervals 0: must be in [1, 1000]",
            ),
            (
                Settings {
                    log: Some("verbose".into()),
                    ..Settings::default()
                },
                "--log `verbose`: must be one of error, warn, info, debug, trace",
            ),
            (
                Settings {
                    log_format: Some("xml".into()),
                    ..Settings::default()
                },
                "--log-format `xml`: must be one of text, json",
            ),
            (
                Settings {
                    paper_fee_bps: Some(20_000),
                    ..Settings::default()
                },
                "--paper-fee-bps 20000: must be in [0, 1000]",
            ),
            (
                Settings {
                    interval_secs: Some(0),
                    ..Settings::default()
                },
                "--interval-secs 0: must be in [1, 86400]",
            ),
            (
                Settings {
                    min_order_base: Some(10),
                    max_order_base: Some(5),
                    ..Settings::default()
                },
                "--min-order-base 10 is above --max-order-base 5",
            ),
            (
                Settings {
                    retry_attempts: Some(0),
                    ..Settings::default()
                },
                "--retry-attempts 0",
            ),
            (
                Settings {
                    binance_recv_window_ms: Some(90_000),
                    ..Settings::default()
                },
                "--binance-recv-window-ms 90000",
            ),
            (
                Settings {
                    quoter_valid_slots: Some(0),
                    ..Settings::default()
                },
                "--quoter-valid-slots 0: must be in [1, 150]",
            ),
            (
                Settings {
                    quoter_interval_ms: Some(5),
                    ..Settings::default()
                },
                "--quoter-interval-ms 5: must be in [10, 60000]",
            ),
            (
                Settings {
                    quoter_ask_offset_bps: Some(1_001),
                    ..Settings::default()
                },
                "--quoter-ask-offset-bps 1001: must be in [0, 1000]",
            ),
        ];
        for (settings, expected) in cases {
            let error = settings.resolve(None).expect_err(expected).to_string();
            assert!(error.contains(expected), "{error}");
        }
        Settings::default()
            .resolve(None)
            .expect("the defaults are in range");
    }
}

mod pools {
    use super::{journal_of, Path, PathBuf, Settings, SettingsError};

    /// `text` as a `--config` file resolved under no flags.
    fn resolved(text: &str) -> Result<Settings, SettingsError> {
        static FILES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let folder = std::env::temp_dir().join(format!("keeper-pools-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let number = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = folder.join(format!("{number}.toml"));
        std::fs::write(&file, text).unwrap();
        Settings::default().resolve(Some(&file))
    }

    const TWO: &str = "journal = \"/var/lib/k/keeper.sqlite\"\nvenue = \"binance\"\n\
        binance_api_key = \"k\"\nmin_order_base = 5\n\n\
        [[pools]]\npool = \"PoolA\"\noracle = \"OracleA\"\nbinance_symbol = \"SOLUSDT\"\n\n\
        [[pools]]\npool = \"PoolB\"\noracle = \"OracleB\"\nbinance_symbol = \"JTOUSDT\"\n\
        journal = \"/srv/b.sqlite\"\nmin_order_base = 7\n";

    #[test]
    fn each_pool_takes_the_top_level_under_its_own_settings() {
        let settings = resolved(TWO).unwrap();
        let pools = settings.pools().unwrap();
        assert_eq!(pools.len(), 2);
        let (a, b) = (&pools[0], &pools[1]);
        assert_eq!(a.pool.as_deref(), Some("PoolA"));
        assert_eq!(
            a.journal.as_deref(),
            Some(Path::new("/var/lib/k/keeper.PoolA.sqlite")),
            "its own journal beside the top level's"
        );
        assert_eq!(b.journal.as_deref(), Some(Path::new("/srv/b.sqlite")));
        assert_eq!((a.min_order_base, b.min_order_base), (Some(5), Some(7)));
        assert_eq!(a.binance_symbol.as_deref(), Some("SOLUSDT"));
        assert_eq!(b.binance_symbol.as_deref(), Some("JTOUSDT"));
        assert_eq!(b.interval_secs, Some(10), "the defaults under both");
        // `--pool` picks one table: a drill on one pool of the file.
        let one = Settings {
            pool: Some("PoolB".into()),
            ..settings.clone()
        };
        assert_eq!(one.pools().unwrap()[0].oracle.as_deref(), Some("OracleB"));
        let error = Settings {
            pool: Some("PoolC".into()),
            ..settings
        }
        .pools()
        .unwrap_err()
        .to_string();
        assert!(error.contains("PoolC is not among"), "{error}");
        // Without tables: the one pool of the settings.
        let single = resolved("pool = \"P\"\n").unwrap().pools().unwrap();
        assert_eq!(
            single[0].journal.as_deref(),
            Some(Path::new("keeper.sqlite"))
        );
    }

    #[test]
    fn clashing_or_misplaced_pool_settings_are_refused() {
        let clash = |text: &str, expected: &str| {
            let error = resolved(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{expected}: {error}");
        };
        clash(
            "[[pools]]\npool = \"A\"\n[[pools]]\npool = \"A\"\n",
            "pool A is listed twice",
        );
        clash(
            "[[pools]]\npool = \"A\"\njournal = \"j\"\n[[pools]]\npool = \"B\"\njournal = \"j\"\n",
            "shares its journal",
        );
        clash(
            "venue = \"binance\"\n[[pools]]\npool = \"A\"\n[[pools]]\npool = \"B\"\n",
            "hedges the same venue symbol",
        );
        clash(
            "[[pools]]\npool = \"A\"\nlog = \"debug\"\n",
            "`log` is the whole process's",
        );
        clash(
            "[[pools]]\noracle = \"O\"\n",
            "every pool table needs `pool`",
        );
        clash(
            "[[pools]]\npool = \"A\"\ninterval_secs = 0\n",
            "--interval-secs 0",
        );
        clash(
            "[[pools]]\npool = \"A\"\nvenu = \"paper\"\n",
            "unknown field `venu`",
        );
        // Paper venues keep no account: two may share a symbol.
        resolved("[[pools]]\npool = \"A\"\n[[pools]]\npool = \"B\"\n").unwrap();
    }

    #[test]
    fn a_pool_journal_sits_beside_the_base() {
        assert_eq!(
            journal_of(Path::new("/a/keeper.sqlite"), "P"),
            PathBuf::from("/a/keeper.P.sqlite")
        );
        assert_eq!(journal_of(Path::new("j"), "P"), PathBuf::from("j.P"));
    }
}
