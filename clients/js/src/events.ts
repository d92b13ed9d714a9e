// Homeostat's events, as a client sees them.
//
// The program emits with Anchor's `emit_cpi!`: each event is an inner instruction in
// which Homeostat invokes itself, signed by its event-authority PDA, with data
// `EVENT_IX_TAG ‖ discriminator ‖ borsh(event)`. Nothing is written to the logs, so
// Anchor's log-based APIs (`program.addEventListener`, `EventParser`,
// `.simulate().events`) see nothing, on every cluster. Read events from a transaction's
// inner instructions instead (`eventsFromTransaction`, `fetchTransactionEvents`), and
// follow a pool with `subscribePoolEvents`: a logs subscription says which transactions
// mention the pool, each is fetched and its inner instructions decoded.
//
// Only an inner instruction that invokes Homeostat with its event authority as the first
// account counts: only Homeostat can sign for that PDA, so such an instruction in a
// successful transaction was emitted by Homeostat. `Program data:` log lines prove nothing
// (any program can log any bytes) and are never read.

import {
    type Address,
    type Commitment,
    type GetTransactionApi,
    type LogsNotificationsApi,
    type ReadonlyUint8Array,
    type Rpc,
    type RpcSubscriptions,
    type Signature,
    getBase58Encoder,
    getProgramDerivedAddress,
    getUtf8Encoder,
} from '@solana/kit';

import { type HomeostatEvent, decodeHomeostatEvent } from './generated/events.js';
import { HOMEOSTAT_PROGRAM_ADDRESS } from './generated/programs/homeostat.js';

/** Anchor's tag on an `emit_cpi!` event instruction (`sha256("anchor:event")[..8]`, reversed). */
export const EVENT_IX_TAG: ReadonlyUint8Array = Uint8Array.from([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);

let eventAuthority: Promise<Address> | undefined;

/** The PDA (`"__event_authority"`) that signs Homeostat's event instructions. */
export function findEventAuthorityAddress(): Promise<Address> {
    eventAuthority ??= getProgramDerivedAddress({
        programAddress: HOMEOSTAT_PROGRAM_ADDRESS,
        seeds: [getUtf8Encoder().encode('__event_authority')],
    }).then(([address]) => address);
    return eventAuthority;
}

/** An inner instruction as `getTransaction` returns it (`json`): indexes into the account keys. */
export type CompiledInnerInstruction = {
    readonly programIdIndex: number | bigint;
    readonly accounts: readonly (number | bigint)[];
    /** Base-58. */
    readonly data: string;
};

/**
 * An inner instruction as `simulateTransaction` (and `jsonParsed`) returns it: addresses, for
 * a program the node has no parser for — Homeostat's event instructions take this form there;
 * instructions the node parsed (token transfers) carry `parsed` instead and are not events.
 */
export type DecodedInnerInstruction =
    | { readonly programId: string; readonly accounts: readonly string[]; readonly data: string }
    | { readonly programId: string; readonly parsed: unknown };

/** A transaction's inner instructions, in either form. */
export type InnerInstructions = readonly {
    readonly index?: number | bigint;
    readonly instructions: readonly (CompiledInnerInstruction | DecodedInnerInstruction)[];
}[];

/** What event decoding reads of a `getTransaction` result (`encoding: 'json'`). */
export type TransactionWithInnerInstructions = {
    readonly meta: {
        readonly err: unknown;
        readonly innerInstructions?: InnerInstructions | null;
        readonly loadedAddresses?: { readonly writable: readonly string[]; readonly readonly: readonly string[] } | null;
    } | null;
    readonly transaction: { readonly message: { readonly accountKeys: readonly string[] } };
};

function startsWith(bytes: ReadonlyUint8Array, prefix: ReadonlyUint8Array): boolean {
    return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

/** The program, first account and data of an inner instruction, whichever its form. */
function resolve(
    accountKeys: readonly string[],
    instruction: CompiledInnerInstruction | DecodedInnerInstruction,
): { program?: string; first?: string; data: string } | undefined {
    if ('programIdIndex' in instruction) {
        const first = instruction.accounts[0];
        return {
            program: accountKeys[Number(instruction.programIdIndex)],
            first: first === undefined ? undefined : accountKeys[Number(first)],
            data: instruction.data,
        };
    }
    if ('data' in instruction) {
        return { program: instruction.programId, first: instruction.accounts[0], data: instruction.data };
    }
    return undefined;
}

/**
 * Homeostat's events among `inner` (a transaction's inner instructions, compiled or
 * decoded), in order; `accountKeys` are the transaction's keys — the message's, then the
 * ones loaded from lookup tables (writable, then read-only) — that compiled instructions
 * index. An instruction that is not Homeostat's signed event instruction, or does not
 * decode, is skipped.
 */
export async function eventsFromInnerInstructions(
    accountKeys: readonly string[],
    inner: InnerInstructions,
): Promise<HomeostatEvent[]> {
    const authority = await findEventAuthorityAddress();
    const base58 = getBase58Encoder();
    const events: HomeostatEvent[] = [];
    for (const group of inner) {
        for (const instruction of group.instructions) {
            const resolved = resolve(accountKeys, instruction);
            if (resolved?.program !== HOMEOSTAT_PROGRAM_ADDRESS || resolved.first !== authority) continue;
            let data: ReadonlyUint8Array;
            try {
                data = base58.encode(resolved.data);
            } catch {
                continue;
            }
            if (!startsWith(data, EVENT_IX_TAG)) continue;
            try {
                const event = decodeHomeostatEvent(data.slice(EVENT_IX_TAG.length));
                if (event) events.push(event);
            } catch {
                // A known discriminator whose fields do not decode: not an event we can read.
            }
        }
    }
    return events;
}

/**
 * Homeostat's events in a transaction fetched with `getTransaction` (`encoding: 'json'`,
 * `maxSupportedTransactionVersion: 0`), in order. A failed transaction has none.
 */
export function eventsFromTransaction(transaction: TransactionWithInnerInstructions): Promise<HomeostatEvent[]> {
    const { meta } = transaction;
    if (!meta || meta.err) return Promise.resolve([]);
    const keys = [
        ...transaction.transaction.message.accountKeys,
        ...(meta.loadedAddresses?.writable ?? []),
        ...(meta.loadedAddresses?.readonly ?? []),
    ];
    return eventsFromInnerInstructions(keys, meta.innerInstructions ?? []);
}

/** A transaction's Homeostat events. */
export type TransactionEvents = {
    signature: Signature;
    slot: bigint;
    events: HomeostatEvent[];
};

/**
 * Fetches `signature` and decodes its events; `null` while the cluster does not have the
 * transaction at `commitment` (default `confirmed`).
 */
export async function fetchTransactionEvents(
    rpc: Rpc<GetTransactionApi>,
    signature: Signature,
    commitment: Exclude<Commitment, 'processed'> = 'confirmed',
): Promise<TransactionEvents | null> {
    const transaction = await rpc
        .getTransaction(signature, { encoding: 'json', maxSupportedTransactionVersion: 0, commitment })
        .send();
    if (!transaction) return null;
    return {
        signature,
        slot: BigInt(transaction.slot),
        events: await eventsFromTransaction(transaction),
    };
}

/**
 * The signature a node's logs notifications carry for a simulation (64 zero bytes): a
 * validator notifies log subscribers of `simulateTransaction` runs too — anyone's quote
 * that mentions the pool — and no transaction by that signature ever lands.
 */
export const SIMULATION_SIGNATURE = '1'.repeat(64);

/** Options of `subscribePoolEvents`. */
export type PoolEventsOptions = {
    /** Ends the subscription (the iteration then ends). */
    abortSignal: AbortSignal;
    /** Of the logs subscription and the fetch; default `confirmed`. */
    commitment?: Exclude<Commitment, 'processed'>;
    /** How long to wait for a notified transaction to be fetchable (default 30 s). */
    fetchTimeoutMs?: number;
};

/** The pool an event names, if it names one. */
export function eventPool(event: HomeostatEvent): Address | undefined {
    return 'pool' in event.data ? event.data.pool : undefined;
}

/**
 * Follows `pool`: resolves once the cluster has confirmed a logs subscription mentioning
 * the pool, to the events naming the pool of every successful transaction landing from
 * then on, transaction by transaction — each notified transaction is fetched
 * (`getTransaction`) and its inner instructions decoded; transactions without such an
 * event are skipped. Notifications arriving while you process one are queued. The
 * iteration ends when `abortSignal` aborts; it throws when a notified transaction cannot
 * be fetched within `fetchTimeoutMs`, or the subscription fails.
 *
 * A subscription sees what lands while it is open: to resume after a disconnect, read
 * the signatures in between with `getSignaturesForAddress(pool)` and
 * `fetchTransactionEvents` each.
 */
export async function subscribePoolEvents(
    rpc: Rpc<GetTransactionApi>,
    rpcSubscriptions: RpcSubscriptions<LogsNotificationsApi>,
    pool: Address,
    options: PoolEventsOptions,
): Promise<AsyncGenerator<TransactionEvents, void, undefined>> {
    const commitment = options.commitment ?? 'confirmed';
    const timeout = options.fetchTimeoutMs ?? 30_000;
    const notifications = await rpcSubscriptions
        .logsNotifications({ mentions: [pool] }, { commitment })
        .subscribe({ abortSignal: options.abortSignal });
    // Kit queues notifications for an iterator from its first `next()` on: ask now, so
    // that nothing landing after this function returns is missed.
    const iterator = notifications[Symbol.asyncIterator]();
    let pending = iterator.next();
    pending.catch(() => undefined); // Seen (and rethrown) by the generator below.

    async function fetchWithin(signature: Signature): Promise<TransactionEvents> {
        const deadline = Date.now() + timeout;
        for (;;) {
            const fetched = await fetchTransactionEvents(rpc, signature, commitment);
            if (fetched) return fetched;
            if (Date.now() > deadline) {
                throw new Error(`transaction ${signature} was notified but not fetchable within ${timeout} ms`);
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    }

    return (async function* () {
        try {
            for (;;) {
                const next = await pending;
                if (next.done) return;
                pending = iterator.next();
                pending.catch(() => undefined);
                const { signature, err } = next.value.value;
                if (err || signature === SIMULATION_SIGNATURE) continue;
                const fetched = await fetchWithin(signature);
                const events = fetched.events.filter((event) => eventPool(event) === pool);
                if (events.length > 0) yield { ...fetched, events };
            }
        } catch (error) {
            // Kit's iterator throws the abort reason when the subscription is aborted.
            if (options.abortSignal.aborted) return;
            throw error;
        }
    })();
}
