export { PastryNode, isWildcardHost, type PastryNodeOptions, type Address, type ListenOptions, type StartOptions, type TableRepair, type NetApplication, type ForwardDecision, type RouteOptions, type RouteResult, type NodePhase } from './node.js';
export { PeerUnreachableError, RemoteError, NodeStateError, JoinError } from './errors.js';
export type { NetPeer } from './net-peer.js';
export type { PeerInfo } from './wire.js';
