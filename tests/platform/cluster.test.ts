// The local cluster's start is idempotent: starting a running cluster reuses it (same postmaster,
// connections and data untouched), as `npm run dev` does when a cluster is left running.
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { testStack } from '../support/stack.ts';

describe('local Postgres cluster', () => {
  it('start() on a running cluster reuses it', async () => {
    const sql = postgres(testStack.adminDbUrl, { max: 1, onnotice: () => {} });
    try {
      const [before] = await sql`select pg_postmaster_start_time()::text as t, pg_backend_pid() as pid`;
      const cluster = testStack.cluster;
      expect(cluster.isRunning()).toBe(true);
      cluster.start();
      const [after] = await sql`select pg_postmaster_start_time()::text as t, pg_backend_pid() as pid`;
      expect(after).toEqual(before); // same server, and this very connection survived
    } finally {
      await sql.end();
    }
  });
});
