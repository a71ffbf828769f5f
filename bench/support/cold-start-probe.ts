// Measures one cold start in a fresh Deno process: module load to the first response of a function's
// default export (an OPTIONS preflight, which every function answers without I/O). With --with-plaid
// the official `plaid` client is imported first, as a function that used it at runtime would.
/// <reference types="deno" />
const [name, variant] = Deno.args;
const started = performance.now();
if (variant === '--with-plaid') {
  const plaid = await import('plaid');
  if (typeof plaid.PlaidApi !== 'function') throw new Error('plaid did not load');
}
const mod = await import(new URL(`../../supabase/functions/${name}/index.ts`, import.meta.url).href);
const res: Response = await mod.default.fetch(new Request(`http://localhost/${name}`, {
  method: 'OPTIONS', headers: { Origin: 'http://localhost', 'Access-Control-Request-Method': 'POST' },
}));
await res.arrayBuffer();
console.log(JSON.stringify({ name, variant: variant ?? 'lean', ms: performance.now() - started, status: res.status }));
