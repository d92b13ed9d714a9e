//! The loopback endpoint (`homeostat_localnet::rpc`) as third-party clients use it, over
//! plain HTTP/1.1: batch requests, chunked bodies, `getProgramAccounts` with filters and
//! `dataSlice`, `requestAirdrop`, and the shapes of the methods wallets call first.

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use homeostat_localnet::rpc;
use homeostat_localnet::*;
use serde_json::{json, Value};

/// Calls `method` in a blocking task (the endpoint is served on this test's runtime).
async fn call(url: &str, method: &str, params: Value) -> Value {
    let (url, body) = (
        url.to_string(),
        json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params }).to_string(),
    );
    tokio::task::spawn_blocking(move || rpc::post_blocking(&url, &body, false))
        .await
        .expect("join")
}

#[tokio::test]
async fn batches_and_chunked_bodies_are_answered() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;
    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "getHealth" },
        { "jsonrpc": "2.0", "id": 2, "method": "getBlockHeight" },
        { "jsonrpc": "2.0", "id": 3, "method": "noSuchMethod" },
    ])
    .to_string();
    let url_for = url.clone();
    let (batched, chunked) = tokio::task::spawn_blocking(move || {
        (
            rpc::post_blocking(&url_for, &batch, false),
            rpc::post_blocking(
                &url_for,
                &json!({ "jsonrpc": "2.0", "id": 9, "method": "getHealth" }).to_string(),
                true,
            ),
        )
    })
    .await
    .expect("join");
    let responses = batched.as_array().expect("one response per request");
    assert_eq!(responses.len(), 3);
    assert_eq!(
        responses[0],
        json!({ "jsonrpc": "2.0", "id": 1, "result": "ok" })
    );
    assert!(responses[1]["result"]
        .as_u64()
        .is_some_and(|height| height >= 1));
    assert_eq!(responses[2]["error"]["code"], -32601);
    assert!(responses[2]["error"].get("data").is_none(), "no null data");
    assert_eq!(
        chunked,
        json!({ "jsonrpc": "2.0", "id": 9, "result": "ok" })
    );
}

#[tokio::test]
async fn program_accounts_are_listed_with_filters_and_slices() {
    let (harness, pool, _) = Harness::with_liquidity().await;
    let endpoint = rpc::serve_with(&harness.context, Default::default()).await;
    endpoint
        .watch([pool.pool, pool.config, pool.base_vault, pool.lp_mint])
        .await;
    let program = homeostat::ID.to_string();
    let listed = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, { "encoding": "base64" }]),
    )
    .await;
    let keys: Vec<&str> = listed["result"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|entry| entry["pubkey"].as_str().expect("pubkey"))
        .collect();
    let (pool_key, config_key) = (pool.pool.to_string(), pool.config.to_string());
    assert!(
        keys.contains(&pool_key.as_str()) && keys.contains(&config_key.as_str()),
        "{keys:?}"
    );
    assert_eq!(
        keys.len(),
        2,
        "the vault and the LP mint belong to the token program"
    );

    // Pools by size and base mint (offset 8 + 568), only the mint's bytes back.
    let base_mint = bs58::encode(pool.base_mint.as_ref()).into_string();
    // The discriminator, then the account's fields.
    let base_mint_offset = 8 + std::mem::offset_of!(homeostat::state::Pool, base_mint);
    let filtered = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, {
            "encoding": "base64",
            "filters": [{ "dataSize": homeostat::state::Pool::SPACE }, { "memcmp": { "offset": base_mint_offset, "bytes": base_mint } }],
            "dataSlice": { "offset": base_mint_offset, "length": 32 },
        }]),
    )
    .await;
    let entries = filtered["result"].as_array().expect("a list");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["pubkey"], pool_key);
    let data = base64::engine::general_purpose::STANDARD
        .decode(entries[0]["account"]["data"][0].as_str().expect("data"))
        .expect("base64");
    assert_eq!(data, pool.base_mint.as_ref());
    let other = bs58::encode(Pubkey::new_unique().as_ref()).into_string();
    let none = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, { "filters": [{ "memcmp": { "offset": 576, "bytes": other } }] }]),
    )
    .await;
    assert_eq!(none["result"], json!([]));
    let bad = call(
        &endpoint.url,
        "getProgramAccounts",
        json!([program, { "filters": [{ "size": 1 }] }]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602);
}

#[tokio::test]
async fn airdrops_come_from_the_faucet_and_confirm() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let endpoint = rpc::serve_with(&harness.context, Default::default()).await;
    let someone = Pubkey::new_unique().to_string();
    let refused = call(
        &endpoint.url,
        "requestAirdrop",
        json!([someone, 1_000_000_000u64]),
    )
    .await;
    assert_eq!(
        refused["error"]["message"],
        "requestAirdrop: this endpoint has no faucet"
    );
    endpoint
        .set_faucet(harness.context.payer.insecure_clone())
        .await;
    let airdrop = call(
        &endpoint.url,
        "requestAirdrop",
        json!([someone, 1_000_000_000u64]),
    )
    .await;
    let signature = airdrop["result"].as_str().expect("a signature").to_string();
    let balance = call(&endpoint.url, "getBalance", json!([someone])).await;
    assert_eq!(balance["result"]["value"], 1_000_000_000u64);
    let status = call(&endpoint.url, "getSignatureStatuses", json!([[signature]])).await;
    assert_eq!(status["result"]["value"][0]["err"], Value::Null);
    assert_eq!(
        status["result"]["value"][0]["confirmationStatus"],
        "finalized"
    );
    let epoch = call(&endpoint.url, "getEpochInfo", json!([])).await;
    assert_eq!(epoch["result"]["epoch"], 0);
    assert!(epoch["result"]["transactionCount"].as_u64() >= Some(1));
    let valid = call(
        &endpoint.url,
        "isBlockhashValid",
        json!(["11111111111111111111111111111111"]),
    )
    .await;
    assert_eq!(valid["result"]["value"], false);
}

/// The subscription id a `…Subscribe` request was answered with.
#[track_caller]
fn subscription_id(response: &Value) -> u64 {
    response["result"].as_u64().expect("a subscription id")
}

/// The next JSON message on `socket`.
async fn next_json(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    use futures_util::StreamExt;
    let wait = std::time::Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .expect("a message within 5 s")
            .expect("open")
            .expect("a frame");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

#[tokio::test]
async fn subscriptions_notify_signatures_slots_accounts_logs_and_program_changes() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(10 * ONE_BASE, 0).await;
    let endpoint = rpc::serve_with(
        &harness.context,
        rpc::Options {
            slot_duration: std::time::Duration::from_millis(20),
            ..Default::default()
        },
    )
    .await;
    let (mut socket, _) = tokio_tungstenite::connect_async(endpoint.ws_url.as_str())
        .await
        .expect("websocket");
    let request = |id: u64, method: &str, params: Value| {
        Message::text(
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string(),
        )
    };
    // Slots, every slot.
    socket
        .send(request(1, "slotSubscribe", json!([])))
        .await
        .expect("send");
    let slots = subscription_id(&next_json(&mut socket).await);
    let first = next_json(&mut socket).await;
    assert_eq!(first["method"], "slotNotification");
    assert_eq!(first["params"]["subscription"], slots);
    let slot = first["params"]["result"]["slot"].as_u64().expect("slot");
    socket
        .send(request(2, "slotUnsubscribe", json!([slots])))
        .await
        .expect("send");
    loop {
        let message = next_json(&mut socket).await;
        if message["id"] == 2 {
            assert_eq!(message["result"], true);
            break;
        }
        assert!(message["params"]["result"]["slot"].as_u64() > Some(slot));
    }

    // The pool account and a swap's signature: both notified once it executes.
    let mut subscribe = async |id: u64, method: &str, params: Value| {
        socket
            .send(request(id, method, params))
            .await
            .expect("send");
        next_json(&mut socket).await
    };
    let pool_key = pool.pool.to_string();
    let account_subscription = subscription_id(
        &subscribe(
            3,
            "accountSubscribe",
            json!([pool_key, { "encoding": "base64" }]),
        )
        .await,
    );
    // Logs of transactions naming the pool (and of ones naming nobody we know: none), and
    // changes to the program's pool-sized accounts.
    let logs_subscription =
        subscription_id(&subscribe(6, "logsSubscribe", json!([{ "mentions": [pool_key] }])).await);
    let unrelated = Pubkey::new_unique().to_string();
    let silent_subscription =
        subscription_id(&subscribe(7, "logsSubscribe", json!([{ "mentions": [unrelated] }])).await);
    let pool_size = 8 + std::mem::size_of::<homeostat::state::Pool>();
    let program_subscription = subscription_id(&subscribe(
        8,
        "programSubscribe",
        json!([homeostat::ID.to_string(), { "encoding": "base64", "filters": [{ "dataSize": pool_size }] }]),
    ).await);
    let refused = subscribe(9, "logsSubscribe", json!([{ "mentions": ["a", "b"] }])).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let refused = subscribe(
        10,
        "programSubscribe",
        json!([homeostat::ID.to_string(), { "filters": [{ "size": 1 }] }]),
    )
    .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|text| text.contains("unknown filter")),
        "{refused}"
    );
    let instruction = homeostat_sdk::instructions::swap_exact_in(
        &pool,
        harness.oracles(),
        &trader.accounts(&pool),
        SELL,
        ONE_BASE,
        1,
    );
    let keypair = trader.keypair.insecure_clone();
    let blockhash = harness
        .context
        .banks_client
        .get_latest_blockhash()
        .await
        .expect("blockhash");
    let payer = harness.context.payer.insecure_clone();
    let transaction = solana_transaction::Transaction::new_signed_with_payer(
        &[instruction],
        Some(&solana_signer::Signer::pubkey(&payer)),
        &[&payer, &keypair],
        blockhash,
    );
    let signature = transaction.signatures[0].to_string();
    let signature_subscription = subscription_id(
        &subscribe(
            4,
            "signatureSubscribe",
            json!([signature, { "commitment": "confirmed" }]),
        )
        .await,
    );
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(bincode::serialize(&transaction).expect("serialise"));
    let sent = call(
        &endpoint.url,
        "sendTransaction",
        json!([encoded, { "encoding": "base64" }]),
    )
    .await;
    assert_eq!(sent["result"], signature);
    let (mut saw_signature, mut saw_account, mut saw_logs, mut saw_program) =
        (false, false, false, false);
    while !(saw_signature && saw_account && saw_logs && saw_program) {
        let message = next_json(&mut socket).await;
        assert_ne!(
            message["params"]["subscription"], silent_subscription,
            "{message}"
        );
        match message["method"].as_str() {
            Some("logsNotification") => {
                assert_eq!(message["params"]["subscription"], logs_subscription);
                let value = &message["params"]["result"]["value"];
                assert_eq!(value["signature"], signature);
                assert_eq!(value["err"], Value::Null);
                let invoke = format!("Program {} invoke [1]", homeostat::ID);
                assert!(
                    value["logs"]
                        .as_array()
                        .is_some_and(|logs| logs.contains(&json!(invoke))),
                    "{value}"
                );
                assert!(!saw_logs, "one notification per transaction");
                saw_logs = true;
            }
            Some("programNotification") => {
                assert_eq!(message["params"]["subscription"], program_subscription);
                let value = &message["params"]["result"]["value"];
                assert_eq!(value["pubkey"], pool_key, "only the pool changed: {value}");
                assert_eq!(value["account"]["space"], pool_size);
                assert!(!saw_program, "one change");
                saw_program = true;
            }
            Some("signatureNotification") => {
                assert_eq!(message["params"]["subscription"], signature_subscription);
                assert_eq!(message["params"]["result"]["value"]["err"], Value::Null);
                saw_signature = true;
            }
            Some("accountNotification") => {
                assert_eq!(message["params"]["subscription"], account_subscription);
                assert_eq!(
                    message["params"]["result"]["value"]["owner"],
                    homeostat::ID.to_string()
                );
                saw_account = true;
            }
            other => panic!("unexpected {other:?}: {message}"),
        }
    }
    // A signature subscription ends with its notification.
    socket
        .send(request(
            5,
            "signatureUnsubscribe",
            json!([signature_subscription]),
        ))
        .await
        .expect("send");
    assert_eq!(next_json(&mut socket).await["result"], false);
}

#[tokio::test]
async fn a_v0_swap_over_a_lookup_table_lands_and_reads_back_in_every_encoding() {
    use homeostat_sdk::events::PoolEvent;
    use homeostat_sdk::landing::Landing;
    use homeostat_sdk::rpc::PoolClient;
    use homeostat_sdk::SdkError;
    use solana_signer::Signer;
    /// Micro-lamports per compute unit.
    const PRICE: u64 = 2_500;
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

    // What is not a table is named.
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
    assert_eq!(
        client.lookup_table(nowhere).await.expect_err("no account"),
        SdkError::NotFound {
            account: "address lookup table",
            address: nowhere.to_string(),
        }
    );
    let tables = vec![client.lookup_table(table).await.expect("the table")];
    assert_eq!(tables[0].addresses, stored);
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
        SELL,
        ONE_BASE,
        quote.amount_out,
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

    // A table that does not exist, or an index past a real table's end: invalid, as a
    // validator's sanitising says — for simulation and for sending, preflight or not.
    let blockhash = harness
        .context
        .banks_client
        .get_latest_blockhash()
        .await
        .expect("blockhash");
    let v0_over = |table: solana_message::AddressLookupTableAccount| {
        let message = solana_message::v0::Message::try_compile(
            &trader.keypair.pubkey(),
            std::slice::from_ref(&swap),
            &[table],
            blockhash,
        )
        .expect("compiles");
        let transaction = solana_transaction::versioned::VersionedTransaction::try_new(
            solana_message::VersionedMessage::V0(message),
            &[&trader.keypair],
        )
        .expect("signs");
        base64::engine::general_purpose::STANDARD
            .encode(bincode::serialize(&transaction).expect("bytes"))
    };
    let missing = v0_over(solana_message::AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: stored.clone(),
    });
    let mut longer = stored.clone();
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
            let answer = call(&url, method, json!([encoded, options])).await;
            assert_eq!(answer["error"]["code"], -32602, "{method}: {answer}");
            assert_eq!(
                answer["error"]["message"],
                format!("invalid transaction: {reason}"),
                "{method}"
            );
        }
    }

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
    let legacy = solana_transaction::Transaction::new_with_payer(
        &instructions,
        Some(&trader.keypair.pubkey()),
    );
    let legacy = bincode::serialize(&legacy).expect("legacy bytes").len();
    assert!(
        wire.len() + 25 * stored.len() < legacy,
        "v0 {} bytes, legacy {legacy}",
        wire.len()
    );

    // `jsonParsed`: account objects, token instructions decoded, token balances.
    let parsed = get("jsonParsed").await["result"].clone();
    // The SDK reads the same event from the parsed form (addresses, key objects).
    assert_eq!(
        homeostat_sdk::events::from_transaction_json(&parsed).expect("events"),
        events
    );
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
        entry(trader.keypair.pubkey()).1,
        json!({ "pubkey": trader.keypair.pubkey().to_string(), "signer": true, "writable": true, "source": "transaction" })
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
    assert_eq!(fee, 5_000 + (PRICE * limit).div_ceil(1_000_000));
    assert_eq!(
        parsed["meta"]["postBalances"][0].as_u64(),
        Some(balances[0].as_u64().expect("payer") - fee),
    );
}

#[tokio::test]
async fn the_genesis_hash_is_the_runtime_s() {
    let (harness, _, _) = Harness::with_liquidity().await;
    let url = rpc::serve(&harness.context).await;
    let answer = call(&url, "getGenesisHash", json!([])).await;
    assert_eq!(
        answer["result"],
        harness.context.genesis_config().hash().to_string()
    );
}

#[tokio::test]
async fn accounts_come_in_the_validator_s_encodings() {
    let (mut harness, pool, _) = Harness::with_liquidity().await;
    let trader = harness.new_user(3 * ONE_BASE, 0).await;
    let table = harness.create_lookup_table(&[pool.pool, pool.base_vault]);
    let url = rpc::serve(&harness.context).await;
    let info = |address: Pubkey, options: Value| {
        call(
            &url,
            "getAccountInfo",
            json!([address.to_string(), options]),
        )
    };
    // jsonParsed: a lookup table as Kit's fetchAddressesForLookupTables reads it …
    let parsed = info(table, json!({ "encoding": "jsonParsed" })).await;
    let data = &parsed["result"]["value"]["data"];
    assert_eq!(data["program"], "address-lookup-table");
    assert_eq!(data["parsed"]["type"], "lookupTable");
    assert_eq!(
        data["parsed"]["info"]["addresses"],
        json!([pool.pool.to_string(), pool.base_vault.to_string()])
    );
    assert_eq!(
        data["parsed"]["info"]["deactivationSlot"],
        u64::MAX.to_string()
    );
    // … a token account with its mint's decimals …
    let parsed = info(trader.base, json!({ "encoding": "jsonParsed" })).await;
    let data = &parsed["result"]["value"]["data"];
    assert_eq!(data["program"], "spl-token");
    assert_eq!(data["parsed"]["info"]["mint"], pool.base_mint.to_string());
    assert_eq!(
        data["parsed"]["info"]["tokenAmount"],
        json!({ "amount": (3 * ONE_BASE).to_string(), "decimals": 9, "uiAmount": 3.0, "uiAmountString": "3" })
    );
    // … and base 64 for an account no parser knows (the pool).
    let fallback = info(pool.pool, json!({ "encoding": "jsonParsed" })).await;
    assert_eq!(fallback["result"]["value"]["data"][1], "base64");

    // Base 58 — the default — up to 128 bytes, refused beyond as a validator refuses.
    let small = info(
        pool.pool,
        json!({ "dataSlice": { "offset": 8, "length": 32 } }),
    )
    .await;
    let text = small["result"]["value"]["data"]
        .as_str()
        .expect("binary: a plain base-58 string");
    assert_eq!(bs58::decode(text).into_vec().expect("base 58").len(), 32);
    let large = info(pool.pool, json!({})).await;
    assert_eq!(large["error"]["code"], -32602);
    assert!(
        large["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("use Base64 encoding")),
        "{large}"
    );
    // base64+zstd, as the Rust RpcClient asks.
    let packed = info(pool.pool, json!({ "encoding": "base64+zstd" })).await;
    assert_eq!(packed["result"]["value"]["data"][1], "base64+zstd");
    let bad = info(pool.pool, json!({ "encoding": "hex" })).await;
    assert_eq!(bad["error"]["code"], -32602);
}
