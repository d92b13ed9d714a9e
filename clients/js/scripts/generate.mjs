// Generates src/generated from the committed IDL (idl/homeostat.json) with Codama.
// `--check` renders into a temporary folder and fails when src/generated differs: the
// TypeScript client is stale, as `cargo run -p homeostat-idl -- --check` fails for the IDL.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { rootNodeFromAnchor } from '@codama/nodes-from-anchor';
import { renderVisitor } from '@codama/renderers-js';
import { createFromRoot } from 'codama';

const here = path.dirname(fileURLToPath(import.meta.url));
const packageFolder = path.resolve(here, '..');
const idl = JSON.parse(readFileSync(path.resolve(packageFolder, '../../idl/homeostat.json'), 'utf8'));
const check = process.argv.includes('--check');

async function render(folder) {
    const codama = createFromRoot(rootNodeFromAnchor(idl));
    await codama.accept(
        renderVisitor(folder, {
            generatedFolder: 'src/generated',
            // The package's own package.json pins the dependencies; the renderer's sync
            // would rewrite it on every run.
            syncPackageJson: false,
            kitImportStrategy: 'rootOnly',
        }),
    );
}

if (!check) {
    await render(packageFolder);
    console.log('src/generated rendered from idl/homeostat.json');
} else {
    const scratch = mkdtempSync(path.join(tmpdir(), 'homeostat-codama-'));
    try {
        cpSync(path.join(packageFolder, 'package.json'), path.join(scratch, 'package.json'));
        await render(scratch);
        try {
            execFileSync('diff', ['-r', path.join(scratch, 'src/generated'), path.join(packageFolder, 'src/generated')], {
                stdio: 'inherit',
            });
        } catch {
            console.error('clients/js/src/generated is stale: run `npm run generate` in clients/js');
            process.exit(1);
        }
        console.log('clients/js/src/generated is current');
    } finally {
        rmSync(scratch, { recursive: true, force: true });
    }
}
