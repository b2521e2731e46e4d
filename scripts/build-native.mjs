#!/usr/bin/env node
// Builds the optional native LSTM engine (native/) with node-gyp during `npm install`.
// Never fails the install: when no C++ toolchain is there, it prints one warning
// line and the product runs on the portable engine. `--strict` exits 1 on failure (CI).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const strict = process.argv.includes('--strict');
const logFile = join(nativeDir, 'build', 'build.log');

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp, // set by npm for lifecycle scripts
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

// Distribution builds of node (Debian's /usr/bin/node) ship headers beside the binary; using them
// avoids node-gyp downloading headers (machines here are offline).
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function run(gyp, args) {
  const r = spawnSync(process.execPath, [gyp, ...args], { cwd: nativeDir, encoding: 'utf8', env: process.env });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function main() {
  const gyp = findNodeGyp();
  if (!gyp) return { ok: false, why: 'node-gyp not found' };
  const dir = nodeDir();
  const common = dir ? [`--nodedir=${dir}`] : [];
  const r = run(gyp, ['rebuild', ...common]);
  return r.ok ? { ok: true, log: r.out } : { ok: false, why: 'node-gyp failed', log: r.out };
}

const res = main();
try {
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, res.log ?? '');
} catch {
  // The log is a convenience; a read-only tree must not fail the install.
}
if (res.ok) {
  process.stdout.write('plantwatch: native LSTM engine built\n');
} else {
  process.stderr.write(`plantwatch: WARNING native LSTM engine not built (${res.why}; see native/build/build.log); the portable engine will be used\n`);
  if (strict) process.exit(1);
}
