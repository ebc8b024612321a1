/** The peer could not be reached: refused, closed, or silent past the timeout. Routing treats it as failed. */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError';
  readonly code = 'DHT_PEER_UNREACHABLE';
}

/** The peer answered with an error. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The node is not in a state to do this (not started, closed), or could not listen. */
export class NodeStateError extends Error {
  override readonly name = 'NodeStateError';
  readonly code = 'DHT_NODE_STATE';
}

/** No bootstrap node let this node join; the message names each one and why. */
export class JoinError extends Error {
  override readonly name = 'JoinError';
  readonly code = 'DHT_JOIN_FAILED';
}
