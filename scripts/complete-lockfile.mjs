#!/usr/bin/env node
// The registry this project installs from lacks the prebuilt packages that msgpackr-extract and
// cbor-extract list for other platforms, so `npm install` writes a lock file without them, and
// `npm ci` then refuses that lock file as incomplete. This adds the missing entries, marked
// optional and limited to their platform, so `npm ci` skips them everywhere else. Idempotent.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'], 'darwin-x64': ['darwin', 'x64'], 'linux-arm': ['linux', 'arm'],
  'linux-arm64': ['linux', 'arm64'], 'linux-x64': ['linux', 'x64'], 'win32-x64': ['win32', 'x64'],
};
const added = [];
for (const parent of ['node_modules/msgpackr-extract', 'node_modules/cbor-extract']) {
  const entry = packages[parent];
  for (const [name, version] of Object.entries(entry?.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    const platform = platforms[name.split('-extract-').at(-1)];
    if (packages[key] || !platform) continue;
    packages[key] = { version, cpu: [platform[1]], ...(entry.dev ? { dev: true } : {}), optional: true, os: [platform[0]] };
    added.push(key);
  }
}
if (added.length > 0) {
  lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(added.length > 0 ? `package-lock.json: added ${added.length} platform entries` : 'package-lock.json: complete');
