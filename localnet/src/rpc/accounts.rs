//! Accounts: `getAccountInfo`, `getMultipleAccounts`, `getProgramAccounts`, `getBalance`,
//! `getMinimumBalanceForRentExemption`, and an account's JSON in every encoding.

use super::*;

/// Most keys `getMultipleAccounts` takes, as on a validator.
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
/// The largest account a validator knows (`MAX_PERMITTED_DATA_LENGTH`, 10 MiB).
const MAX_PERMITTED_DATA_LENGTH: u64 = 10 * 1024 * 1024;

pub(super) const METHODS: &[&str] = &[
    "getAccountInfo",
    "getMultipleAccounts",
    "getProgramAccounts",
    "getBalance",
    "getMinimumBalanceForRentExemption",
];

pub(super) async fn call(node: &Node, method: &str, params: &Value) -> RpcResult {
    match method {
        "getAccountInfo" => {
            let account = node.account(pubkey_param(params, 0)?, &params[1]).await?;
            Ok(node.with_context(account))
        }
        "getMultipleAccounts" => multiple_accounts(node, params).await,
        "getProgramAccounts" => program_accounts(node, params).await,
        "getBalance" => {
            let lamports = node
                .get(pubkey_param(params, 0)?)
                .await?
                .map_or(0, |account| account.lamports);
            Ok(node.with_context(json!(lamports)))
        }
        "getMinimumBalanceForRentExemption" => {
            let size = params[0]
                .as_u64()
                .ok_or_else(|| RpcError::invalid("param 0: expected a size"))?;
            // A validator refuses sizes no account can have.
            let size = usize::try_from(size)
                .ok()
                .filter(|_| size <= MAX_PERMITTED_DATA_LENGTH)
                .ok_or_else(|| {
                    RpcError::invalid(format!(
                        "param 0: {size} bytes is more than an account can hold \
                         ({MAX_PERMITTED_DATA_LENGTH})"
                    ))
                })?;
            let rent = node.banks.get_rent().await.map_err(RpcError::internal)?;
            Ok(json!(rent.minimum_balance(size)))
        }
        other => Err(RpcError::method_not_found(other)),
    }
}

/// `getMultipleAccounts`: at most 100 keys, base 64 by default (unlike getAccountInfo).
async fn multiple_accounts(node: &Node, params: &Value) -> RpcResult {
    let keys = params[0]
        .as_array()
        .ok_or_else(|| RpcError::invalid("param 0: expected an array of keys"))?;
    if keys.len() > MAX_MULTIPLE_ACCOUNTS {
        return Err(RpcError::invalid(format!(
            "Too many inputs provided; max {MAX_MULTIPLE_ACCOUNTS}"
        )));
    }
    let mut options = params[1].clone();
    if options["encoding"].is_null() {
        options = json!({ "encoding": "base64", "dataSlice": options["dataSlice"] });
    }
    let mut accounts = Vec::with_capacity(keys.len());
    for index in 0..keys.len() {
        accounts.push(
            node.account(pubkey_param(&params[0], index)?, &options)
                .await?,
        );
    }
    Ok(node.with_context(Value::Array(accounts)))
}

/// `getProgramAccounts` over the addresses this endpoint knows of, with `dataSize` and
/// `memcmp` filters and `dataSlice`.
async fn program_accounts(node: &Node, params: &Value) -> RpcResult {
    let program = pubkey_param(params, 0)?;
    let options = &params[1];
    let filters = options["filters"].as_array().cloned().unwrap_or_default();
    let mut matching = Vec::new();
    for (address, account) in node.owned_by(&program).await? {
        if !passes(&account.data, &filters)? {
            continue;
        }
        matching.push(json!({
            "pubkey": address.to_string(),
            "account": node.render(&address, &account, options).await?,
        }));
    }
    let matching = Value::Array(matching);
    if options["withContext"].as_bool() == Some(true) {
        Ok(node.with_context(matching))
    } else {
        Ok(matching)
    }
}

/// An account as JSON-RPC gives it, by the validator's own encoder: in
/// `options.encoding` (`binary` — base 58, the default — `base58`, `base64`,
/// `base64+zstd` or `jsonParsed`, which falls back to base 64 for accounts it has no
/// parser for), cut to `options.dataSlice` (`{offset, length}`). `decimals` is the mint's,
/// for a token account's parsed amount.
pub(super) fn account_json(
    address: &Pubkey,
    account: &solana_account::Account,
    options: &Value,
    decimals: Option<u8>,
) -> RpcResult {
    use solana_account_decoder::{UiAccountEncoding, UiDataSliceConfig};
    let encoding: UiAccountEncoding = match &options["encoding"] {
        Value::Null => UiAccountEncoding::Binary,
        given => serde_json::from_value(given.clone()).map_err(|_| {
            RpcError::invalid(format!(
                "encoding {given}: expected binary, base58, base64, base64+zstd or jsonParsed"
            ))
        })?,
    };
    let slice: Option<UiDataSliceConfig> = match &options["dataSlice"] {
        Value::Null => None,
        given => Some(serde_json::from_value(given.clone()).map_err(|_| {
            RpcError::invalid("dataSlice: expected {\"offset\": number, \"length\": number}")
        })?),
    };
    let sliced = slice.map_or(account.data.len(), |slice| {
        slice
            .length
            .min(account.data.len().saturating_sub(slice.offset))
    });
    if matches!(
        encoding,
        UiAccountEncoding::Binary | UiAccountEncoding::Base58
    ) && sliced > solana_account_decoder::MAX_BASE58_BYTES
    {
        // The validator's refusal, word for word.
        return Err(RpcError::invalid(
            "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
        ));
    }
    let additional = decimals.map(|decimals| {
        solana_account_decoder::parse_account_data::AccountAdditionalDataV3 {
            spl_token_additional_data: Some(
                solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2::with_decimals(
                    decimals,
                ),
            ),
        }
    });
    let ui =
        solana_account_decoder::encode_ui_account(address, account, encoding, additional, slice);
    serde_json::to_value(ui).map_err(RpcError::internal)
}

/// Whether `data` passes every `getProgramAccounts` filter (`dataSize`, `memcmp` with
/// base-58 or base-64 `bytes`).
pub(super) fn passes(data: &[u8], filters: &[Value]) -> Result<bool, RpcError> {
    for filter in filters {
        if let Some(size) = filter.get("dataSize") {
            let size = size
                .as_u64()
                .ok_or_else(|| RpcError::invalid("filters.dataSize: expected a number"))?;
            if data.len() as u64 != size {
                return Ok(false);
            }
        } else if let Some(memcmp) = filter.get("memcmp") {
            let offset = memcmp["offset"]
                .as_u64()
                .ok_or_else(|| RpcError::invalid("filters.memcmp.offset: expected a number"))?;
            // Past any account's end: no account passes.
            let offset = usize::try_from(offset).unwrap_or(usize::MAX);
            let text = memcmp["bytes"]
                .as_str()
                .ok_or_else(|| RpcError::invalid("filters.memcmp.bytes: expected a string"))?;
            let bytes = match memcmp["encoding"].as_str() {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|error| RpcError::invalid(format!("filters.memcmp.bytes: {error}")))?,
                _ => bs58::decode(text)
                    .into_vec()
                    .map_err(|error| RpcError::invalid(format!("filters.memcmp.bytes: {error}")))?,
            };
            if data.get(offset..offset.saturating_add(bytes.len())) != Some(&bytes[..]) {
                return Ok(false);
            }
        } else {
            return Err(RpcError::invalid(format!(
                "filters: unknown filter {filter}"
            )));
        }
    }
    Ok(true)
}
