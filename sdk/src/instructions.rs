//! One builder per instruction. Amount arguments are in atoms; see docs/instructions.md
//! for every account check.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use homeostat::instructions::{
    DepositArgs, InitializePoolArgs, PostProPriceArgs, PushQuoteArgs, RecordHedgeArgs,
    SetProFeedsArgs, SwapExactInArgs, SwapExactOutArgs, WithdrawArgs,
};
use homeostat::oracle::pro::{
    ED25519_PROGRAM_ID, INSTRUCTIONS_SYSVAR_ID, MESSAGE_HEADER_LEN, PYTH_PRO_STORAGE_ID,
};
use homeostat::PoolParams;
use homeostat_math::{Direction, LotPrice};

use crate::pda::{event_authority, PoolAddresses};

/// SPL Token, owner of every pool's LP mint.
pub const LP_TOKEN_PROGRAM: Pubkey = anchor_spl::token::ID;

/// A user's token accounts for a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserAccounts {
    /// The signer.
    pub owner: Pubkey,
    /// Token account for the base mint.
    pub base: Pubkey,
    /// Token account for the quote mint.
    pub quote: Pubkey,
    /// Token account for the LP mint (deposits and withdrawals only).
    pub lp: Pubkey,
}

impl UserAccounts {
    /// `owner`'s associated token accounts for the pool's two mints and its LP mint.
    pub fn associated(addresses: &PoolAddresses, owner: Pubkey) -> Self {
        use anchor_spl::associated_token::get_associated_token_address_with_program_id as ata;
        Self {
            owner,
            base: ata(&owner, &addresses.base_mint, &addresses.base_token_program),
            quote: ata(
                &owner,
                &addresses.quote_mint,
                &addresses.quote_token_program,
            ),
            lp: ata(&owner, &addresses.lp_mint, &LP_TOKEN_PROGRAM),
        }
    }
}

/// Creates `owner`'s associated token accounts for the pool's mints where missing (a no-op
/// for those that exist), `payer` paying rent: what a wallet sends before its first
/// deposit or swap.
pub fn create_associated_accounts(
    addresses: &PoolAddresses,
    payer: Pubkey,
    owner: Pubkey,
) -> Vec<Instruction> {
    use anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account_idempotent as create;
    [
        (addresses.base_mint, addresses.base_token_program),
        (addresses.quote_mint, addresses.quote_token_program),
        (addresses.lp_mint, LP_TOKEN_PROGRAM),
    ]
    .iter()
    .map(|(mint, program)| {
        let created = create(&payer, &owner, mint, program);
        // The interface crate builds its own `Instruction` type; same fields.
        Instruction {
            program_id: created.program_id,
            accounts: created
                .accounts
                .into_iter()
                .map(
                    |meta| anchor_lang::solana_program::instruction::AccountMeta {
                        pubkey: meta.pubkey,
                        is_signer: meta.is_signer,
                        is_writable: meta.is_writable,
                    },
                )
                .collect(),
            data: created.data,
        }
    })
    .collect()
}

/// What an address lookup table for swaps on this pool holds: every account of a swap but
/// the trader's and the programs it invokes (a v0 transaction cannot load a signer or an
/// invoked program from a table) — the pool, its vaults and mints, the price update(s),
/// the event authority.
pub fn swap_lookup_addresses(
    addresses: &PoolAddresses,
    oracles: impl Into<Oracles>,
) -> Vec<Pubkey> {
    let oracles = oracles.into();
    let mut keys = vec![
        addresses.pool,
        addresses.base_vault,
        addresses.quote_vault,
        addresses.base_mint,
        addresses.quote_mint,
        oracles.oracle,
    ];
    keys.extend(oracles.quote_oracle);
    keys.push(event_authority());
    keys
}

/// The price-update accounts a pool reads: its feed's, and for a two-feed pool the quote
/// token's USD feed (`Pool::has_quote_feed`). A single `Pubkey` converts into a single-feed
/// set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oracles {
    /// The `PriceUpdateV2` of the pool's `feed_id`.
    pub oracle: Pubkey,
    /// The `PriceUpdateV2` of its `quote_feed_id` (two-feed pools only).
    pub quote_oracle: Option<Pubkey>,
}

impl From<Pubkey> for Oracles {
    fn from(oracle: Pubkey) -> Self {
        Self {
            oracle,
            quote_oracle: None,
        }
    }
}

fn instruction(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: homeostat::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// `initialize_config`: `authority` signs and pays; creates its config at
/// [`crate::pda::config`], whose pools wait `change_delay` seconds before a change that
/// loosens a risk limit applies, and accept only the current Pyth receiver's accounts.
pub fn initialize_config(authority: Pubkey, change_delay: u64) -> Instruction {
    initialize_config_with(
        authority,
        homeostat::instructions::InitializeConfigArgs {
            change_delay,
            legacy_receiver_until: 0,
        },
    )
}

/// `initialize_config` with every argument: also `legacy_receiver_until`, the Unix time
/// until which the config's pools accept the legacy Pyth receiver's accounts.
pub fn initialize_config_with(
    authority: Pubkey,
    args: homeostat::instructions::InitializeConfigArgs,
) -> Instruction {
    instruction(
        homeostat::accounts::InitializeConfig {
            authority,
            config: crate::pda::config(&authority),
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::InitializeConfig { args },
    )
}

/// `initialize_pool`: `admin` signs and pays; it must be the authority of
/// `addresses.config`.
pub fn initialize_pool(
    addresses: &PoolAddresses,
    admin: Pubkey,
    oracles: impl Into<Oracles>,
    args: InitializePoolArgs,
) -> Instruction {
    let Oracles {
        oracle,
        quote_oracle,
    } = oracles.into();
    instruction(
        homeostat::accounts::InitializePool {
            admin,
            config: addresses.config,
            base_mint: addresses.base_mint,
            quote_mint: addresses.quote_mint,
            pool: addresses.pool,
            base_vault: addresses.base_vault,
            quote_vault: addresses.quote_vault,
            lp_mint: addresses.lp_mint,
            oracle,
            quote_oracle,
            base_token_program: addresses.base_token_program,
            quote_token_program: addresses.quote_token_program,
            lp_token_program: LP_TOKEN_PROGRAM,
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::InitializePool { args },
    )
}

/// The accounts of `deposit` and `withdraw` (the same set).
fn liquidity_accounts(
    addresses: &PoolAddresses,
    user: &UserAccounts,
) -> homeostat::accounts::Liquidity {
    homeostat::accounts::Liquidity {
        owner: user.owner,
        pool: addresses.pool,
        base_mint: addresses.base_mint,
        quote_mint: addresses.quote_mint,
        base_vault: addresses.base_vault,
        quote_vault: addresses.quote_vault,
        lp_mint: addresses.lp_mint,
        owner_base: user.base,
        owner_quote: user.quote,
        owner_lp: user.lp,
        base_token_program: addresses.base_token_program,
        quote_token_program: addresses.quote_token_program,
        lp_token_program: LP_TOKEN_PROGRAM,
        event_authority: event_authority(),
        program: homeostat::ID,
    }
}

/// `deposit`: `user.owner` signs.
pub fn deposit(addresses: &PoolAddresses, user: &UserAccounts, args: DepositArgs) -> Instruction {
    instruction(
        liquidity_accounts(addresses, user),
        homeostat::instruction::Deposit { args },
    )
}

/// `withdraw`: `user.owner` signs.
pub fn withdraw(addresses: &PoolAddresses, user: &UserAccounts, args: WithdrawArgs) -> Instruction {
    instruction(
        liquidity_accounts(addresses, user),
        homeostat::instruction::Withdraw { args },
    )
}

/// The accounts of a swap, for callers that want to substitute one.
pub fn swap_accounts(
    addresses: &PoolAddresses,
    oracles: impl Into<Oracles>,
    user: &UserAccounts,
) -> homeostat::accounts::Swap {
    let Oracles {
        oracle,
        quote_oracle,
    } = oracles.into();
    homeostat::accounts::Swap {
        trader: user.owner,
        pool: addresses.pool,
        oracle,
        quote_oracle,
        base_mint: addresses.base_mint,
        quote_mint: addresses.quote_mint,
        base_vault: addresses.base_vault,
        quote_vault: addresses.quote_vault,
        trader_base: user.base,
        trader_quote: user.quote,
        base_token_program: addresses.base_token_program,
        quote_token_program: addresses.quote_token_program,
        event_authority: event_authority(),
        program: homeostat::ID,
    }
}

/// The arguments of `swap_exact_in` (`SwapExactInArgs`) with a typed direction: pay
/// exactly `amount_in`, receive at least `min_amount_out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapIn {
    /// Which way the trader goes.
    pub direction: Direction,
    /// Exact input, fee included (input token atoms).
    pub amount_in: u64,
    /// Fewest output atoms acceptable.
    pub min_amount_out: u64,
}

impl From<SwapIn> for SwapExactInArgs {
    fn from(args: SwapIn) -> Self {
        Self {
            direction: args.direction as u8,
            amount_in: args.amount_in,
            min_amount_out: args.min_amount_out,
        }
    }
}

/// The arguments of `swap_exact_out` (`SwapExactOutArgs`) with a typed direction: receive
/// exactly `amount_out`, pay at most `max_amount_in`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapOut {
    /// Which way the trader goes.
    pub direction: Direction,
    /// Exact output (output token atoms).
    pub amount_out: u64,
    /// Most input atoms acceptable, fee included.
    pub max_amount_in: u64,
}

impl From<SwapOut> for SwapExactOutArgs {
    fn from(args: SwapOut) -> Self {
        Self {
            direction: args.direction as u8,
            amount_out: args.amount_out,
            max_amount_in: args.max_amount_in,
        }
    }
}

/// `swap_exact_in`: `user.owner` signs.
pub fn swap_exact_in(
    addresses: &PoolAddresses,
    oracles: impl Into<Oracles>,
    user: &UserAccounts,
    args: SwapIn,
) -> Instruction {
    instruction(
        swap_accounts(addresses, oracles, user),
        homeostat::instruction::SwapExactIn { args: args.into() },
    )
}

/// `swap_exact_out`: `user.owner` signs.
pub fn swap_exact_out(
    addresses: &PoolAddresses,
    oracles: impl Into<Oracles>,
    user: &UserAccounts,
    args: SwapOut,
) -> Instruction {
    instruction(
        swap_accounts(addresses, oracles, user),
        homeostat::instruction::SwapExactOut { args: args.into() },
    )
}

/// `update_params`: the admin signs.
pub fn update_params(pool: Pubkey, admin: Pubkey, params: PoolParams) -> Instruction {
    instruction(
        homeostat::accounts::UpdateParams {
            admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::UpdateParams { params },
    )
}

/// The accounts of `apply_pending_changes` and `cancel_pending_changes`.
fn pending_changes_accounts(
    addresses: &PoolAddresses,
    admin: Pubkey,
) -> homeostat::accounts::PendingChanges {
    homeostat::accounts::PendingChanges {
        admin,
        pool: addresses.pool,
        base_vault: addresses.base_vault,
        quote_vault: addresses.quote_vault,
        event_authority: event_authority(),
        program: homeostat::ID,
    }
}

/// `apply_pending_changes`: the admin signs; applies the changes that are due.
pub fn apply_pending_changes(addresses: &PoolAddresses, admin: Pubkey) -> Instruction {
    instruction(
        pending_changes_accounts(addresses, admin),
        homeostat::instruction::ApplyPendingChanges {},
    )
}

/// `cancel_pending_changes`: the admin signs; withdraws every pending change.
pub fn cancel_pending_changes(addresses: &PoolAddresses, admin: Pubkey) -> Instruction {
    instruction(
        pending_changes_accounts(addresses, admin),
        homeostat::instruction::CancelPendingChanges {},
    )
}

/// `retarget` to hold `target_base` base atoms at the pool's current depth: the admin
/// signs.
pub fn retarget(addresses: &PoolAddresses, admin: Pubkey, target_base: u64) -> Instruction {
    instruction(
        homeostat::accounts::Retarget {
            admin,
            pool: addresses.pool,
            base_vault: addresses.base_vault,
            quote_vault: addresses.quote_vault,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::Retarget {
            args: homeostat::instructions::RetargetArgs { target_base },
        },
    )
}

/// `set_paused`: the admin signs.
pub fn set_paused(pool: Pubkey, admin: Pubkey, paused: bool) -> Instruction {
    instruction(
        homeostat::accounts::SetPaused {
            admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::SetPaused { paused },
    )
}

/// `propose_admin`: the admin signs.
pub fn propose_admin(pool: Pubkey, admin: Pubkey, new_admin: Pubkey) -> Instruction {
    instruction(
        homeostat::accounts::ProposeAdmin {
            admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::ProposeAdmin { new_admin },
    )
}

/// `accept_admin`: the proposed admin signs.
pub fn accept_admin(pool: Pubkey, new_admin: Pubkey) -> Instruction {
    instruction(
        homeostat::accounts::AcceptAdmin {
            new_admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::AcceptAdmin {},
    )
}

/// `set_keeper`: the admin signs.
pub fn set_keeper(pool: Pubkey, admin: Pubkey, new_keeper: Pubkey) -> Instruction {
    instruction(
        homeostat::accounts::SetKeeper {
            admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::SetKeeper { new_keeper },
    )
}

/// `set_quoter`: the admin signs; the default key turns prop-AMM mode off.
pub fn set_quoter(pool: Pubkey, admin: Pubkey, new_quoter: Pubkey) -> Instruction {
    instruction(
        homeostat::accounts::SetQuoter {
            admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::SetQuoter { new_quoter },
    )
}

/// `push_quote`: the quoter signs. Its data is 72 bytes, the sequence number at bytes
/// 8..16 (little-endian).
pub fn push_quote(pool: Pubkey, quoter: Pubkey, quote: PushQuoteArgs) -> Instruction {
    instruction(
        homeostat::accounts::PushQuote { quoter, pool },
        homeostat::instruction::PushQuote { args: quote },
    )
}

/// `set_pro_feeds`: the admin signs; (0, 0) stops the pool taking Pyth Pro updates.
pub fn set_pro_feeds(pool: Pubkey, admin: Pubkey, feed_id: u32, quote_feed_id: u32) -> Instruction {
    instruction(
        homeostat::accounts::SetProFeeds {
            admin,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::SetProFeeds {
            args: SetProFeedsArgs {
                feed_id,
                quote_feed_id,
            },
        },
    )
}

/// Where `post_pro_price`'s data holds the message: after the discriminator and the
/// vector's length.
const PRO_MESSAGE_OFFSET: usize = 8 + 4;

/// The two instructions that post a signed Pyth Pro `message` (Solana format, as Pyth Pro
/// delivers it) to `pool`: the ed25519 precompile's check of its signature, to sit at
/// index `index` of the transaction, and `post_pro_price` right after it. A swap later in
/// the same transaction prices from it. `None` when the message is too long for one
/// transaction's offsets (over 65 535 bytes).
pub fn post_pro_price(pool: Pubkey, message: &[u8], index: u16) -> Option<[Instruction; 2]> {
    let post_index = index.checked_add(1)?;
    let at = |offset: usize| u16::try_from(PRO_MESSAGE_OFFSET + offset).ok();
    let payload_size = u16::try_from(message.len().checked_sub(MESSAGE_HEADER_LEN)?).ok()?;
    // One request: (signature, its instruction, key, its instruction, payload, its size,
    // its instruction), all inside `post_pro_price`'s data.
    let offsets = [
        at(4)?,
        post_index,
        at(4 + 64)?,
        post_index,
        at(MESSAGE_HEADER_LEN)?,
        payload_size,
        post_index,
    ];
    let mut data = vec![1, 0];
    for value in offsets {
        data.extend_from_slice(&value.to_le_bytes());
    }
    let verify = Instruction {
        program_id: ED25519_PROGRAM_ID,
        accounts: Vec::new(),
        data,
    };
    let post = instruction(
        homeostat::accounts::PostProPrice {
            pool,
            storage: PYTH_PRO_STORAGE_ID,
            instructions: INSTRUCTIONS_SYSVAR_ID,
        },
        homeostat::instruction::PostProPrice {
            args: PostProPriceArgs {
                message: message.to_vec(),
                ed25519_instruction_index: index,
                signature_index: 0,
            },
        },
    );
    Some([verify, post])
}

/// `collect_protocol_fees`: the admin signs; fees go to the two destination accounts.
pub fn collect_protocol_fees(
    addresses: &PoolAddresses,
    admin: Pubkey,
    base_destination: Pubkey,
    quote_destination: Pubkey,
) -> Instruction {
    instruction(
        homeostat::accounts::CollectProtocolFees {
            admin,
            pool: addresses.pool,
            base_mint: addresses.base_mint,
            quote_mint: addresses.quote_mint,
            base_vault: addresses.base_vault,
            quote_vault: addresses.quote_vault,
            base_destination,
            quote_destination,
            base_token_program: addresses.base_token_program,
            quote_token_program: addresses.quote_token_program,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::CollectProtocolFees {},
    )
}

/// `rebalance`: the keeper signs.
pub fn rebalance(
    addresses: &PoolAddresses,
    oracles: impl Into<Oracles>,
    keeper: Pubkey,
) -> Instruction {
    let Oracles {
        oracle,
        quote_oracle,
    } = oracles.into();
    instruction(
        homeostat::accounts::Rebalance {
            keeper,
            pool: addresses.pool,
            oracle,
            quote_oracle,
            base_vault: addresses.base_vault,
            quote_vault: addresses.quote_vault,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::Rebalance {},
    )
}

/// `record_hedge`: the keeper signs. `avg_price` in quote atoms per lot.
pub fn record_hedge(
    pool: Pubkey,
    keeper: Pubkey,
    seq: u64,
    filled_base: i64,
    avg_price: LotPrice,
) -> Instruction {
    instruction(
        homeostat::accounts::RecordHedge {
            keeper,
            pool,
            event_authority: event_authority(),
            program: homeostat::ID,
        },
        homeostat::instruction::RecordHedge {
            args: RecordHedgeArgs {
                seq,
                filled_base,
                avg_price: avg_price.get().into(),
            },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_table_holds_every_swap_account_but_the_trader_s_and_the_programs() {
        let addresses = PoolAddresses::derive(
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            0,
            anchor_spl::token::ID,
            anchor_spl::token::ID,
        );
        let oracles = Oracles {
            oracle: Pubkey::new_unique(),
            quote_oracle: Some(Pubkey::new_unique()),
        };
        let trader = UserAccounts::associated(&addresses, Pubkey::new_unique());
        let sell = SwapIn {
            direction: Direction::BaseToQuote,
            amount_in: 1,
            min_amount_out: 1,
        };
        let swap = swap_exact_in(&addresses, oracles, &trader, sell);
        let stored = swap_lookup_addresses(&addresses, oracles);
        let trader_side = [trader.owner, trader.base, trader.quote];
        for meta in &swap.accounts {
            let programs = [homeostat::ID, anchor_spl::token::ID];
            let expected = !(trader_side.contains(&meta.pubkey) || programs.contains(&meta.pubkey));
            assert_eq!(stored.contains(&meta.pubkey), expected, "{}", meta.pubkey);
        }
        assert_eq!(stored.len(), 8, "the two-feed pool's quote oracle included");
    }
}
