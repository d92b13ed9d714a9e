// Starts `homeostat localnet` for a test file and reads the world it prints.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
    admin: { address: string };
};

/** A fresh localnet on free ports; `stop` ends it. */
export async function startLocalnet(): Promise<{ world: World; stop: () => void }> {
    const folder = mkdtempSync(path.join(tmpdir(), 'homeostat-js-'));
    const node: ChildProcess = spawn(binary, ['localnet', '--port', '0', '--folder', folder], {
        stdio: ['ignore', 'pipe', 'ignore'],
    });
    const lines = createInterface({ input: node.stdout! });
    const first: string = await new Promise((resolve, reject) => {
        lines.once('line', resolve);
        node.once('exit', (code) => reject(new Error(`homeostat localnet exited (${code}): is ${binary} built?`)));
    });
    const stop = () => {
        node.kill();
        rmSync(folder, { recursive: true, force: true });
    };
    return { world: JSON.parse(first), stop };
}
