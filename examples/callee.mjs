// Export a procedure to the mesh: run the router (npm start), then `node examples/callee.mjs`.
import { connect } from 'thoth/client';

const session = await connect({ url: 'ws://127.0.0.1:8080/ws' });
await session.register('com.example.greet', ([name]) => `hello, ${name ?? 'world'}`);
await session.subscribe('com.example.news', (args) => console.log('news:', ...args));
console.log('ready: try `npx thoth call com.example.greet Ada`');
process.on('SIGINT', () => session.close().then(() => process.exit(0)));
