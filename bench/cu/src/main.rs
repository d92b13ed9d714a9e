//! Compute units of each Homeostat instruction on the compiled SBF program: initialize_pool,
//! deposit, and exact-in / exact-out swaps in both directions, for the AS, GLFT and
//! constant-product models. Prints one line per instruction.

use std::collections::HashMap;

use homeostat_math::{Fixed, Rounding};
use litesvm::LiteSVM;
use serde_json::Value;
use solana_account::Account;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::{pubkey, Pubkey};
use solana_signer::Signer;
use solana_transaction::Transaction;

const HOMEOSTAT: Pubkey = pubkey!("7r8vRrScdz6x1v1gRHHyz73n3wGoDcPMZnDBHijTWsn5");
const TOKEN: Pubkey = pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const SYSTEM: Pubkey = pubkey!("11111111111111111111111111111111");
const PYTH_RECEIVER: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");
/// `sha256("account:PriceUpdateV2")[..8]`.
const PRICE_UPDATE_V2: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
const FEED: [u8; 32] = [0xfe; 32];

/// Instruction builder driven by the IDL: discriminator and account order and flags.
struct Idl(Value);

impl Idl {
    fn instruction(&self, name: &str, accounts: &HashMap<&str, Pubkey>, args: &[u8]) -> Instruction {
        let entry = self.0["instructions"]
            .as_array()
            .and_then(|all| all.iter().find(|ix| ix["name"] == name))
            .unwrap_or_else(|| panic!("{name} not in the IDL"));
        let mut data: Vec<u8> = entry["discriminator"]
            .as_array()
            .expect("discriminator")
            .iter()
            .map(|byte| byte.as_u64().expect("byte") as u8)
            .collect();
        data.extend_from_slice(args);
        let metas = entry["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .map(|account| {
                let account_name = account["name"].as_str().expect("name");
                // An optional account left out is the program id in its place (Anchor's
                // convention): the quote oracle of a single-feed pool.
                let omitted = account["optional"].as_bool().unwrap_or(false).then_some(&HOMEOSTAT);
                let key = *accounts
                    .get(account_name)
                    .or(omitted)
                    .unwrap_or_else(|| panic!("{name}: no address for `{account_name}`"));
                let signer = account["signer"].as_bool().unwrap_or(false);
                if account["writable"].as_bool().unwrap_or(false) {
                    AccountMeta::new(key, signer)
                } else {
                    AccountMeta::new_readonly(key, signer)
                }
            })
            .collect();
        Instruction { program_id: HOMEOSTAT, accounts: metas, data }
    }
}

fn bits(numerator: i128, denominator: i128) -> i128 {
    Fixed::ratio(numerator, denominator, Rounding::Down).expect("ratio").to_bits()
}

/// Borsh encoding of `InitializePoolArgs` (see the IDL): index, feed, quote feed (none),
/// keeper, initial variance, then `PoolParams` field by field (its account layout).
fn initialize_args(keeper: &Pubkey, model_kind: u8) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&FEED);
    out.extend_from_slice(&[0; 32]);
    out.extend_from_slice(keeper.as_ref());
    out.extend_from_slice(&bits(1, 100_000_000).to_le_bytes());
    // γ, k, A, τ, spread floor, confidence and age multipliers, variance floor and ceiling.
    for value in [
        bits(50, 1),
        bits(2_000, 1),
        bits(1, 1),
        bits(60, 1),
        bits(1, 10_000),
        bits(1, 1),
        bits(1, 1),
        bits(1, 1_000_000_000),
        bits(1, 10_000),
    ] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    // Window, lot, cap, max trade, oracle age, rebalance band, interval, max hedge.
    for value in [600u64, 1_000_000_000, 100_000_000_000, 50_000_000_000, 60, 10_000_000_000, 30, 200_000_000_000] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    // Fee, protocol share, max confidence, max EMA deviation, hedge credit, hedge cost.
    for value in [1u16, 2_000, 100, 500, 0, 0] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    // Model kind, relative units, public LP access, reserved.
    out.extend_from_slice(&[model_kind, 1, 0]);
    out.extend_from_slice(&[0; 1]);
    out
}

/// A fully verified `PriceUpdateV2` (layout: docs/oracle.md) at 150.00 ± 0.05.
fn price_update(publish_time: i64) -> Vec<u8> {
    let mut data = PRICE_UPDATE_V2.to_vec();
    data.extend_from_slice(&[1; 32]);
    data.push(1);
    data.extend_from_slice(&FEED);
    data.extend_from_slice(&15_000_000_000i64.to_le_bytes());
    data.extend_from_slice(&5_000_000u64.to_le_bytes());
    data.extend_from_slice(&(-8i32).to_le_bytes());
    data.extend_from_slice(&publish_time.to_le_bytes());
    data.extend_from_slice(&(publish_time - 1).to_le_bytes());
    data.extend_from_slice(&15_000_000_000i64.to_le_bytes());
    data.extend_from_slice(&5_000_000u64.to_le_bytes());
    data.extend_from_slice(&1u64.to_le_bytes());
    data.resize(134, 0);
    data
}

fn send(svm: &mut LiteSVM, payer: &Keypair, ixs: &[Instruction], signers: &[&Keypair]) -> u64 {
    let mut keys = vec![payer];
    keys.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &keys, svm.latest_blockhash());
    let result = svm.send_transaction(tx);
    svm.expire_blockhash();
    match result {
        Ok(meta) => meta.compute_units_consumed,
        Err(failed) => panic!("transaction failed: {:?}\n{:#?}", failed.err, failed.meta.logs),
    }
}

fn create_mint(svm: &mut LiteSVM, payer: &Keypair, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
    let rent = svm.minimum_balance_for_rent_exemption(82);
    let mut init = vec![20, decimals]; // InitializeMint2
    init.extend_from_slice(payer.pubkey().as_ref());
    init.push(0); // no freeze authority
    let ixs = [
        solana_system_interface::instruction::create_account(&payer.pubkey(), &mint.pubkey(), rent, 82, &TOKEN),
        Instruction { program_id: TOKEN, accounts: vec![AccountMeta::new(mint.pubkey(), false)], data: init },
    ];
    send(svm, payer, &ixs, &[&mint]);
    mint.pubkey()
}

fn create_token_account(svm: &mut LiteSVM, payer: &Keypair, mint: &Pubkey, amount: u64) -> Pubkey {
    let account = Keypair::new();
    let rent = svm.minimum_balance_for_rent_exemption(165);
    let mut init = vec![18]; // InitializeAccount3
    init.extend_from_slice(payer.pubkey().as_ref());
    let mut ixs = vec![
        solana_system_interface::instruction::create_account(&payer.pubkey(), &account.pubkey(), rent, 165, &TOKEN),
        Instruction {
            program_id: TOKEN,
            accounts: vec![AccountMeta::new(account.pubkey(), false), AccountMeta::new_readonly(*mint, false)],
            data: init,
        },
    ];
    if amount > 0 {
        let mut mint_to = vec![7]; // MintTo
        mint_to.extend_from_slice(&amount.to_le_bytes());
        ixs.push(Instruction {
            program_id: TOKEN,
            accounts: vec![
                AccountMeta::new(*mint, false),
                AccountMeta::new(account.pubkey(), false),
                AccountMeta::new_readonly(payer.pubkey(), true),
            ],
            data: mint_to,
        });
    }
    send(svm, payer, &ixs, &[&account]);
    account.pubkey()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let program = args.next().unwrap_or_else(|| "target/deploy/homeostat.so".into());
    let idl_path = args.next().unwrap_or_else(|| "idl/homeostat.json".into());
    let idl = Idl(serde_json::from_str(&std::fs::read_to_string(&idl_path).expect("read the IDL")).expect("IDL JSON"));
    for (name, kind) in [("avellaneda-stoikov", 0u8), ("glft", 1), ("constant-product", 2)] {
        let mut svm = LiteSVM::new();
        svm.add_program_from_file(HOMEOSTAT, &program).expect("load homeostat.so");
        let payer = Keypair::new();
        svm.airdrop(&payer.pubkey(), 100_000_000_000).expect("airdrop");
        let now = svm.get_sysvar::<solana_clock::Clock>().unix_timestamp;
        let oracle = Pubkey::new_unique();
        svm.set_account(oracle, Account { lamports: 10_000_000, data: price_update(now), owner: PYTH_RECEIVER, executable: false, rent_epoch: 0 })
            .expect("oracle");
        let base_mint = create_mint(&mut svm, &payer, 9);
        let quote_mint = create_mint(&mut svm, &payer, 6);
        // Pools live under their admin's config (`initialize_config`, seeds "config" + authority).
        let config = Pubkey::find_program_address(&[b"config", payer.pubkey().as_ref()], &HOMEOSTAT).0;
        let pool = Pubkey::find_program_address(
            &[b"pool", config.as_ref(), base_mint.as_ref(), quote_mint.as_ref(), &0u16.to_le_bytes()],
            &HOMEOSTAT,
        )
        .0;
        let vault = |mint: &Pubkey| Pubkey::find_program_address(&[b"vault", pool.as_ref(), mint.as_ref()], &HOMEOSTAT).0;
        let lp_mint = Pubkey::find_program_address(&[b"lp_mint", pool.as_ref()], &HOMEOSTAT).0;
        let mut accounts: HashMap<&str, Pubkey> = HashMap::from([
            ("admin", payer.pubkey()),
            ("authority", payer.pubkey()),
            ("config", config),
            ("owner", payer.pubkey()),
            ("trader", payer.pubkey()),
            ("base_mint", base_mint),
            ("quote_mint", quote_mint),
            ("pool", pool),
            ("base_vault", vault(&base_mint)),
            ("quote_vault", vault(&quote_mint)),
            ("lp_mint", lp_mint),
            ("oracle", oracle),
            ("base_token_program", TOKEN),
            ("quote_token_program", TOKEN),
            ("lp_token_program", TOKEN),
            ("system_program", SYSTEM),
            ("event_authority", Pubkey::find_program_address(&[b"__event_authority"], &HOMEOSTAT).0),
            ("program", HOMEOSTAT),
        ]);
        let config_ix = idl.instruction("initialize_config", &accounts, &[]);
        println!("{name:>20}  initialize_config     {:>7} CU", send(&mut svm, &payer, &[config_ix], &[]));
        let init = idl.instruction("initialize_pool", &accounts, &initialize_args(&payer.pubkey(), kind));
        println!("{name:>20}  initialize_pool       {:>7} CU", send(&mut svm, &payer, &[init], &[]));

        let base = create_token_account(&mut svm, &payer, &base_mint, 2_000_000_000_000);
        let quote = create_token_account(&mut svm, &payer, &quote_mint, 300_000_000_000);
        let lp = create_token_account(&mut svm, &payer, &lp_mint, 0);
        accounts.extend([("owner_base", base), ("owner_quote", quote), ("owner_lp", lp), ("trader_base", base), ("trader_quote", quote)]);
        let mut deposit = Vec::new();
        for value in [1_000_000_000_000u64, 150_000_000_000, 1] {
            deposit.extend_from_slice(&value.to_le_bytes());
        }
        let ix = idl.instruction("deposit", &accounts, &deposit);
        println!("{name:>20}  deposit               {:>7} CU", send(&mut svm, &payer, &[ix], &[]));

        let swaps: [(&str, &str, u8, u64, u64); 4] = [
            ("swap_exact_in  sell", "swap_exact_in", 0, 5_000_000_000, 1),
            ("swap_exact_in  buy ", "swap_exact_in", 1, 750_000_000, 1),
            ("swap_exact_out sell", "swap_exact_out", 0, 750_000_000, u64::MAX),
            ("swap_exact_out buy ", "swap_exact_out", 1, 5_000_000_000, u64::MAX),
        ];
        for (label, instruction, direction, amount, limit) in swaps {
            let mut data = vec![direction];
            data.extend_from_slice(&amount.to_le_bytes());
            data.extend_from_slice(&limit.to_le_bytes());
            let ix = idl.instruction(instruction, &accounts, &data);
            println!("{name:>20}  {label}   {:>7} CU", send(&mut svm, &payer, &[ix], &[]));
        }
    }
}
