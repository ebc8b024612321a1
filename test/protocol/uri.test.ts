import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMatchPolicy, isValidUri, uriMatchesPattern, wildcardComponents, type MatchPolicy } from '../../src/protocol/uri.js';

/** [uri, valid as exact, valid as prefix pattern, valid as wildcard pattern] */
const syntax: [string, boolean, boolean, boolean][] = [
  ['com.myapp.topic1', true, true, true],
  ['a', true, true, true],
  ['wamp.error.no_such_procedure', true, true, true],
  ['Com.My-App.Ünïcode.ok', true, true, true],
  ['', false, false, false],
  ['a..b', false, false, true],
  ['.a', false, false, true],
  ['a.', false, true, true],
  ['a.b.', false, true, true],
  ['a.b..', false, false, true],
  ['.', false, false, true],
  ['..', false, false, true],
  ['a b', false, false, false],
  ['a.b\t', false, false, false],
  ['a.\u00a0.b', false, false, false],
  ['a.b\n', false, false, false],
  ['a#b', false, false, false],
  ['a.#', false, false, false],
  ['#', false, false, false],
];

describe('isValidUri', () => {
  for (const [uri, exact, prefix, wildcard] of syntax) {
    it(`${JSON.stringify(uri)}: exact ${exact}, prefix ${prefix}, wildcard ${wildcard}`, () => {
      assert.equal(isValidUri(uri), exact);
      assert.equal(isValidUri(uri, 'exact'), exact);
      assert.equal(isValidUri(uri, 'prefix'), prefix);
      assert.equal(isValidUri(uri, 'wildcard'), wildcard);
    });
  }

  it('does not slow down on long adversarial input', () => {
    const long = `${'a.'.repeat(50_000)}#`;
    const started = performance.now();
    for (const match of ['exact', 'prefix', 'wildcard'] as const) assert.equal(isValidUri(long, match), false);
    assert.ok(performance.now() - started < 500);
  });
});

describe('uriMatchesPattern', () => {
  // The examples of the spec's pattern-based registration and subscription sections.
  const cases: [uri: string, pattern: string, match: MatchPolicy, expected: boolean][] = [
    ['com.myapp.topic', 'com.myapp.topic', 'exact', true],
    ['com.myapp.topic2', 'com.myapp.topic', 'exact', false],
    ['com.myapp.myobject1.myprocedure1', 'com.myapp.myobject1', 'prefix', true],
    ['com.myapp.myobject1-mysubobject1', 'com.myapp.myobject1', 'prefix', true],
    ['com.myapp.myobject1.mysubobject1.myprocedure1', 'com.myapp.myobject1', 'prefix', true],
    ['com.myapp.myobject1', 'com.myapp.myobject1', 'prefix', true],
    ['com.myapp.myobject2', 'com.myapp.myobject1', 'prefix', false],
    ['com.myapp.myobject', 'com.myapp.myobject1', 'prefix', false],
    ['com.myapp.topic.emerge', 'com.myapp.topic.emergency', 'prefix', false],
    ['com.myapp.x', 'com.myapp.', 'prefix', true],
    ['com.myapp', 'com.myapp.', 'prefix', false],
    ['com.myapp.myobject1.myprocedure1', 'com.myapp..myprocedure1', 'wildcard', true],
    ['com.myapp.myobject2.myprocedure1', 'com.myapp..myprocedure1', 'wildcard', true],
    ['com.myapp.myobject1.myprocedure1.mysubprocedure1', 'com.myapp..myprocedure1', 'wildcard', false],
    ['com.myapp.myobject1.myprocedure2', 'com.myapp..myprocedure1', 'wildcard', false],
    ['com.myapp2.myobject1.myprocedure1', 'com.myapp..myprocedure1', 'wildcard', false],
    ['com.myapp.foo.userevent', 'com.myapp..userevent', 'wildcard', true],
    ['com.myapp.foo.userevent.bar', 'com.myapp..userevent', 'wildcard', false],
    ['com.myapp.foo.user', 'com.myapp..userevent', 'wildcard', false],
    ['com.myapp.foo.usereventx', 'com.myapp..userevent', 'wildcard', false],
    ['a.b', '.', 'wildcard', true],
    ['a', '.', 'wildcard', false],
    ['a.b.c', '..', 'wildcard', true],
    ['a.b.c', 'a..', 'wildcard', true],
    ['x.b.c', 'a..', 'wildcard', false],
    ['a.b', 'a.b', 'wildcard', true],
    ['a.bc', 'a.b', 'wildcard', false],
    ['a.b', 'a.bc', 'wildcard', false],
  ];
  for (const [uri, pattern, match, expected] of cases) {
    it(`${match} ${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(uri)}`, () => {
      assert.equal(uriMatchesPattern(uri, pattern, match), expected);
    });
  }

  it('wildcard matching agrees with a split-based reference', () => {
    const component = fc.constantFrom('a', 'b', 'ab', 'ba', 'abc');
    const uri = fc.array(component, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
    const pattern = fc.array(fc.oneof(component, fc.constant('')), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.'));
    fc.assert(fc.property(uri, pattern, (u, p) => {
      const want = reference(u.split('.'), wildcardComponents(p));
      assert.equal(uriMatchesPattern(u, p, 'wildcard'), want);
    }), { numRuns: 300 });
  });
});

describe('wildcardComponents and isMatchPolicy', () => {
  it('splits a pattern, keeping empty components as wildcards', () => {
    assert.deepEqual(wildcardComponents('com..topic.'), ['com', '', 'topic', '']);
  });

  it('knows the three policies and nothing else', () => {
    for (const policy of ['exact', 'prefix', 'wildcard']) assert.equal(isMatchPolicy(policy), true);
    for (const other of ['regex', '', 'Exact', null, 1]) assert.equal(isMatchPolicy(other), false);
  });
});

function reference(uri: string[], pattern: string[]): boolean {
  return uri.length === pattern.length && pattern.every((p, i) => p === '' || p === uri[i]);
}
