import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret, parseSecretHash, verifySecret, type SecretHash } from '../../src/router/auth/secrets.js';
import { testScrypt } from './helpers.js';

function parsed(encoded: string): SecretHash {
  const result = parseSecretHash(encoded);
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('ticket secret hashes', () => {
  test('the hash is self-describing scrypt$N$r$p$salt$hash and never contains the secret', async () => {
    const secret = 'correct horse battery staple';
    const encoded = await hashSecret(secret, testScrypt);
    assert.match(encoded, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!encoded.includes(secret));
    assert.ok(!encoded.includes(Buffer.from(secret).toString('base64url')));
    const hash = parsed(encoded);
    assert.deepEqual([hash.log2N, hash.r, hash.p, hash.salt.length, hash.hash.length], [10, 8, 1, 16, 32]);
  });

  test('the default cost is N=2^15, r=8, p=1', async () => {
    assert.match(await hashSecret('x'), /^scrypt\$32768\$8\$1\$/);
  });

  test('each hash has its own salt', async () => {
    const [a, b] = await Promise.all([hashSecret('same', testScrypt), hashSecret('same', testScrypt)]);
    assert.notEqual(a, b);
    assert.notDeepEqual(parsed(a).salt, parsed(b).salt);
  });

  test('the right secret verifies; a wrong, empty, longer or differently cased one does not', async () => {
    const hash = parsed(await hashSecret('s3cret', testScrypt));
    assert.equal(await verifySecret('s3cret', hash), true);
    for (const wrong of ['s3cret ', 'S3cret', 's3cre', '', 's3cret\n']) assert.equal(await verifySecret(wrong, hash), false, JSON.stringify(wrong));
  });

  test('an empty secret cannot be hashed', async () => {
    await assert.rejects(hashSecret('', testScrypt), RangeError);
  });

  for (const [name, encoded, pattern] of [
    ['plain text', 'hunter2', /scrypt\$N\$r\$p\$salt\$hash/],
    ['another algorithm', 'bcrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /scrypt\$N/],
    ['N not a power of two', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /power of two/],
    ['N too small', 'scrypt$16$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /power of two/],
    ['N too large', `scrypt$${2 ** 24}$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, /power of two/],
    ['r out of range', 'scrypt$1024$0$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /scrypt r/],
    ['p out of range', 'scrypt$1024$8$9$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /scrypt p/],
    ['salt too short', 'scrypt$1024$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /salt/],
    ['not base64url', 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAA+$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /base64url/],
  ] as const) {
    test(`refused: ${name}`, () => {
      const result = parseSecretHash(encoded);
      assert.equal(typeof result, 'string');
      assert.match(result as string, pattern);
    });
  }
});
