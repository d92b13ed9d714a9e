//! Why `homeostat simulate` failed: the flag or scenario file at fault, or the run's own
//! error.

use super::file::ScenarioKind;
use crate::error::FileError;
use crate::{adversarial, as2008, market, output};

/// Why `homeostat simulate` failed: the flag or file at fault, or the run's own error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SimulateError {
    /// `--scenario` names a market that is a subcommand, not a file (`--scenario hour`).
    #[error("--scenario {name}: no such file ({name} is a market, not a scenario file)")]
    MarketNotFile {
        /// The market's name.
        name: String,
    },
    /// A scenario file of the other market than the command's.
    #[error("{path} is {kind} scenario{}", kind.reason())]
    WrongMarket {
        /// The file.
        path: String,
        /// What its `market` says.
        kind: ScenarioKind,
    },
    /// The scenario file could not be read.
    #[error("{0}")]
    Unreadable(#[from] FileError),
    /// A scenario file whose `market` is none of the markets.
    #[error("{path}: market = \"{market}\" is not a market (adversarial or hour)")]
    NotAMarket {
        /// The file.
        path: String,
        /// What its `market` says.
        market: String,
    },
    /// An hour scenario file that is not the hour's TOML.
    #[error("{path}: {source}")]
    HourToml {
        /// The file.
        path: String,
        /// The parser's error, with line and column.
        #[source]
        source: toml::de::Error,
    },
    /// An hour scenario file with a value out of its range.
    #[error("{path}: {}{source}", adversarial::scenario::at_line(*line))]
    HourRange {
        /// The file.
        path: String,
        /// The line that sets the field, if one does.
        line: Option<usize>,
        /// The field and its range.
        #[source]
        source: market::OutOfRange,
    },
    /// An adversarial scenario file that cannot be used.
    #[error("{path}: {source}")]
    AdversarialFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: adversarial::scenario::ParseError,
    },
    /// The adversarial market of a scenario file failed.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: adversarial::command::CommandError,
    },
    /// The adversarial market failed.
    #[error("{0}")]
    Adversarial(#[from] adversarial::command::CommandError),
    /// The hour failed.
    #[error("{0}")]
    Market(#[from] market::MarketError),
    /// The as2008 experiment failed.
    #[error("{0}")]
    As2008(#[from] as2008::Error),
    /// `--out` cannot take the run's files.
    #[error("{0}")]
    Out(#[from] adversarial::command::OutError),
    /// The run's files could not be written.
    #[error("{0}")]
    Output(#[from] output::OutputError),
    /// A `--sweep` of the hour that cannot be run.
    #[error("{0}")]
    Sweep(#[from] SweepError),
    /// The simulation's runtime did not start.
    #[error("the simulation's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The report could not be written to standard output.
    #[error("standard output: {0}")]
    Stdout(#[source] std::io::Error),
    /// The progress bar's template was refused.
    #[error("the progress bar: {0}")]
    Progress(#[from] indicatif::style::TemplateError),
    /// The report's JSON could not be built.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// Why a `--sweep` of the hour cannot run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SweepError {
    /// Not `FIELD=V1,V2,...`.
    #[error("--sweep takes FIELD=V1,V2,... (e.g. hedge_credit_bps=0,5000,10000)")]
    Syntax,
    /// No values.
    #[error("--sweep {field}: no values")]
    NoValues {
        /// The field.
        field: String,
    },
    /// No such field.
    #[error("--sweep: `{field}` is not a scenario field (fields: {})", fields.join(", "))]
    UnknownField {
        /// The name given.
        field: String,
        /// The scenario's fields.
        fields: Vec<String>,
    },
    /// Not a value of the field's type.
    #[error("--sweep {field}: `{value}` is not {kind}")]
    NotA {
        /// The field.
        field: String,
        /// The text given.
        value: String,
        /// What the field takes.
        kind: &'static str,
    },
    /// The scenario did not convert to a TOML table.
    #[error("{0}")]
    Table(#[from] toml::ser::Error),
    /// The scenario refused the value.
    #[error("--sweep: {0}")]
    Refused(#[source] toml::de::Error),
    /// A value out of the field's range.
    #[error("--sweep {field}={value}: {source}")]
    Range {
        /// The field.
        field: String,
        /// The text given.
        value: String,
        /// The range.
        #[source]
        source: market::OutOfRange,
    },
}
