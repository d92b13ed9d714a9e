//! The endpoint's one error type: a JSON-RPC error object — code, message and, for a
//! preflight failure, the simulation's `data`.

use serde_json::{json, Value};
use solana_transaction::TransactionError;

/// JSON-RPC's code for a request that is not a JSON-RPC 2.0 request object.
pub(super) const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC's code for an unknown method.
pub(super) const METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC's code for invalid parameters.
pub(super) const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC's code for an error inside the endpoint.
pub(super) const INTERNAL: i64 = -32603;
/// A validator's code for a transaction rejected by preflight simulation.
pub(super) const PREFLIGHT_FAILURE: i64 = -32002;
/// A validator's code for a block it does not have (a slot in the future).
pub(super) const BLOCK_NOT_AVAILABLE: i64 = -32004;
/// A validator's code for a v0 transaction asked for without
/// `maxSupportedTransactionVersion`.
pub(super) const UNSUPPORTED_VERSION: i64 = -32015;

/// A JSON-RPC error answer.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The JSON-RPC error code.
    pub code: i64,
    /// What went wrong, in the validator's words where the endpoint copies one.
    pub message: String,
    /// The error's `data` (`Null`: none, and no `data` key in the answer).
    pub data: Value,
}

/// What a method answers.
pub(super) type RpcResult = Result<Value, RpcError>;

impl RpcError {
    pub(super) fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: Value::Null,
        }
    }

    /// Invalid parameters (-32602).
    pub(super) fn invalid(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }

    /// A method this endpoint does not answer (-32601).
    pub(super) fn method_not_found(method: &str) -> Self {
        Self::new(METHOD_NOT_FOUND, format!("Method not found: {method}"))
    }

    /// The runtime failed the endpoint (-32603).
    pub(super) fn internal(error: impl std::fmt::Display) -> Self {
        Self::new(INTERNAL, error.to_string())
    }

    /// A transaction whose lookup tables do not load, refused as a validator refuses it
    /// (`invalid transaction: Transaction loads an address table account that doesn't
    /// exist`).
    pub(super) fn unloadable(error: TransactionError) -> Self {
        Self::invalid(format!("invalid transaction: {error}"))
    }

    /// A send refused by preflight (-32002) with the simulation's error, logs and units.
    pub(super) fn preflight(error: &TransactionError, logs: &[String], units: u64) -> Self {
        Self {
            code: PREFLIGHT_FAILURE,
            message: format!("Transaction simulation failed: {error}"),
            data: json!({
                "err": super::error_json(error),
                "logs": logs,
                "unitsConsumed": units,
            }),
        }
    }

    /// The error object of a JSON-RPC answer. No `data` key rather than `"data": null`:
    /// web3.js reads a present `data` as an object.
    pub(super) fn to_json(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if !self.data.is_null() {
            error["data"] = self.data.clone();
        }
        error
    }
}
