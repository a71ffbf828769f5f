// Runs the real Supabase CLI against the test database and parses its JSON output.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { binDir, repoRoot } from '../../local/paths.ts';

/** Our schemas: the data model lives in public (exposed) and private (internal). */
export const ourSchemas = ['public', 'private'];

export function supabaseJson<T>(args: string[]): T {
  // Without TLS on the local cluster the CLI prints a notice; PGSSLMODE=disable skips the TLS attempt.
  const r = spawnSync(join(binDir, 'supabase'), [...args, '--output-format', 'json'], {
    cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PGSSLMODE: 'disable' },
  });
  if (r.status !== 0) throw new Error(`supabase ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const start = r.stdout.indexOf('{');
  if (start < 0) throw new Error(`supabase ${args.join(' ')}: no JSON in output:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.slice(start)) as T;
}
