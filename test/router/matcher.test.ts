import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UriTable, type MatchPolicy } from '../../src/router/matcher.js';

const entry = (uri: string, match: MatchPolicy) => ({ uri, match });

test('best match: exact, then longest prefix, then the most specific wildcard', () => {
  const table = new UriTable<{ uri: string; match: MatchPolicy }>();
  const exact = entry('a.b.c', 'exact');
  const short = entry('a.', 'prefix');
  const long = entry('a.b.', 'prefix');
  const loose = entry('a..', 'wildcard');
  const tight = entry('a..c', 'wildcard');
  const rightFixed = entry('.b.c', 'wildcard');
  for (const e of [short, loose, exact, long, tight, rightFixed]) table.add(e);
  assert.equal(table.best('a.b.c'), exact);
  assert.equal(table.best('a.b.d'), long);
  assert.equal(table.best('a.x'), short);
  assert.equal(table.best('z.b.c'), rightFixed);
  table.delete(short);
  table.delete(long);
  assert.equal(table.best('a.x.c'), tight);
  assert.equal(table.best('a.b.c'), exact);
  assert.equal(table.best('a.x.y'), loose);
  assert.equal(table.best('q.r'), undefined);
  const all = table.all('a.b.c');
  assert.equal(all[0], exact);
  assert.deepEqual(new Set(all), new Set([exact, tight, rightFixed, loose]));
});

test('all() lists every matching entry and get() finds by uri and policy', () => {
  const table = new UriTable<{ uri: string; match: MatchPolicy }>();
  const a = entry('x.y', 'exact');
  const b = entry('x.', 'prefix');
  const c = entry('.y', 'wildcard');
  for (const e of [a, b, c]) table.add(e);
  assert.deepEqual(new Set(table.all('x.y')), new Set([a, b, c]));
  assert.equal(table.get('x.', 'prefix'), b);
  assert.equal(table.get('x.', 'exact'), undefined);
  assert.equal(table.size, 3);
});
