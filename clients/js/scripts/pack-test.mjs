// The package as a user gets it: `npm pack` (which builds dist/), then for each @solana/kit
// version asked for (default: the ends of the peer range this package declares) a fresh
// project installs the tarball and that kit from the registry, typechecks the README's
// examples (examples/quote-and-swap.ts, examples/pool-events.ts) against the installed
// types, compiles and runs them against a fresh `homeostat localnet`, and checks the
// project holds one copy of kit.
//
//   node scripts/pack-test.mjs                # the range's ends
//   node scripts/pack-test.mjs 6.10.0 7.1.1   # other versions
//
// The localnet binary: $HOMEOSTAT_BIN, or ../../target/debug/homeostat
// (`cargo build -p homeostat-cli`), as the tests use it.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const packageFolder = path.resolve(here, '..');
const binary = process.env.HOMEOSTAT_BIN ?? path.resolve(packageFolder, '../../target/debug/homeostat');
const manifest = JSON.parse(readFileSync(path.join(packageFolder, 'package.json'), 'utf8'));

/** The newest kit this package is tested with; the peer range's upper bound is the next major. */
const NEWEST_TESTED_KIT = '8.4.0';
// The fresh project's own tools, pinned as this package's are.
const TYPESCRIPT = manifest.devDependencies.typescript;
const NODE_TYPES = manifest.devDependencies['@types/node'];

function rangeEnds() {
    const range = manifest.peerDependencies['@solana/kit'];
    const low = /^>=(\d+\.\d+\.\d+) <(\d+)$/.exec(range);
    if (!low) throw new Error(`peerDependencies["@solana/kit"] is ${range}: expected ">=x.y.z <N"`);
    if (Number(NEWEST_TESTED_KIT.split('.')[0]) !== Number(low[2]) - 1) {
        throw new Error(`the range ${range} ends at a major other than the newest tested kit ${NEWEST_TESTED_KIT}'s`);
    }
    return [low[1], NEWEST_TESTED_KIT];
}

const EXAMPLES = ['quote-and-swap', 'pool-events'];

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/** Starts `homeostat localnet` on free ports; resolves to its world line and a stop function. */
async function startLocalnet() {
    const folder = mkdtempSync(path.join(tmpdir(), 'homeostat-pack-localnet-'));
    const node = spawn(binary, ['localnet', '--port', '0', '--folder', folder], { stdio: ['ignore', 'pipe', 'ignore'] });
    const line = await new Promise((resolve, reject) => {
        createInterface({ input: node.stdout }).once('line', resolve);
        node.once('error', reject);
        node.once('exit', (code) => reject(new Error(`homeostat localnet exited (${code}): is ${binary} built?`)));
    });
    return {
        world: line,
        stop: () => {
            node.kill();
            rmSync(folder, { recursive: true, force: true });
        },
    };
}

function kitCopies(folder) {
    const found = [];
    const walk = (modules) => {
        let entries;
        try {
            entries = readdirSync(modules, { withFileTypes: true });
        } catch {
            return;
        }
        for (const entry of entries) {
            if (!entry.isDirectory()) continue;
            const scoped = entry.name.startsWith('@');
            for (const name of scoped ? readdirSync(path.join(modules, entry.name)) : [entry.name]) {
                const at = scoped ? path.join(modules, entry.name, name) : path.join(modules, name);
                if (`${scoped ? `${entry.name}/` : ''}${name}` === '@solana/kit') found.push(at);
                walk(path.join(at, 'node_modules'));
            }
        }
    };
    walk(path.join(folder, 'node_modules'));
    return found;
}

async function check(tarball, kit) {
    const started = Date.now();
    const project = mkdtempSync(path.join(tmpdir(), `homeostat-pack-kit-${kit}-`));
    try {
        writeFileSync(
            path.join(project, 'package.json'),
            JSON.stringify({ name: 'homeostat-pack-test', private: true, type: 'module' }, null, 2),
        );
        writeFileSync(
            path.join(project, 'tsconfig.json'),
            JSON.stringify({
                compilerOptions: {
                    target: 'ES2022',
                    module: 'NodeNext',
                    moduleResolution: 'NodeNext',
                    strict: true,
                    types: ['node'],
                    outDir: 'out',
                },
                include: EXAMPLES.map((example) => `${example}.ts`),
            }),
        );
        for (const example of EXAMPLES) {
            copyFileSync(path.join(packageFolder, `examples/${example}.ts`), path.join(project, `${example}.ts`));
        }
        run(
            'npm',
            [
                'install',
                '--no-audit',
                '--no-fund',
                '--loglevel=error',
                tarball,
                `@solana/kit@${kit}`,
                `typescript@${TYPESCRIPT}`,
                `@types/node@${NODE_TYPES}`,
            ],
            project,
        );
        const copies = kitCopies(project);
        if (copies.length !== 1) throw new Error(`kit ${kit}: ${copies.length} copies of @solana/kit: ${copies.join(', ')}`);
        // Library types checked too (no skipLibCheck): the shipped .d.ts against this kit.
        run(path.join(project, 'node_modules/.bin/tsc'), ['-p', '.'], project);
        const { world, stop } = await startLocalnet();
        try {
            writeFileSync(path.join(project, 'world.json'), world);
            let output = '';
            for (const [example, expected] of [
                ['quote-and-swap', [/^selling 1000000000 base atoms pays [1-9]\d* quote atoms/m, /^swapped: \w{64,88}$/m]],
                ['pool-events', [/^swapped in \w{64,88}: 1000000 in, [1-9]\d* out$/m]],
            ]) {
                const started = Date.now();
                const printed = run('node', [`out/${example}.js`, 'world.json'], project);
                const seconds = ((Date.now() - started) / 1000).toFixed(1);
                if (!expected.every((pattern) => pattern.test(printed))) {
                    throw new Error(`kit ${kit}: examples/${example}.ts printed\n${printed}`);
                }
                output += `${example} (${seconds} s):\n${printed.trimEnd().replace(/^/gm, '  ')}\n`;
            }
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            process.stdout.write(`kit ${kit}: installed, typechecked, ran (${seconds} s)\n${output.trimEnd().replace(/^/gm, '  ')}\n`);
        } finally {
            stop();
        }
    } finally {
        rmSync(project, { recursive: true, force: true });
    }
}

const versions = process.argv.length > 2 ? process.argv.slice(2) : rangeEnds();
const packed = mkdtempSync(path.join(tmpdir(), 'homeostat-pack-'));
try {
    const [{ filename }] = JSON.parse(
        run('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', packed], packageFolder),
    );
    const tarball = path.join(packed, filename);
    for (const kit of versions) await check(tarball, kit);
} finally {
    rmSync(packed, { recursive: true, force: true });
}
