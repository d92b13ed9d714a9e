//! Token movements and mint checks shared by the instructions.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{
        mint_close_authority::MintCloseAuthority, BaseStateWithExtensions, ExtensionType,
        StateWithExtensions,
    },
    state::Mint as MintState,
};
use anchor_spl::token_interface::{self, Mint, TokenInterface, TransferChecked};

use homeostat_math::{BaseAtoms, QuoteAtoms, Reserves};

use crate::errors::HomeostatError;
use crate::state::Pool;

/// Token-2022 mint extensions that do not change how many atoms a transfer moves, who can
/// move the pool's tokens, or whether they can move at all. Anything else (transfer fees,
/// transfer hooks, permanent delegates, non-transferable, confidential transfers, default
/// frozen accounts, pausable, ...) is rejected at pool creation. `MintCloseAuthority` only
/// without an authority: a mint that can be closed can be re-created at the same address
/// (while its supply is zero) with other extensions or decimals — e.g. a permanent
/// delegate that drains the vault — after the pool checked it.
const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 7] = [
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
    ExtensionType::MintCloseAuthority,
];

/// Rejects mints whose extensions the pool's accounting cannot handle. SPL Token mints
/// have no extensions and always pass.
pub fn check_mint_extensions(mint: &InterfaceAccount<Mint>) -> Result<()> {
    let info = mint.to_account_info();
    if *info.owner == anchor_spl::token::ID {
        return Ok(());
    }
    let data = info.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    for extension in state.get_extension_types()? {
        if !ALLOWED_MINT_EXTENSIONS.contains(&extension) {
            msg!("unsupported mint extension: {:?}", extension);
            return err!(HomeostatError::UnsupportedMintExtension);
        }
    }
    if let Ok(close) = state.get_extension::<MintCloseAuthority>() {
        if Option::<Pubkey>::from(close.close_authority).is_some() {
            msg!("the mint can be closed (and re-created with other extensions)");
            return err!(HomeostatError::UnsupportedMintExtension);
        }
    }
    Ok(())
}

/// A token account's amount, read in place: bytes 64..72 of an SPL Token or Token-2022
/// account. For the pool's own vaults — pinned by `has_one` to the token accounts
/// `initialize_pool` created, owned by the pool and never closed — which therefore need
/// no deserialising (Anchor's typed token account costs ≈ 1 800 CU each), and for
/// accounts already checked to be token accounts.
pub fn token_amount(account: &AccountInfo) -> Result<u64> {
    amount_in(&account.try_borrow_data()?)
}

/// The pool's two vault balances, each read in place ([`token_amount`]).
pub fn vault_balances(base_vault: &AccountInfo, quote_vault: &AccountInfo) -> Result<Reserves> {
    Ok(Reserves {
        base: BaseAtoms::new(token_amount(base_vault)?),
        quote: QuoteAtoms::new(token_amount(quote_vault)?),
    })
}

/// A mint's supply, read in place: bytes 36..44 of an SPL Token or Token-2022 mint (after
/// the optional mint authority). For the pool's LP mint — pinned by `has_one` to the mint
/// `initialize_pool` created and owned by SPL Token — which needs no deserialising.
pub fn mint_supply(mint: &AccountInfo) -> Result<u64> {
    u64_at(&mint.try_borrow_data()?, 36)
}

/// Bytes 64..72 of a token account's data: its amount.
fn amount_in(data: &[u8]) -> Result<u64> {
    u64_at(data, 64)
}

/// The little-endian u64 at `offset` of a token account's or mint's data.
fn u64_at(data: &[u8], offset: usize) -> Result<u64> {
    data.get(offset..offset.saturating_add(8))
        .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| error!(ErrorCode::AccountDidNotDeserialize))
}

/// The amount of a user's token account, checked in place as Anchor's
/// `token::mint`/`token::token_program` constraints check it — owned by `token_program`
/// (`ConstraintTokenTokenProgram`), a token account (165 bytes, or longer with Token-2022's
/// account type `2` at byte 165: `AccountDidNotDeserialize`), of `mint`
/// (`ConstraintTokenMint`) — without deserialising it (≈ 1 800 CU as a typed account). The
/// token program checks it again, with its owner and state, in the transfer.
pub fn user_token_amount(
    account: &AccountInfo,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Result<u64> {
    require_keys_eq!(
        *account.owner,
        *token_program,
        ErrorCode::ConstraintTokenTokenProgram
    );
    let data = account.try_borrow_data()?;
    const TOKEN_ACCOUNT_LEN: usize = 165;
    const ACCOUNT_TYPE_ACCOUNT: u8 = 2;
    let is_token_account = data.len() == TOKEN_ACCOUNT_LEN
        || data.get(TOKEN_ACCOUNT_LEN) == Some(&ACCOUNT_TYPE_ACCOUNT);
    require!(is_token_account, ErrorCode::AccountDidNotDeserialize);
    require!(
        data.get(..32) == Some(mint.as_ref()),
        ErrorCode::ConstraintTokenMint
    );
    amount_in(&data)
}

/// Moves `amount` from a user's token account (already checked: a typed account, or
/// [`user_token_amount`]) into a vault, signed by the user.
pub fn transfer_in<'info>(
    token_program: &Interface<'info, TokenInterface>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    decimals: u8,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    // Named here rather than left to the token program's bare error code.
    require!(
        token_amount(from)? >= amount,
        HomeostatError::InsufficientFunds
    );
    let movement = Movement {
        from,
        to,
        mint,
        decimals,
        authority: authority.to_account_info(),
    };
    movement.transfer(token_program, &[], amount)
}

/// Moves `amount` out of a vault, signed by the pool PDA.
#[allow(clippy::too_many_arguments)] // the CPI's accounts, the signer and the amount
pub fn transfer_out<'info>(
    token_program: &Interface<'info, TokenInterface>,
    from: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    decimals: u8,
    pool: AccountInfo<'info>,
    pool_seeds: &[&[u8]],
    amount: u64,
) -> Result<()> {
    let movement = Movement {
        from,
        to,
        mint,
        decimals,
        authority: pool,
    };
    movement.transfer(token_program, &[pool_seeds], amount)
}

/// One token movement between a user's account and a vault, both of `mint`.
struct Movement<'a, 'info> {
    from: &'a AccountInfo<'info>,
    to: &'a AccountInfo<'info>,
    mint: &'a AccountInfo<'info>,
    decimals: u8,
    authority: AccountInfo<'info>,
}

impl<'info> Movement<'_, 'info> {
    /// SPL Token moves it with `Transfer`, which reads no mint: ≈ 1 500 CU less than
    /// `TransferChecked` (4 645 against 6 174 CU, measured by `token_transfers`' tests).
    /// Nothing is lost by it: the vault is pinned to its mint by the pool, the user's
    /// account was checked to be of that mint, and the token program refuses source and
    /// destination of different mints. Token-2022 keeps `TransferChecked`, the form its
    /// extensions require.
    fn transfer(
        self,
        token_program: &Interface<'info, TokenInterface>,
        signer_seeds: &[&[&[u8]]],
        amount: u64,
    ) -> Result<()> {
        if token_program.key() == anchor_spl::token::ID {
            return anchor_spl::token::transfer(
                CpiContext::new_with_signer(
                    token_program.key(),
                    anchor_spl::token::Transfer {
                        from: self.from.clone(),
                        to: self.to.clone(),
                        authority: self.authority,
                    },
                    signer_seeds,
                ),
                amount,
            );
        }
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                token_program.key(),
                TransferChecked {
                    from: self.from.clone(),
                    mint: self.mint.clone(),
                    to: self.to.clone(),
                    authority: self.authority,
                },
                signer_seeds,
            ),
            amount,
            self.decimals,
        )
    }
}

/// The pool and its two vaults, as an instruction's accounts hold them.
pub type PoolAndVaults<'a, 'info> = (
    &'a AccountLoader<'info, Pool>,
    &'a AccountInfo<'info>,
    &'a AccountInfo<'info>,
);

/// The accounts of an instruction that moves tokens in or out of the pool's vaults.
pub trait WithVaults<'info> {
    /// The pool, its base vault and its quote vault.
    fn pool_and_vaults(&self) -> PoolAndVaults<'_, 'info>;

    /// After the token CPIs: reads both vaults' amounts again and checks the pool's
    /// invariant against those real balances (protocol fees owed are covered; parameters
    /// in bounds).
    fn check_vaults(&self) -> Result<()> {
        let (pool, base_vault, quote_vault) = self.pool_and_vaults();
        pool.load()?
            .invariant_with_vaults(vault_balances(base_vault, quote_vault)?)
    }

    /// Refuses a user's token account passed as one of the pool's vaults
    /// (`AccountAliased`, the program log naming both roles). Each account constraint
    /// checks an account against its own role only, and a vault passes the checks of a
    /// user's account of its mint: the instruction would move tokens from the vault to
    /// itself, or book a payment nobody made.
    fn refuse_vaults_as(&self, users: &[(&str, &AccountInfo)]) -> Result<()> {
        let (_, base_vault, quote_vault) = self.pool_and_vaults();
        for (role, account) in users {
            for (vault_role, vault) in [("base vault", base_vault), ("quote vault", quote_vault)] {
                if account.key == vault.key {
                    msg!(
                        "{} is the pool's {}: pass an account of your own",
                        role,
                        vault_role
                    );
                    return err!(HomeostatError::AccountAliased);
                }
            }
        }
        Ok(())
    }
}
