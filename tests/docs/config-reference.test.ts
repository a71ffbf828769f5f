// Every environment variable the code reads is in README § Configuration (the web client's VITE_*
// build-time variables included).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../local/paths.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(p).isDirectory() ? files(p) : /\.(ts|sql|toml)$/.test(name) ? [p] : [];
  });
}

const patterns = [
  /process\.env\.([A-Z][A-Z0-9_]+)/g,
  /process\.env\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
  /Deno\.env\.get\(['"]([A-Z][A-Z0-9_]+)['"]\)/g,
  /env\(['"]?([A-Z][A-Z0-9_]+)['"]?\)/g, // config.toml env(NAME), test helpers need('NAME')
  /^\s+([A-Z][A-Z0-9_]{3,}): z\./gm, // zod schemas over the function environment
  /\benv\.(VITE_[A-Z0-9_]+)/g, // the web client's build-time configuration (import.meta.env)
  /['"](VITE_[A-Z0-9_]+)['"]/g, // ... also when named as a string
];

function envVarsReadBy(paths: string[]): Set<string> {
  const found = new Set<string>();
  for (const file of paths) {
    const text = readFileSync(file, 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) found.add(m[1]);
  }
  return found;
}

describe('configuration reference', () => {
  it('lists every environment variable the product and its tooling read', () => {
    const code = [...files(join(repoRoot, 'supabase')), ...files(join(repoRoot, 'local')), ...files(join(repoRoot, 'bench')),
      ...files(join(repoRoot, 'web')), ...files(join(repoRoot, 'tests'))];
    const vars = envVarsReadBy(code);
    // Set by the test runner for the test processes only (not configuration).
    // (NESTFOLIO_TEST_PORT_BASE is a setting, so it stays in the check.)
    const runnerSet = ['STATE', 'API_URL', 'WEB_URL', 'DB_URL', 'ADMIN_DB_URL', 'PLAID_URL', 'STACK_LOG', 'PLAID_REDIRECT_URI'].map((n) => `NESTFOLIO_TEST_${n}`);
    for (const internal of runnerSet) vars.delete(internal);
    // Standard process variables, not ours.
    for (const std of ['PATH', 'HOME', 'CI', 'PGSSLMODE']) vars.delete(std);
    expect(vars.size).toBeGreaterThan(20);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const config = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    const missing = [...vars].filter((v) => !config.includes(`\`${v}\``) && !new RegExp(`\\b${v}\\b`).test(config));
    expect(missing).toEqual([]);
  });
});
