//! Pyth Pro on the local runtime: a test signer trusted by a stand-in for Pyth Pro's
//! storage account (at its mainnet address, owned by its program), and signed updates in
//! the Solana format (`homeostat::oracle::pro` documents it).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use homeostat::oracle::pro::{
    ProFeed, PAYLOAD_FORMAT_MAGIC, PYTH_PRO_PROGRAM_ID, PYTH_PRO_STORAGE_ID, SOLANA_FORMAT_MAGIC,
    STORAGE_DISCRIMINATOR,
};
use homeostat_sdk::instructions as ix;
use solana_account::Account;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::{Harness, PoolAddresses, PYTH_EXPONENT};

/// The Pyth Pro feed id local pools take (SOL/USD's id on Pyth Pro).
pub const PRO_FEED_ID: u32 = 6;
/// The quote/USD feed id of local two-feed pools (USDC/USD's id on Pyth Pro).
pub const PRO_QUOTE_FEED_ID: u32 = 7;
/// Pyth Pro's 200 ms channel.
pub const PRO_CHANNEL_200MS: u8 = 3;

/// The signer local clusters trust (a fixed key: anyone may sign test updates with it).
pub fn pro_signer() -> Keypair {
    Keypair::new_from_array([0x9a; 32])
}

/// A stand-in for Pyth Pro's storage account trusting `signers` (`(key, expires_at)`,
/// at most five), in the program's layout: discriminator, top authority, treasury, fee,
/// the ed25519 signers, the ECDSA signers, spare room (8 + 373 bytes).
pub fn pro_storage_account(signers: &[(Pubkey, i64)]) -> Account {
    let mut data = Vec::with_capacity(381);
    data.extend_from_slice(&STORAGE_DISCRIMINATOR);
    data.extend_from_slice(&[0; 32 + 32]);
    data.extend_from_slice(&1u64.to_le_bytes());
    data.push(u8::try_from(signers.len()).expect("at most five signers"));
    for slot in 0..5 {
        let (key, expires_at) = signers.get(slot).copied().unwrap_or((Pubkey::default(), 0));
        data.extend_from_slice(key.as_ref());
        data.extend_from_slice(&expires_at.to_le_bytes());
    }
    data.resize(381, 0);
    Account {
        lamports: 10_000_000,
        data,
        owner: PYTH_PRO_PROGRAM_ID,
        executable: false,
        rent_epoch: 0,
    }
}

/// A feed as a Pyth Pro subscription to price, confidence, exponent, best bid/ask and
/// EMA price delivers it (Pyth units at `PYTH_EXPONENT`).
pub fn pro_feed(price: i64, conf: i64) -> ProFeed {
    ProFeed {
        price: Some(price),
        best_bid: Some(price - conf),
        best_ask: Some(price + conf),
        exponent: Some(i16::try_from(PYTH_EXPONENT).expect("a small exponent")),
        confidence: Some(conf),
        ema_price: Some(price),
    }
}

/// An unsigned payload: `feeds` at `timestamp_us` on `channel`, each feed with the
/// properties it has (in the protocol's property ids).
pub fn pro_payload(timestamp_us: u64, channel: u8, feeds: &[(u32, ProFeed)]) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&PAYLOAD_FORMAT_MAGIC.to_le_bytes());
    data.extend_from_slice(&timestamp_us.to_le_bytes());
    data.push(channel);
    data.push(u8::try_from(feeds.len()).expect("few feeds"));
    for (id, feed) in feeds {
        data.extend_from_slice(&id.to_le_bytes());
        let mut properties: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut price = |id: u8, value: Option<i64>| {
            if let Some(value) = value {
                properties.push((id, value.to_le_bytes().to_vec()));
            }
        };
        price(0, feed.price);
        price(1, feed.best_bid);
        price(2, feed.best_ask);
        price(5, feed.confidence);
        price(10, feed.ema_price);
        if let Some(exponent) = feed.exponent {
            properties.push((4, exponent.to_le_bytes().to_vec()));
        }
        data.push(u8::try_from(properties.len()).expect("few properties"));
        for (id, value) in properties {
            data.push(id);
            data.extend_from_slice(&value);
        }
    }
    data
}

/// `payload` signed by `signer`, in the Solana format: magic, signature, key, size,
/// payload.
pub fn pro_message(signer: &Keypair, payload: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(payload.len() + 102);
    message.extend_from_slice(&SOLANA_FORMAT_MAGIC.to_le_bytes());
    message.extend_from_slice(signer.sign_message(payload).as_ref());
    message.extend_from_slice(signer.pubkey().as_ref());
    message.extend_from_slice(
        &u16::try_from(payload.len())
            .expect("a short payload")
            .to_le_bytes(),
    );
    message.extend_from_slice(payload);
    message
}

impl Harness {
    /// Installs Pyth Pro's storage account trusting `signers` (`start` trusts
    /// [`pro_signer`] forever).
    pub fn set_pro_signers(&mut self, signers: &[(Pubkey, i64)]) {
        self.context
            .set_account(&PYTH_PRO_STORAGE_ID, &pro_storage_account(signers).into());
    }

    /// A signed update of the local feed(s) at `price ± conf` (Pyth units), published at
    /// `timestamp_us`: the base feed alone, or with the quote/USD feed at 1.0000 for a
    /// two-feed pool (`two_feed`).
    pub fn pro_update(&self, price: i64, conf: i64, timestamp_us: u64, two_feed: bool) -> Vec<u8> {
        let mut feeds = vec![(PRO_FEED_ID, pro_feed(price, conf))];
        if two_feed {
            feeds.push((PRO_QUOTE_FEED_ID, pro_feed(100_000_000, 10_000)));
        }
        pro_message(
            &pro_signer(),
            &pro_payload(timestamp_us, PRO_CHANNEL_200MS, &feeds),
        )
    }

    /// The ed25519 check and `post_pro_price` of `message` for `pool`, as the first two
    /// instructions a [`Harness::send`] carries (after its compute-budget instruction,
    /// index 0).
    pub fn post_pro_ixs(&self, pool: &PoolAddresses, message: &[u8]) -> [Instruction; 2] {
        ix::post_pro_price(pool.pool, message, 1).expect("a message that fits a transaction")
    }
}
