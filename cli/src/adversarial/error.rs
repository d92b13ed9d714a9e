//! Why a seed of the adversarial market could not run or report.

use super::onchain::OnChainError;
use super::scenario::{ParamsError, ScenarioError};
use crate::charts::ChartError;

/// Why a seed could not run, or its calibration report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AdversarialError {
    /// A scenario value out of its range.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The pools' parameters are not the program's.
    #[error("{0}")]
    Params(#[from] ParamsError),
    /// Recalibration asked of the program engine, which runs fixed parameters.
    #[error("calibrate_every_secs: recalibration runs on the math engine")]
    CalibrationOnChain,
    /// A Homeostat pool could not be opened.
    #[error("{pool}: {source}")]
    Open {
        /// The pool's name.
        pool: &'static str,
        /// The SDK's error.
        #[source]
        source: homeostat_sdk::SdkError,
    },
    /// The pool's state code refused an admin change (`set_pro_feeds`).
    #[error("{0}")]
    Admin(#[source] anchor_lang::error::Error),
    /// The pool's state code refused its quoter's push: the report would be wrong.
    #[error("the pool refused its quoter's push: {0}")]
    QuoterRefused(#[source] anchor_lang::error::Error),
    /// `--onchain`: the program refused what the state code accepted.
    #[error("{0}")]
    OnChain(#[from] OnChainError),
    /// A seed's thread ended without its report.
    #[error("a seed's thread failed")]
    SeedThread,
    /// A calibration report of a run where no pool calibrated.
    #[error("no calibrated pool in this run")]
    NoCalibratedPool,
    /// A history asked of a scenario whose Homeostat pools do not record one.
    #[error("no Homeostat pool records a history in this scenario")]
    NoHistory,
    /// The calibration chart could not be written.
    #[error("{0}")]
    Chart(#[from] ChartError),
}
