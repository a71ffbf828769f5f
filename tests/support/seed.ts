// Seeded randomness for tests that pick things at random (property and fault tests). The seed is
// PROPERTY_SEED when set, otherwise a new one per run; a failing test prints it, so
// `PROPERTY_SEED=<seed> npm test -- --only=vitest <file>` makes the same choices again.
import { onTestFailed } from 'vitest';

export const testSeed: number = process.env.PROPERTY_SEED !== undefined && process.env.PROPERTY_SEED !== ''
  ? Number(process.env.PROPERTY_SEED) >>> 0
  : (Date.now() ^ (process.pid << 16)) >>> 0;
if (!Number.isFinite(testSeed)) throw new Error(`PROPERTY_SEED must be a number, got ${process.env.PROPERTY_SEED}`);

/** Call inside a test: if the test fails, the seed and how to rerun with it are printed. */
export function reportSeedOnFailure(file: string) {
  onTestFailed(() => {
    console.error(`\n  random choices came from seed ${testSeed}; rerun them: PROPERTY_SEED=${testSeed} npm test -- --only=vitest ${file}\n`);
  });
}

/** FNV-1a of a label, so each test's stream depends on the seed and its own label only (not on order). */
function hash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A deterministic generator (mulberry32) for one test: seed + label. */
export function seededRandom(label: string) {
  let state = (testSeed ^ hash(label)) >>> 0;
  const next = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
  };
}
