//! `--scenario FILE.toml`: the file read, its `market` checked against the command that
//! was given it, and its scenario parsed and checked.

use super::SimulateError;
use crate::error::FileError;
use crate::{adversarial, market};

/// The kind of scenario a file holds, which its `market` field says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScenarioKind {
    /// `market = "adversarial"`, or no `market`.
    Adversarial,
    /// `market = "hour"`.
    Hour,
}

impl ScenarioKind {
    /// The command that runs a file of this kind, without its `--scenario`.
    pub(crate) fn command(self) -> &'static str {
        match self {
            Self::Adversarial => "homeostat simulate",
            Self::Hour => "homeostat simulate hour",
        }
    }

    /// Why a file is of this kind, said after it.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Adversarial => " (it does not say market = \"hour\")",
            Self::Hour => "",
        }
    }
}

impl std::fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Adversarial => "an adversarial",
            Self::Hour => "an hour",
        })
    }
}

/// The markets that are subcommands, as someone used to `--scenario hour` may still write.
const MARKETS: [&str; 3] = ["adversarial", "hour", "as2008"];

/// The text of the scenario file at `path`, which must be of the kind `wanted`: a file of
/// the other kind is [`SimulateError::WrongMarket`], one whose `market` names no market
/// [`SimulateError::NotAMarket`]. A file that is not TOML, or whose `market` is not a
/// string, is returned as it is: the market's own parser says where it is wrong.
fn read(path: &str, wanted: ScenarioKind) -> Result<String, SimulateError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && MARKETS.contains(&path) => {
            return Err(SimulateError::MarketNotFile { name: path.into() });
        }
        Err(error) => return Err(FileError::at(path)(error).into()),
    };
    let Ok(table) = toml::from_str::<toml::Table>(&text) else {
        return Ok(text);
    };
    let found = match table.get("market") {
        None => ScenarioKind::Adversarial,
        Some(toml::Value::String(name)) => match name.as_str() {
            "adversarial" => ScenarioKind::Adversarial,
            "hour" => ScenarioKind::Hour,
            other => {
                return Err(SimulateError::NotAMarket {
                    path: path.into(),
                    market: other.into(),
                })
            }
        },
        Some(_) => return Ok(text),
    };
    if found != wanted {
        return Err(SimulateError::WrongMarket {
            path: path.into(),
            kind: found,
        });
    }
    Ok(text)
}

/// The adversarial scenario in the file at `path`.
pub(crate) fn adversarial(path: &str) -> Result<adversarial::Scenario, SimulateError> {
    let text = read(path, ScenarioKind::Adversarial)?;
    adversarial::Scenario::from_toml_checked(&text).map_err(|source| {
        SimulateError::AdversarialFile {
            path: path.into(),
            source,
        }
    })
}

/// The hour scenario in the file at `path`, its values in their ranges.
pub(crate) fn hour(path: &str) -> Result<market::Scenario, SimulateError> {
    let text = read(path, ScenarioKind::Hour)?;
    let scenario =
        market::Scenario::from_toml(&text).map_err(|source| SimulateError::HourToml {
            path: path.into(),
            source,
        })?;
    scenario
        .validate()
        .map_err(|source| SimulateError::HourRange {
            path: path.into(),
            line: adversarial::scenario::line_of(&text, source.field),
            source,
        })?;
    Ok(scenario)
}
