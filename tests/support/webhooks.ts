// Delivering webhooks to plaid-webhook as Plaid does (no apikey, no user: only the signature), with
// bodies signed by the emulator's current key. Responses go to responses.ndjson for the secret scan.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulator } from './functions.ts';
import { testStack } from './stack.ts';

/** Plaid's body format: JSON with a 2-space indent (the signed hash is over these exact bytes). */
export const plaidBody = (payload: Record<string, unknown>) => JSON.stringify({ ...payload, environment: 'sandbox' }, null, 2);

/** The Plaid-Verification header for body, signed by the emulator (iat: unix seconds, default now). */
export async function signature(body: string, iat?: number): Promise<{ jwt: string; kid: string }> {
  return await emulator('POST', '/webhook-keys/sign', { body, ...(iat === undefined ? {} : { iat }) });
}

export async function deliver(body: string, header: string | null): Promise<{ status: number; body: any }> {
  const res = await fetch(testStack.functionUrl('plaid-webhook'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(header === null ? {} : { 'Plaid-Verification': header }) },
    body,
  });
  const text = await res.text();
  appendFileSync(join(testStack.stateDir, 'responses.ndjson'), `${JSON.stringify({ fn: 'plaid-webhook', status: res.status, text })}\n`);
  return { status: res.status, body: JSON.parse(text) };
}
