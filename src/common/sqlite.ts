import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Open a SQLite file (creating it and its folder if needed; ':memory:' for none)
 * in WAL mode, check its integrity and bring its schema up to date with
 * `migrations`: ordered, PRAGMA user_version is the number applied, never edit
 * one that shipped. Throws an Error whose message says what is wrong; a damaged
 * file gets a hint to move it aside (it is left unchanged).
 */
export function openMigrated(path: string, migrations: readonly string[], options: { pragmas?: readonly string[]; emptyName: string }): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    for (const pragma of options.pragmas ?? []) db.pragma(pragma);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    migrate(db, migrations);
    return db;
  } catch (cause) {
    db?.close();
    const message = (cause as Error).message;
    const hint = /not a database|malformed|integrity/i.test(message) ? ` (the file is damaged; move it aside to start ${options.emptyName} — nothing was changed)` : '';
    throw new Error(`cannot open: ${message}${hint}`, { cause });
  }
}

function migrate(db: Database.Database, migrations: readonly string[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(`schema version ${version} is newer than this thoth knows (${migrations.length}); upgrade thoth`);
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
