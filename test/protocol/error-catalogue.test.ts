import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../support/repo-root.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';

test('docs/errors.md lists exactly the error URIs in the catalogue', async () => {
  const doc = await readFile(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `((?:wamp|thoth)\.[a-z_.]+)` \|/gm)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), [...new Set(Object.values(ErrorUri))].sort());
});
