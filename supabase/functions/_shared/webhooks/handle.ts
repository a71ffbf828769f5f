// plaid-webhook's work: verify the delivery, then record it and act on it in one SQL call
// (private.handle_plaid_webhook). Nothing here calls Plaid except a verification key lookup on a
// cache miss; syncs are requested as database state and run after the answer.
import { z } from 'zod';
import type { ServiceContext } from '../function.ts';
import { HttpError, readBodyBytes, requirePost } from '../http.ts';
import { type KeyResolver, verifyPlaidWebhook, type VerificationFailure } from './verify.ts';

const reasons: Record<VerificationFailure, string> = {
  missing_header: 'the Plaid-Verification header is missing',
  malformed_jwt: 'the Plaid-Verification header is not a compact JWT',
  unsupported_alg: 'the Plaid-Verification JWT must be signed with ES256',
  missing_kid: 'the Plaid-Verification JWT has no key id',
  unknown_key: 'the Plaid-Verification JWT names a key Plaid does not know',
  expired_key: 'the Plaid-Verification JWT was signed with an expired key',
  bad_signature: 'the Plaid-Verification signature is not valid',
  malformed_claims: 'the Plaid-Verification JWT lacks iat or request_body_sha256',
  too_old: 'the webhook is more than 5 minutes old',
  issued_in_future: 'the webhook is dated in the future',
  body_mismatch: 'the body does not match the signed SHA-256',
};

// Plaid adds fields and codes over time: the envelope is checked, everything else is kept as sent.
const envelope = z.looseObject({
  webhook_type: z.string().min(1).max(100),
  webhook_code: z.string().min(1).max(100),
  item_id: z.string().min(1).max(255).nullish(),
  error: z.looseObject({ error_code: z.string().max(100) }).nullish(),
});

type Outcome = { event_id: string; delivery_count: number; outcome: string; action: string; status_applied: boolean; first_for_item: boolean };

export async function handlePlaidWebhook(req: Request, ctx: ServiceContext, resolveKey: KeyResolver): Promise<Response> {
  requirePost(req);
  const raw = await readBodyBytes(req);
  const verified = await verifyPlaidWebhook(req.headers.get('plaid-verification'), raw, resolveKey, Math.floor(Date.now() / 1000));
  if (!verified.ok) {
    ctx.log.warn('webhook_rejected', { reason: verified.reason });
    throw new HttpError(401, 'WEBHOOK_VERIFICATION_FAILED', reasons[verified.reason]);
  }
  const text = new TextDecoder().decode(raw);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'the webhook body is not valid JSON');
  }
  const parsed = envelope.safeParse(body);
  if (!parsed.success) throw new HttpError(400, 'INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const hook = parsed.data;
  // The body goes to SQL as received (text → jsonb), never re-serialized.
  const [{ result }] = await ctx.admin.query<{ result: Outcome }>`
    select private.handle_plaid_webhook(${verified.bodySha256}, ${text}::jsonb) as result`;
  if (result.action === 'unknown_item') {
    // An Item the product does not hold (removed, its user deleted): answered 200 so Plaid stops
    // retrying, and logged once per Item (its removal at Plaid, if queued, ends the webhooks).
    if (result.first_for_item) ctx.log.warn('webhook_for_unknown_item', { webhook_type: hook.webhook_type, webhook_code: hook.webhook_code, plaid_item: hook.item_id ?? null });
    return Response.json({ received: true, outcome: result.outcome, delivery_count: result.delivery_count });
  }
  ctx.log.info('webhook_received', {
    webhook_type: hook.webhook_type, webhook_code: hook.webhook_code, plaid_item: hook.item_id ?? null,
    error_code: hook.error?.error_code ?? null, kid: verified.kid, ...result,
  });
  return Response.json({ received: true, outcome: result.outcome, delivery_count: result.delivery_count });
}
