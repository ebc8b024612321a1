/** A source of uniform numbers in [0, 1), like Math.random; injected so runs can be repeated. */
export type RandomSource = () => number;

/**
 * A seeded generator (sfc32 over a splitmix32-expanded seed): fast, 32-bit state words,
 * good enough for simulation, not for keys.
 */
export function seededRandom(seed: number): RandomSource {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomInt(random: RandomSource, n: number): number {
  return Math.floor(random() * n);
}
