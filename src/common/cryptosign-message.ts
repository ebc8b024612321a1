/**
 * What a WAMP-Cryptosign signature covers: the 32-byte challenge, or with TLS
 * channel binding `challenge XOR channel_id` (the spec's "TLS Channel Binding").
 */
export function cryptosignMessage(challenge: Uint8Array, channelId: Uint8Array | undefined): Buffer {
  if (channelId === undefined) return Buffer.from(challenge);
  if (channelId.length !== challenge.length) throw new Error(`a channel id is ${challenge.length} bytes, got ${channelId.length}`);
  return Buffer.from(challenge.map((byte, i) => byte ^ channelId[i]!));
}
