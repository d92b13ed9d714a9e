// What a TypeScript user needs beyond the generated client: find a pool, quote a swap
// exactly, swap with a slippage limit and a compute budget.
//
// Quotes are exact because the cluster computes them: the swap is simulated with no
// slippage limit and the program's own `Swapped` event (an `emit_cpi!` self-invocation,
// read from the simulation's inner instructions by src/events.ts, in the compiled form
// or the decoded one a validator returns for a simulation) gives the amounts it
// executed. Nothing here re-implements the pool's math.

import {
    type Address,
    type Instruction,
    type GetAccountInfoApi,
    type GetBlockHeightApi,
    type GetLatestBlockhashApi,
    type GetMultipleAccountsApi,
    type GetSignatureStatusesApi,
    type Rpc,
    type SendTransactionApi,
    type SimulateTransactionApi,
    type TransactionSigner,
    address,
    appendTransactionMessageInstructions,
    compileTransaction,
    createNoopSigner,
    createTransactionMessage,
    getAddressDecoder,
    getAddressEncoder,
    getI128Decoder,
    getBase64EncodedWireTransaction,
    getProgramDerivedAddress,
    getU16Encoder,
    getUtf8Encoder,
    pipe,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';

import { eventsFromInnerInstructions, findEventAuthorityAddress } from './events.js';
import { fetchPool, type Pool } from './generated/accounts/pool.js';
import { getHomeostatErrorMessage, type HomeostatError } from './generated/errors/homeostat.js';
import { getSwapExactInInstruction } from './generated/instructions/swapExactIn.js';
import { getSwapExactOutInstruction } from './generated/instructions/swapExactOut.js';
import { HOMEOSTAT_PROGRAM_ADDRESS } from './generated/programs/homeostat.js';
import { type StoredFixed } from './generated/types/storedFixed.js';
import { type Swapped } from './generated/types/swapped.js';

/** The RPC methods this module calls (any cluster's client has them). */
export type HomeostatRpc = Rpc<
    GetAccountInfoApi &
        GetBlockHeightApi &
        GetLatestBlockhashApi &
        GetMultipleAccountsApi &
        GetSignatureStatusesApi &
        SendTransactionApi &
        SimulateTransactionApi
>;

/** Selling base for quote, or buying base with quote. */
export type Side = 'sell' | 'buy';

const COMPUTE_BUDGET = address('ComputeBudget111111111111111111111111111111');
const addressDecoder = getAddressDecoder();

/**
 * A swap the program refuses: its error code (compare with the generated
 * `HOMEOSTAT_ERROR__*` constants) and the IDL's message for it.
 */
export class HomeostatProgramError extends Error {
    constructor(
        readonly code: number,
        readonly programMessage: string,
        readonly logs: readonly string[],
    ) {
        super(`Homeostat error ${code}: ${programMessage}`);
        this.name = 'HomeostatProgramError';
    }
}

/** A pool and the addresses a swap needs. */
export type PoolHandle = {
    address: Address;
    pool: Pool;
    baseTokenProgram: Address;
    quoteTokenProgram: Address;
};

/** The pool `index` of `baseMint`/`quoteMint` under `config` (the PDA the program derives). */
export async function findPoolAddress(
    config: Address,
    baseMint: Address,
    quoteMint: Address,
    index = 0,
): Promise<Address> {
    const encoder = getAddressEncoder();
    const [pool] = await getProgramDerivedAddress({
        programAddress: HOMEOSTAT_PROGRAM_ADDRESS,
        seeds: [
            getUtf8Encoder().encode('pool'),
            encoder.encode(config),
            encoder.encode(baseMint),
            encoder.encode(quoteMint),
            getU16Encoder().encode(index),
        ],
    });
    return pool;
}

const ASSOCIATED_TOKEN_PROGRAM = address('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');

/** The associated token account of `owner` for `mint` (under `tokenProgram`: Token or Token-2022). */
export async function findAssociatedTokenAddress(owner: Address, mint: Address, tokenProgram: Address): Promise<Address> {
    const encoder = getAddressEncoder();
    const [account] = await getProgramDerivedAddress({
        programAddress: ASSOCIATED_TOKEN_PROGRAM,
        seeds: [encoder.encode(owner), encoder.encode(tokenProgram), encoder.encode(mint)],
    });
    return account;
}

/** Fetches the pool at `pool` and its mints' token programs. */
export async function loadPool(rpc: HomeostatRpc, pool: Address): Promise<PoolHandle> {
    const account = await fetchPool(rpc, pool);
    const owners = await rpc
        .getMultipleAccounts([account.data.baseMint, account.data.quoteMint], { encoding: 'base64' })
        .send();
    const [base, quote] = owners.value;
    if (!base || !quote) {
        throw new Error(`pool ${pool}: its mints do not exist on this cluster`);
    }
    return { address: pool, pool: account.data, baseTokenProgram: base.owner, quoteTokenProgram: quote.owner };
}

/** A swap's terms. */
export type SwapRequest = {
    pool: PoolHandle;
    /** The Pyth PriceUpdateV2 account the swap reads (and the quote/USD one for a two-feed pool). */
    oracle: Address;
    quoteOracle?: Address;
    /** The trader's base and quote token accounts (default: the trader's associated ones). */
    traderBase?: Address;
    traderQuote?: Address;
    side: Side;
    /** Input atoms (exact-in) or output atoms (`exactOut`). */
    amount: bigint;
    exactOut?: boolean;
};

/** The swap instruction for `request`, with `limit` as its slippage bound. */
export async function swapInstruction(
    trader: TransactionSigner,
    request: SwapRequest,
    limit: bigint,
): Promise<Instruction> {
    const { pool } = request;
    const accounts = {
        trader,
        pool: pool.address,
        oracle: request.oracle,
        quoteOracle: request.quoteOracle,
        baseMint: pool.pool.baseMint,
        quoteMint: pool.pool.quoteMint,
        baseVault: pool.pool.baseVault,
        quoteVault: pool.pool.quoteVault,
        traderBase:
            request.traderBase ?? (await findAssociatedTokenAddress(trader.address, pool.pool.baseMint, pool.baseTokenProgram)),
        traderQuote:
            request.traderQuote ??
            (await findAssociatedTokenAddress(trader.address, pool.pool.quoteMint, pool.quoteTokenProgram)),
        baseTokenProgram: pool.baseTokenProgram,
        quoteTokenProgram: pool.quoteTokenProgram,
        eventAuthority: await findEventAuthorityAddress(),
        program: HOMEOSTAT_PROGRAM_ADDRESS,
    };
    const direction = request.side === 'sell' ? 0 : 1;
    return request.exactOut
        ? getSwapExactOutInstruction({ ...accounts, direction, amountOut: request.amount, maxAmountIn: limit })
        : getSwapExactInInstruction({ ...accounts, direction, amountIn: request.amount, minAmountOut: limit });
}

function computeUnitLimit(units: number): Instruction {
    const data = new Uint8Array(5);
    data[0] = 2;
    new DataView(data.buffer).setUint32(1, units, true);
    return { programAddress: COMPUTE_BUDGET, data };
}

/** The custom error code of `{"InstructionError":[i,{"Custom":n}]}`, if any. */
function customCode(error: unknown): number | undefined {
    const instruction = (error as { InstructionError?: [number, unknown] } | null)?.InstructionError;
    const custom = (instruction?.[1] as { Custom?: number | bigint } | undefined)?.Custom;
    return custom === undefined ? undefined : Number(custom);
}

function programError(error: unknown, logs: readonly string[]): Error {
    const code = customCode(error);
    if (code !== undefined && code >= 6000) {
        const message = getHomeostatErrorMessage(code as HomeostatError) ?? 'not an error of this IDL';
        return new HomeostatProgramError(code, message, logs);
    }
    return new Error(`the transaction would fail: ${JSON.stringify(error, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
}

/** A fixed-point value as the program stores it (`StoredFixed`: `value · 2^48`, an i128
 * little-endian) as its bits — a price in quote atoms per lot is `fixedBits(p) / 2n ** 48n`. */
export function fixedBits(value: StoredFixed): bigint {
    return getI128Decoder().decode(value.bits);
}

/** What the program executes for `request` now, and the compute units it took. */
export type Quote = Swapped & { unitsConsumed: number };

/**
 * Quotes `request` exactly: simulates the swap for `trader` without a slippage limit and
 * reads the program's `Swapped` event. Throws `HomeostatProgramError` for a swap the
 * program would refuse (stale oracle, cap, size, ...).
 */
export async function quote(rpc: HomeostatRpc, trader: Address, request: SwapRequest): Promise<Quote> {
    const signer = createNoopSigner(trader);
    const unbounded = request.exactOut ? 18446744073709551615n : 0n;
    const instruction = await swapInstruction(signer, request, unbounded);
    const { value: latest } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 'legacy' }),
        (m) => setTransactionMessageFeePayerSigner(signer, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
        (m) => appendTransactionMessageInstructions([computeUnitLimit(1_400_000), instruction], m),
    );
    const transaction = compileTransaction(message);
    const simulated = await rpc
        .simulateTransaction(getBase64EncodedWireTransaction(transaction), {
            // The freshest state: the swap executes on top of it (the RPC's default,
            // `finalized`, is ≈ 13 s behind).
            commitment: 'processed',
            encoding: 'base64',
            sigVerify: false,
            replaceRecentBlockhash: true,
            innerInstructions: true,
        })
        .send();
    const { err, logs, innerInstructions, unitsConsumed } = simulated.value;
    if (err) {
        throw programError(err, logs ?? []);
    }
    const keys = accountKeys(transaction.messageBytes);
    const events = await eventsFromInnerInstructions(keys, innerInstructions ?? []);
    for (const event of events) {
        if (event.name === 'swapped') return { ...event.data, unitsConsumed: Number(unitsConsumed ?? 0) };
    }
    throw new Error('the simulation carried no Swapped event (does the endpoint return inner instructions?)');
}

/** The static account keys of a compiled legacy message, in order. */
function accountKeys(messageBytes: ArrayLike<number>): string[] {
    // Legacy layout: 3 header bytes, a compact-u16 key count, then 32-byte keys.
    const bytes = Uint8Array.from(messageBytes);
    let offset = 3;
    let count = 0;
    for (let shift = 0; ; shift += 7) {
        const byte = bytes[offset++];
        count |= (byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) break;
    }
    const keys: string[] = [];
    for (let index = 0; index < count; index++) {
        keys.push(addressDecoder.decode(bytes.subarray(offset, offset + 32)));
        offset += 32;
    }
    return keys;
}

/** `⌊amount·(1 − tolerance)⌋` for exact-in, `⌈amount·(1 + tolerance)⌉` for exact-out. */
export function slippageLimit(quoted: Quote, exactOut: boolean, slippageBps: number): bigint {
    if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > 10_000) {
        throw new RangeError(`slippageBps must be an integer in 0…10000, not ${slippageBps}`);
    }
    const bps = BigInt(slippageBps);
    return exactOut
        ? (quoted.amountIn * (10_000n + bps) + 9_999n) / 10_000n
        : (quoted.amountOut * (10_000n - bps)) / 10_000n;
}

/** A sent swap: its signature and the quote its limit came from. */
export type SwapResult = { signature: string; quoted: Quote; limit: bigint };

/**
 * Quotes `request`, then sends it with the slippage limit at `slippageBps` and a
 * compute-unit limit of the simulated units + 20 %; resends every 2 s until it is
 * confirmed or its blockhash expires.
 */
export async function swap(
    rpc: HomeostatRpc,
    trader: TransactionSigner,
    request: SwapRequest,
    slippageBps = 50,
): Promise<SwapResult> {
    const quoted = await quote(rpc, trader.address, request);
    const limit = slippageLimit(quoted, request.exactOut ?? false, slippageBps);
    const instruction = await swapInstruction(trader, request, limit);
    const { value: latest } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 'legacy' }),
        (m) => setTransactionMessageFeePayerSigner(trader, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
        (m) =>
            appendTransactionMessageInstructions(
                [computeUnitLimit(Math.ceil(quoted.unitsConsumed * 1.2)), instruction],
                m,
            ),
    );
    const signed = await signTransactionMessageWithSigners(message);
    const wire = getBase64EncodedWireTransaction(signed);
    let signature = '';
    let lastSend = 0;
    for (;;) {
        if (Date.now() - lastSend >= 2_000) {
            signature = await rpc.sendTransaction(wire, { encoding: 'base64', skipPreflight: true, maxRetries: 0n }).send();
            lastSend = Date.now();
        }
        const { value } = await rpc.getSignatureStatuses([signature as never]).send();
        const status = value[0];
        if (status?.err) throw programError(status.err, []);
        // Landed is not enough: a processed transaction can still be dropped with its fork,
        // and reads at `confirmed` (Kit's default is `finalized`) would not see it yet.
        if (status?.confirmationStatus === 'confirmed' || status?.confirmationStatus === 'finalized') {
            return { signature, quoted, limit };
        }
        const height = await rpc.getBlockHeight().send();
        if (height > latest.lastValidBlockHeight) {
            throw new Error(`swap ${signature}: its blockhash expired before it was confirmed; it did not execute`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}
