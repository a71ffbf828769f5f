// Benchmark of the local Plaid sandbox emulator (local/plaid-emulator): a full /transactions/sync of
// Items with N transactions, in pages of `count`, through HTTP like a client. Prints pages/s.
//   node bench/emulator-sync.ts [--sizes 10000,100000] [--count 500]
import type { ItemPublicTokenExchangeResponse, SandboxPublicTokenCreateResponse, TransactionsSyncResponse } from 'plaid';
import { startEmulator } from '../local/plaid-emulator/server.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('sizes', '10000,100000').split(',').map(Number);
const count = Number(arg('count', '500'));

const serverMs: number[] = [];
const emu = await startEmulator({
  clientId: 'bench', secret: 'bench', seed: 1,
  instantTransactions: 'the benchmark measures serving a full history, not readiness',
  noItemRateLimits: 'the benchmark pages up to 200 times through one Item to measure serving speed',
  clientRateLimits: { '/transactions/sync': 1_000_000 },
  log: (line) => {
    const m = /^POST \/transactions\/sync 200 ([\d.]+)ms/.exec(line);
    if (m) serverMs.push(Number(m[1]));
  },
});
const headers = { 'Content-Type': 'application/json', 'PLAID-CLIENT-ID': 'bench', 'PLAID-SECRET': 'bench' };
const post = async <T>(path: string, body: unknown): Promise<T> => (await fetch(emu.url + path, { method: 'POST', headers, body: JSON.stringify(body) })).json() as Promise<T>;

try {
  for (const size of sizes) {
    const pt = await post<SandboxPublicTokenCreateResponse>('/sandbox/public_token/create', {
      institution_id: 'ins_109508', initial_products: ['transactions'],
      options: { override_username: 'user_custom', override_password: JSON.stringify({ emulator: { history_size: size, days_requested: 730 } }) },
    });
    const { access_token } = await post<ItemPublicTokenExchangeResponse>('/item/public_token/exchange', { public_token: pt.public_token });
    await post('/transactions/sync', { access_token, count: 10 });
    serverMs.length = 0;
    let cursor = '';
    let pages = 0;
    let bytes = 0;
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    for (let more = true; more; pages++) {
      const res = await fetch(emu.url + '/transactions/sync', { method: 'POST', headers, body: JSON.stringify({ access_token, cursor, count }) });
      const text = await res.text();
      bytes += text.length;
      const body = JSON.parse(text) as TransactionsSyncResponse;
      cursor = body.next_cursor;
      more = body.has_more;
    }
    const wall = performance.now() - t0;
    const served = serverMs.reduce((a, b) => a + b, 0);
    console.log(
      `${size.toLocaleString('en-US')} transactions: ${pages} pages of ${count}, ${(bytes / 1e6).toFixed(1)} MB; ` +
        `server ${served.toFixed(0)} ms (${(pages / (served / 1000)).toFixed(0)} pages/s), ` +
        `end to end ${wall.toFixed(0)} ms (${(pages / (wall / 1000)).toFixed(0)} pages/s); rss +${((process.memoryUsage().rss - rss0) / 1e6).toFixed(0)} MB`,
    );
  }
} finally {
  await emu.close();
}
