import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ClientError, defineProcedure, RemoteError, type ProcedureInput, type ProcedureOutput } from '../../src/client/index.js';
import { open } from './harness.js';

const play = defineProcedure({
  name: 'media.play',
  args: z.object({
    path: z.string(),
    options: z.object({ volume: z.number().min(0).max(1) }).optional(),
  }),
  result: z.object({ playing: z.boolean(), position: z.number() }),
});

// Compile-time checks: the input and output types come from the schemas.
type PlayInput = ProcedureInput<typeof play>;
type PlayOutput = ProcedureOutput<typeof play>;
const typedInput: PlayInput = { path: '/a.flac', options: { volume: 0.5 } };
const typedOutput: PlayOutput = { playing: true, position: 0 };
void typedInput;
void typedOutput;

describe('typed procedures', () => {
  it('defineProcedure refuses an invalid name', () => {
    assert.throws(() => defineProcedure({ name: 'bad name', args: z.object({}), result: z.void() }), ClientError);
  });

  it('provide: valid kwargs reach the handler; its result is sent as args[0]', async () => {
    const { session, router } = await open();
    const inputs: unknown[] = [];
    const pending = session.provide(play, async (input) => {
      inputs.push(input);
      return { playing: true, position: 0 };
    });
    const register = await router.expect('REGISTER');
    assert.equal(register.procedure, 'media.play');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    await pending;
    router.send({ type: 'INVOCATION', requestId: 1, registrationId: 1, details: {}, args: [], kwargs: { path: '/a.flac' } });
    const y = await router.expect('YIELD');
    assert.deepEqual(y.args, [{ playing: true, position: 0 }]);
    assert.deepEqual(inputs, [{ path: '/a.flac' }]);
    await session.close();
  });

  it('provide: a bad argument answers wamp.error.invalid_argument naming the field; the handler never runs', async () => {
    const { session, router } = await open();
    let runs = 0;
    const pending = session.provide(play, () => {
      runs++;
      return { playing: true, position: 0 };
    });
    const register = await router.expect('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    await pending;
    router.send({ type: 'INVOCATION', requestId: 2, registrationId: 1, details: {}, args: [], kwargs: { path: '/a', options: { volume: 'loud' } } });
    const error = await router.expect('ERROR');
    assert.equal(error.error, 'wamp.error.invalid_argument');
    assert.match(String(error.args?.[0]), /"options\.volume"/);
    const issues = error.kwargs?.['issues'] as { path: string }[];
    assert.deepEqual(issues.map((i) => i.path), ['options.volume']);
    router.send({ type: 'INVOCATION', requestId: 3, registrationId: 1, details: {}, args: [], kwargs: { path: '/a', extra: 1, options: { volume: 2 } } });
    const second = await router.expect('ERROR');
    assert.equal(second.error, 'wamp.error.invalid_argument');
    assert.match(String(second.args?.[0]), /"options\.volume"/);
    assert.equal(runs, 0);
    await session.close();
  });

  it('provide: a result that breaks the schema answers thoth.error.invalid_result', async () => {
    const { session, router } = await open();
    const pending = session.provide(play, () => ({ playing: 'yes', position: 0 }) as never);
    const register = await router.expect('REGISTER');
    router.send({ type: 'REGISTERED', requestId: register.requestId, registrationId: 1 });
    await pending;
    router.send({ type: 'INVOCATION', requestId: 1, registrationId: 1, details: {}, args: [], kwargs: { path: '/a' } });
    const error = await router.expect('ERROR');
    assert.equal(error.error, 'thoth.error.invalid_result');
    assert.match(String(error.args?.[0]), /"playing"/);
    await session.close();
  });

  it('invoke: sends the input as kwargs and returns the validated args[0]', async () => {
    const { session, router } = await open();
    const pending = session.invoke(play, { path: '/b.flac', options: { volume: 1 } }, { device: 'tv' });
    const call = await router.expect('CALL');
    assert.equal(call.procedure, 'media.play');
    assert.deepEqual(call.args ?? [], []);
    assert.deepEqual(call.kwargs, { path: '/b.flac', options: { volume: 1 } });
    assert.equal(call.options['_device'], 'tv');
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: [{ playing: true, position: 3 }] });
    const result = await pending;
    assert.equal(result.position, 3);
    await session.close();
  });

  it('invoke: a result that breaks the schema rejects invalid_result; remote errors pass through', async () => {
    const { session, router } = await open();
    const bad = session.invoke(play, { path: '/b' });
    const call = await router.expect('CALL');
    router.send({ type: 'RESULT', requestId: call.requestId, details: {}, args: [{ playing: 1 }] });
    await assert.rejects(bad, (error: unknown) =>
      error instanceof ClientError && error.code === 'invalid_result' && /"playing"/.test(error.message));
    const failing = session.invoke(play, { path: '/b' });
    const second = await router.expect('CALL');
    router.send({ type: 'ERROR', requestType: 48, requestId: second.requestId, details: {}, error: 'wamp.error.invalid_argument', args: ['x'] });
    await assert.rejects(failing, (error: unknown) => error instanceof RemoteError && error.uri === 'wamp.error.invalid_argument');
    await session.close();
  });

  it('a wrong field is a compile error', async () => {
    const { session } = await open();
    await session.close();
    const compileOnly = (): void => {
      // @ts-expect-error: 'volume' must be a number
      void session.invoke(play, { path: '/a', options: { volume: 'loud' } });
      // @ts-expect-error: 'path' is required
      void session.invoke(play, {});
      // @ts-expect-error: the handler must return the result shape
      void session.provide(play, () => ({ playing: 'yes' }));
    };
    void compileOnly;
  });
});
