// The TypeScript client against `homeostat localnet` (the real program behind a loopback
// JSON-RPC endpoint): the generated decoders and PDAs read the demo world, a quote equals
// what the swap then executes, a refused swap is the program's error, and Kit's own
// send-and-confirm lands legacy and v0 (lookup-table) transactions.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
    type Address,
    type KeyPairSigner,
    address,
    appendTransactionMessageInstructions,
    compressTransactionMessageUsingAddressLookupTables,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createSolanaRpcSubscriptions,
    createTransactionMessage,
    fetchAddressesForLookupTables,
    getSignatureFromTransaction,
    pipe,
    sendAndConfirmTransactionFactory,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';

import {
    HOMEOSTAT_ERROR__ZERO_AMOUNT,
    HomeostatProgramError,
    type PoolHandle,
    fetchPool,
    findAssociatedTokenAddress,
    findConfigPda,
    findPoolAddress,
    getPoolSize,
    loadPool,
    quote,
    swap,
    swapInstruction,
} from '../src/index.js';
import { type World, startLocalnet, tradeAtQuote, withoutRaces } from './world.js';

let stop: () => void;
let world: World;
let rpc: ReturnType<typeof createSolanaRpc>;
let wallet: KeyPairSigner;
let handle: PoolHandle;
let accounts: { base: Address; quote: Address };


async function balance(account: Address): Promise<bigint> {
    const { value } = await rpc.getTokenAccountBalance(account, { commitment: 'confirmed' }).send();
    return BigInt(value.amount);
}

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

const request = (side: 'sell' | 'buy', amount: bigint, exactOut = false) => ({
    pool: handle,
    oracle: address(world.oracle),
    traderBase: accounts.base,
    traderQuote: accounts.quote,
    side,
    amount,
    exactOut,
});

test('the generated decoders and PDAs read the demo world', async () => {
    const pool = await fetchPool(rpc, address(world.pool));
    assert.equal(pool.data.baseMint, world.base_mint);
    assert.equal(pool.data.quoteMint, world.quote_mint);
    assert.equal(pool.data.config, world.config);
    // The generated layout is the zero-copy account's, byte for byte.
    const raw = await rpc.getAccountInfo(address(world.pool), { encoding: 'base64' }).send();
    assert.equal(getPoolSize(), Buffer.from(raw.value!.data[0], 'base64').length);
    const [config] = await findConfigPda({ authority: address(world.admin.address) });
    assert.equal(config, world.config);
    assert.equal(
        await findPoolAddress(address(world.config), address(world.base_mint), address(world.quote_mint), 0),
        world.pool,
    );
});

for (const [side, amount, exactOut] of [
    ['sell', 1_000_000_000n, false],
    ['buy', 150_000_000n, false],
    ['sell', 100_000_000n, true],
    ['buy', 500_000_000n, true],
] as const) {
    test(`a quote equals what the swap executes (${side} ${exactOut ? 'exact out' : 'exact in'})`, async () => {
        const trader = { rpc, wallet, accounts };
        const quoted = await withoutRaces(() => tradeAtQuote(trader, request(side, amount, exactOut)));
        assert.equal(exactOut ? quoted.amountOut : quoted.amountIn, amount);
    });
}

test('a swap the program refuses is its error, not a quote', async () => {
    await assert.rejects(quote(rpc, wallet.address, request('sell', 0n)), (error: unknown) => {
        assert.ok(error instanceof HomeostatProgramError, String(error));
        assert.equal(error.code, HOMEOSTAT_ERROR__ZERO_AMOUNT);
        assert.match(error.message, /Amount is zero/);
        return true;
    });
});

test("Kit's own send-and-confirm lands a swap (websocket subscriptions)", async () => {
    const subscriptions = createSolanaRpcSubscriptions(world.ws_url);
    const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions: subscriptions } as never);
    const before = await balance(accounts.base);
    // The quote as the swap's exact limit.
    const signed = await withoutRaces(async () => {
        const quoted = await quote(rpc, wallet.address, request('sell', 1_000_000n));
        const instruction = await swapInstruction(wallet, request('sell', 1_000_000n), quoted.amountOut);
        const { value: latest } = await rpc.getLatestBlockhash().send();
        const message = pipe(
            createTransactionMessage({ version: 'legacy' }),
            (m) => setTransactionMessageFeePayerSigner(wallet, m),
            (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
            (m) => appendTransactionMessageInstructions([instruction], m),
        );
        const signed = await signTransactionMessageWithSigners(message);
        await sendAndConfirm(signed as never, { commitment: 'confirmed' });
        return signed;
    });
    const { value } = await rpc.getSignatureStatuses([getSignatureFromTransaction(signed)]).send();
    assert.equal(value[0]?.err, null);
    assert.equal(await balance(accounts.base), before - 1_000_000n);
});

test('a v0 swap compressed with the demo lookup table lands and reads back as v0', async () => {
    const subscriptions = createSolanaRpcSubscriptions(world.ws_url);
    const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions: subscriptions } as never);
    const table = address(world.lookup_table);
    // Kit reads the table with getMultipleAccounts' jsonParsed encoding.
    const addressesByTable = await fetchAddressesForLookupTables([table], rpc);
    assert.ok(addressesByTable[table]?.includes(address(world.pool)));
    const before = await balance(accounts.base);
    // The quote as the swap's exact limit.
    const signed = await withoutRaces(async () => {
        const quoted = await quote(rpc, wallet.address, request('sell', 1_000_000n));
        const instruction = await swapInstruction(wallet, request('sell', 1_000_000n), quoted.amountOut);
        const { value: latest } = await rpc.getLatestBlockhash().send();
        const message = pipe(
            createTransactionMessage({ version: 0 }),
            (m) => setTransactionMessageFeePayerSigner(wallet, m),
            (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
            (m) => appendTransactionMessageInstructions([instruction], m),
            (m) => compressTransactionMessageUsingAddressLookupTables(m, addressesByTable),
        );
        const signed = await signTransactionMessageWithSigners(message);
        await sendAndConfirm(signed as never, { commitment: 'confirmed' });
        return signed;
    });
    assert.equal(await balance(accounts.base), before - 1_000_000n);
    const fetched = await rpc
        .getTransaction(getSignatureFromTransaction(signed), { encoding: 'json', maxSupportedTransactionVersion: 0 })
        .send();
    // Kit's RPC reads every integer as a bigint.
    assert.equal(fetched?.version, 0n as unknown as 0);
    const lookups = (fetched?.transaction.message as { addressTableLookups?: { accountKey: string }[] })
        .addressTableLookups;
    assert.equal(lookups?.[0]?.accountKey, table);
    assert.ok((fetched?.meta?.loadedAddresses?.writable.length ?? 0) > 0, 'the vaults came from the table');
});
