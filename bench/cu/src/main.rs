//! Measures the compute units of each Homeostat instruction on the compiled SBF program:
//! initialize_pool, deposit, swap_exact_in / swap_exact_out in both directions, for the
//! AS, GLFT and constant-product models. Prints one line per instruction.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token_2022::spl_token_2022;
use homeostat::instructions::*;
use homeostat::oracle::{PriceUpdate, VerificationLevel, PYTH_RECEIVER_PROGRAM_ID};
use homeostat::PoolParams;
use homeostat_math::{Fixed, Rounding};
use litesvm::LiteSVM;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

const TOKEN: Pubkey = anchor_spl::token::ID;
const FEED: [u8; 32] = [0xfe; 32];

fn bits(numerator: i128, denominator: i128) -> i128 {
    Fixed::ratio(numerator, denominator, Rounding::Down).expect("ratio").to_bits()
}

fn params(model_kind: u8) -> PoolParams {
    PoolParams {
        model_kind,
        units: 1,
        risk_aversion: bits(50, 1),
        order_decay: bits(2_000, 1),
        arrival_intensity: bits(1, 1),
        horizon: bits(60, 1),
        min_half_spread: bits(1, 10_000),
        confidence_multiplier: bits(1, 1),
        volatility_window: 600,
        variance_floor: bits(1, 1_000_000_000),
        variance_ceiling: bits(1, 10_000),
        lot: 1_000_000_000,
        inventory_cap: 100_000_000_000,
        max_trade_base: 50_000_000_000,
        fee_bps: 1,
        protocol_share_bps: 2_000,
        max_oracle_age: 60,
        max_confidence_bps: 100,
    }
}

fn send(svm: &mut LiteSVM, payer: &Keypair, ixs: &[Instruction], signers: &[&Keypair]) -> u64 {
    let mut keys = vec![payer];
    keys.extend_from_slice(signers);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &keys, svm.latest_blockhash());
    match svm.send_transaction(tx) {
        Ok(meta) => meta.compute_units_consumed,
        Err(failed) => panic!("transaction failed: {:?}\n{:#?}", failed.err, failed.meta.logs),
    }
}

fn main() {
    let program = std::env::args().nth(1).unwrap_or_else(|| "target/deploy/homeostat.so".into());
    for (name, kind) in [("avellaneda-stoikov", 0u8), ("glft", 1), ("constant-product", 2)] {
        let mut svm = LiteSVM::new();
        svm.add_program_from_file(homeostat::ID, &program).expect("load homeostat.so");
        let payer = Keypair::new();
        svm.airdrop(&payer.pubkey(), 100_000_000_000).expect("airdrop");
        let now = svm.get_sysvar::<anchor_lang::solana_program::clock::Clock>().unix_timestamp;
        let oracle = Pubkey::new_unique();
        let update = PriceUpdate {
            write_authority: Pubkey::new_unique(),
            verification_level: VerificationLevel::Full,
            feed_id: FEED,
            price: 15_000_000_000,
            conf: 5_000_000,
            exponent: -8,
            publish_time: now,
            prev_publish_time: now - 1,
            ema_price: 15_000_000_000,
            ema_conf: 5_000_000,
            posted_slot: 1,
        };
        svm.set_account(oracle, Account { lamports: 10_000_000, data: update.encode(), owner: PYTH_RECEIVER_PROGRAM_ID, executable: false, rent_epoch: 0 })
            .expect("oracle");

        let mint = |svm: &mut LiteSVM, decimals: u8| {
            let mint = Keypair::new();
            let rent = svm.minimum_balance_for_rent_exemption(spl_token_2022::state::Mint::LEN);
            let ixs = [
                system_instruction::create_account(&payer.pubkey(), &mint.pubkey(), rent, spl_token_2022::state::Mint::LEN as u64, &TOKEN),
                spl_token_2022::instruction::initialize_mint2(&TOKEN, &mint.pubkey(), &payer.pubkey(), None, decimals).expect("mint"),
            ];
            send(svm, &payer, &ixs, &[&mint]);
            mint.pubkey()
        };
        let account = |svm: &mut LiteSVM, mint: &Pubkey, amount: u64| {
            let account = Keypair::new();
            let rent = svm.minimum_balance_for_rent_exemption(spl_token_2022::state::Account::LEN);
            let mut ixs = vec![
                system_instruction::create_account(&payer.pubkey(), &account.pubkey(), rent, spl_token_2022::state::Account::LEN as u64, &TOKEN),
                spl_token_2022::instruction::initialize_account3(&TOKEN, &account.pubkey(), mint, &payer.pubkey()).expect("account"),
            ];
            if amount > 0 {
                ixs.push(spl_token_2022::instruction::mint_to(&TOKEN, mint, &account.pubkey(), &payer.pubkey(), &[], amount).expect("mint_to"));
            }
            send(svm, &payer, &ixs, &[&account]);
            account.pubkey()
        };
        let base_mint = mint(&mut svm, 9);
        let quote_mint = mint(&mut svm, 6);
        let pool = Pubkey::find_program_address(&[b"pool", base_mint.as_ref(), quote_mint.as_ref(), &0u16.to_le_bytes()], &homeostat::ID).0;
        let vault = |mint: &Pubkey| Pubkey::find_program_address(&[b"vault", pool.as_ref(), mint.as_ref()], &homeostat::ID).0;
        let lp_mint = Pubkey::find_program_address(&[b"lp_mint", pool.as_ref()], &homeostat::ID).0;
        let event_authority = Pubkey::find_program_address(&[b"__event_authority"], &homeostat::ID).0;

        let init = Instruction {
            program_id: homeostat::ID,
            accounts: homeostat::accounts::InitializePool {
                admin: payer.pubkey(), base_mint, quote_mint, pool,
                base_vault: vault(&base_mint), quote_vault: vault(&quote_mint), lp_mint, oracle,
                base_token_program: TOKEN, quote_token_program: TOKEN, lp_token_program: TOKEN,
                system_program: anchor_lang::system_program::ID, event_authority, program: homeostat::ID,
            }
            .to_account_metas(None),
            data: homeostat::instruction::InitializePool {
                args: InitializePoolArgs { pool_index: 0, feed_id: FEED, keeper: payer.pubkey(), initial_variance: bits(1, 100_000_000), params: params(kind) },
            }
            .data(),
        };
        println!("{name:>20}  initialize_pool       {:>7} CU", send(&mut svm, &payer, &[init], &[]));

        let base = account(&mut svm, &base_mint, 2_000_000_000_000);
        let quote = account(&mut svm, &quote_mint, 300_000_000_000);
        let lp = account(&mut svm, &lp_mint, 0);
        let deposit = Instruction {
            program_id: homeostat::ID,
            accounts: homeostat::accounts::Deposit {
                owner: payer.pubkey(), pool, base_mint, quote_mint, base_vault: vault(&base_mint), quote_vault: vault(&quote_mint), lp_mint,
                owner_base: base, owner_quote: quote, owner_lp: lp, base_token_program: TOKEN, quote_token_program: TOKEN, lp_token_program: TOKEN,
                event_authority, program: homeostat::ID,
            }
            .to_account_metas(None),
            data: homeostat::instruction::Deposit { args: DepositArgs { max_base: 1_000_000_000_000, max_quote: 150_000_000_000, min_shares: 1 } }.data(),
        };
        println!("{name:>20}  deposit               {:>7} CU", send(&mut svm, &payer, &[deposit], &[]));

        let swap_accounts = homeostat::accounts::Swap {
            trader: payer.pubkey(), pool, oracle, base_mint, quote_mint, base_vault: vault(&base_mint), quote_vault: vault(&quote_mint),
            trader_base: base, trader_quote: quote, base_token_program: TOKEN, quote_token_program: TOKEN, event_authority, program: homeostat::ID,
        };
        let swaps: [(&str, Vec<u8>); 4] = [
            ("swap_exact_in  sell", homeostat::instruction::SwapExactIn { args: SwapExactInArgs { direction: 0, amount_in: 5_000_000_000, min_amount_out: 1 } }.data()),
            ("swap_exact_in  buy ", homeostat::instruction::SwapExactIn { args: SwapExactInArgs { direction: 1, amount_in: 750_000_000, min_amount_out: 1 } }.data()),
            ("swap_exact_out sell", homeostat::instruction::SwapExactOut { args: SwapExactOutArgs { direction: 0, amount_out: 750_000_000, max_amount_in: u64::MAX } }.data()),
            ("swap_exact_out buy ", homeostat::instruction::SwapExactOut { args: SwapExactOutArgs { direction: 1, amount_out: 5_000_000_000, max_amount_in: u64::MAX } }.data()),
        ];
        for (label, data) in swaps {
            let ix = Instruction { program_id: homeostat::ID, accounts: swap_accounts.to_account_metas(None), data };
            println!("{name:>20}  {label}   {:>7} CU", send(&mut svm, &payer, &[ix], &[]));
            svm.expire_blockhash();
        }
    }
}
