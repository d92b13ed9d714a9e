//! Both runtimes side by side: one transaction executed on each and compared (result,
//! events, the accounts it named), accounts written to both, and the SDK's reading of the
//! native runtime's accounts.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::clock::Clock;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::oracle::PriceUpdate;
use homeostat::state::Pool;
use homeostat_localnet::START_TIME;
use homeostat_math::{BaseAtoms, Direction, QuoteAtoms};
use homeostat_sdk::pda::PoolAddresses;
use homeostat_sdk::quote::PoolSnapshot;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_transaction::TransactionError;

use super::Report;
use crate::genesis::{genesis, Genesis, MODELS, TOKEN};
use crate::native::Native;
use crate::sbf::{Outcome, Sbf, TokenProgram};

/// Both runtimes and the world they share.
pub(super) struct Twin {
    pub(super) native: Native,
    pub(super) sbf: Sbf,
    pub(super) world: Genesis,
    pub(super) pools: Vec<PoolAddresses>,
    pub(super) tracked: Vec<Pubkey>,
    pub(super) clock: Clock,
    pub(super) price: f64,
    /// Per pool, the side most of its order flow takes for now (so inventories leave the
    /// rebalance band, and come back when it flips).
    pub(super) flow: Vec<Direction>,
    pub(super) report: Report,
}

/// A difference between the runtimes.
pub(super) type Mismatch = String;

impl Twin {
    /// Both runtimes on the same genesis, the SBF one with the native one's rent, the clock
    /// at the start; every account the run follows compared once.
    pub(super) async fn start(program: &[u8], token: TokenProgram) -> Result<Twin, Mismatch> {
        let world = genesis(6);
        let mut native = Native::start(&world).await;
        let mut sbf = Sbf::new(program, token, &world);
        sbf.set_rent(&native.rent().await);
        let config_address = homeostat_sdk::pda::config(&world.admin.pubkey());
        let pools = pool_addresses(&world, config_address);
        let tracked = tracked(&world, config_address, &pools);
        let mut twin = Twin {
            native,
            sbf,
            world,
            pools,
            tracked,
            clock: Clock {
                unix_timestamp: START_TIME,
                ..Clock::default()
            },
            price: 150.0,
            flow: vec![Direction::BaseToQuote; MODELS.len()],
            report: Report::default(),
        };
        twin.set_clock();
        twin.compare_all().await?;
        Ok(twin)
    }

    /// Executes on both; compares results, events and the accounts the transaction names.
    pub(super) async fn execute(
        &mut self,
        kind: &'static str,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Result<(), TransactionError>, Mismatch> {
        let sbf = self.sbf.execute(instructions, signers);
        let native = self.native.execute(instructions, signers).await;
        let step: usize = self.report.outcomes.values().map(|(a, b)| a + b).sum();
        let context = || format!("{kind} (transaction {step})");
        if sbf.result != native.result {
            return Err(format!(
                "{}: SBF {:?}, native {:?}\nSBF logs:\n{}",
                context(),
                sbf.result,
                native.result,
                sbf.logs.join("\n")
            ));
        }
        compare_events(&sbf, &native).map_err(|error| format!("{}: {error}", context()))?;
        self.report.events += sbf.events.len();
        let entry = self.report.outcomes.entry(kind).or_default();
        match &sbf.result {
            Ok(()) => entry.0 += 1,
            Err(error) => {
                entry.1 += 1;
                *self
                    .report
                    .failures
                    .entry((kind, error.to_string()))
                    .or_default() += 1;
            }
        }
        let mut named: Vec<Pubkey> = instructions
            .iter()
            .flat_map(|instruction| instruction.accounts.iter().map(|meta| meta.pubkey))
            .collect();
        named.sort();
        named.dedup();
        self.compare(&named)
            .await
            .map_err(|error| format!("{}: {error}", context()))?;
        Ok(sbf.result)
    }

    /// Compares `addresses` in both runtimes.
    pub(super) async fn compare(&mut self, addresses: &[Pubkey]) -> Result<(), Mismatch> {
        for address in addresses {
            if *address == self.sbf.payer() || *address == self.native.payer() {
                continue;
            }
            let (sbf, native) = (
                self.sbf.account(address),
                self.native.account(address).await,
            );
            // LiteSVM keeps programs and sysvars as accounts the program-test bank may
            // report differently (loader, rent epoch); the program only reads them.
            if native.as_ref().is_some_and(|account| account.executable)
                || address.to_string().starts_with("Sysvar")
            {
                continue;
            }
            match (&sbf, &native) {
                (Some(a), Some(b)) if same(a, b) => {}
                (None, None) => {}
                (Some(a), Some(b)) if a.lamports == 0 && b.lamports == 0 => {}
                _ => return Err(describe(address, sbf.as_ref(), native.as_ref())),
            }
            self.report.accounts += 1;
        }
        Ok(())
    }

    pub(super) async fn compare_all(&mut self) -> Result<(), Mismatch> {
        let tracked = self.tracked.clone();
        self.compare(&tracked).await
    }

    pub(super) fn set_account(&mut self, address: Pubkey, account: Account) {
        self.sbf.set_account(address, account.clone());
        self.native.set_account(address, account);
    }

    pub(super) fn set_clock(&mut self) {
        self.sbf.set_clock(&self.clock);
        self.native.set_clock(&self.clock);
    }

    pub(super) async fn pool(&mut self, pool: &Pubkey) -> Pool {
        let data = self
            .native
            .account(pool)
            .await
            .expect("the pool exists")
            .data;
        *bytemuck::from_bytes::<Pool>(&data[8..Pool::SPACE])
    }

    pub(super) async fn amount(&mut self, account: &Pubkey) -> u64 {
        match self.native.account(account).await {
            Some(account) => u64::from_le_bytes(account.data[64..72].try_into().expect("8 bytes")),
            None => 0,
        }
    }

    pub(super) fn sbf_amount(&self, account: &Pubkey) -> u64 {
        self.sbf.account(account).map_or(0, |account| {
            u64::from_le_bytes(account.data[64..72].try_into().expect("8 bytes"))
        })
    }

    async fn oracle_update(&mut self) -> PriceUpdate {
        let data = self
            .native
            .account(&self.world.oracle)
            .await
            .expect("the oracle")
            .data;
        PriceUpdate::decode(&data).expect("a PriceUpdateV2")
    }

    pub(super) async fn snapshot(&mut self, pool: &PoolAddresses) -> PoolSnapshot {
        PoolSnapshot {
            pool: self.pool(&pool.pool).await,
            base_vault: BaseAtoms::new(self.amount(&pool.base_vault).await),
            quote_vault: QuoteAtoms::new(self.amount(&pool.quote_vault).await),
            oracle: self.oracle_update().await,
            quote_oracle: None,
            now: self.clock.unix_timestamp,
            slot: self.clock.slot,
        }
    }
}

/// One pool per model under the admin's config, indices 0, 1, 2.
fn pool_addresses(world: &Genesis, config_address: Pubkey) -> Vec<PoolAddresses> {
    (0..MODELS.len() as u16)
        .map(|index| {
            PoolAddresses::derive(
                config_address,
                world.base_mint,
                world.quote_mint,
                index,
                TOKEN,
                TOKEN,
            )
        })
        .collect()
}

/// Every account the run compares: the genesis's, the config, each pool's accounts and
/// every wallet's LP account in it.
fn tracked(world: &Genesis, config_address: Pubkey, pools: &[PoolAddresses]) -> Vec<Pubkey> {
    let mut tracked: Vec<Pubkey> = world.accounts.iter().map(|(address, _)| *address).collect();
    tracked.push(config_address);
    for pool in pools {
        tracked.extend([pool.pool, pool.base_vault, pool.quote_vault, pool.lp_mint]);
        for wallet in std::iter::once(&world.admin).chain(&world.users) {
            tracked.push(wallet.lp(&pool.lp_mint));
        }
    }
    tracked
}

fn same(a: &Account, b: &Account) -> bool {
    a.lamports == b.lamports
        && a.owner == b.owner
        && a.executable == b.executable
        && a.data == b.data
}

fn describe(address: &Pubkey, sbf: Option<&Account>, native: Option<&Account>) -> String {
    let summary = |account: Option<&Account>| match account {
        None => "absent".to_string(),
        Some(account) => format!(
            "{} lamports, owner {}, {} bytes",
            account.lamports,
            account.owner,
            account.data.len()
        ),
    };
    let mut text = format!(
        "account {address} differs: SBF {}, native {}",
        summary(sbf),
        summary(native)
    );
    if let (Some(a), Some(b)) = (sbf, native) {
        let differing: Vec<usize> = (0..a.data.len().min(b.data.len()))
            .filter(|&i| a.data[i] != b.data[i])
            .collect();
        if let Some(first) = differing.first() {
            text.push_str(&format!(
                "; {} data bytes differ, the first at offset {first} (SBF {:#04x}, native {:#04x})",
                differing.len(),
                a.data[*first],
                b.data[*first]
            ));
        }
    }
    text
}

fn compare_events(sbf: &Outcome, native: &Outcome) -> Result<(), Mismatch> {
    if sbf.events != native.events {
        return Err(format!(
            "events differ: SBF {} event(s) {:02x?}, native {} event(s) {:02x?}",
            sbf.events.len(),
            sbf.events,
            native.events.len(),
            native.events
        ));
    }
    Ok(())
}
