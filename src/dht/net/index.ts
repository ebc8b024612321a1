export { PastryNode, type PastryNodeOptions, type StartOptions, type NetApplication, type RouteResult, type NodePhase } from './node.js';
export { PeerUnreachableError, RemoteError, NodeStateError } from './errors.js';
export type { NetPeer } from './net-peer.js';
export type { PeerInfo } from './wire.js';
