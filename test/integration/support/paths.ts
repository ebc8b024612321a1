import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * Located relative to this file's compiled copy (<out>/test/integration/support/),
 * so the same tests run from dist/ (npm test) and from any other --outDir build.
 */

function compiled(relative: string): string {
  const path = fileURLToPath(new URL(relative, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} does not exist: build the project (tsc) before running the integration tests`);
  return path;
}

/** The compiled CLI entry point (what bin/thoth.js imports), from the same build as this file. */
export function cliMainPath(): string {
  return compiled('../../../src/cli/main.js');
}

/** A compiled fixture script in test/integration/fixtures/, by name without extension. */
export function fixturePath(name: string): string {
  return compiled(`../fixtures/${name}.js`);
}
