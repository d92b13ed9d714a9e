//! Hyperliquid's signature over an exchange ("L1") action, as its API specifies and its
//! SDKs compute it:
//!
//! 1. the action, MessagePack-encoded with its fields in the API's order (a map, keys as
//!    strings — [`Msgpack`]);
//! 2. `connectionId = keccak256(msgpack ‖ nonce as u64 big-endian ‖ 0x00)` (`0x01` and
//!    the twenty bytes of a vault address instead of `0x00` when trading for a vault);
//! 3. the EIP-712 hash of the "phantom agent" `Agent { source, connectionId }` — `source`
//!    `"a"` on mainnet, `"b"` on testnet — under the domain `Exchange`, version `1`,
//!    chain id 1337, verifying contract `0x0`;
//! 4. an ECDSA signature over that hash with the account's (or its API wallet's)
//!    secp256k1 key, sent as `{r, s, v}` with `v` = 27 + the recovery id.
//!
//! The official SDK's vectors hold this module to it (tests below).

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};

/// `keccak256(bytes)`.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// A MessagePack value with maps in insertion order — the order the exchange hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msgpack {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// A non-negative integer, in its smallest encoding.
    Uint(u64),
    /// A UTF-8 string.
    Str(String),
    /// An array.
    Array(Vec<Msgpack>),
    /// A map with string keys, in this order.
    Map(Vec<(String, Msgpack)>),
}

impl Msgpack {
    /// A map of `entries`, in their order.
    pub fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Msgpack)>) -> Self {
        Self::Map(
            entries
                .into_iter()
                .map(|(key, value)| (key.to_string(), value))
                .collect(),
        )
    }

    /// A string.
    pub fn str(text: &str) -> Self {
        Self::Str(text.to_string())
    }

    /// The encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Self::Nil => out.push(0xc0),
            Self::Bool(value) => out.push(if *value { 0xc3 } else { 0xc2 }),
            Self::Uint(value) => write_uint(*value, out),
            Self::Str(text) => {
                write_len(text.len(), [0xa0, 0xd9, 0xda, 0xdb], 31, out);
                out.extend_from_slice(text.as_bytes());
            }
            Self::Array(items) => {
                write_len(items.len(), [0x90, 0, 0xdc, 0xdd], 15, out);
                for item in items {
                    item.write(out);
                }
            }
            Self::Map(entries) => {
                write_len(entries.len(), [0x80, 0, 0xde, 0xdf], 15, out);
                for (key, value) in entries {
                    Self::Str(key.clone()).write(out);
                    value.write(out);
                }
            }
        }
    }
}

/// A length header: the fix form up to `fix_max`, else 8 (strings only), 16 or 32 bits.
fn write_len(
    len: usize,
    [fix, eight, sixteen, thirty_two]: [u8; 4],
    fix_max: usize,
    out: &mut Vec<u8>,
) {
    if len <= fix_max {
        // `len` fits the fix form's low bits.
        out.push(fix | len as u8);
    } else if let (true, Ok(len)) = (eight != 0, u8::try_from(len)) {
        out.extend([eight, len]);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(sixteen);
        out.extend(len.to_be_bytes());
    } else {
        out.push(thirty_two);
        // Longer than 4 GiB is nothing the keeper sends.
        out.extend(u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    }
}

fn write_uint(value: u64, out: &mut Vec<u8>) {
    if let Ok(small) = u8::try_from(value) {
        if small < 0x80 {
            out.push(small);
        } else {
            out.extend([0xcc, small]);
        }
    } else if let Ok(value) = u16::try_from(value) {
        out.push(0xcd);
        out.extend(value.to_be_bytes());
    } else if let Ok(value) = u32::try_from(value) {
        out.push(0xce);
        out.extend(value.to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend(value.to_be_bytes());
    }
}

/// Step 2: the hash an action is signed as.
pub fn connection_id(action: &Msgpack, nonce: u64, vault: Option<[u8; 20]>) -> [u8; 32] {
    let mut bytes = action.encode();
    bytes.extend(nonce.to_be_bytes());
    match vault {
        Some(vault) => {
            bytes.push(1);
            bytes.extend(vault);
        }
        None => bytes.push(0),
    }
    keccak256(&bytes)
}

/// Step 3: the EIP-712 digest of the phantom agent for `connection_id`.
pub fn agent_digest(connection_id: [u8; 32], mainnet: bool) -> [u8; 32] {
    let mut domain = Vec::with_capacity(5 * 32);
    domain.extend(keccak256(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    ));
    domain.extend(keccak256(b"Exchange"));
    domain.extend(keccak256(b"1"));
    let mut chain_id = [0u8; 32];
    chain_id[24..].copy_from_slice(&1337u64.to_be_bytes());
    domain.extend(chain_id);
    domain.extend([0u8; 32]);
    let mut agent = Vec::with_capacity(3 * 32);
    agent.extend(keccak256(b"Agent(string source,bytes32 connectionId)"));
    agent.extend(keccak256(if mainnet { b"a" } else { b"b" }));
    agent.extend(connection_id);
    let mut message = vec![0x19, 0x01];
    message.extend(keccak256(&domain));
    message.extend(keccak256(&agent));
    keccak256(&message)
}

/// A signature as the exchange takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionSignature {
    /// `r`, 32 bytes.
    pub r: [u8; 32],
    /// `s`, 32 bytes (low-s).
    pub s: [u8; 32],
    /// 27 or 28.
    pub v: u8,
}

impl ActionSignature {
    /// `0x` + r ‖ s ‖ v in hex, as the SDKs print a signature.
    pub fn to_hex(&self) -> String {
        let mut bytes = self.r.to_vec();
        bytes.extend(self.s);
        bytes.push(self.v);
        format!("0x{}", hex(&bytes))
    }

    /// The JSON the exchange reads: `{"r": "0x…", "s": "0x…", "v": 27|28}`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "r": format!("0x{}", hex(&self.r)),
            "s": format!("0x{}", hex(&self.s)),
            "v": self.v,
        })
    }

    /// The address that signed `digest` with this signature, or `None` if none did.
    pub fn signer(&self, digest: &[u8; 32]) -> Option<[u8; 20]> {
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&self.r);
        bytes[32..].copy_from_slice(&self.s);
        let signature = Signature::from_slice(&bytes).ok()?;
        let recovery = RecoveryId::from_byte(self.v.checked_sub(27)?)?;
        let key = VerifyingKey::recover_from_prehash(digest, &signature, recovery).ok()?;
        Some(address(&key))
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `0x`-prefixed (or bare) hex as bytes; `None` if it is not `N` bytes of hex.
pub fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * index..2 * index + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The Ethereum address of a public key: the last twenty bytes of the keccak of its
/// uncompressed point.
pub fn address(key: &VerifyingKey) -> [u8; 20] {
    let point = key.to_sec1_point(false);
    let hash = keccak256(point.as_bytes().get(1..).unwrap_or_default());
    let mut address = [0u8; 20];
    address.copy_from_slice(&hash[12..]);
    address
}

/// Why a secret key was refused; it never repeats the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Not 32 bytes of hex.
    NotHex,
    /// 32 bytes that are no secp256k1 secret key (zero, or not below the group order).
    NotAKey,
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotHex => "not 32 bytes of hex (64 digits, 0x optional)",
            Self::NotAKey => "not a valid secp256k1 secret key",
        })
    }
}

impl std::error::Error for KeyError {}

/// A secp256k1 key signing exchange actions.
pub struct Signer {
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer(0x{})", hex(&self.address()))
    }
}

impl Signer {
    /// The key from 32 bytes of hex (`0x` optional), as wallets export it; the error never
    /// repeats the key.
    pub fn from_hex(secret: &str) -> Result<Self, KeyError> {
        let bytes = unhex::<32>(secret.trim()).ok_or(KeyError::NotHex)?;
        let key = SigningKey::from_slice(&bytes).map_err(|_| KeyError::NotAKey)?;
        Ok(Self { key })
    }

    /// The key's address.
    pub fn address(&self) -> [u8; 20] {
        address(self.key.verifying_key())
    }

    /// Step 4: the signature of `action` at `nonce` (no vault).
    pub fn sign_action(&self, action: &Msgpack, nonce: u64, mainnet: bool) -> ActionSignature {
        self.sign_digest(&agent_digest(connection_id(action, nonce, None), mainnet))
    }

    /// A recoverable signature of `digest` (RFC 6979, low-s).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> ActionSignature {
        let (signature, recovery) = self.key.sign_prehash_recoverable(digest);
        let bytes = signature.to_bytes();
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..]);
        ActionSignature {
            r,
            s,
            v: 27 + recovery.to_byte(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of the official Rust SDK's tests (hyperliquid-dex/hyperliquid-rust-sdk,
    /// src/signature/create_signature.rs and src/exchange/exchange_client.rs).
    const SDK_KEY: &str = "e908f86dbb4d55ac876378565aafeabc187f6690f046459397b17d9b9a19688e";

    /// The SDK's limit order: asset 1, buy 3.5 at 2000.0, IOC, with or without a cloid.
    fn sdk_order(cloid: Option<&str>) -> Msgpack {
        let mut order = vec![
            ("a", Msgpack::Uint(1)),
            ("b", Msgpack::Bool(true)),
            ("p", Msgpack::str("2000.0")),
            ("s", Msgpack::str("3.5")),
            ("r", Msgpack::Bool(false)),
            (
                "t",
                Msgpack::map([("limit", Msgpack::map([("tif", Msgpack::str("Ioc"))]))]),
            ),
        ];
        if let Some(cloid) = cloid {
            order.push(("c", Msgpack::str(cloid)));
        }
        Msgpack::map([
            ("type", Msgpack::str("order")),
            ("orders", Msgpack::Array(vec![Msgpack::map(order)])),
            ("grouping", Msgpack::str("na")),
        ])
    }

    #[test]
    fn the_phantom_agent_is_signed_as_the_official_sdk_signs_it() {
        let signer = Signer::from_hex(SDK_KEY).unwrap();
        let connection =
            unhex::<32>("0xde6c4037798a4434ca03cd05f00e3b803126221375cd1e7eaaaf041768be06eb")
                .unwrap();
        assert_eq!(
            signer.sign_digest(&agent_digest(connection, true)).to_hex(),
            "0xfa8a41f6a3fa728206df80801a83bcbfbab08649cd34d9c0bfba7c7b2f99340f53a00226604567b98a1492803190d65a201d6805e5831b7044f17fd530aec7841c"
        );
        assert_eq!(
            signer.sign_digest(&agent_digest(connection, false)).to_hex(),
            "0x1713c0fc661b792a50e8ffdd59b637b1ed172d9a3aa4d801d9d88646710fb74b33959f4d075a7ccbec9f2374a6da21ffa4448d58d0413a0d335775f680a881431c"
        );
    }

    #[test]
    fn orders_are_hashed_and_signed_as_the_official_sdk_does() {
        let signer = Signer::from_hex(SDK_KEY).unwrap();
        // test_limit_order_action_hashing (nonce 1583838).
        let plain = sdk_order(None);
        assert_eq!(
            signer.sign_action(&plain, 1_583_838, true).to_hex(),
            "0x77957e58e70f43b6b68581f2dc42011fc384538a2e5b7bf42d5b936f19fbb67360721a8598727230f67080efee48c812a6a4442013fd3b0eed509171bef9f23f1c"
        );
        assert_eq!(
            signer.sign_action(&plain, 1_583_838, false).to_hex(),
            "0xcd0925372ff1ed499e54883e9a6205ecfadec748f80ec463fe2f84f1209648776377961965cb7b12414186b1ea291e95fd512722427efcbcfb3b0b2bcd4d79d01c"
        );
        // test_limit_order_action_hashing_with_cloid.
        let with_cloid = sdk_order(Some("0x1e60610f0b3d420597c88c1fed2ad5ee"));
        let signature = signer.sign_action(&with_cloid, 1_583_838, true);
        assert_eq!(
            signature.to_hex(),
            "0xd3e894092eb27098077145714630a77bbe3836120ee29df7d935d8510b03a08f456de5ec1be82aa65fc6ecda9ef928b0445e212517a98858cfaa251c4cd7552b1c"
        );
        assert_eq!(
            signer.sign_action(&with_cloid, 1_583_838, false).to_hex(),
            "0x3768349dbb22a7fd770fc9fc50c7b5124a7da342ea579b309f58002ceae49b4357badc7909770919c45d850aabb08474ff2b7b3204ae5b66d9f7375582981f111c"
        );
        // What the exchange does: recover the signer from the action it received.
        let digest = agent_digest(connection_id(&with_cloid, 1_583_838, None), true);
        assert_eq!(signature.signer(&digest), Some(signer.address()));
        let other = agent_digest(connection_id(&with_cloid, 1_583_839, None), true);
        assert_ne!(signature.signer(&other), Some(signer.address()));
    }

    #[test]
    fn msgpack_uses_the_smallest_forms() {
        assert_eq!(Msgpack::Uint(1).encode(), [0x01]);
        assert_eq!(Msgpack::Uint(200).encode(), [0xcc, 200]);
        assert_eq!(Msgpack::Uint(70_000).encode(), [0xce, 0, 1, 0x11, 0x70]);
        assert_eq!(Msgpack::str("na").encode(), [0xa2, b'n', b'a']);
        let long = "x".repeat(40);
        assert_eq!(&Msgpack::str(&long).encode()[..2], &[0xd9, 40]);
        assert_eq!(
            Msgpack::map([("a", Msgpack::Nil)]).encode(),
            [0x81, 0xa1, b'a', 0xc0]
        );
        assert_eq!(
            Msgpack::Array(vec![Msgpack::Bool(false); 16]).encode()[..3],
            [0xdc, 0, 16]
        );
    }

    #[test]
    fn keys_are_checked_without_being_repeated() {
        let error = Signer::from_hex("0x1234").unwrap_err();
        assert_eq!(error, KeyError::NotHex);
        assert!(!error.to_string().contains("1234"), "{error}");
        assert_eq!(
            Signer::from_hex(&"00".repeat(32)).err(),
            Some(KeyError::NotAKey),
            "zero is no key"
        );
        assert!(Signer::from_hex(&format!("0x{SDK_KEY}")).is_ok());
    }
}
