/**
 * Where the MessagePack value starting at `bytes[pos]` ends, without building it:
 * the offset just past it, or -1 when it does not end by `end`, nests more than
 * `depthLeft` arrays/maps deep (the value itself counts), or holds anything the
 * router's full decode would not give back as it came: extension types, the
 * never-used 0xc1, and map keys that are not strings or are "__proto__"
 * (msgpackr renames that one).
 */
export function skipMsgpackValue(bytes: Uint8Array, pos: number, end: number, depthLeft: number): number {
  if (pos >= end) return -1;
  const b = bytes[pos]!;
  if (b <= 0x7f || b >= 0xe0) return pos + 1;
  if (b <= 0x8f) return skipMap(bytes, pos + 1, end, b & 0x0f, depthLeft);
  if (b <= 0x9f) return skipArray(bytes, pos + 1, end, b & 0x0f, depthLeft);
  if (b <= 0xbf) return within(pos + 1 + (b & 0x1f), end);
  switch (b) {
    case 0xc0: case 0xc2: case 0xc3: return pos + 1;
    case 0xcc: case 0xd0: return within(pos + 2, end);
    case 0xcd: case 0xd1: return within(pos + 3, end);
    case 0xca: case 0xce: case 0xd2: return within(pos + 5, end);
    case 0xcb: case 0xcf: case 0xd3: return within(pos + 9, end);
    case 0xc4: case 0xd9: return pos + 2 > end ? -1 : within(pos + 2 + bytes[pos + 1]!, end);
    case 0xc5: case 0xda: return pos + 3 > end ? -1 : within(pos + 3 + readUint16(bytes, pos + 1), end);
    case 0xc6: case 0xdb: return pos + 5 > end ? -1 : within(pos + 5 + readUint32(bytes, pos + 1), end);
    case 0xdc: return pos + 3 > end ? -1 : skipArray(bytes, pos + 3, end, readUint16(bytes, pos + 1), depthLeft);
    case 0xdd: return pos + 5 > end ? -1 : skipArray(bytes, pos + 5, end, readUint32(bytes, pos + 1), depthLeft);
    case 0xde: return pos + 3 > end ? -1 : skipMap(bytes, pos + 3, end, readUint16(bytes, pos + 1), depthLeft);
    case 0xdf: return pos + 5 > end ? -1 : skipMap(bytes, pos + 5, end, readUint32(bytes, pos + 1), depthLeft);
    default: return -1; // 0xc1, ext 0xc7-0xc9, fixext 0xd4-0xd8
  }
}

function skipArray(bytes: Uint8Array, pos: number, end: number, count: number, depthLeft: number): number {
  if (depthLeft <= 0 || count > end - pos) return -1;
  for (let i = 0; i < count && pos >= 0; i++) pos = skipMsgpackValue(bytes, pos, end, depthLeft - 1);
  return pos;
}

function skipMap(bytes: Uint8Array, pos: number, end: number, count: number, depthLeft: number): number {
  if (depthLeft <= 0 || 2 * count > end - pos) return -1;
  for (let i = 0; i < count && pos >= 0; i++) {
    pos = skipKey(bytes, pos, end);
    if (pos >= 0) pos = skipMsgpackValue(bytes, pos, end, depthLeft - 1);
  }
  return pos;
}

function skipKey(bytes: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return -1;
  const b = bytes[pos]!;
  let start: number;
  let length: number;
  if (b >= 0xa0 && b <= 0xbf) {
    start = pos + 1;
    length = b & 0x1f;
  } else if (b === 0xd9 && pos + 2 <= end) {
    start = pos + 2;
    length = bytes[pos + 1]!;
  } else if (b === 0xda && pos + 3 <= end) {
    start = pos + 3;
    length = readUint16(bytes, pos + 1);
  } else if (b === 0xdb && pos + 5 <= end) {
    start = pos + 5;
    length = readUint32(bytes, pos + 1);
  } else {
    return -1;
  }
  if (length === PROTO.length && isProto(bytes, start)) return -1;
  return within(start + length, end);
}

const PROTO = Buffer.from('__proto__');

function isProto(bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < PROTO.length; i++) if (bytes[start + i] !== PROTO[i]) return false;
  return true;
}

function within(next: number, end: number): number {
  return next <= end ? next : -1;
}

function readUint16(bytes: Uint8Array, pos: number): number {
  return (bytes[pos]! << 8) | bytes[pos + 1]!;
}

function readUint32(bytes: Uint8Array, pos: number): number {
  return bytes[pos]! * 0x100_0000 + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!);
}
