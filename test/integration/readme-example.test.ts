import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/router/index.js';
import { tour } from '../../examples/sdk-tour.js';

test("the README's SDK tour runs against a real router and shows what the README says", async () => {
  const router = new Router();
  try {
    const [, tcp] = await router.listen({ websocket: { host: '127.0.0.1', port: 0 }, rawsocket: { host: '127.0.0.1', port: 0 } });
    const seen = await tour(tcp!);
    assert.deepEqual(seen, {
      div: 2,
      divError: 'com.example.error.div_by_zero',
      sum: 5,
      stream: [0, 1, 2, 'done'],
      canceled: 'wamp.error.canceled',
    });
  } finally {
    await router.close();
  }
});
