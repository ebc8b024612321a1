import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MessageCode } from '../../src/protocol/messages.js';
import { ErrorUri } from '../../src/protocol/error-uris.js';
import { join, newRouter, allRoles } from './harness.js';

describe('dealer: routed calls', () => {
  test('a call reaches the callee and its result, args and kwargs intact, reaches the caller', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    const registrationId = await callee.register('com.example.add');
    const callId = caller.call('com.example.add', [1, 2], {}, { note: 'x' });
    const invocation = await callee.next('INVOCATION');
    assert.equal(invocation.registrationId, registrationId);
    assert.deepEqual(invocation.args, [1, 2]);
    assert.deepEqual(invocation.kwargs, { note: 'x' });
    callee.send({ type: 'YIELD', requestId: invocation.requestId, options: {}, args: [3], kwargs: { exact: true } });
    const result = await caller.next('RESULT');
    assert.equal(result.requestId, callId);
    assert.deepEqual(result.args, [3]);
    assert.deepEqual(result.kwargs, { exact: true });
    await router.close();
  });

  test('an application error passes through with its URI, args and kwargs', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.fail');
    caller.call('com.example.fail');
    const invocation = await callee.next('INVOCATION');
    callee.send({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: invocation.requestId, details: {}, error: 'com.example.error.nope', args: ['no'], kwargs: { code: 7 } });
    const error = await caller.next('ERROR');
    assert.equal(error.requestType, MessageCode.CALL);
    assert.equal(error.error, 'com.example.error.nope');
    assert.deepEqual(error.args, ['no']);
    assert.deepEqual(error.kwargs, { code: 7 });
    await router.close();
  });

  test('calling an unregistered procedure is wamp.error.no_such_procedure naming it', async () => {
    const router = newRouter();
    const caller = await join(router);
    const reply = await caller.callAndWait('com.example.missing');
    assert.equal(reply.type, 'ERROR');
    assert.equal(reply.type === 'ERROR' && reply.error, ErrorUri.noSuchProcedure);
    assert.match(String(reply.args?.[0]), /com\.example\.missing/);
    await router.close();
  });

  test('registering a procedure twice without a shared policy is procedure_already_exists', async () => {
    const router = newRouter();
    const a = await join(router);
    const b = await join(router);
    await a.register('com.example.p');
    b.send({ type: 'REGISTER', requestId: b.nextId(), options: {}, procedure: 'com.example.p' });
    const error = await b.next('ERROR');
    assert.equal(error.error, ErrorUri.procedureAlreadyExists);
    await router.close();
  });

  test('shared registration with different policies is refused', async () => {
    const router = newRouter();
    const a = await join(router);
    const b = await join(router);
    await a.register('com.example.p', { invoke: 'roundrobin' });
    b.send({ type: 'REGISTER', requestId: b.nextId(), options: { invoke: 'random' }, procedure: 'com.example.p' });
    assert.equal((await b.next('ERROR')).error, ErrorUri.procedureExistsWithDifferentInvocationPolicy);
    await router.close();
  });

  for (const [policy, expected] of [['roundrobin', [0, 1, 2, 0, 1, 2]], ['first', [0, 0, 0, 0, 0, 0]], ['last', [2, 2, 2, 2, 2, 2]]] as const) {
    test(`shared registration, invoke=${policy}, picks callees in order ${expected.join(',')}`, async () => {
      const router = newRouter();
      const callees = [await join(router), await join(router), await join(router)];
      for (const c of callees) await c.register('com.example.shared', { invoke: policy });
      const caller = await join(router);
      const picked: number[] = [];
      for (let i = 0; i < expected.length; i++) {
        caller.call('com.example.shared');
        // The fake connection delivers synchronously: the INVOCATION is already in one inbox.
        const index = callees.findIndex((c) => c.connection.pending().some((m) => m.type === 'INVOCATION'));
        const inv = await callees[index]!.next('INVOCATION');
        callees[index]!.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
        await caller.next('RESULT');
        picked.push(index);
      }
      assert.deepEqual(picked, expected);
      await router.close();
    });
  }

  test('invoke=random uses the injected random source', async () => {
    const router = newRouter({ random: () => 0.99 });
    const a = await join(router);
    const b = await join(router);
    await a.register('com.example.r', { invoke: 'random' });
    await b.register('com.example.r', { invoke: 'random' });
    const caller = await join(router);
    caller.call('com.example.r');
    const inv = await b.next('INVOCATION');
    assert.equal(a.connection.pending().length, 0);
    b.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
    await caller.next('RESULT');
    await router.close();
  });

  test('prefix and wildcard registrations carry the called URI in details.procedure; exact wins, then longest prefix', async () => {
    const router = newRouter();
    const callee = await join(router);
    const exactId = await callee.register('com.example.a.b');
    const prefixId = await callee.register('com.example.', { match: 'prefix' });
    const longerPrefixId = await callee.register('com.example.a.', { match: 'prefix' });
    const wildcardId = await callee.register('org..get', { match: 'wildcard' });
    const caller = await join(router);
    const cases: [string, number, boolean][] = [
      ['com.example.a.b', exactId, false],
      ['com.example.a.c', longerPrefixId, true],
      ['com.example.z', prefixId, true],
      ['org.thing.get', wildcardId, true],
    ];
    for (const [uri, registrationId, pattern] of cases) {
      caller.call(uri);
      const inv = await callee.next('INVOCATION');
      assert.equal(inv.registrationId, registrationId, uri);
      assert.equal(inv.details['procedure'], pattern ? uri : undefined);
      callee.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
      await caller.next('RESULT');
    }
    await router.close();
  });

  test('disclose_me tells the callee who called', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.who');
    caller.call('com.example.who', [], { disclose_me: true });
    const inv = await callee.next('INVOCATION');
    assert.equal(inv.details['caller'], caller.sessionId);
    assert.equal(inv.details['caller_authrole'], 'local');
    caller.call('com.example.who');
    const inv2 = await callee.next('INVOCATION');
    assert.equal(inv2.details['caller'], undefined);
    await router.close();
  });

  test('progressive results reach the caller in order, then the final result', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.stream');
    caller.call('com.example.stream', [], { receive_progress: true });
    const inv = await callee.next('INVOCATION');
    assert.equal(inv.details['receive_progress'], true);
    for (let i = 0; i < 3; i++) callee.send({ type: 'YIELD', requestId: inv.requestId, options: { progress: true }, args: [i] });
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: {}, args: ['done'] });
    for (let i = 0; i < 3; i++) {
      const r = await caller.next('RESULT');
      assert.equal(r.details['progress'], true);
      assert.deepEqual(r.args, [i]);
    }
    const final = await caller.next('RESULT');
    assert.equal(final.details['progress'], undefined);
    assert.deepEqual(final.args, ['done']);
    await router.close();
  });

  test('timeout: the caller gets wamp.error.timeout, the callee an INTERRUPT, a late YIELD is dropped', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.slow');
    caller.call('com.example.slow', [], { timeout: 20 });
    const inv = await callee.next('INVOCATION');
    const error = await caller.next('ERROR');
    assert.equal(error.error, ErrorUri.timeout);
    const interrupt = await callee.next('INTERRUPT');
    assert.equal(interrupt.requestId, inv.requestId);
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: {}, args: ['late'] });
    const probe = await caller.callAndWait('com.example.missing');
    assert.equal(probe.type, 'ERROR'); // the late yield produced nothing before this
    assert.equal(caller.connection.pending().length, 0);
    await router.close();
  });

  for (const mode of ['skip', 'killnowait', 'kill'] as const) {
    test(`cancel mode ${mode}`, async () => {
      const router = newRouter();
      const callee = await join(router);
      const caller = await join(router);
      await callee.register('com.example.long');
      const callId = caller.call('com.example.long');
      const inv = await callee.next('INVOCATION');
      caller.send({ type: 'CANCEL', requestId: callId, options: { mode } });
      if (mode === 'kill') {
        const interrupt = await callee.next('INTERRUPT');
        assert.equal(interrupt.options['mode'], 'kill');
        assert.equal(caller.connection.pending().length, 0, 'kill waits for the callee');
        callee.send({ type: 'ERROR', requestType: MessageCode.INVOCATION, requestId: inv.requestId, details: {}, error: ErrorUri.canceled });
      }
      const error = await caller.next('ERROR');
      assert.equal(error.requestId, callId);
      assert.equal(error.error, ErrorUri.canceled);
      if (mode === 'killnowait') assert.equal((await callee.next('INTERRUPT')).options['mode'], 'killnowait');
      if (mode === 'skip') assert.equal(callee.connection.pending().length, 0, 'skip sends no INTERRUPT');
      callee.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
      const probe = await caller.callAndWait('com.example.none');
      assert.equal(probe.type, 'ERROR');
      assert.equal(caller.connection.pending().length, 0, 'exactly one answer per call');
      await router.close();
    });
  }

  test('a callee that vanishes mid-call fails the call at once with thoth.error.callee_gone', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.p');
    caller.call('com.example.p');
    await callee.next('INVOCATION');
    callee.connection.drop();
    const error = await caller.next('ERROR');
    assert.equal(error.error, ErrorUri.calleeGone);
    const again = await caller.callAndWait('com.example.p');
    assert.equal(again.type === 'ERROR' && again.error, ErrorUri.noSuchProcedure);
    await router.close();
  });

  test('unregistering fails calls in flight with thoth.error.callee_unregistered and interrupts them', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    const registrationId = await callee.register('com.example.p');
    caller.call('com.example.p');
    const inv = await callee.next('INVOCATION');
    callee.send({ type: 'UNREGISTER', requestId: callee.nextId(), registrationId });
    assert.equal((await caller.next('ERROR')).error, ErrorUri.calleeUnregistered);
    assert.equal((await callee.next('INTERRUPT')).requestId, inv.requestId);
    await callee.next('UNREGISTERED');
    await router.close();
  });

  test('a caller that vanishes: its invocations are interrupted and the late YIELD is dropped quietly', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.p');
    caller.call('com.example.p');
    const inv = await callee.next('INVOCATION');
    caller.connection.drop();
    const interrupt = await callee.next('INTERRUPT');
    assert.equal(interrupt.requestId, inv.requestId);
    assert.equal(interrupt.options['reason'], ErrorUri.callerGone);
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
    assert.equal(callee.connection.pending().length, 0);
    const other = await join(router);
    other.call('com.example.p');
    assert.ok(await callee.next('INVOCATION'));
    await router.close();
  });

  test('shutdown fails pending calls with thoth.error.router_shutdown and says GOODBYE', async () => {
    const router = newRouter({ shutdownTimeoutMs: 50 });
    const callee = await join(router);
    const caller = await join(router);
    await callee.register('com.example.p');
    caller.call('com.example.p');
    await callee.next('INVOCATION');
    const closing = router.close();
    assert.equal((await caller.next('ERROR')).error, ErrorUri.routerShutdown);
    assert.equal((await caller.next('GOODBYE')).reason, ErrorUri.systemShutdown);
    caller.send({ type: 'GOODBYE', details: {}, reason: ErrorUri.goodbyeAndOut });
    await closing;
    assert.ok(caller.connection.closed && callee.connection.closed);
  });

  test('the in-flight call cap is a clear error for that session only', async () => {
    const router = newRouter({ limits: { maxCallsInFlight: 2 } });
    const callee = await join(router);
    await callee.register('com.example.p');
    const greedy = await join(router);
    greedy.call('com.example.p');
    greedy.call('com.example.p');
    const third = greedy.call('com.example.p');
    const error = await greedy.next('ERROR');
    assert.equal(error.requestId, third);
    assert.equal(error.error, ErrorUri.tooManyCalls);
    const polite = await join(router);
    polite.call('com.example.p');
    const invocations = [await callee.next('INVOCATION'), await callee.next('INVOCATION'), await callee.next('INVOCATION')];
    assert.equal(invocations.length, 3);
    await router.close();
  });

  test('apps may not register in reserved namespaces', async () => {
    const router = newRouter();
    const app = await join(router);
    for (const uri of ['wamp.session.count', 'thoth.anything']) {
      app.send({ type: 'REGISTER', requestId: app.nextId(), options: {}, procedure: uri });
      assert.equal((await app.next('ERROR')).error, ErrorUri.invalidUri);
    }
    await router.close();
  });

  test('calls from one caller to one callee are invoked in order', async () => {
    const router = newRouter();
    const callee = await join(router, { roles: allRoles });
    const caller = await join(router);
    await callee.register('com.example.seq');
    for (let i = 0; i < 100; i++) caller.call('com.example.seq', [i]);
    for (let i = 0; i < 100; i++) assert.deepEqual((await callee.next('INVOCATION')).args, [i]);
    await router.close();
  });
});

describe('dealer: messages a peer cannot take are never lost silently', () => {
  test('a call too large for its callee fails at once with thoth.error.message_too_large', async () => {
    const router = newRouter();
    const callee = await join(router, { maxBytes: 1000 });
    const caller = await join(router);
    await callee.register('com.example.p');
    const reply = await caller.callAndWait('com.example.p', ['x'.repeat(5000)]);
    assert.equal(reply.type === 'ERROR' && reply.error, ErrorUri.messageTooLarge);
    const small = caller.call('com.example.p', ['ok']);
    const inv = await callee.next('INVOCATION');
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: {} });
    assert.equal((await caller.next('RESULT')).requestId, small);
    await router.close();
  });

  test('a result too large for its caller becomes an error to the caller', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router, { maxBytes: 1000 });
    await callee.register('com.example.big');
    caller.call('com.example.big');
    const inv = await callee.next('INVOCATION');
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: {}, args: ['y'.repeat(5000)] });
    const error = await caller.next('ERROR');
    assert.equal(error.error, ErrorUri.messageTooLarge);
    assert.match(String(error.args?.[0]), /com\.example\.big/);
    await router.close();
  });

  test('a progressive result too large for its caller fails the call and interrupts the callee', async () => {
    const router = newRouter();
    const callee = await join(router);
    const caller = await join(router, { maxBytes: 1000 });
    await callee.register('com.example.stream');
    caller.call('com.example.stream', [], { receive_progress: true });
    const inv = await callee.next('INVOCATION');
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: { progress: true }, args: ['z'.repeat(5000)] });
    assert.equal((await caller.next('ERROR')).error, ErrorUri.messageTooLarge);
    assert.equal((await callee.next('INTERRUPT')).requestId, inv.requestId);
    callee.send({ type: 'YIELD', requestId: inv.requestId, options: {}, args: ['late'] });
    assert.equal(caller.connection.pending().length, 0);
    await router.close();
  });
});

test('a callee that registers with disclose_caller learns every caller', async () => {
  const router = newRouter();
  const callee = await join(router);
  const caller = await join(router);
  await callee.register('com.example.audit', { disclose_caller: true });
  caller.call('com.example.audit');
  assert.equal((await callee.next('INVOCATION')).details['caller'], caller.sessionId);
  await router.close();
});
