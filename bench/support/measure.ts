// What every benchmark figure needs: medians of repeated runs, the machine's load average next to
// each figure (the machine is shared: a figure taken under load says so), and CPU time read from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';

export type Row = {
  benchmark: string; measured: string; baseline: string; ratio: string; goal: string; met: string; load: string;
  /** Which goal of the report's summary this figure answers (e.g. 'initial-10k'). */
  id?: string;
  /** Key numbers behind the figure, for the summary's explanations (ms unless named otherwise). */
  data?: Record<string, number>;
};

/** The 1-minute load average now. */
export const load = (): string => loadavg()[0].toFixed(1);

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const spread = (xs: number[], digits = 0): string =>
  `runs ${[...xs].sort((a, b) => a - b).map((x) => x.toFixed(digits)).join(', ')}`;
export const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

/** A figure, stamped with the load average when it was taken. */
export const row = (r: Omit<Row, 'load'>): Row => ({ ...r, load: load() });

/** CPU time (ms) of one process: user + system. */
export function processCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * CPU time (ms) of a whole Postgres cluster: the postmaster, its live children (backends, pg_cron,
 * background workers) and the children that have exited (the postmaster reaps them: cutime/cstime).
 */
export function clusterCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1].split(' ');
  let ms = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * 10;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === postmaster) ms += (Number(f[11]) + Number(f[12])) * 10;
    } catch { /* exited meanwhile */ }
  }
  return ms;
}

export const fmtMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
