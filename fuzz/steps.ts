/**
 * The invalid-state grammar: each step is one well-formed message, and a small
 * model of the session says what the router must answer (the WAMP spec's rules as
 * thoth implements them): WELCOME / REGISTERED / ... where the step is legal, an
 * ERROR where the request is refused, nothing where the spec says to ignore
 * (late YIELD, ERROR or CANCEL for unknown ids), ABORT wamp.error.protocol_violation
 * where the message may not be sent in that state. After each step that keeps the
 * session, a CALL to a procedure nobody provides acts as a barrier: its ERROR comes
 * after every answer to the step, so "nothing" can be checked without a timer.
 */
import { MessageCode as C } from '../src/protocol/messages.js';
import type { Step } from './generators.js';
import type { FuzzPeer } from './peer.js';
import { BYSTANDER_PROCEDURE, type FuzzTarget } from './target.js';
import { abortLabel, FuzzFailure, type Outcome } from './outcome.js';

type Wire = unknown[];

interface Expect {
  what: string;
  match: (m: Wire) => boolean;
  /** Called with the matching message, to update the model. */
  took?: (m: Wire) => void;
}

type Plan =
  | { send: Wire[]; expect: Expect[] }
  | { send: Wire[]; ends: 'abort' | 'goodbye' | 'hang-up'; reason?: string };

const roles = { caller: {}, callee: {}, publisher: {}, subscriber: {} };
const BARRIER_PROCEDURE = 'fuzz.barrier.nobody';
const PROTOCOL_VIOLATION = 'wamp.error.protocol_violation';

const isError = (requestType: number, id: number, uri: string) => (m: Wire) => m[0] === C.ERROR && m[1] === requestType && m[2] === id && m[4] === uri;

class Model {
  state: 'fresh' | 'established' | 'ended' = 'fresh';
  readonly registrations = new Map<string, number>();
  readonly subscriptions = new Map<string, number>();
  private lastId = 0;

  id(): number {
    return ++this.lastId;
  }
}

function routerOnlyMessage(type: string, id: number): Wire {
  switch (type) {
    case 'WELCOME': return [C.WELCOME, id, { roles: {} }];
    case 'CHALLENGE': return [C.CHALLENGE, 'ticket', {}];
    case 'RESULT': return [C.RESULT, id, {}, []];
    case 'INVOCATION': return [C.INVOCATION, id, id, {}];
    case 'EVENT': return [C.EVENT, id, id, {}];
    case 'REGISTERED': return [C.REGISTERED, id, id];
    case 'SUBSCRIBED': return [C.SUBSCRIBED, id, id];
    case 'PUBLISHED': return [C.PUBLISHED, id, id];
    case 'UNREGISTERED': return [C.UNREGISTERED, id];
    case 'UNSUBSCRIBED': return [C.UNSUBSCRIBED, id];
    default: return [C.INTERRUPT, id, {}];
  }
}

function violation(send: Wire[]): Plan {
  return { send, ends: 'abort', reason: PROTOCOL_VIOLATION };
}

function plan(step: Step, model: Model, target: FuzzTarget): Plan {
  const id = model.id();
  if (step.op === 'abort') return { send: [[C.ABORT, { message: 'fuzz' }, 'wamp.close.normal']], ends: 'hang-up' };
  if (model.state === 'fresh') {
    switch (step.op) {
      case 'hello':
        if (step.realm !== 'thoth') return { send: [[C.HELLO, step.realm, { roles }]], ends: 'abort', reason: 'wamp.error.no_such_realm' };
        return { send: [[C.HELLO, 'thoth', { roles }]], expect: [{ what: 'WELCOME', match: (m) => m[0] === C.WELCOME, took: () => (model.state = 'established') }] };
      case 'hello-no-roles': return violation([[C.HELLO, 'thoth', {}]]);
      // A client must wait for WELCOME: a CALL pipelined behind HELLO is out of order.
      case 'hello-then-call': return violation([[C.HELLO, 'thoth', { roles }], [C.CALL, id, {}, BYSTANDER_PROCEDURE, [id]]]);
      default: return violation(stepMessages(step, id, model, target));
    }
  }
  switch (step.op) {
    case 'hello': case 'hello-no-roles': case 'hello-then-call':
      return violation([[C.HELLO, 'thoth', { roles }]]);
    case 'call':
      if (step.target === 'bystander') return { send: [[C.CALL, id, {}, BYSTANDER_PROCEDURE, [id]]], expect: [{ what: 'RESULT', match: (m) => m[0] === C.RESULT && m[1] === id && JSON.stringify(m[3]) === JSON.stringify([id]) }] };
      return { send: [[C.CALL, id, {}, 'fuzz.nobody.home', []]], expect: [{ what: 'ERROR no_such_procedure', match: isError(C.CALL, id, 'wamp.error.no_such_procedure') }] };
    case 'register': {
      const uri = step.target === 'own' ? `fuzz.own.${step.name}` : step.target === 'bystander' ? BYSTANDER_PROCEDURE : `wamp.fuzz.${step.name}`;
      const send = [[C.REGISTER, id, {}, uri]];
      if (step.target === 'reserved') return { send, expect: [{ what: 'ERROR invalid_uri', match: isError(C.REGISTER, id, 'wamp.error.invalid_uri') }] };
      if (step.target === 'bystander' || model.registrations.has(uri)) {
        return { send, expect: [{ what: 'ERROR procedure_already_exists', match: isError(C.REGISTER, id, 'wamp.error.procedure_already_exists') }] };
      }
      return { send, expect: [{ what: 'REGISTERED', match: (m) => m[0] === C.REGISTERED && m[1] === id, took: (m) => model.registrations.set(uri, m[2] as number) }] };
    }
    case 'unregister': {
      const own = step.target === 'own' ? [...model.registrations.entries()][0] : undefined;
      if (own !== undefined) {
        return { send: [[C.UNREGISTER, id, own[1]]], expect: [{ what: 'UNREGISTERED', match: (m) => m[0] === C.UNREGISTERED && m[1] === id, took: () => model.registrations.delete(own[0]) }] };
      }
      const registrationId = step.target === 'bystander' ? target.bystanderRegistrationId : 2 ** 50 + id;
      return { send: [[C.UNREGISTER, id, registrationId]], expect: [{ what: 'ERROR no_such_registration', match: isError(C.UNREGISTER, id, 'wamp.error.no_such_registration') }] };
    }
    case 'subscribe': {
      const topic = `fuzz.own.${step.name}`;
      return { send: [[C.SUBSCRIBE, id, {}, topic]], expect: [{ what: 'SUBSCRIBED', match: (m) => m[0] === C.SUBSCRIBED && m[1] === id, took: (m) => model.subscriptions.set(topic, m[2] as number) }] };
    }
    case 'unsubscribe': {
      const own = step.target === 'own' ? [...model.subscriptions.entries()][0] : undefined;
      if (own !== undefined) {
        return { send: [[C.UNSUBSCRIBE, id, own[1]]], expect: [{ what: 'UNSUBSCRIBED', match: (m) => m[0] === C.UNSUBSCRIBED && m[1] === id, took: () => model.subscriptions.delete(own[0]) }] };
      }
      return { send: [[C.UNSUBSCRIBE, id, 2 ** 50 + id]], expect: [{ what: 'ERROR no_such_subscription', match: isError(C.UNSUBSCRIBE, id, 'wamp.error.no_such_subscription') }] };
    }
    case 'publish':
      return { send: [[C.PUBLISH, id, { acknowledge: step.acknowledge }, 'fuzz.published.topic', [id]]], expect: step.acknowledge ? [{ what: 'PUBLISHED', match: (m) => m[0] === C.PUBLISHED && m[1] === id }] : [] };
    case 'yield': return { send: [[C.YIELD, step.id, {}, []]], expect: [] };
    case 'invocation-error': return { send: [[C.ERROR, C.INVOCATION, step.id, {}, 'app.error.fuzz']], expect: [] };
    case 'cancel': return { send: [[C.CANCEL, step.id, {}]], expect: [] };
    case 'goodbye': return { send: [[C.GOODBYE, {}, 'wamp.close.normal']], ends: 'goodbye' };
    default: return violation(stepMessages(step, id, model, target));
  }
}

/** The message of a step that is a violation wherever it is sent (or before HELLO). */
function stepMessages(step: Step, id: number, _model: Model, target: FuzzTarget): Wire[] {
  switch (step.op) {
    case 'router-only': return [routerOnlyMessage(step.type, id)];
    case 'call-error': return [[C.ERROR, C.CALL, id, {}, 'app.error.fuzz']];
    case 'authenticate': return [[C.AUTHENTICATE, 'signature', {}]];
    case 'goodbye': return [[C.GOODBYE, {}, 'wamp.close.normal']];
    case 'call': return [[C.CALL, id, {}, BYSTANDER_PROCEDURE, [id]]];
    case 'register': return [[C.REGISTER, id, {}, `fuzz.own.${step.name}`]];
    case 'unregister': return [[C.UNREGISTER, id, target.bystanderRegistrationId]];
    case 'subscribe': return [[C.SUBSCRIBE, id, {}, `fuzz.own.${step.name}`]];
    case 'unsubscribe': return [[C.UNSUBSCRIBE, id, id]];
    case 'publish': return [[C.PUBLISH, id, { acknowledge: true }, 'fuzz.published.topic', []]];
    case 'yield': return [[C.YIELD, step.id, {}, []]];
    case 'invocation-error': return [[C.ERROR, C.INVOCATION, step.id, {}, 'app.error.fuzz']];
    case 'cancel': return [[C.CANCEL, step.id, {}]];
    default: return [[C.HELLO, 'thoth', { roles }]];
  }
}

function describe(m: unknown): string {
  const text = JSON.stringify(m);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function label(step: Step): string {
  if (step.op === 'router-only') return `router-only ${step.type}`;
  if ('target' in step) return `${step.op}/${step.target}`;
  if (step.op === 'hello') return step.realm === 'thoth' ? 'hello' : 'hello/no-such-realm';
  return step.op;
}

export async function runSteps(target: FuzzTarget, peer: FuzzPeer, steps: readonly Step[]): Promise<Outcome> {
  const model = new Model();
  const answers: string[] = [];
  let seen = 0;
  let ending = 'open at the end';
  for (const step of [...steps, { op: 'goodbye' } as Step]) {
    if (model.state === 'ended') break;
    const state = model.state;
    const p = plan(step, model, target);
    const where = `step ${label(step)} in state ${state} (${peer.wire}/${peer.serializer})`;
    peer.send(Buffer.concat(p.send.map((m) => peer.frame(m))));
    if ('ends' in p) {
      await peer.waitForClose(`the router to end the session after ${where}`);
      if (peer.garbled.length > 0) throw new FuzzFailure(peer.garbled.join('; '));
      const got = peer.messages.slice(seen) as Wire[];
      model.state = 'ended';
      if (p.ends === 'hang-up') {
        if (got.length > 0) throw new FuzzFailure(`${where}: the router should hang up without a word, sent ${describe(got)}`);
        ending = 'hang-up after client ABORT';
      } else if (p.ends === 'goodbye') {
        if (got.length !== 1 || got[0]![0] !== C.GOODBYE || got[0]![2] !== 'wamp.close.goodbye_and_out') throw new FuzzFailure(`${where}: expected GOODBYE wamp.close.goodbye_and_out, got ${describe(got)}`);
        ending = 'goodbye';
      } else {
        if (got.length !== 1 || got[0]![0] !== C.ABORT) throw new FuzzFailure(`${where}: expected only ABORT ${p.reason}, got ${describe(got)}`);
        ending = abortLabel(got[0]!);
        if (ending !== `abort ${p.reason}`) throw new FuzzFailure(`${where}: expected ABORT ${p.reason}, got ${describe(got[0])}`);
      }
      answers.push(`${state}: ${label(step)} -> ${ending}`);
      break;
    }
    // Barrier: wait for every expected answer, then for the ERROR to a CALL nobody provides.
    const barrierId = 2 ** 52 + model.id();
    await peer.messagesAfter(seen + p.expect.length, `the answers to ${where}`);
    peer.send(peer.frame([C.CALL, barrierId, {}, BARRIER_PROCEDURE, []]));
    const isBarrier = isError(C.CALL, barrierId, 'wamp.error.no_such_procedure');
    await peer.messagesAfter(seen + p.expect.length + 1, `the barrier after ${where}`);
    const until = (): number => (peer.messages as Wire[]).findIndex((m, i) => i >= seen && Array.isArray(m) && isBarrier(m));
    // A RESULT from the bystander may still be on its way: wait for the barrier itself.
    for (let extra = 2; until() < 0 && !peer.ended; extra++) await peer.messagesAfter(seen + p.expect.length + extra, `the barrier after ${where}`);
    const end = until();
    if (end < 0) throw new FuzzFailure(`${where}: the session ended instead of answering; got ${describe(peer.messages.slice(seen))}`);
    const got = peer.messages.slice(seen, end) as Wire[];
    const pending = [...p.expect];
    for (const m of got) {
      const at = pending.findIndex((e) => Array.isArray(m) && e.match(m));
      if (at < 0) throw new FuzzFailure(`${where}: unexpected answer ${describe(m)} (expected ${pending.map((e) => e.what).join(', ') || 'nothing'})`);
      pending[at]!.took?.(m);
      pending.splice(at, 1);
    }
    if (pending.length > 0) throw new FuzzFailure(`${where}: missing ${pending.map((e) => e.what).join(', ')}; got ${describe(got)}`);
    answers.push(`${state}: ${label(step)} -> ${p.expect.map((e) => e.what).join(', ') || 'ignored'}`);
    seen = end + 1;
  }
  return { ending, answers };
}
