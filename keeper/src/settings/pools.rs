//! The pools one keeper serves: the `--config` file's `[[pools]]` tables over its top level.

use std::path::{Path, PathBuf};

use super::{Settings, SettingsError};

impl Settings {
    /// The settings of each pool this keeper serves, resolved: without `[[pools]]`, these
    /// settings; with them, each table over these settings (its journal, if it names
    /// none, `<journal stem>.<pool>.<extension>` beside `journal`), or — when `pool` is
    /// set too (a flag, for a drill on one pool) — only that pool's table. Refused: a
    /// table without `pool` or with a process-wide setting, a pool served twice, two
    /// pools on one journal or hedging one venue symbol (each position check would see
    /// the other's hedge).
    pub fn pools(&self) -> Result<Vec<Settings>, SettingsError> {
        if self.pools.is_empty() {
            return Ok(vec![self.clone()]);
        }
        let top = Self {
            pools: Vec::new(),
            pool: None,
            ..self.clone()
        };
        let mut resolved: Vec<Settings> = Vec::new();
        for (index, entry) in self.pools.iter().enumerate() {
            let name = |setting: &str| format!("[[pools]] #{}: {setting}", index + 1);
            let pool = entry.pool.clone().ok_or_else(|| {
                SettingsError::Conflict(format!("{}: every pool table needs `pool`", name("pool")))
            })?;
            for (setting, set) in [
                ("log", entry.log.is_some()),
                ("log_format", entry.log_format.is_some()),
                ("metrics_addr", entry.metrics_addr.is_some()),
                ("health_intervals", entry.health_intervals.is_some()),
                ("output", entry.output.is_some()),
                ("pools", !entry.pools.is_empty()),
            ] {
                if set {
                    return Err(SettingsError::Conflict(format!(
                        "{}: `{setting}` is the whole process's; set it at the file's top level",
                        name(setting)
                    )));
                }
            }
            let journal = entry.journal.clone().or_else(|| {
                top.journal
                    .as_deref()
                    .map(|journal| journal_of(journal, &pool))
            });
            let settings = Self {
                journal,
                ..entry.clone()
            }
            .or(top.clone());
            settings.check().map_err(|error| SettingsError::Pool {
                at: name(&pool),
                source: Box::new(error),
            })?;
            for other in &resolved {
                let clash = if other.pool == settings.pool {
                    Some("is listed twice")
                } else if other.journal == settings.journal {
                    Some("shares its journal with another pool")
                } else if settings.venue.as_deref() != Some("paper")
                    && other.venue == settings.venue
                    && other.venue_symbol() == settings.venue_symbol()
                {
                    Some("hedges the same venue symbol as another pool")
                } else {
                    None
                };
                if let Some(clash) = clash {
                    return Err(SettingsError::Conflict(format!(
                        "pool {pool} {clash} ({}): one journal, venue account and symbol per pool",
                        other.pool.as_deref().unwrap_or_default()
                    )));
                }
            }
            resolved.push(settings);
        }
        match &self.pool {
            Some(pool) => resolved
                .into_iter()
                .find(|settings| settings.pool.as_deref() == Some(pool))
                .map(|settings| vec![settings])
                .ok_or_else(|| {
                    SettingsError::Conflict(format!(
                        "--pool {pool} is not among the file's [[pools]]"
                    ))
                }),
            None => Ok(resolved),
        }
    }

    /// What the venue hedges this pool with: the symbol (or coin) and the account.
    fn venue_symbol(&self) -> Option<(&str, Option<&str>)> {
        match self.venue.as_deref() {
            Some("binance") => Some((
                self.binance_symbol.as_deref()?,
                self.binance_api_key.as_deref(),
            )),
            Some("hyperliquid") => Some((
                self.hyperliquid_coin.as_deref()?,
                self.hyperliquid_account
                    .as_deref()
                    .or(self.hyperliquid_secret_key.as_deref()),
            )),
            _ => None,
        }
    }
}

/// Pool `pool`'s journal in a keeper of many pools whose `journal` is `base`: its own
/// file beside it, `keeper.sqlite` → `keeper.<pool>.sqlite`.
pub fn journal_of(base: &Path, pool: &str) -> PathBuf {
    let stem = base.file_stem().map_or_else(
        || "keeper".into(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    let name = match base.extension() {
        Some(extension) => format!("{stem}.{pool}.{}", extension.to_string_lossy()),
        None => format!("{stem}.{pool}"),
    };
    base.with_file_name(name)
}
