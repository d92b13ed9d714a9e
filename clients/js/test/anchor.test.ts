// Anchor's TypeScript client (@coral-xyz/anchor 0.32, on @solana/web3.js 1.x) against
// `homeostat localnet`, as a third party would use it from the IDL alone: it decodes the
// zero-copy pool, sends a swap with `.rpc()` (confirmed over the websocket) and reads it back
// with `getParsedTransaction`, simulates one, and a refused swap is an `AnchorError`
// carrying the program's error as the IDL names it. Anchor's log-based event APIs see none
// of Homeostat's events (they are `emit_cpi!` inner instructions); this client's
// `fetchTransactionEvents` reads them from the same transaction.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import anchor, { type Idl } from '@coral-xyz/anchor';
import { Connection, Keypair, PublicKey, type VersionedTransactionResponse } from '@solana/web3.js';

import { address, createSolanaRpc, type Signature } from '@solana/kit';

import { fetchTransactionEvents } from '../src/index.js';
import { type World, startLocalnet } from './world.js';

// Anchor is a CommonJS package: its classes come through the default export under ESM.
const { AnchorError, AnchorProvider, BN, EventParser, Program, Wallet } = anchor;
const { bs58 } = anchor.utils.bytes;

const here = path.dirname(fileURLToPath(import.meta.url));
const idl = JSON.parse(readFileSync(path.resolve(here, '../../../idl/homeostat.json'), 'utf8')) as Idl;
const TOKEN = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
const ASSOCIATED_TOKEN = new PublicKey('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');

let stop: () => void;
let world: World;
let program: anchor.Program;
let trader: Keypair;
let connection: Connection;

const ata = (owner: PublicKey, mint: PublicKey) =>
    PublicKey.findProgramAddressSync([owner.toBuffer(), TOKEN.toBuffer(), mint.toBuffer()], ASSOCIATED_TOKEN)[0];

before(async () => {
    ({ world, stop } = await startLocalnet());
    connection = new Connection(world.url, { commitment: 'confirmed', wsEndpoint: world.ws_url });
    trader = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(world.wallet.keypair, 'utf8'))));
    program = new Program(idl, new AnchorProvider(connection, new Wallet(trader), { commitment: 'confirmed' }));
});

after(() => {
    // web3.js reconnects its websocket forever: stop that and close it (no public API)
    // before the node goes, or this test file never ends.
    const socket = (connection as unknown as { _rpcWebSocket: { setAutoReconnect(on: boolean): void; close(): void } })
        ._rpcWebSocket;
    socket.setAutoReconnect(false);
    socket.close();
    stop?.();
});

function swapAccounts() {
    const [baseMint, quoteMint] = [new PublicKey(world.base_mint), new PublicKey(world.quote_mint)];
    const pool = new PublicKey(world.pool);
    const [eventAuthority] = PublicKey.findProgramAddressSync([Buffer.from('__event_authority')], program.programId);
    return {
        trader: trader.publicKey,
        pool,
        oracle: new PublicKey(world.oracle),
        // A single-feed pool: the optional account's slot holds the program id.
        quoteOracle: program.programId,
        baseMint,
        quoteMint,
        baseVault: PublicKey.findProgramAddressSync([Buffer.from('vault'), pool.toBuffer(), baseMint.toBuffer()], program.programId)[0],
        quoteVault: PublicKey.findProgramAddressSync([Buffer.from('vault'), pool.toBuffer(), quoteMint.toBuffer()], program.programId)[0],
        traderBase: ata(trader.publicKey, baseMint),
        traderQuote: ata(trader.publicKey, quoteMint),
        baseTokenProgram: TOKEN,
        quoteTokenProgram: TOKEN,
        eventAuthority,
        program: program.programId,
    };
}

test("Anchor's client decodes the zero-copy pool", async () => {
    const namespace = program.account as unknown as Record<string, { fetch(address: string): Promise<unknown> }>;
    const pool = (await namespace.pool.fetch(world.pool)) as { baseMint: PublicKey; quoteMint: PublicKey; config: PublicKey };
    assert.equal(pool.baseMint.toBase58(), world.base_mint);
    assert.equal(pool.quoteMint.toBase58(), world.quote_mint);
    assert.equal(pool.config.toBase58(), world.config);
});

test("Anchor's .rpc() sends and confirms a swap; web3.js reads it back parsed", async () => {
    const accounts = swapAccounts();
    const before = (await connection.getTokenAccountBalance(accounts.traderBase)).value.amount;
    const signature = await program.methods
        .swapExactIn({ direction: 0, amountIn: new BN(1_000_000), minAmountOut: new BN(1) })
        .accountsStrict(accounts)
        .rpc();
    const after = (await connection.getTokenAccountBalance(accounts.traderBase)).value.amount;
    assert.equal(BigInt(before) - BigInt(after), 1_000_000n);
    const status = await connection.getSignatureStatus(signature);
    assert.equal(status.value?.err, null);

    // web3.js' getParsedTransaction (jsonParsed, validated by web3.js' own schema): the
    // token CPIs decoded, the signer marked, the token balances before and after.
    const parsed = await connection.getParsedTransaction(signature, {
        commitment: 'confirmed',
        maxSupportedTransactionVersion: 0,
    });
    assert.ok(parsed?.meta, 'a parsed transaction with its meta');
    assert.equal(parsed.meta.err, null);
    const payer = parsed.transaction.message.accountKeys[0];
    assert.equal(payer?.signer, true);
    assert.equal(payer?.writable, true);
    const inner = (parsed.meta.innerInstructions ?? []).flatMap((group) => group.instructions);
    const transfer = inner.find(
        (instruction) =>
            'parsed' in instruction &&
            instruction.program === 'spl-token' &&
            instruction.parsed.type === 'transfer' &&
            instruction.parsed.info.source === accounts.traderBase.toBase58(),
    );
    assert.ok(transfer && 'parsed' in transfer, JSON.stringify(inner));
    assert.equal(transfer.parsed.info.amount, '1000000');
    const balance = (balances: typeof parsed.meta.preTokenBalances) =>
        (balances ?? []).find(
            (entry) => parsed.transaction.message.accountKeys[entry.accountIndex]?.pubkey.equals(accounts.traderBase),
        )?.uiTokenAmount.amount;
    assert.equal(BigInt(balance(parsed.meta.preTokenBalances) ?? 0) - BigInt(balance(parsed.meta.postTokenBalances) ?? 0), 1_000_000n);
});

test("Anchor's .simulate() runs a swap without committing it", async () => {
    const accounts = swapAccounts();
    const before = (await connection.getTokenAccountBalance(accounts.traderBase)).value.amount;
    const simulated = await program.methods
        .swapExactIn({ direction: 0, amountIn: new BN(1_000_000), minAmountOut: new BN(1) })
        .accountsStrict(accounts)
        .simulate();
    const id = program.programId.toBase58();
    assert.equal(simulated.raw.filter((line) => line === `Program ${id} invoke [1]`).length, 1, simulated.raw.join('\n'));
    assert.equal(simulated.raw.at(-1), `Program ${id} success`);
    const after = (await connection.getTokenAccountBalance(accounts.traderBase)).value.amount;
    assert.equal(after, before, 'a simulation moves nothing');
});

test("a refused swap is an AnchorError with the IDL's name and message", async () => {
    await assert.rejects(
        program.methods
            .swapExactIn({ direction: 0, amountIn: new BN(1_000_000), minAmountOut: new BN('18446744073709551615') })
            .accountsStrict(swapAccounts())
            .rpc(),
        (error: unknown) => {
            assert.ok(error instanceof AnchorError, `expected an AnchorError, got ${String(error)}`);
            assert.equal(error.error.errorCode.code, 'SlippageExceeded');
            assert.equal(error.error.errorCode.number, 6017);
            const named = idl.errors?.find((entry) => entry.code === error.error.errorCode.number);
            assert.equal(error.error.errorMessage, named?.msg);
            assert.equal(error.program.toBase58(), world.program);
            return true;
        },
    );
});

test("Anchor's log-based event APIs see no Homeostat event; the inner instructions carry it", async () => {
    const accounts = swapAccounts();
    const swapExactIn = () =>
        program.methods
            .swapExactIn({ direction: 0, amountIn: new BN(1_000_000), minAmountOut: new BN(1) })
            .accountsStrict(accounts);
    // `.simulate().events`: parsed from `Program data:` log lines, which emit_cpi! never writes.
    const simulated = await swapExactIn().simulate();
    assert.deepEqual(simulated.events, []);
    // `EventParser` over the landed transaction's logs (what `addEventListener` runs on
    // each logs notification): nothing either.
    const signature = await swapExactIn().rpc();
    const landed = await connection.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    const logs = landed?.meta?.logMessages ?? [];
    assert.ok(logs.length > 0, 'the transaction has logs');
    assert.deepEqual([...new EventParser(program.programId, program.coder).parseLogs(logs)], []);
    // The same transaction's inner instructions: one Swapped event, read with this client...
    const fetched = await fetchTransactionEvents(createSolanaRpc(world.url), signature as Signature);
    assert.deepEqual(
        fetched?.events.map((event) => [event.name, 'pool' in event.data ? event.data.pool : undefined]),
        [['swapped', address(world.pool)]],
    );
    // ... or with Anchor's own event coder, as docs/integration.md ("Events") shows.
    const decoded = anchorEvents(landed!, program);
    assert.equal(decoded.length, 1);
    assert.equal(decoded[0]?.name, 'swapped');
    assert.equal((decoded[0]?.data.pool as PublicKey).toBase58(), world.pool);
    assert.equal((decoded[0]?.data.amountIn as anchor.BN).toString(), '1000000');
});

// docs/integration.md, "Events": Homeostat's events from a web3.js transaction, decoded by
// Anchor's event coder.
function anchorEvents(tx: VersionedTransactionResponse, program: anchor.Program) {
    const EVENT_IX_TAG = Buffer.from('e445a52e51cb9a1d', 'hex');
    const [eventAuthority] = PublicKey.findProgramAddressSync([Buffer.from('__event_authority')], program.programId);
    const keys = tx.transaction.message.getAccountKeys({ accountKeysFromLookups: tx.meta?.loadedAddresses });
    const events = [];
    for (const { instructions } of tx.meta?.err ? [] : (tx.meta?.innerInstructions ?? [])) {
        for (const ix of instructions) {
            const data = Buffer.from(bs58.decode(ix.data));
            if (!keys.get(ix.programIdIndex)?.equals(program.programId)) continue;
            if (!keys.get(ix.accounts[0] ?? -1)?.equals(eventAuthority)) continue;
            if (!data.subarray(0, 8).equals(EVENT_IX_TAG)) continue;
            const event = program.coder.events.decode(data.subarray(8).toString('base64'));
            if (event) events.push(event);
        }
    }
    return events;
}
