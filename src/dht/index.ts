/**
 * thoth/dht: the Pastry overlay and its PAST-style storage. Apps run a node in-process
 * (`startDhtNode`) or use their agents' nodes through the router (`remoteDht(session)`).
 */
export * from './ids.js';
export { seededRandom, randomInt, type RandomSource } from './random.js';
export { pastryConfig, defaultPastryConfig, type PastryConfig } from './config.js';
export type { Peer, Proximity } from './peer.js';
export { RoutingTable } from './routing-table.js';
export { LeafSet, type LeafSide } from './leaf-set.js';
export { NeighborhoodSet } from './neighborhood-set.js';
export { NodeState } from './node-state.js';
export { nextHop, type RouteStep } from './pastry-route.js';
export type { KeyBasedRouting, KbrApplication } from './kbr.js';
export * from './net/index.js';
export * from './storage/index.js';
export { DhtNode, startDhtNode, dhtStorePath, type DhtNodeOptions } from './api/dht-node.js';
export { dhtNodeOptionsSchema } from './api/options.js';
export { remoteDht, type RemoteDht, type RemoteDhtOptions } from './api/remote.js';
export { DhtProcedure } from './api/procedures.js';
export type { DhtStatus, StoredValue, RemovalResult, Routed } from './api/schemas.js';
export { installDhtBootstrap, ContactBook, OverlayAuthority, DhtBootstrapProcedure, DhtRevokedTopic, type DhtBootstrap, type DhtBootstrapOptions, type DhtContact, type ContactsReply } from './bootstrap/index.js';
export { OverlayCredentials } from './net/secure/credentials.js';
export { issueCertificate, readCertificate, nodeIdOf, CertificateError, type Membership } from './net/secure/certificate.js';
