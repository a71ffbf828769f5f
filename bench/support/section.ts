// Runs one benchmark section in a process of its own (run.ts starts one per section, so no section's
// stack, emulator data or heap is left in the next one's way) and prints its rows as one JSON line.
//   node bench/support/section.ts <cold-start|sync|sweep|webhooks|pacing>
import type { Row } from './measure.ts';

const sections: Record<string, () => Promise<Row[]>> = {
  'cold-start': async () => (await import('../cold-start.ts')).benchColdStart(),
  sync: async () => (await import('../sync.ts')).benchSync(),
  sweep: async () => (await import('../sweep.ts')).benchSweep(),
  webhooks: async () => (await import('../webhooks.ts')).benchWebhooks(),
  pacing: async () => (await import('../pacing.ts')).benchPacing(),
};

const name = process.argv[2];
const run = sections[name];
if (!run) throw new Error(`unknown section ${name} (${Object.keys(sections).join(', ')})`);
const rows = await run();
const { emulatorSettings } = await import('./stack.ts');
console.log(`ROWS ${JSON.stringify({ rows, emulatorSettings })}`);
