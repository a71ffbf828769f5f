// A bank's logo and colour (/institutions/get_by_id) on the real functions host, against real Postgres
// and the Plaid emulator: a failing fetch (Plaid's INSTITUTIONS_GET_BY_ID_LIMIT) never holds up the
// connection, is recorded, and is tried again after its backoff, not on every page load and not never.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { callFunction, connectItem, emulator } from '../support/functions.ts';
import { newSession, testStack } from '../support/stack.ts';
import { eventually } from '../support/wait.ts';

const sql = postgres(testStack.adminDbUrl, { max: 2, onnotice: () => {} });
// Tartan Bank: Plaid has a logo for it, and no other test connects it (the fault below is its alone).
const TARTAN = 'ins_109511';

type Fault = { id: string; hits: number };
const faultHits = async (id: string) =>
  (await emulator<{ faults: Fault[] }>('GET', '/faults')).faults.find((f) => f.id === id)?.hits ?? null;
const fetchRow = async () => (await sql`
  select failures, last_error_code, next_attempt_at > now() + interval '50 seconds' as backing_off
  from private.institution_fetches where institution_id = ${TARTAN}`)[0];

describe('institution logos', () => {
  it('connects while Plaid refuses the logo, then fetches it again after the backoff, not on every page load', async () => {
    await sql`delete from private.institutions where institution_id = ${TARTAN}`;
    await sql`delete from private.institution_fetches where institution_id = ${TARTAN}`;
    const { fault } = await emulator<{ fault: Fault }>('POST', '/faults',
      { endpoint: '/institutions/get_by_id', institution_id: TARTAN, error_code: 'RATE_LIMIT_EXCEEDED', count: 1000 });
    const s = await newSession();
    const item = await connectItem(s, { institutionId: TARTAN, ready: false });
    expect(item.status).toBe('healthy');
    // The failure is recorded with Plaid's code and a backoff (the client's own retries included).
    expect(await eventually(fetchRow, (r) => r?.failures === 1)).toEqual({ failures: 1, last_error_code: 'INSTITUTIONS_GET_BY_ID_LIMIT', backing_off: true });
    const hits = await faultHits(fault.id);
    expect(hits).toBeGreaterThan(0);

    // Page loads during the backoff show the initial and ask Plaid nothing.
    for (let i = 0; i < 3; i++) {
      const page = await callFunction('plaid-accounts', {}, { session: s });
      expect(page.status).toBe(200);
      expect(page.body.items.find((x: { id: string }) => x.id === item.id)).toMatchObject({ status: 'healthy', logo: null });
    }
    expect(await faultHits(fault.id)).toBe(hits);
    expect((await fetchRow()).failures).toBe(1);

    // The backoff is over and Plaid answers again: the next page load fetches the logo, once.
    await emulator('DELETE', `/faults/${fault.id}`);
    await sql`update private.institution_fetches set next_attempt_at = now() where institution_id = ${TARTAN}`;
    expect((await callFunction('plaid-accounts', {}, { session: s })).status).toBe(200);
    const [stored] = await eventually(() => sql`select logo, primary_color from private.institutions where institution_id = ${TARTAN}`, (r) => r.length === 1);
    expect(stored.logo).toMatch(/^iVBOR/);
    expect(stored.primary_color).toBe('#3a0ca3');
    expect(await fetchRow()).toBeUndefined();
    const page = await callFunction('plaid-accounts', {}, { session: s });
    expect(page.body.items.find((x: { id: string }) => x.id === item.id).logo).toMatch(/^iVBOR/);
  });

  it('backs off 1, 4, 16 minutes ... at most a day, one fetch at a time', async () => {
    const id = `ins_backoff_${crypto.randomUUID()}`;
    const claim = async () => (await sql`select private.claim_institution_fetch(${id}) as c`)[0].c;
    const fail = async () => {
      const [{ wait }] = await sql`select extract(epoch from private.institution_fetch_failed(${id}, 'INTERNAL_SERVER_ERROR') - now())::int as wait`;
      return wait;
    };
    const due = () => sql`update private.institution_fetches set next_attempt_at = now() where institution_id = ${id}`;
    expect(await claim()).toBe(true);
    expect(await claim()).toBe(false); // one fetch at a time
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      if (i > 0) { await due(); expect(await claim()).toBe(true); }
      waits.push(await fail());
      expect(await claim()).toBe(false); // backing off
    }
    expect(waits).toEqual([60, 240, 960, 3840, 15360, 61440, 86400, 86400]);
    expect(await sql`select private.save_institution(${sql.json({ institution_id: id, name: 'Backoff Bank' })})`).toHaveLength(1);
    await due();
    expect(await claim()).toBe(false); // stored: nothing to fetch
    expect(await sql`select 1 from private.institution_fetches where institution_id = ${id}`).toHaveLength(0);
    await sql`delete from private.institutions where institution_id = ${id}`;
  });
});
