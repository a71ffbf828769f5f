// The declarative schema (supabase/schemas) is the one source: the committed baseline migration is what
// `npm run db:baseline` generates from it, and the migrations, applied with the real `supabase db push`,
// build the same database as the schema files (pg_dump --schema-only of both). Two scratch clusters with
// the platform bootstrap, on the test block's scratch ports; the test stack's database is not touched.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  baselineFile, baselineFrom, baselineHeader, dumpSchema, migrationsDir, pushTo, schemaFiles, startScratchPair,
  type ScratchPair,
} from '../../local/schema.ts';
import { testPorts } from '../../local/test-runner.ts';
import { testStack } from '../support/stack.ts';

const stateDir = () => join(testStack.stateDir, 'schema');
let pair: ScratchPair;
let generated: string;
let fromMigrations: string;
let fromSchemaFiles: string;

beforeAll(async () => {
  pair = await startScratchPair(stateDir(), testPorts.scratch);
  generated = baselineFrom(pair.empty.url, pair.schemas.url);
  // The empty cluster becomes the migrated one.
  await pushTo(pair.empty, stateDir());
  fromMigrations = dumpSchema(pair.empty.adminUrl);
  fromSchemaFiles = dumpSchema(pair.schemas.adminUrl);
}, 180_000);

afterAll(() => pair?.stop());

/** `create [or replace] <kind> <name>` statements of SQL files, lower case as written by hand. */
function definitions(files: string[], kind: string): string[] {
  const re = new RegExp(`^create (?:or replace )?${kind} ([a-z_]+\\.[a-z_]+)`, 'gm');
  return files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(re)].map((m) => m[1]));
}
const duplicatesOf = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);

/** Where two dumps first differ, with a little context (null when they are the same). */
function firstDifference(a: string, b: string, labels: [string, string]): string | null {
  const x = a.split('\n'), y = b.split('\n');
  const i = x.findIndex((line, n) => line !== y[n]);
  const at = i < 0 ? (x.length === y.length ? -1 : Math.min(x.length, y.length)) : i;
  if (at < 0) return null;
  const around = (lines: string[]) => lines.slice(Math.max(0, at - 3), at + 4).join('\n');
  return `line ${at + 1}\n--- ${labels[0]}:\n${around(x)}\n--- ${labels[1]}:\n${around(y)}`;
}

const handWritten = () => readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).map((f) => join(migrationsDir, f))
  .filter((f) => f !== baselineFile);

describe('declarative schema', () => {
  it('the committed baseline is what the schema files generate (else run `npm run db:baseline`)', () => {
    const committed = readFileSync(baselineFile, 'utf8');
    expect(committed.startsWith(baselineHeader), 'the baseline says it is generated and how').toBe(true);
    expect(firstDifference(committed, generated, ['committed', 'generated']),
      `${baselineFile} is stale: run \`npm run db:baseline\` and commit it`).toBeNull();
  });

  it('the migrations (supabase db push) and the schema files build the same database', () => {
    expect(fromSchemaFiles).toMatch(/CREATE TABLE public\.plaid_items/);
    expect(firstDifference(fromMigrations, fromSchemaFiles, ['migrations', 'schema files'])).toBeNull();
  });

  it('defines every function, table and view once, in the schema files only', () => {
    const files = schemaFiles();
    for (const kind of ['function', 'table', 'view']) {
      expect(duplicatesOf(definitions(files, kind)), `${kind}s defined twice in supabase/schemas`).toEqual([]);
      expect(definitions(handWritten(), kind), `${kind}s defined by a hand-written migration`).toEqual([]);
    }
    expect(definitions(files, 'function').length).toBeGreaterThan(30);
  });

  it('hand-written migrations hold only what a schema diff cannot express: extensions, settings rows, pg_cron jobs', () => {
    const sql = handWritten().map((f) => readFileSync(f, 'utf8').replace(/^--.*$/gm, '')).join('\n');
    expect(sql).toMatch(/cron\.schedule\('nestfolio-sync-sweep'/);
    expect(sql).not.toMatch(/\b(alter|drop|grant|revoke|comment on)\b|\bcreate (or replace )?(table|view|function|index|trigger|policy|schema)\b/i);
  });
});
