// The currency picker offers exactly the codes the database accepts for a manual account: the list in
// web/src/currencies.ts and private.is_iso_4217_currency are the same ISO 4217 list.
import { afterAll, expect, it } from 'vitest';
import postgres from 'postgres';
import { testStack } from '../support/stack.ts';
import { CURRENCIES } from '../../web/src/currencies.ts';

const sql = postgres(testStack.dbUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

it('the web picker and the database accept the same ISO 4217 codes', async () => {
  // Every three-letter code the database accepts, found by asking it about all 17,576.
  const rows = await sql<{ code: string }[]>`
    select a || b || c as code
    from unnest(regexp_split_to_array('ABCDEFGHIJKLMNOPQRSTUVWXYZ', '')) a,
         unnest(regexp_split_to_array('ABCDEFGHIJKLMNOPQRSTUVWXYZ', '')) b,
         unnest(regexp_split_to_array('ABCDEFGHIJKLMNOPQRSTUVWXYZ', '')) c
    where private.is_iso_4217_currency(a || b || c)
    order by 1`;
  expect(rows.map((r) => r.code)).toEqual([...CURRENCIES].sort());
  expect(CURRENCIES).toContain('GBP');
  expect(CURRENCIES).not.toContain('ABC');
});
