// docs/api.md's error table is the list of codes the functions answer: every code the code can answer
// (our HttpErrors and errorResponses, the SQLSTATE table) is in it, and it lists no code nobody answers
// besides @supabase/server's credential codes (tests/functions/auth-errors.test.ts proves those).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';
import { refusalBySqlState } from '../../supabase/functions/_shared/sql-states.ts';

const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
  const p = join(dir, name);
  return statSync(p).isDirectory() ? files(p) : name.endsWith('.ts') ? [p] : [];
});

const credentialCodes = ['MISSING_CREDENTIALS', 'UNUSABLE_CREDENTIAL', 'INVALID_JWT', 'INVALID_API_KEY', 'INVALID_CREDENTIALS'];

describe('docs/api.md error codes', () => {
  it('lists exactly the codes the functions answer', () => {
    const answered = new Set<string>(Object.values(refusalBySqlState).map((r) => r.code));
    for (const file of files(join(repoRoot, 'supabase/functions'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:new HttpError|errorResponse)\([^,]+, '([A-Z_]+)'/g)) answered.add(m[1]);
    }
    const doc = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
    const table = doc.slice(doc.indexOf('| code | status | meaning |'), doc.indexOf('**Credentials.**'));
    const documented = new Set(table.split('\n').filter((l) => l.startsWith('| `')).flatMap((l) => [...l.split('|')[1].matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])));
    expect([...documented].sort()).toEqual([...new Set([...answered, ...credentialCodes])].sort());
  });
});
