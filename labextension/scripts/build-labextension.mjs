// Builds the federated extension with JupyterLab's own builder
// (@jupyterlab/builder), which needs the metadata of the JupyterLab core it
// builds against as a folder holding a package.json: that is
// @jupyterlab/core-meta's snapshot, pinned by the lockfile, so the build
// needs neither the jupyterlab Python package nor the network.
// Usage: node scripts/build-labextension.mjs [--development]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(here, 'package.json'));
const core = join(here, 'node_modules', '.cache', 'jupyterlab-core');
mkdirSync(core, { recursive: true });
copyFileSync(require.resolve('@jupyterlab/core-meta/core.package.json'), join(core, 'package.json'));
const builder = require.resolve('@jupyterlab/builder/lib/build-labextension.js');
const args = [builder, '--core-path', core, ...process.argv.slice(2), here];
const done = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(done.status ?? 1);
