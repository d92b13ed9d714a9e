// Quote a swap on a Homeostat pool, then make it with at most 0.5 % slippage. Reads the
// demo world `homeostat localnet` prints as its first line (saved to world.json).
import { readFileSync } from 'node:fs';
import { address, createKeyPairSignerFromBytes, createSolanaRpc } from '@solana/kit';
import { loadPool, quote, swap } from '@homeostat/client';

const world = JSON.parse(readFileSync(process.argv[2] ?? 'world.json', 'utf8'));
const rpc = createSolanaRpc(world.url);
const trader = await createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(world.wallet.keypair, 'utf8'))));
const pool = await loadPool(rpc, address(world.pool));
const request = { pool, oracle: address(world.oracle), side: 'sell', amount: 1_000_000_000n } as const;
const quoted = await quote(rpc, trader.address, request);
console.log(`selling ${request.amount} base atoms pays ${quoted.amountOut} quote atoms (fee ${quoted.fee})`);
const { signature } = await swap(rpc, trader, request, 50);
console.log(`swapped: ${signature}`);
