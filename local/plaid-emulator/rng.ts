// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Deterministic randomness: every id and every generated value derives from (seed, a string key), so
// the same seed gives byte-identical data and any single record can be rebuilt without the others.

/** 32-bit FNV-1a hash of a string, mixed with a seed. */
export function hash32(key: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix) so nearby keys spread out
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Small fast PRNG (mulberry32). */
export class Rng {
  state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  static of(seed: number, key: string): Rng {
    return new Rng(hash32(key, seed));
  }
  /** float in [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** money amount with cents */
  money(min: number, max: number): number {
    return Math.round((min + this.next() * (max - min)) * 100) / 100;
  }
  string(len: number, alphabet: string): string {
    // Several characters per draw: a 32-bit draw holds 5 base-62 digits (62^5 < 2^32).
    const base = alphabet.length;
    const per = Math.max(1, Math.floor(32 / Math.log2(base)));
    const span = base ** per;
    let s = '';
    while (s.length < len) {
      let n = Math.floor(this.next() * span);
      for (let i = 0; i < per && s.length < len; i++) {
        s += alphabet[n % base];
        n = Math.floor(n / base);
      }
    }
    return s;
  }
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const DIGITS = '0123456789';
const HEX = '0123456789abcdef';

/** Plaid-style 37-character opaque id (item_id, account_id, transaction_id look like this). */
export function plaidId(seed: number, key: string, len = 37): string {
  return Rng.of(seed, key).string(len, ALNUM);
}

/** A v4-shaped UUID, deterministic. */
export function uuid(seed: number, key: string): string {
  const r = Rng.of(seed, key);
  const h = r.string(32, HEX).split('');
  h[12] = '4';
  h[16] = HEX[(parseInt(h[16], 16) & 0x3) | 0x8];
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Base62 fixed-width encoding of a non-negative integer (used to make ids reversible). */
export function base62(n: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    s = ALNUM[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s;
}

export function unbase62(s: string): number {
  let n = 0;
  for (const ch of s) {
    const d = ALNUM.indexOf(ch);
    if (d < 0) return -1;
    n = n * 62 + d;
  }
  return n;
}
