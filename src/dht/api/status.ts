import type { PastryNode } from '../net/node.js';
import type { OverlayCredentials } from '../net/secure/credentials.js';
import type { PastStore } from '../storage/past.js';
import type { DhtStatus } from './schemas.js';

/** One node's status as apps and `thoth dht status` see it. */
export function describeNode(node: PastryNode, store: PastStore, storePath: string | null, credentials: OverlayCredentials | undefined): DhtStatus {
  const { table, leafSet, neighborhood } = node.state;
  const rows: DhtStatus['routingTable']['rows'] = [];
  for (let row = 0; row < table.rowsInUse; row++) {
    if (table.row(row) !== undefined) rows.push({ row, filled: table.rowFill(row), slots: table.columns - 1 });
  }
  const self = node.info;
  return {
    id: node.id.hex,
    host: self.host,
    port: self.port,
    phase: node.status,
    leafSet: { smaller: leafSet.side('smaller').map((peer) => peer.info), larger: leafSet.side('larger').map((peer) => peer.info) },
    routingTable: { entries: table.size, rows },
    neighborhood: neighborhood.members().length,
    replicas: store.replicas,
    storage: { keys: store.local.size, bytesUsed: store.local.bytesUsed, maxBytes: store.local.maxBytes, path: storePath },
    security: {
      mode: credentials === undefined ? 'open' : 'authenticated',
      authority: credentials?.authority?.toString('base64url') ?? null,
      expires: credentials?.membership === undefined ? null : new Date(credentials.membership.expires).toISOString(),
    },
  };
}
