// Follow a pool's events while a swap lands. Homeostat emits them as inner instructions
// (`emit_cpi!`), which Anchor's log-based listeners never see: docs/integration.md, "Events".
import { readFileSync } from 'node:fs';
import { address, createKeyPairSignerFromBytes, createSolanaRpc, createSolanaRpcSubscriptions } from '@solana/kit';
import { loadPool, subscribePoolEvents, swap } from '@homeostat/client';

const world = JSON.parse(readFileSync(process.argv[2] ?? 'world.json', 'utf8'));
const rpc = createSolanaRpc(world.url);
const trader = await createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(world.wallet.keypair, 'utf8'))));
const abort = new AbortController();
const subscriptions = createSolanaRpcSubscriptions(world.ws_url);
const stream = await subscribePoolEvents(rpc, subscriptions, address(world.pool), { abortSignal: abort.signal });
const pool = await loadPool(rpc, address(world.pool));
await swap(rpc, trader, { pool, oracle: address(world.oracle), side: 'buy', amount: 1_000_000n });
for await (const { signature, events } of stream) {
    for (const event of events) {
        if (event.name === 'swapped') console.log(`swapped in ${signature}: ${event.data.amountIn} in, ${event.data.amountOut} out`);
    }
    abort.abort(); // one transaction is enough here; a service keeps iterating
}
