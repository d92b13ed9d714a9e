// Starts `homeostat localnet` for a test file and reads the world it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { Address, KeyPairSigner, createSolanaRpc } from '@solana/kit';

import { HOMEOSTAT_ERROR__SLIPPAGE_EXCEEDED, type Quote, type SwapRequest, quote, swap } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.HOMEOSTAT_BIN ?? path.resolve(here, '../../../target/debug/homeostat');

/** What `homeostat localnet` prints (docs/localnet.md). */
export type World = {
    url: string;
    ws_url: string;
    pool: string;
    config: string;
    base_mint: string;
    quote_mint: string;
    oracle: string;
    program: string;
    /** An address lookup table of the pool's accounts, for v0 transactions. */
    lookup_table: string;
    wallet: { keypair: string; address: string };
    admin: { keypair: string; address: string };
};

/**
 * The cluster the tests run against: the in-process endpoint, or with
 * `HOMEOSTAT_TEST_CLUSTER=validator` (`npm run test:validator`) the same world on
 * `solana-test-validator`, from the SBF builds in target/deploy (docs/localnet.md).
 */
export const cluster = process.env.HOMEOSTAT_TEST_CLUSTER ?? 'endpoint';
if (cluster !== 'endpoint' && cluster !== 'validator') {
    throw new Error(`HOMEOSTAT_TEST_CLUSTER is '${cluster}': 'endpoint' (the default) or 'validator'`);
}
const clusterArgs = cluster === 'validator' ? ['--validator', '--sbf-dir', path.resolve(here, '../../../target/deploy')] : [];

/** A fresh localnet on free ports; `stop` ends it. */
export async function startLocalnet(): Promise<{ world: World; stop: () => void }> {
    const folder = mkdtempSync(path.join(tmpdir(), 'homeostat-js-'));
    const node: ChildProcess = spawn(binary, ['localnet', '--port', '0', '--folder', folder, ...clusterArgs], {
        // On the validator, why a world never came (its start, the install) is worth seeing.
        stdio: ['ignore', 'pipe', cluster === 'validator' ? 'inherit' : 'ignore'],
    });
    const lines = createInterface({ input: node.stdout! });
    const first: string = await new Promise((resolve, reject) => {
        lines.once('line', resolve);
        node.once('exit', (code) => reject(new Error(`homeostat localnet exited (${code}): is ${binary} built?`)));
    });
    const stop = () => {
        node.kill();
        // The cluster may still be shutting down (a validator writing its ledger): retried.
        rmSync(folder, { recursive: true, force: true, maxRetries: 5 });
    };
    return { world: JSON.parse(first), stop };
}

/** Thrown by a trade that saw two quotes of the same request differ: the state moved. */
export class Race extends Error {}

/** Whether `error`, or an error it wraps, is a race: `Race`, or the program's SlippageExceeded (6017). */
function isRace(error: unknown): boolean {
    if (error instanceof Race) return true;
    for (let at: unknown = error; at instanceof Error; at = at.cause) {
        const { code, context } = at as { code?: unknown; context?: { code?: unknown } };
        if (code === HOMEOSTAT_ERROR__SLIPPAGE_EXCEEDED || context?.code === HOMEOSTAT_ERROR__SLIPPAGE_EXCEEDED) {
            return true;
        }
    }
    return false;
}

/**
 * Runs `trade` — quote, then trade with the quote as its exact limit — again when the
 * program refuses it as SlippageExceeded (or it throws `Race`). A quote is exact for the state it was made on,
 * and both clusters change that state every second: a new print, and the print's age
 * (priced) when the clock passes a second. A trade landing after such a change fails at
 * a zero tolerance however exact the quote: that race is retried (on the validator a swap
 * lands about a second after its quote). Any other error, or `attempts` races in a row,
 * fails the test.
 */
export async function withoutRaces<T>(trade: () => Promise<T>, attempts = 8): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await trade();
        } catch (error) {
            if (attempt >= attempts || !isRace(error)) throw error;
        }
    }
}

/** A trader on the demo world: its RPC, its signer and its base and quote token accounts. */
export type Trader = {
    rpc: ReturnType<typeof createSolanaRpc>;
    wallet: KeyPairSigner;
    accounts: { base: Address; quote: Address };
};

/**
 * Quotes `request`, then swaps it allowing no slippage, and returns the quote after
 * checking the trader's balances moved by exactly its amounts. Throws `Race` when the
 * swap's own requote or the amounts moved differ from the quote (the state moved between
 * them): run it inside `withoutRaces`.
 */
export async function tradeAtQuote({ rpc, wallet, accounts }: Trader, request: SwapRequest): Promise<Quote> {
    const balance = async (account: Address) => BigInt((await rpc.getTokenAccountBalance(account, { commitment: 'confirmed' }).send()).value.amount);
    const before = { base: await balance(accounts.base), quote: await balance(accounts.quote) };
    const quoted = await quote(rpc, wallet.address, request);
    // No slippage allowed: the swap fails unless it executes at least the quote.
    const result = await swap(rpc, wallet, request, 0);
    const after = { base: await balance(accounts.base), quote: await balance(accounts.quote) };
    const [paid, received] =
        request.side === 'sell'
            ? [before.base - after.base, after.quote - before.quote]
            : [before.quote - after.quote, after.base - before.base];
    if (result.quoted.amountIn !== quoted.amountIn || result.quoted.fee !== quoted.fee) {
        throw new Race(`requoted ${result.quoted.amountIn} (fee ${result.quoted.fee}), quoted ${quoted.amountIn} (fee ${quoted.fee})`);
    }
    if (paid !== quoted.amountIn || received !== quoted.amountOut) {
        throw new Race(`paid ${paid} and received ${received}, quoted ${quoted.amountIn} and ${quoted.amountOut}`);
    }
    return quoted;
}
