// Homeostat's events as a client reads them (src/events.ts) against `homeostat localnet`:
// decoded from a fetched transaction's `emit_cpi!` inner instructions, followed live with a
// pool subscription, and never believed from anything but Homeostat's signed event
// instruction.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
    type Address,
    type KeyPairSigner,
    address,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createSolanaRpcSubscriptions,
    getBase58Decoder,
    getI128Encoder,
    type Signature,
} from '@solana/kit';

import {
    EVENT_IX_TAG,
    HOMEOSTAT_EVENT_DISCRIMINATORS,
    HOMEOSTAT_PROGRAM_ADDRESS,
    type PoolHandle,
    type TransactionEvents,
    type TransactionWithInnerInstructions,
    decodeHomeostatEvent,
    eventsFromInnerInstructions,
    eventsFromTransaction,
    fetchTransactionEvents,
    findAssociatedTokenAddress,
    findEventAuthorityAddress,
    getSwappedEncoder,
    loadPool,
    subscribePoolEvents,
    swap,
} from '../src/index.js';
import { Race, type World, startLocalnet, withoutRaces } from './world.js';

let stop: () => void;
let world: World;
let rpc: ReturnType<typeof createSolanaRpc>;
let wallet: KeyPairSigner;
let handle: PoolHandle;
let accounts: { base: Address; quote: Address };


before(async () => {
    ({ world, stop } = await startLocalnet());
    rpc = createSolanaRpc(world.url);
    wallet = await createKeyPairSignerFromBytes(Uint8Array.from(JSON.parse(readFileSync(world.wallet.keypair, 'utf8'))));
    handle = await loadPool(rpc, address(world.pool));
    accounts = {
        base: await findAssociatedTokenAddress(wallet.address, address(world.base_mint), handle.baseTokenProgram),
        quote: await findAssociatedTokenAddress(wallet.address, address(world.quote_mint), handle.quoteTokenProgram),
    };
});

after(() => stop?.());

// The token accounts are left to the default: the trader's associated ones.
const sell = (amount: bigint) => ({ pool: handle, oracle: address(world.oracle), side: 'sell' as const, amount });

test("a landed swap's Swapped event is decoded from the fetched transaction", async () => {
    const held = async (account: Address) => BigInt((await rpc.getTokenAccountBalance(account, { commitment: 'confirmed' }).send()).value.amount);
    const { signature, quoted } = await withoutRaces(async () => {
        const before = { base: await held(accounts.base), quote: await held(accounts.quote) };
        const result = await swap(rpc, wallet, sell(2_000_000n), 0);
        assert.equal(before.base - (await held(accounts.base)), 2_000_000n);
        // More than quoted: the state moved in the trader's favour before it executed.
        const received = (await held(accounts.quote)) - before.quote;
        if (received !== result.quoted.amountOut) throw new Race(`received ${received}, quoted ${result.quoted.amountOut}`);
        return result;
    });
    const fetched = await fetchTransactionEvents(rpc, signature as Signature);
    assert.ok(fetched, 'the transaction is fetchable');
    assert.equal(fetched.events.length, 1, JSON.stringify(fetched.events.map((event) => event.name)));
    const [event] = fetched.events;
    assert.equal(event?.name, 'swapped');
    if (event?.name !== 'swapped') return;
    assert.equal(event.data.pool, world.pool);
    assert.equal(event.data.trader, wallet.address);
    assert.equal(event.data.amountIn, 2_000_000n);
    assert.equal(event.data.amountOut, quoted.amountOut);
    assert.equal(event.data.fee, quoted.fee);
    assert.ok(fetched.slot > 0n);
});

test("a pool subscription yields each landed swap's events, in order, and ends when aborted", async () => {
    const subscriptions = createSolanaRpcSubscriptions(world.ws_url);
    const controller = new AbortController();
    const stream = await subscribePoolEvents(rpc, subscriptions, address(world.pool), {
        abortSignal: controller.signal,
    });
    // Subscribed: the swaps land before anything reads the stream, and none is lost.
    // What each swap paid out, from the wallet's balance: at least its quote (the limit),
    // more when the state moved in the trader's favour before it executed.
    const quoteHeld = async () => BigInt((await rpc.getTokenAccountBalance(accounts.quote, { commitment: 'confirmed' }).send()).value.amount);
    const sent: { signature: string; amountOut: bigint }[] = [];
    for (const amount of [1_000_000n, 3_000_000n, 5_000_000n]) {
        const before = await quoteHeld();
        const { signature } = await withoutRaces(() => swap(rpc, wallet, sell(amount), 0));
        sent.push({ signature, amountOut: (await quoteHeld()) - before });
    }
    const timeout = setTimeout(() => controller.abort(), 20_000);
    const received: TransactionEvents[] = [];
    for await (const entry of stream) {
        received.push(entry);
        if (received.length === 3) controller.abort();
    }
    clearTimeout(timeout);
    assert.deepEqual(
        received.map((entry) => entry.signature),
        sent.map((entry) => entry.signature),
    );
    for (const [index, entry] of received.entries()) {
        assert.equal(entry.events.length, 1);
        const [event] = entry.events;
        assert.ok(
            event?.name === 'swapped' && event.data.amountOut === sent[index]?.amountOut,
            `${event?.name}: paid out ${event?.name === 'swapped' ? event.data.amountOut : '?'}, the wallet received ${sent[index]?.amountOut}`,
        );
    }
});

test('only Homeostat’s signed event instruction counts, compiled (getTransaction) or decoded (a validator’s simulateTransaction); a failed transaction has no events', async () => {
    const authority = await findEventAuthorityAddress();
    const other = address('11111111111111111111111111111111');
    const event = getSwappedEncoder().encode({
        pool: address(world.pool),
        trader: wallet.address,
        direction: 0,
        exactIn: true,
        amountIn: 7n,
        amountOut: 6n,
        fee: 1n,
        protocolFee: 0n,
        grossPositionBefore: 0n,
        grossPositionAfter: 7n,
        oraclePrice: { bits: getI128Encoder().encode(1n) },
        oracleConfidence: { bits: new Uint8Array(16) },
        oraclePublishTime: 0n,
        halfSpread: { bits: new Uint8Array(16) },
        skew: { bits: new Uint8Array(16) },
        variance: { bits: new Uint8Array(16) },
    });
    const bytes = new Uint8Array([...EVENT_IX_TAG, ...HOMEOSTAT_EVENT_DISCRIMINATORS.swapped, ...event]);
    const data = getBase58Decoder().decode(bytes);
    // Keys: 0 payer, 1 Homeostat, 2 its event authority, 3 another program, 4 the pool.
    const transaction = (instructions: { programIdIndex: number; accounts: number[]; data: string }[], err: unknown = null) =>
        ({
            meta: { err, innerInstructions: [{ index: 0, instructions }] },
            transaction: {
                message: { accountKeys: [wallet.address, HOMEOSTAT_PROGRAM_ADDRESS, authority, other, world.pool] },
            },
        }) satisfies TransactionWithInnerInstructions;

    const genuine = await eventsFromTransaction(transaction([{ programIdIndex: 1, accounts: [2], data }]));
    assert.equal(genuine.length, 1);
    assert.deepEqual(genuine[0], decodeHomeostatEvent(bytes.slice(8)));
    for (const forged of [
        // Another program's instruction with the same bytes.
        [{ programIdIndex: 3, accounts: [2], data }],
        // Homeostat invoked without its event authority first.
        [{ programIdIndex: 1, accounts: [4], data }],
        // Homeostat's event authority, without Anchor's event tag.
        [{ programIdIndex: 1, accounts: [2], data: getBase58Decoder().decode(bytes.slice(8)) }],
        // Not base-58, and a known discriminator with truncated fields.
        [
            { programIdIndex: 1, accounts: [2], data: '0OIl' },
            { programIdIndex: 1, accounts: [2], data: getBase58Decoder().decode(bytes.slice(0, 40)) },
        ],
    ]) {
        assert.deepEqual(await eventsFromTransaction(transaction(forged)), [], JSON.stringify(forged));
    }
    const failed = transaction([{ programIdIndex: 1, accounts: [2], data }], { InstructionError: [0, { Custom: 6000 }] });
    assert.deepEqual(await eventsFromTransaction(failed), []);

    // The form a validator's simulateTransaction returns (addresses, "jsonParsed where
    // possible"): the same checks.
    const decoded = (programId: string, first: string, bytes: string) => [
        { instructions: [{ programId, accounts: [first, world.pool], data: bytes, stackHeight: 2 }] },
    ];
    assert.deepEqual(await eventsFromInnerInstructions([], decoded(HOMEOSTAT_PROGRAM_ADDRESS, authority, data)), genuine);
    for (const forged of [decoded(other, authority, data), decoded(HOMEOSTAT_PROGRAM_ADDRESS, world.pool, data)]) {
        assert.deepEqual(await eventsFromInnerInstructions([], forged), [], JSON.stringify(forged));
    }
    const parsed = [{ instructions: [{ programId: other, program: 'system', parsed: { type: 'transfer', info: {} } }] }];
    assert.deepEqual(await eventsFromInnerInstructions([], parsed), []);
});
