// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Command line entry:
//   node local/plaid-emulator/main.ts [--port 54325] [--seed N] [--history-size N] [--webhook-delay-ms N]
//     [--transactions-ready-delay-ms N] [--webhook-retry-base-ms N] [--webhook-duplicate-rate R]
//     [--webhook-reorder-rate R] [--webhook-reorder-delay-ms N] [--quiet]
//     [--instant-transactions REASON] [--no-item-rate-limits REASON] [--exact-webhook-delivery REASON]
// Without flags it behaves as Plaid's Sandbox does (README § Realism).
// Credentials: PLAID_CLIENT_ID / PLAID_SECRET, defaulting to the local-only values below.
import { startEmulator } from './server.ts';

export const DEFAULT_CLIENT_ID = 'emulator-client-id';
export const DEFAULT_SECRET = 'emulator-sandbox-secret';
export const DEFAULT_PORT = 54325;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

function num(name: string): number | undefined {
  const v = arg(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
}

const quiet = process.argv.includes('--quiet');
const emulator = await startEmulator({
  port: num('port') ?? DEFAULT_PORT,
  seed: num('seed') ?? 1,
  historySize: num('history-size'),
  webhookDelayMs: num('webhook-delay-ms'),
  transactionsReadyDelayMs: num('transactions-ready-delay-ms'),
  webhookRetryBaseMs: num('webhook-retry-base-ms'),
  webhookDuplicateRate: num('webhook-duplicate-rate'),
  webhookReorderRate: num('webhook-reorder-rate'),
  webhookReorderDelayMs: num('webhook-reorder-delay-ms'),
  // Leniencies (README § Leniency): each takes the reason it is needed.
  instantTransactions: arg('instant-transactions'),
  noItemRateLimits: arg('no-item-rate-limits'),
  exactWebhookDelivery: arg('exact-webhook-delivery'),
  clientId: process.env.PLAID_CLIENT_ID || DEFAULT_CLIENT_ID,
  secret: process.env.PLAID_SECRET || DEFAULT_SECRET,
  log: quiet ? undefined : (line) => console.log(`[plaid-emulator] ${line}`),
});
console.log(`Plaid sandbox emulator on ${emulator.url}  (control API: ${emulator.url}/__emulator/, Link: ${emulator.url}/link/v2/stable/link-initialize.js)`);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    emulator.close().then(() => process.exit(0));
  });
}
