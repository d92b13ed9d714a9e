// Prop-AMM mode through the TypeScript client against `homeostat localnet`: the admin names
// a quoter, the quoter pushes a price (the generated `getPushQuoteInstruction`), and
// `quote()` — a simulation of the swap on the cluster — equals to the atom what the swap
// then executes: at the quoter's price while the quote is unexpired, at Pyth's once the
// cluster's slot has passed the quote's `validUntil` (docs/oracle.md, "Three price sources").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
    type Address,
    type Instruction,
    type KeyPairSigner,
    address,
    appendTransactionMessageInstructions,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createSolanaRpcSubscriptions,
    createTransactionMessage,
    generateKeyPairSigner,
    getI128Encoder,
    pipe,
    sendAndConfirmTransactionFactory,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';

import {
    HOMEOSTAT_PROGRAM_ADDRESS,
    type PoolHandle,
    type StoredFixed,
    fetchPool,
    findAssociatedTokenAddress,
    findEventAuthorityAddress,
    fixedBits,
    getPushQuoteInstruction,
    getSetQuoterInstruction,
    loadPool,
} from '../src/index.js';
import { type Trader, type World, startLocalnet, tradeAtQuote, withoutRaces } from './world.js';

let stop: () => void;
let world: World;
let rpc: ReturnType<typeof createSolanaRpc>;
let admin: KeyPairSigner;
let quoter: KeyPairSigner;
let trader: Trader;
let handle: PoolHandle;
let sequence = 0n;

/** The quoter's price: 150.3 USDC per SOL in quote atoms per lot (one SOL), 0.2 % above
 * the demo world's Pyth walk (from 150): inside the pool's 1 % band for the test's life. */
const QUOTED = 150_300_000n;

/** A price as the program stores it: `value · 2^48`, an i128 little-endian. */
function stored(atomsPerLot: bigint): StoredFixed {
    return { bits: getI128Encoder().encode(atomsPerLot << 48n) };
}

/** Lands `instructions`, paid for by `feePayer`, through Kit's send-and-confirm. */
async function land(instructions: Instruction[], feePayer: KeyPairSigner): Promise<void> {
    const rpcSubscriptions = createSolanaRpcSubscriptions(world.ws_url);
    const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions } as never);
    const { value: latest } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 'legacy' }),
        (m) => setTransactionMessageFeePayerSigner(feePayer, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
        (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    await sendAndConfirm(signed as never, { commitment: 'confirmed' });
}

/** The quoter pushes `QUOTED`, valid through slot `validUntil` (the admin pays the fee). */
async function pushQuote(validUntil: bigint): Promise<void> {
    sequence += 1n;
    const push = getPushQuoteInstruction({
        quoter,
        pool: handle.address,
        sequence,
        validUntil,
        price: stored(QUOTED),
        bidOffset: stored(0n),
        askOffset: stored(0n),
    });
    await land([push], admin);
}

before(async () => {
    ({ world, stop } = await startLocalnet());
    rpc = createSolanaRpc(world.url);
    const keypair = async (file: string) =>
        createKeyPairSignerFromBytes(Uint8Array.from(JSON.parse(readFileSync(file, 'utf8'))));
    admin = await keypair(world.admin.keypair);
    const wallet = await keypair(world.wallet.keypair);
    quoter = await generateKeyPairSigner();
    handle = await loadPool(rpc, address(world.pool));
    const associated = (mint: string, program: Address) =>
        findAssociatedTokenAddress(wallet.address, address(mint), program);
    trader = {
        rpc,
        wallet,
        accounts: {
            base: await associated(world.base_mint, handle.baseTokenProgram),
            quote: await associated(world.quote_mint, handle.quoteTokenProgram),
        },
    };
    const setQuoter = getSetQuoterInstruction({
        admin,
        pool: handle.address,
        eventAuthority: await findEventAuthorityAddress(),
        program: HOMEOSTAT_PROGRAM_ADDRESS,
        newQuoter: quoter.address,
    });
    await land([setQuoter], admin);
});

after(() => stop?.());

const request = (side: 'sell' | 'buy', amount: bigint, exactOut: boolean) => ({
    pool: handle,
    oracle: address(world.oracle),
    traderBase: trader.accounts.base,
    traderQuote: trader.accounts.quote,
    side,
    amount,
    exactOut,
});

const TRADES = [
    ['sell', 1_000_000_000n, false],
    ['buy', 150_000_000n, false],
    ['sell', 100_000_000n, true],
    ['buy', 500_000_000n, true],
] as const;

test("while the quote is unexpired, a quote at the quoter's price equals what the swap executes", async () => {
    // 150 slots: a minute at 400 ms a slot, the whole test.
    await pushQuote((await rpc.getSlot().send()) + 150n);
    for (const [side, amount, exactOut] of TRADES) {
        const quoted = await withoutRaces(() => tradeAtQuote(trader, request(side, amount, exactOut)));
        assert.equal(fixedBits(quoted.oraclePrice), QUOTED << 48n, `${side} ${amount}: the quoter's price`);
        assert.equal(exactOut ? quoted.amountOut : quoted.amountIn, amount);
    }
});

test("once the cluster's slot passes the quote's, the pool quotes and executes on Pyth", async () => {
    const validUntil = (await rpc.getSlot().send()) + 3n;
    await pushQuote(validUntil);
    const pool = await fetchPool(rpc, handle.address);
    assert.equal(pool.data.pushed.sequence, sequence, 'the push landed');
    assert.equal(pool.data.pushed.validUntil, validUntil);
    while ((await rpc.getSlot().send()) <= validUntil) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const [side, amount, exactOut] of TRADES) {
        const quoted = await withoutRaces(() => tradeAtQuote(trader, request(side, amount, exactOut)));
        // Pyth's print: the walk from 150, never exactly the quoter's 150.3.
        assert.notEqual(fixedBits(quoted.oraclePrice), QUOTED << 48n, `${side} ${amount}: expired, not the quoter's price`);
        const whole = Number(fixedBits(quoted.oraclePrice) >> 48n) / 1e6;
        assert.ok(Math.abs(whole - 150) < 1, `${side} ${amount}: Pyth's price, ${whole}`);
    }
});
