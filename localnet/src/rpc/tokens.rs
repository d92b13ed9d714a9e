//! SPL Token and Token-2022: `getTokenAccountBalance`, `getTokenAccountsByOwner`,
//! `getTokenAccountsByDelegate`, `getTokenSupply` and `getTokenLargestAccounts` — the
//! listing ones over the token accounts this endpoint knows of (see `getProgramAccounts`).

use super::transactions::{pubkey_at, token_account_mint, u64_at, ui_token_amount};
use super::*;

/// The SPL Token program.
const TOKEN: Pubkey = anchor_lang::prelude::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// The Token-2022 program.
const TOKEN_2022: Pubkey =
    anchor_lang::prelude::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
/// Accounts `getTokenLargestAccounts` lists, as on a validator.
const LARGEST: usize = 20;

pub(super) const METHODS: &[&str] = &[
    "getTokenAccountBalance",
    "getTokenAccountsByOwner",
    "getTokenAccountsByDelegate",
    "getTokenSupply",
    "getTokenLargestAccounts",
];

pub(super) async fn call(node: &Node, method: &str, params: &Value) -> RpcResult {
    match method {
        "getTokenAccountBalance" => {
            let address = pubkey_param(params, 0)?;
            let account = node.get(address).await?.ok_or_else(|| {
                RpcError::invalid(format!("Invalid param: could not find account {address}"))
            })?;
            let (mint, amount) = token_account_mint(&account)
                .zip(u64_at(&account.data, 64))
                .ok_or_else(|| RpcError::invalid("Invalid param: not a Token account"))?;
            Ok(node.with_context(ui_token_amount(amount, mint_decimals(node, mint).await?)))
        }
        // A token account's owner is at byte 32; its delegate, when set, at 76.
        "getTokenAccountsByOwner" => accounts_by(node, params, 32).await,
        "getTokenAccountsByDelegate" => accounts_by(node, params, 76).await,
        "getTokenSupply" => {
            let mint = pubkey_param(params, 0)?;
            let (supply, decimals) = node
                .get(mint)
                .await?
                .filter(|account| account.owner == TOKEN || account.owner == TOKEN_2022)
                .and_then(|account| Some((u64_at(&account.data, 36)?, *account.data.get(44)?)))
                .ok_or_else(|| RpcError::invalid("Invalid param: not a Token mint"))?;
            Ok(node.with_context(ui_token_amount(supply, decimals)))
        }
        "getTokenLargestAccounts" => largest_accounts(node, params).await,
        other => Err(RpcError::method_not_found(other)),
    }
}

/// The decimals of `mint`, which must exist.
async fn mint_decimals(node: &Node, mint: Pubkey) -> Result<u8, RpcError> {
    node.decimals_of(mint)
        .await?
        .ok_or_else(|| RpcError::invalid("Invalid param: the token account's mint is missing"))
}

/// The known token accounts of either token program, with their mints.
async fn token_accounts(
    node: &Node,
) -> Result<Vec<(Pubkey, Pubkey, solana_account::Account)>, RpcError> {
    let mut found = Vec::new();
    for program in [TOKEN, TOKEN_2022] {
        for (address, account) in node.owned_by(&program).await? {
            if let Some(mint) = token_account_mint(&account) {
                found.push((address, mint, account));
            }
        }
    }
    Ok(found)
}

/// The token accounts whose key at `offset` (owner or delegate) is `params[0]`, of the
/// mint or token program `params[1]` names (`{"mint": …}` or `{"programId": …}`).
async fn accounts_by(node: &Node, params: &Value, offset: usize) -> RpcResult {
    let key = pubkey_param(params, 0)?;
    let filter = &params[1];
    let (mint, program) = if filter.get("mint").is_some() {
        (Some(pubkey_param(filter, "mint")?), None)
    } else if filter.get("programId").is_some() {
        let program = pubkey_param(filter, "programId")?;
        if program != TOKEN && program != TOKEN_2022 {
            return Err(RpcError::invalid(
                "Invalid param: unrecognized Token program id",
            ));
        }
        (None, Some(program))
    } else {
        return Err(RpcError::invalid(
            "param 1: expected {\"mint\": address} or {\"programId\": address}",
        ));
    };
    let options = &params[2];
    let mut matching = Vec::new();
    for (address, account_mint, account) in token_accounts(node).await? {
        // The delegate is an `COption`: its tag (1: set) in the 4 bytes before it.
        let delegated = offset != 76 || account.data.get(72..76) == Some(&[1, 0, 0, 0][..]);
        if !delegated
            || pubkey_at(&account.data, offset) != Some(key)
            || mint.is_some_and(|mint| mint != account_mint)
            || program.is_some_and(|program| program != account.owner)
        {
            continue;
        }
        matching.push(json!({
            "pubkey": address.to_string(),
            "account": node.render(&address, &account, options).await?,
        }));
    }
    Ok(node.with_context(Value::Array(matching)))
}

/// The 20 largest known token accounts of the mint `params[0]`, largest first.
async fn largest_accounts(node: &Node, params: &Value) -> RpcResult {
    let mint = pubkey_param(params, 0)?;
    let decimals = mint_decimals(node, mint).await?;
    let mut holders: Vec<(Pubkey, u64)> = token_accounts(node)
        .await?
        .into_iter()
        .filter(|(_, account_mint, _)| *account_mint == mint)
        .filter_map(|(address, _, account)| Some((address, u64_at(&account.data, 64)?)))
        .collect();
    holders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    holders.truncate(LARGEST);
    let listed = holders
        .into_iter()
        .map(|(address, amount)| {
            let mut entry = ui_token_amount(amount, decimals);
            entry["address"] = json!(address.to_string());
            entry
        })
        .collect();
    Ok(node.with_context(Value::Array(listed)))
}
