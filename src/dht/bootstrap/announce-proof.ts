import { sign, verify, type KeyObject } from 'node:crypto';

const CONTEXT = 'thoth-dht-announce-v1\0';

/**
 * What a node signs to show the router, on announce, that it holds its key: its id and the
 * session id of the announcing session, so a proof seen once is worth nothing on another session.
 */
function announceMessage(nodeId: string, sessionId: number): Buffer {
  return Buffer.from(`${CONTEXT}${nodeId}${sessionId}`);
}

export function announceProof(key: KeyObject, nodeId: string, sessionId: number): string {
  return sign(null, announceMessage(nodeId, sessionId), key).toString('base64url');
}

export function checkAnnounceProof(publicKey: KeyObject, nodeId: string, sessionId: number, proof: string): boolean {
  return verify(null, announceMessage(nodeId, sessionId), publicKey, Buffer.from(proof, 'base64url'));
}
