import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError, jsonSerializer } from '../../src/codec/index.js';
import { MAX_NESTING } from '../../src/codec/nesting.js';

const json = jsonSerializer;

describe('json serializer', () => {
  it('round-trips a message', () => {
    const value = [48, 2 ** 53, { timeout: 10 }, 'com.app.proc', ['é', 1.5, null, true], { k: 'ü' }];
    assert.deepEqual(json.decode(json.encode(value)), value);
  });

  it('is a text serializer writing UTF-8 JSON', () => {
    assert.equal(json.binary, false);
    assert.equal(json.encode([1, 'ré', {}]).toString('utf8'), '[1,"ré",{}]');
  });

  it('carries binary as a NUL-prefixed base64 string', () => {
    const bytes = Buffer.from([0, 1, 255]);
    const encoded = json.encode([36, 1, 2, {}, [bytes, new Uint8Array([7])], { b: bytes }]);
    assert.equal(encoded.toString('utf8'), '[36,1,2,{},["\\u0000AAH/","\\u0000Bw=="],{"b":"\\u0000AAH/"}]');
    assert.deepEqual(json.decode(encoded), [36, 1, 2, {}, [bytes, Buffer.from([7])], { b: bytes }]);
  });

  it('finds binary anywhere in the value: deep, behind toJSON, in a Buffer subclass', () => {
    const bytes = Buffer.from([1, 2]);
    const deep = [[[{ a: [{ b: bytes }] }]]];
    assert.equal(json.encode(deep).toString('utf8'), '[[[{"a":[{"b":"\\u0000AQI="}]}]]]');
    const viaToJSON = { toJSON: () => ({ blob: new Uint8Array([255]) }) };
    assert.equal(json.encode([viaToJSON]).toString('utf8'), '[{"blob":"\\u0000/w=="}]');
    let nested: unknown = bytes;
    for (let i = 0; i < 150; i++) nested = [nested];
    assert.deepEqual(json.decode(Buffer.from(json.encode(nested).toString('utf8').replace(/^\[+|\]+$/g, ''))), bytes);
  });

  it('encodes values without binary exactly as JSON.stringify does', () => {
    const when = new Date(0);
    const value = [1, 'a', { d: when, n: null, u: undefined, f: new Float32Array([0.5]), m: new Map([[1, 2]]) }, [undefined]];
    assert.equal(json.encode(value).toString('utf8'), JSON.stringify(value));
  });

  it('decodes an empty binary', () => {
    assert.deepEqual(json.decode(Buffer.from('["\\u0000"]')), [Buffer.alloc(0)]);
  });

  it('refuses invalid UTF-8 with a CodecError', () => {
    for (const bytes of [[0x5b, 0xff, 0x5d], [0x22, 0xc3, 0x22], [0x5b, 0xed, 0xa0, 0x80, 0x5d]]) {
      assert.throws(() => json.decode(Buffer.from(bytes)), (error: unknown) => {
        assert.ok(error instanceof CodecError);
        assert.equal(error.serializer, 'json');
        assert.match(error.message, /UTF-8/);
        return true;
      });
    }
  });

  it('refuses invalid JSON with a CodecError', () => {
    for (const text of ['', '[', '[1,]', '{"a":}', "['x']", '[1] [2]', 'undefined', '[NaN]']) {
      assert.throws(() => json.decode(Buffer.from(text)), (error: unknown) => {
        assert.ok(error instanceof CodecError, `${text}: ${String(error)}`);
        assert.match(error.message, /not valid JSON/);
        return true;
      });
    }
  });

  it(`accepts nesting up to ${MAX_NESTING} levels and refuses deeper`, () => {
    const atLimit = Buffer.from(`${'['.repeat(MAX_NESTING)}1${']'.repeat(MAX_NESTING)}`);
    const decoded = json.decode(atLimit);
    assert.equal(json.encode(decoded).toString(), atLimit.toString());
    const tooDeep = Buffer.from(`${'['.repeat(MAX_NESTING + 1)}${']'.repeat(MAX_NESTING + 1)}`);
    assert.throws(() => json.decode(tooDeep), CodecError);
    const objects = Buffer.from(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`);
    assert.throws(() => json.decode(objects), /more than 100 deep/);
  });
});
