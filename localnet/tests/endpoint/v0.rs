//! A v0 transaction over an address lookup table, sent and read back through the endpoint
//! as a third-party client does.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use homeostat_localnet::rpc;
use homeostat_localnet::*;
use serde_json::{json, Value};

use homeostat_sdk::events::PoolEvent;
use homeostat_sdk::landing::Landing;
use homeostat_sdk::rpc::PoolClient;
use solana_signer::Signer;

use crate::call;

/// The swap's compute-unit price, micro-lamports per CU.
const PRICE: u64 = 2_500;

#[tokio::test]
async fn a_v0_swap_over_a_lookup_table_lands_and_reads_back_in_every_encoding() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    // Every account of a swap but the signer and the programs it invokes.
    let stored = homeostat_sdk::instructions::swap_lookup_addresses(&pool, harness.oracle);
    let table = harness.create_lookup_table(&stored);
    let endpoint = rpc::serve_with(&harness.context, Default::default()).await;
    let url = endpoint.url.clone();
    let client = PoolClient::connect(&url, pool.pool, harness.oracle)
        .await
        .expect("connect")
        .with_landing(Landing {
            priority_fee: homeostat_sdk::landing::PriorityFee::Fixed(PRICE),
            poll_interval: std::time::Duration::from_millis(10),
            ..Landing::default()
        });

    let tables = lookup_tables_are_checked(&client, &pool, table, &stored).await;
    let client = client.with_lookup_tables(tables);

    let quote = client
        .snapshot()
        .await
        .expect("snapshot")
        .quote_exact_in(SELL, ONE_BASE)
        .expect("quote");
    let swap = homeostat_sdk::instructions::swap_exact_in(
        &client.addresses,
        client.oracles,
        &trader.accounts(&pool),
        SwapIn {
            direction: SELL,
            amount_in: ONE_BASE,
            min_amount_out: quote.amount_out,
        },
    );
    let quote_before = harness.balance(&trader.quote).await;
    let keypair = trader.keypair.insecure_clone();
    let signature = client
        .send(std::slice::from_ref(&swap), &[&keypair])
        .await
        .expect("lands");
    assert_eq!(
        harness.balance(&trader.quote).await,
        quote_before + quote.amount_out
    );

    unloadable_tables_are_invalid(&url, &harness, &trader.keypair, &swap, &stored, table).await;

    // A client that has not said it reads v0 is told to, as a validator tells it.
    let refused = call(
        &url,
        "getTransaction",
        json!([signature, { "encoding": "json" }]),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32015, "{refused}");
    let get = |encoding: &str| {
        call(
            &url,
            "getTransaction",
            json!([signature, { "encoding": encoding, "maxSupportedTransactionVersion": 0 }]),
        )
    };

    // `json`: the lookup, the loaded addresses, the program's event.
    let plain = get("json").await["result"].clone();
    json_names_the_table(&plain, table, &stored, &pool);
    let events = client.transaction_events(&signature).await.expect("events");
    match events.as_slice() {
        [PoolEvent::Swapped(swapped)] => assert_eq!(swapped.amount_out, quote.amount_out),
        other => panic!("expected one Swapped event, got {other:?}"),
    }

    // `base64`: the wire bytes, shorter than the same instructions as a legacy
    // transaction: an index byte instead of 32 for each account in the table, less the
    // table's own address and lengths.
    let wire = get("base64").await["result"]["transaction"][0]
        .as_str()
        .expect("base64")
        .to_string();
    let v0 = shorter_than_legacy(
        &wire,
        &signature,
        swap,
        &trader.keypair.pubkey(),
        stored.len(),
    );

    // `jsonParsed`: account objects, token instructions decoded, token balances.
    let parsed = get("jsonParsed").await["result"].clone();
    // The SDK reads the same event from the parsed form (addresses, key objects).
    assert_eq!(
        homeostat_sdk::events::from_transaction_json(&parsed).expect("events"),
        events
    );
    parsed_as_a_validator_parses(&parsed, &pool, &trader.keypair.pubkey(), &v0, PRICE);
}

/// What is not a table is named; the table is read back whole.
async fn lookup_tables_are_checked(
    client: &homeostat_sdk::rpc::PoolClient,
    pool: &PoolAddresses,
    table: Pubkey,
    stored: &[Pubkey],
) -> Vec<solana_message::AddressLookupTableAccount> {
    use homeostat_sdk::SdkError;
    let not_a_table = client.lookup_table(pool.pool).await.expect_err("a pool");
    assert!(
        matches!(
            not_a_table,
            SdkError::WrongAccount {
                expected: "address lookup table",
                ..
            }
        ),
        "{not_a_table}"
    );
    let nowhere = Pubkey::new_unique();
    let missing = client.lookup_table(nowhere).await.expect_err("no account");
    assert!(
        matches!(
            &missing,
            SdkError::NotFound {
                account: "address lookup table",
                address,
            } if *address == nowhere.to_string()
        ),
        "{missing}"
    );
    let tables = vec![client.lookup_table(table).await.expect("the table")];
    assert_eq!(tables[0].addresses, stored);
    tables
}

/// A table that does not exist, or an index past a real table's end: invalid, as a
/// validator's sanitising says — for simulation and for sending, preflight or not.
async fn unloadable_tables_are_invalid(
    url: &str,
    harness: &Harness,
    payer: &solana_keypair::Keypair,
    swap: &Instruction,
    stored: &[Pubkey],
    table: Pubkey,
) {
    let blockhash = harness
        .context
        .banks_client
        .get_latest_blockhash()
        .await
        .expect("blockhash");
    let v0_over = |table: solana_message::AddressLookupTableAccount| {
        let message = solana_message::v0::Message::try_compile(
            &payer.pubkey(),
            std::slice::from_ref(swap),
            &[table],
            blockhash,
        )
        .expect("compiles");
        let transaction = solana_transaction::versioned::VersionedTransaction::try_new(
            solana_message::VersionedMessage::V0(message),
            &[payer],
        )
        .expect("signs");
        base64::engine::general_purpose::STANDARD
            .encode(bincode::serialize(&transaction).expect("bytes"))
    };
    let missing = v0_over(solana_message::AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: stored.to_vec(),
    });
    let mut longer = stored.to_vec();
    longer.insert(0, Pubkey::new_unique());
    let past_the_end = v0_over(solana_message::AddressLookupTableAccount {
        key: table,
        addresses: longer,
    });
    for (encoded, reason) in [
        (
            missing,
            "Transaction loads an address table account that doesn't exist",
        ),
        (
            past_the_end,
            "Transaction address table lookup uses an invalid index",
        ),
    ] {
        for (method, options) in [
            ("simulateTransaction", json!({ "encoding": "base64" })),
            ("sendTransaction", json!({ "encoding": "base64" })),
            (
                "sendTransaction",
                json!({ "encoding": "base64", "skipPreflight": true }),
            ),
        ] {
            let answer = call(url, method, json!([encoded, options])).await;
            assert_eq!(answer["error"]["code"], -32602, "{method}: {answer}");
            assert_eq!(
                answer["error"]["message"],
                format!("invalid transaction: {reason}"),
                "{method}"
            );
        }
    }
}

/// The v0 transaction in base-64 `wire`, checked against `signature` and against the same
/// instructions as a legacy transaction, which are longer by more than 25 bytes for each
/// account in the table.
fn shorter_than_legacy(
    wire: &str,
    signature: &str,
    swap: Instruction,
    payer: &Pubkey,
    in_table: usize,
) -> solana_transaction::versioned::VersionedTransaction {
    let wire = base64::engine::general_purpose::STANDARD
        .decode(wire)
        .expect("bytes");
    let v0: solana_transaction::versioned::VersionedTransaction =
        bincode::deserialize(&wire).expect("a transaction");
    assert_eq!(v0.signatures[0].to_string(), signature);
    let mut instructions = v0.message.instructions()[..2]
        .iter()
        .map(|budget| {
            anchor_lang::solana_program::instruction::Instruction::new_with_bytes(
                solana_compute_budget_interface::ID,
                &budget.data,
                vec![],
            )
        })
        .collect::<Vec<_>>();
    instructions.push(swap);
    let legacy = solana_transaction::Transaction::new_with_payer(&instructions, Some(payer));
    let legacy = bincode::serialize(&legacy).expect("legacy bytes").len();
    assert!(
        wire.len() + 25 * in_table < legacy,
        "v0 {} bytes, legacy {legacy}",
        wire.len()
    );

    v0
}

/// `jsonParsed`'s account objects, decoded token instructions, token balances and fee.
fn parsed_as_a_validator_parses(
    parsed: &Value,
    pool: &PoolAddresses,
    trader: &Pubkey,
    v0: &solana_transaction::versioned::VersionedTransaction,
    price: u64,
) {
    let keys = parsed["transaction"]["message"]["accountKeys"]
        .as_array()
        .expect("keys")
        .clone();
    let entry = |key: Pubkey| {
        keys.iter()
            .position(|entry| entry["pubkey"] == key.to_string())
            .map(|index| (index, keys[index].clone()))
            .expect("named")
    };
    assert_eq!(
        entry(*trader).1,
        json!({ "pubkey": trader.to_string(), "signer": true, "writable": true, "source": "transaction" })
    );
    assert_eq!(
        entry(pool.base_vault).1,
        json!({ "pubkey": pool.base_vault.to_string(), "signer": false, "writable": true, "source": "lookupTable" })
    );
    let inner = parsed["meta"]["innerInstructions"][0]["instructions"]
        .as_array()
        .expect("inner")
        .clone();
    let deposit = inner
        .iter()
        .find(|instruction| {
            instruction["parsed"]["info"]["destination"] == pool.base_vault.to_string()
        })
        .expect("the transfer into the base vault");
    assert_eq!(deposit["program"], "spl-token");
    assert_eq!(deposit["parsed"]["type"], "transfer");
    assert_eq!(deposit["parsed"]["info"]["amount"], ONE_BASE.to_string());
    assert!(
        inner.iter().any(
            |instruction| instruction["programId"] == homeostat::ID.to_string()
                && instruction.get("parsed").is_none()
        ),
        "the event self-CPI stays partially decoded"
    );
    let (vault_index, _) = entry(pool.base_vault);
    let amount_at = |balances: &Value| {
        balances
            .as_array()
            .expect("token balances")
            .iter()
            .find(|balance| balance["accountIndex"] == vault_index)
            .map(|balance| {
                balance["uiTokenAmount"]["amount"]
                    .as_str()
                    .expect("amount")
                    .parse::<u64>()
                    .expect("integer")
            })
            .expect("the vault's balance")
    };
    assert_eq!(
        amount_at(&parsed["meta"]["postTokenBalances"]),
        amount_at(&parsed["meta"]["preTokenBalances"]) + ONE_BASE
    );
    // The payer (the trader) paid the fee: 5 000 lamports a signature and the priority
    // fee, the price times the limit.
    let balances = parsed["meta"]["preBalances"].as_array().expect("balances");
    assert_eq!(balances.len(), keys.len());
    let fee = parsed["meta"]["fee"].as_u64().expect("fee");
    let limit = u64::from(u32::from_le_bytes(
        v0.message.instructions()[0].data[1..5]
            .try_into()
            .expect("the limit"),
    ));
    assert_eq!(fee, 5_000 + (price * limit).div_ceil(1_000_000));
    assert_eq!(
        parsed["meta"]["postBalances"][0].as_u64(),
        Some(balances[0].as_u64().expect("payer") - fee),
    );
}

/// The `json` form of a v0 transaction over `table`: the lookup and the addresses it loaded.
fn json_names_the_table(plain: &Value, table: Pubkey, stored: &[Pubkey], pool: &PoolAddresses) {
    assert_eq!(plain["version"], 0);
    assert_eq!(
        plain["transaction"]["message"]["addressTableLookups"][0]["accountKey"],
        table.to_string()
    );
    let loaded = &plain["meta"]["loadedAddresses"];
    let loaded_count = loaded["writable"].as_array().expect("writable").len()
        + loaded["readonly"].as_array().expect("readonly").len();
    assert_eq!(loaded_count, stored.len(), "{loaded}");
    assert!(loaded["writable"]
        .as_array()
        .expect("writable")
        .contains(&json!(pool.base_vault.to_string())));
}
