// The one SQLSTATE → HTTP table, against errors real Postgres raises: a refusal a call site expects
// becomes its 4xx with the call site's words; any other error (or one the call site does not expect)
// goes on as it is, to become a 500. docs/api.md's table of database refusals is this table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';
import { HttpError } from '../../supabase/functions/_shared/http.ts';
import { refusal, refusalBySqlState, refusedAs, sqlStateOf } from '../../supabase/functions/_shared/sql-states.ts';
import { sql } from '../support/sync.ts';

/** The error Postgres raises for a statement. */
async function raised(statement: string): Promise<unknown> {
  return await sql.unsafe(statement).then(() => { throw new Error(`no error from: ${statement}`); }, (e: unknown) => e);
}

describe('SQLSTATE → HTTP', () => {
  it('answers the refusals a call site expects, in its words', async () => {
    // The product's own refusal: an item that is not there.
    const missing = await raised(`select private.claim_balance_refresh(gen_random_uuid(), 60)`);
    expect(sqlStateOf(missing)).toBe('P0002');
    expect(refusal(missing, { P0002: 'no such connection' })).toEqual(new HttpError(404, 'NOT_FOUND', 'no such connection'));
    expect(refusal(missing, { P0002: 'x' })).toMatchObject({ status: 404, code: 'NOT_FOUND' });

    const duplicate = await raised(`do $$ begin raise exception 'already connected' using errcode = 'NF409'; end $$`);
    expect(refusal(duplicate, { NF409: 'connected already' })).toMatchObject({ status: 409, code: 'DUPLICATE_ITEM', message: 'connected already' });

    // A constraint's refusal, worded with what the database said.
    const check = await raised(`select (12345678901234567::numeric(20,4))`);
    expect(refusal(check, { '22003': (m) => `out of range: ${m}` })).toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringMatching(/^out of range: numeric field overflow/) });
  });

  it('leaves everything else alone: states the call site does not expect, and errors that are not Postgres\'s', async () => {
    const missing = await raised(`select private.claim_balance_refresh(gen_random_uuid(), 60)`);
    expect(refusal(missing, { '22023': 'not this one' })).toBeNull();
    const syntax = await raised(`select frobnicate(`);
    expect(refusal(syntax, { P0002: 'x', '22023': 'x' })).toBeNull();
    const network = Object.assign(new Error('socket hang up'), { code: 'EPIPE' });
    expect(sqlStateOf(network)).toBeNull();
    expect(() => refusedAs({ P0002: 'x' })(network)).toThrow(network);
    expect(() => refusedAs({ P0002: 'gone' })(missing)).toThrow(new HttpError(404, 'NOT_FOUND', 'gone'));
  });

  it('is the table docs/api.md states', () => {
    const doc = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
    const section = doc.slice(doc.indexOf('**Database refusals.**'), doc.indexOf('## User functions'));
    const rows = section.split('\n').filter((l) => /^\| `[0-9A-Z]{5}`/.test(l)).flatMap((l) => {
      const [, states, answer] = l.split('|');
      const [, status, code] = answer.match(/(\d{3}) `([A-Z_]+)`/)!;
      return [...states.matchAll(/`([0-9A-Z]{5})`/g)].map((m) => [m[1], { status: Number(status), code }]);
    });
    expect(Object.fromEntries(rows)).toEqual(refusalBySqlState);
  });
});
