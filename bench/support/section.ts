// Runs one benchmark section in a process of its own (run.ts starts one per section, so no section's
// stack, emulator data or heap is left in the next one's way) and prints its rows as one JSON line.
//   node bench/support/section.ts <cold-start|sync|sweep|webhooks|pacing|insights|emulator>
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { row, type Row } from './measure.ts';
import { binDir, repoRoot } from '../../local/paths.ts';

/** The emulator serving every page of a 10k and a 100k item (bench/emulator-sync.ts, a process of its own). */
function emulatorRows(): Row[] {
  const emu = spawnSync(join(binDir, 'node'), [join(repoRoot, 'bench', 'emulator-sync.ts')], { encoding: 'utf8' });
  return emu.stdout.split('\n').filter((l) => l.trim()).map((line) => {
    const size = /^([\d,]+) transactions/.exec(line.trim())?.[1] ?? '';
    const serverMs = Number(/server (\d+) ms/.exec(line)?.[1] ?? NaN);
    const tenK = size === '10,000';
    return row({
      benchmark: `emulator: serve all /transactions/sync pages of a ${size}-transaction item`, measured: line.trim(), baseline: '—', ratio: '—',
      goal: tenK ? 'well under 1 s server-side' : 'informative', met: tenK ? (serverMs < 1000 ? 'yes' : 'NO') : '',
    });
  });
}

const sections: Record<string, () => Promise<Row[]>> = {
  'cold-start': async () => (await import('../cold-start.ts')).benchColdStart(),
  sync: async () => (await import('../sync.ts')).benchSync(),
  sweep: async () => (await import('../sweep.ts')).benchSweep(),
  webhooks: async () => (await import('../webhooks.ts')).benchWebhooks(),
  pacing: async () => (await import('../pacing.ts')).benchPacing(),
  emulator: async () => emulatorRows(),
  insights: async () => (await (await import('../insights.ts')).benchInsights()).rows.map((r) => row(r)),
};

const name = process.argv[2];
const run = sections[name];
if (!run) throw new Error(`unknown section ${name} (${Object.keys(sections).join(', ')})`);
const rows = await run();
const { emulatorSettings } = await import('./stack.ts');
console.log(`ROWS ${JSON.stringify({ rows, emulatorSettings })}`);
