//! `getTransaction` as a validator answers it, in its three encodings: `json` (indexes
//! into the account keys, data in base 58), `jsonParsed` (account objects, and the
//! instructions of the system, SPL Token, Token-2022 and associated-token programs
//! decoded into `{type, info}` — the ones a Homeostat transaction and its CPIs use; other
//! instructions of those programs, and every other program's, stay partially decoded, as a
//! validator leaves programs it has no parser for) and `base64`/`base58` (the wire bytes).
//! The meta carries balances and token balances before and after, compute units, logs,
//! inner instructions and, for v0 transactions, the addresses the lookup tables loaded.

use super::*;

/// The SPL Token program.
const TOKEN: Pubkey = anchor_lang::prelude::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// The Token-2022 program.
const TOKEN_2022: Pubkey =
    anchor_lang::prelude::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
/// The associated-token-account program.
const ASSOCIATED_TOKEN: Pubkey =
    anchor_lang::prelude::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
/// The system program.
const SYSTEM: Pubkey = anchor_lang::prelude::pubkey!("11111111111111111111111111111111");

/// An amount of a token as JSON-RPC gives it: the integer as a string, the decimals, and
/// the decimal amount as a number and as a string without trailing zeros.
pub(super) fn ui_token_amount(amount: u64, decimals: u8) -> Value {
    let places = usize::from(decimals);
    // The digits, at least one before the point.
    let digits = format!("{amount:0>width$}", width = places + 1);
    let (whole, fraction) = digits.split_at(digits.len() - places);
    let fraction = fraction.trim_end_matches('0');
    let text = if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    };
    json!({
        "amount": amount.to_string(),
        "decimals": decimals,
        "uiAmount": amount as f64 / 10f64.powi(i32::from(decimals)),
        "uiAmountString": text,
    })
}

/// The mint of an SPL Token or Token-2022 account (`None` for any other account).
pub(super) fn token_account_mint(account: &solana_account::Account) -> Option<Pubkey> {
    if account.owner != TOKEN && account.owner != TOKEN_2022 {
        return None;
    }
    // A token account is 165 bytes (Token-2022's with extensions longer); a mint is 82.
    if account.data.len() < 165 {
        return None;
    }
    pubkey_at(&account.data, 0)
}

pub(super) fn pubkey_at(data: &[u8], offset: usize) -> Option<Pubkey> {
    data.get(offset..offset + 32)
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .map(Pubkey::new_from_array)
}

pub(super) fn u64_at(data: &[u8], offset: usize) -> Option<u64> {
    data.get(offset..offset + 8)
        .and_then(|bytes| bytes.try_into().ok())
        .map(u64::from_le_bytes)
}

/// The token balances among `accounts` (indexed like the transaction's account keys).
fn token_balances(
    accounts: &[Option<solana_account::Account>],
    decimals: &HashMap<Pubkey, u8>,
) -> Vec<Value> {
    accounts
        .iter()
        .enumerate()
        .filter_map(|(index, account)| {
            let account = account.as_ref()?;
            let mint = token_account_mint(account)?;
            let places = *decimals.get(&mint)?;
            Some(json!({
                "accountIndex": index,
                "mint": mint.to_string(),
                "owner": pubkey_at(&account.data, 32)?.to_string(),
                "programId": account.owner.to_string(),
                "uiTokenAmount": ui_token_amount(u64_at(&account.data, 64)?, places),
            }))
        })
        .collect()
}

/// Inner instructions as JSON-RPC's `json` encoding gives them: per top-level instruction
/// with any, its index and the instructions it invoked (data in base 58).
pub(super) fn inner_json(inner: &[InnerInstructions]) -> Vec<Value> {
    inner_with(inner, |instruction| {
        json!({
            "programIdIndex": instruction.instruction.program_id_index,
            "accounts": instruction.instruction.accounts,
            "data": bs58::encode(&instruction.instruction.data).into_string(),
            "stackHeight": instruction.stack_height,
        })
    })
}

fn inner_with(
    inner: &[InnerInstructions],
    render: impl Fn(&solana_message::inner_instruction::InnerInstruction) -> Value,
) -> Vec<Value> {
    inner
        .iter()
        .enumerate()
        .filter(|(_, inner)| !inner.is_empty())
        .map(|(index, inner)| {
            json!({ "index": index, "instructions": inner.iter().map(&render).collect::<Vec<_>>() })
        })
        .collect()
}

/// `getTransaction`'s result for `executed`, in the encoding `options` asks for.
/// `block_time` is the unix time of its block.
pub(super) fn transaction_json(executed: &Executed, options: &Value, block_time: i64) -> RpcResult {
    let message = &executed.transaction.message;
    let version = match message {
        VersionedMessage::Legacy(_) => json!("legacy"),
        VersionedMessage::V0(_) => {
            if options["maxSupportedTransactionVersion"].as_u64().is_none() {
                return Err(RpcError::new(
                    UNSUPPORTED_VERSION,
                    "Transaction version (0) is not supported by the requesting client. Please \
                     try the request again with the following configuration parameter: \
                     \"maxSupportedTransactionVersion\": 0",
                ));
            }
            json!(0)
        }
    };
    let encoding = options["encoding"].as_str().unwrap_or("json");
    let parsed = encoding == "jsonParsed";
    let transaction = match encoding {
        "json" | "jsonParsed" => json!({
            "signatures": executed.transaction.signatures.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "message": if parsed { parsed_message(executed) } else { message_json(message) },
        }),
        "base64" | "base58" => {
            let bytes = bincode::serialize(&executed.transaction).map_err(RpcError::internal)?;
            let text = if encoding == "base64" {
                base64::engine::general_purpose::STANDARD.encode(bytes)
            } else {
                bs58::encode(bytes).into_string()
            };
            json!([text, encoding])
        }
        other => {
            return Err(RpcError::invalid(format!(
                "encoding `{other}`: expected json, jsonParsed, base64 or base58"
            )))
        }
    };
    let status = match &executed.error {
        None => json!({ "Ok": null }),
        Some(error) => json!({ "Err": error }),
    };
    let keys = &executed.accounts.keys;
    let lamports = |accounts: &[Option<solana_account::Account>]| {
        accounts
            .iter()
            .map(|account| account.as_ref().map_or(0, |account| account.lamports))
            .collect::<Vec<u64>>()
    };
    let inner = if parsed {
        inner_with(&executed.inner, |instruction| {
            let compiled = &instruction.instruction;
            let accounts: Vec<Pubkey> = compiled
                .accounts
                .iter()
                .filter_map(|index| keys.get(usize::from(*index)).copied())
                .collect();
            let program = keys
                .get(usize::from(compiled.program_id_index))
                .copied()
                .unwrap_or_default();
            parsed_instruction(
                &program,
                &accounts,
                &compiled.data,
                json!(instruction.stack_height),
            )
        })
    } else {
        inner_json(&executed.inner)
    };
    let loaded = &executed.accounts.loaded;
    let strings = |keys: &[Pubkey]| keys.iter().map(ToString::to_string).collect::<Vec<_>>();
    Ok(json!({
        "slot": executed.slot,
        "blockTime": block_time,
        "version": version,
        "transaction": transaction,
        "meta": {
            "err": executed.error,
            "status": status,
            "fee": fees::fee(message),
            "computeUnitsConsumed": executed.units,
            "preBalances": lamports(&executed.before),
            "postBalances": lamports(&executed.after),
            "preTokenBalances": token_balances(&executed.before, &executed.decimals),
            "postTokenBalances": token_balances(&executed.after, &executed.decimals),
            "innerInstructions": inner,
            "logMessages": executed.logs,
            "loadedAddresses": { "writable": strings(&loaded.writable), "readonly": strings(&loaded.readonly) },
            "rewards": [],
        },
    }))
}

/// The `json` encoding's message: keys, header, blockhash, compiled instructions and, in
/// a v0 message, its lookups.
fn message_json(message: &VersionedMessage) -> Value {
    let header = message.header();
    let mut json = json!({
        "accountKeys": message.static_account_keys().iter().map(ToString::to_string).collect::<Vec<_>>(),
        "header": {
            "numRequiredSignatures": header.num_required_signatures,
            "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
            "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        },
        "recentBlockhash": message.recent_blockhash().to_string(),
        "instructions": message.instructions().iter().map(|instruction| json!({
            "programIdIndex": instruction.program_id_index,
            "accounts": instruction.accounts,
            "data": bs58::encode(&instruction.data).into_string(),
            "stackHeight": null,
        })).collect::<Vec<_>>(),
    });
    if let Some(lookups) = message.address_table_lookups() {
        json["addressTableLookups"] = lookups_json(lookups);
    }
    json
}

fn lookups_json(lookups: &[solana_message::v0::MessageAddressTableLookup]) -> Value {
    Value::Array(
        lookups
            .iter()
            .map(|lookup| {
                json!({
                    "accountKey": lookup.account_key.to_string(),
                    "writableIndexes": lookup.writable_indexes,
                    "readonlyIndexes": lookup.readonly_indexes,
                })
            })
            .collect(),
    )
}

/// The `jsonParsed` encoding's message: account objects (signer, writable, whether the
/// key is the transaction's own or a lookup table's) and parsed instructions.
fn parsed_message(executed: &Executed) -> Value {
    let message = &executed.transaction.message;
    let resolved = &executed.accounts;
    let signers = usize::from(message.header().num_required_signatures);
    let own = message.static_account_keys().len();
    let keys: Vec<Value> = resolved
        .keys
        .iter()
        .enumerate()
        .map(|(index, key)| {
            json!({
                "pubkey": key.to_string(),
                "signer": index < signers,
                "writable": resolved.writable[index],
                "source": if index < own { "transaction" } else { "lookupTable" },
            })
        })
        .collect();
    let instructions: Vec<Value> = message
        .instructions()
        .iter()
        .map(|instruction| {
            let accounts: Vec<Pubkey> = instruction
                .accounts
                .iter()
                .filter_map(|index| resolved.keys.get(usize::from(*index)).copied())
                .collect();
            let program = resolved
                .keys
                .get(usize::from(instruction.program_id_index))
                .copied()
                .unwrap_or_default();
            parsed_instruction(&program, &accounts, &instruction.data, Value::Null)
        })
        .collect();
    let mut json = json!({
        "accountKeys": keys,
        "recentBlockhash": message.recent_blockhash().to_string(),
        "instructions": instructions,
    });
    if let Some(lookups) = message.address_table_lookups() {
        json["addressTableLookups"] = lookups_json(lookups);
    }
    json
}

/// An instruction as `jsonParsed` gives it: `{program, programId, parsed: {type, info}}`
/// when this endpoint parses it, else partially decoded (account addresses, data in base 58).
fn parsed_instruction(
    program: &Pubkey,
    accounts: &[Pubkey],
    data: &[u8],
    stack_height: Value,
) -> Value {
    let name = match *program {
        SYSTEM => Some(("system", parse_system(accounts, data))),
        TOKEN => Some(("spl-token", parse_token(accounts, data))),
        TOKEN_2022 => Some(("spl-token-2022", parse_token(accounts, data))),
        ASSOCIATED_TOKEN => Some((
            "spl-associated-token-account",
            parse_associated(accounts, data),
        )),
        _ => None,
    };
    match name {
        Some((name, Some((kind, info)))) => json!({
            "program": name,
            "programId": program.to_string(),
            "parsed": { "type": kind, "info": info },
            "stackHeight": stack_height,
        }),
        _ => json!({
            "programId": program.to_string(),
            "accounts": accounts.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "data": bs58::encode(data).into_string(),
            "stackHeight": stack_height,
        }),
    }
}

/// `accounts[index]` as a string (the parse fails without it).
fn key(accounts: &[Pubkey], index: usize) -> Option<String> {
    accounts.get(index).map(ToString::to_string)
}

/// `createAccount`, `assign`, `transfer` and `allocate` (the system program's tag is a
/// 4-byte little-endian index).
fn parse_system(accounts: &[Pubkey], data: &[u8]) -> Option<(&'static str, Value)> {
    let tag = u32::from_le_bytes(data.get(..4)?.try_into().ok()?);
    Some(match tag {
        0 => (
            "createAccount",
            json!({
                "source": key(accounts, 0)?,
                "newAccount": key(accounts, 1)?,
                "lamports": u64_at(data, 4)?,
                "space": u64_at(data, 12)?,
                "owner": pubkey_at(data, 20)?.to_string(),
            }),
        ),
        1 => (
            "assign",
            json!({ "account": key(accounts, 0)?, "owner": pubkey_at(data, 4)?.to_string() }),
        ),
        2 => (
            "transfer",
            json!({
                "source": key(accounts, 0)?,
                "destination": key(accounts, 1)?,
                "lamports": u64_at(data, 4)?,
            }),
        ),
        8 => (
            "allocate",
            json!({ "account": key(accounts, 0)?, "space": u64_at(data, 4)? }),
        ),
        _ => return None,
    })
}

/// The token instructions Homeostat's transactions use — transfers, mints, burns,
/// account set-up and closing — with single-signer authorities.
fn parse_token(accounts: &[Pubkey], data: &[u8]) -> Option<(&'static str, Value)> {
    let (tag, rest) = data.split_first()?;
    let amount = || u64_at(rest, 0);
    // The checked forms carry the decimals after the amount.
    let checked = || Some(ui_token_amount(amount()?, *rest.get(8)?));
    Some(match tag {
        3 => (
            "transfer",
            json!({
                "source": key(accounts, 0)?,
                "destination": key(accounts, 1)?,
                "authority": key(accounts, 2)?,
                "amount": amount()?.to_string(),
            }),
        ),
        7 => (
            "mintTo",
            json!({
                "mint": key(accounts, 0)?,
                "account": key(accounts, 1)?,
                "mintAuthority": key(accounts, 2)?,
                "amount": amount()?.to_string(),
            }),
        ),
        8 => (
            "burn",
            json!({
                "account": key(accounts, 0)?,
                "mint": key(accounts, 1)?,
                "authority": key(accounts, 2)?,
                "amount": amount()?.to_string(),
            }),
        ),
        9 => (
            "closeAccount",
            json!({
                "account": key(accounts, 0)?,
                "destination": key(accounts, 1)?,
                "owner": key(accounts, 2)?,
            }),
        ),
        12 => (
            "transferChecked",
            json!({
                "source": key(accounts, 0)?,
                "mint": key(accounts, 1)?,
                "destination": key(accounts, 2)?,
                "authority": key(accounts, 3)?,
                "tokenAmount": checked()?,
            }),
        ),
        14 => (
            "mintToChecked",
            json!({
                "mint": key(accounts, 0)?,
                "account": key(accounts, 1)?,
                "mintAuthority": key(accounts, 2)?,
                "tokenAmount": checked()?,
            }),
        ),
        15 => (
            "burnChecked",
            json!({
                "account": key(accounts, 0)?,
                "mint": key(accounts, 1)?,
                "authority": key(accounts, 2)?,
                "tokenAmount": checked()?,
            }),
        ),
        17 => ("syncNative", json!({ "account": key(accounts, 0)? })),
        18 => (
            "initializeAccount3",
            json!({
                "account": key(accounts, 0)?,
                "mint": key(accounts, 1)?,
                "owner": pubkey_at(rest, 0)?.to_string(),
            }),
        ),
        _ => return None,
    })
}

/// `create` (empty data or 0) and `createIdempotent` (1).
fn parse_associated(accounts: &[Pubkey], data: &[u8]) -> Option<(&'static str, Value)> {
    let kind = match data.first() {
        None | Some(0) => "create",
        Some(1) => "createIdempotent",
        _ => return None,
    };
    Some((
        kind,
        json!({
            "source": key(accounts, 0)?,
            "account": key(accounts, 1)?,
            "wallet": key(accounts, 2)?,
            "mint": key(accounts, 3)?,
            "systemProgram": key(accounts, 4)?,
            "tokenProgram": key(accounts, 5)?,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_read_as_a_validator_writes_them() {
        let amount = |amount, decimals| ui_token_amount(amount, decimals)["uiAmountString"].clone();
        assert_eq!(amount(1_500_000, 6), json!("1.5"));
        assert_eq!(amount(0, 6), json!("0"));
        assert_eq!(amount(7, 0), json!("7"));
        assert_eq!(amount(1, 9), json!("0.000000001"));
        assert_eq!(amount(u64::MAX, 0), json!(u64::MAX.to_string()));
        assert_eq!(amount(123, 255), json!(format!("0.{}123", "0".repeat(252))));
        assert_eq!(ui_token_amount(2_000_000, 6)["uiAmount"], json!(2.0));
    }

    #[test]
    fn token_and_system_instructions_parse() {
        let (a, b, c, d) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let mut data = vec![12];
        data.extend_from_slice(&1_250_000u64.to_le_bytes());
        data.push(6);
        let parsed = parsed_instruction(&TOKEN, &[a, b, c, d], &data, json!(2));
        assert_eq!(parsed["program"], "spl-token");
        assert_eq!(parsed["parsed"]["type"], "transferChecked");
        assert_eq!(parsed["parsed"]["info"]["destination"], c.to_string());
        assert_eq!(
            parsed["parsed"]["info"]["tokenAmount"]["uiAmountString"],
            "1.25"
        );
        assert_eq!(parsed["stackHeight"], 2);

        let mut transfer = 2u32.to_le_bytes().to_vec();
        transfer.extend_from_slice(&42u64.to_le_bytes());
        let parsed = parsed_instruction(&SYSTEM, &[a, b], &transfer, Value::Null);
        assert_eq!(
            parsed["parsed"],
            json!({ "type": "transfer", "info": {
            "source": a.to_string(), "destination": b.to_string(), "lamports": 42 } })
        );

        // Too few accounts, an unknown tag, another program: partially decoded.
        for (program, accounts, data) in [
            (TOKEN, vec![a], data.clone()),
            (TOKEN, vec![a, b, c, d], vec![99]),
            (homeostat::ID, vec![a], vec![1, 2, 3]),
        ] {
            let parsed = parsed_instruction(&program, &accounts, &data, Value::Null);
            assert!(parsed.get("parsed").is_none(), "{parsed}");
            assert_eq!(parsed["programId"], program.to_string());
            assert_eq!(parsed["data"], bs58::encode(&data).into_string());
        }
    }
}
