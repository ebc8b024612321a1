import { MessageCode, type Message, type Payload } from './messages.js';

/**
 * The wire array for a message. Trailing empty args/kwargs are omitted, as the
 * spec recommends; args is sent as [] when only kwargs carry something.
 */
export function encodeMessage(message: Message): unknown[] {
  switch (message.type) {
    case 'HELLO': return [MessageCode.HELLO, message.realm, message.details];
    case 'WELCOME': return [MessageCode.WELCOME, message.sessionId, message.details];
    case 'ABORT': return [MessageCode.ABORT, message.details, message.reason];
    case 'CHALLENGE': return [MessageCode.CHALLENGE, message.authMethod, message.extra];
    case 'AUTHENTICATE': return [MessageCode.AUTHENTICATE, message.signature, message.extra];
    case 'GOODBYE': return [MessageCode.GOODBYE, message.details, message.reason];
    case 'ERROR':
      return withPayload([MessageCode.ERROR, message.requestType, message.requestId, message.details, message.error], message);
    case 'PUBLISH':
      return withPayload([MessageCode.PUBLISH, message.requestId, message.options, message.topic], message);
    case 'PUBLISHED': return [MessageCode.PUBLISHED, message.requestId, message.publicationId];
    case 'SUBSCRIBE': return [MessageCode.SUBSCRIBE, message.requestId, message.options, message.topic];
    case 'SUBSCRIBED': return [MessageCode.SUBSCRIBED, message.requestId, message.subscriptionId];
    case 'UNSUBSCRIBE': return [MessageCode.UNSUBSCRIBE, message.requestId, message.subscriptionId];
    case 'UNSUBSCRIBED':
      return message.details === undefined
        ? [MessageCode.UNSUBSCRIBED, message.requestId]
        : [MessageCode.UNSUBSCRIBED, message.requestId, message.details];
    case 'EVENT':
      return withPayload([MessageCode.EVENT, message.subscriptionId, message.publicationId, message.details], message);
    case 'CALL':
      return withPayload([MessageCode.CALL, message.requestId, message.options, message.procedure], message);
    case 'CANCEL': return [MessageCode.CANCEL, message.requestId, message.options];
    case 'RESULT': return withPayload([MessageCode.RESULT, message.requestId, message.details], message);
    case 'REGISTER': return [MessageCode.REGISTER, message.requestId, message.options, message.procedure];
    case 'REGISTERED': return [MessageCode.REGISTERED, message.requestId, message.registrationId];
    case 'UNREGISTER': return [MessageCode.UNREGISTER, message.requestId, message.registrationId];
    case 'UNREGISTERED':
      return message.details === undefined
        ? [MessageCode.UNREGISTERED, message.requestId]
        : [MessageCode.UNREGISTERED, message.requestId, message.details];
    case 'INVOCATION':
      return withPayload([MessageCode.INVOCATION, message.requestId, message.registrationId, message.details], message);
    case 'INTERRUPT': return [MessageCode.INTERRUPT, message.requestId, message.options];
    case 'YIELD': return withPayload([MessageCode.YIELD, message.requestId, message.options], message);
  }
}

function withPayload(head: unknown[], { args, kwargs }: Payload): unknown[] {
  if (kwargs !== undefined && hasKeys(kwargs)) head.push(args ?? [], kwargs);
  else if (args !== undefined && args.length > 0) head.push(args);
  return head;
}

function hasKeys(dict: object): boolean {
  for (const _ in dict) return true;
  return false;
}
