// Stands in for: pg_net's background worker. Takes up to `batchSize` (pg_net.batch_size, 200) queued
// requests from net.http_request_queue, sends them concurrently with their timeouts and writes each
// outcome to net._http_response, like pg_net: no retry, a lost request is only visible there. Woken
// by NOTIFY pg_net_wake (sent by net.http_* and net.wake(), delivered on commit), and by a slow
// timer as pg_net's own polling loop, which also applies the response TTL (pg_net.ttl, 6 hours).
import postgres from 'postgres';

export type PgNetWorker = { stop(): Promise<void>; drained(): Promise<void> };

type QueuedRequest = { id: string; method: string; url: string; headers: Record<string, string>; body: Uint8Array | null; timeout_milliseconds: number };

export async function startPgNetWorker(opts: { dbUrl: string; batchSize?: number; pollMs?: number; ttl?: string; log?: (s: string) => void }): Promise<PgNetWorker> {
  const sql = postgres(opts.dbUrl, { max: 2, onnotice: () => {} });
  const batchSize = opts.batchSize ?? 200;
  const log = opts.log ?? (() => {});
  let running = false;
  let again = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  async function send(r: QueuedRequest): Promise<void> {
    const started = Date.now();
    try {
      const res = await fetch(r.url, {
        method: r.method,
        headers: r.headers,
        body: r.body ?? undefined,
        signal: AbortSignal.timeout(r.timeout_milliseconds),
      });
      const content = await res.text();
      await sql`insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
        values (${r.id}, ${res.status}, ${res.headers.get('content-type')}, ${sql.json(Object.fromEntries(res.headers))}, ${content}, false, null)`;
      log(`[pg_net] ${r.method} ${r.url} -> ${res.status} (${Date.now() - started} ms)`);
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      const message = timedOut ? `Timeout of ${r.timeout_milliseconds} ms reached` : `${(e as Error).message}`;
      await sql`insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
        values (${r.id}, null, null, null, null, ${timedOut}, ${message})`;
      log(`[pg_net] ${r.method} ${r.url} failed: ${message}`);
    }
  }

  async function pass(): Promise<void> {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        const batch = await sql<QueuedRequest[]>`
          delete from net.http_request_queue where id in (
            select id from net.http_request_queue order by id limit ${batchSize} for update skip locked)
          returning id, method, url, headers, body, timeout_milliseconds`;
        await Promise.all(batch.map(send));
        if (batch.length === batchSize) again = true;
      } while (again && !stopped);
    } catch (e) {
      if (!stopped) log(`[pg_net] worker pass failed: ${(e as Error).message}`);
    } finally {
      running = false;
      if (!again) { const w = idleWaiters; idleWaiters = []; w.forEach((f) => f()); }
    }
  }

  await sql.listen('pg_net_wake', () => void pass());
  const timer = setInterval(() => {
    void pass();
    void sql`delete from net._http_response where created < now() - ${opts.ttl ?? '6 hours'}::interval`.catch(() => {});
  }, opts.pollMs ?? 1000);
  void pass();

  return {
    async stop() { stopped = true; clearInterval(timer); await sql.end({ timeout: 2 }); },
    /** Resolves once the queue is empty and no request is in flight (for tests and benchmarks). */
    async drained() {
      for (;;) {
        const [{ n }] = await sql`select count(*)::int as n from net.http_request_queue`;
        if (n === 0 && !running) return;
        await new Promise<void>((res) => { idleWaiters.push(res); void pass(); });
      }
    },
  };
}
