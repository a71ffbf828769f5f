// plaid-webhook's work: verify the delivery, then record it and act on it in one SQL call
// (private.handle_plaid_webhook). Nothing here calls Plaid except a verification key lookup on a
// cache miss (bounded: key-cache.ts); syncs are requested as database state and run after the answer.
import { z } from 'zod';
import type { ServiceContext } from '../function.ts';
import { HttpError, readBodyBytes, requirePost } from '../http.ts';
import { storableDateTime, textProblem, unstorableJson } from '../storable.ts';
import { type KeyResolver, verifyPlaidWebhook, type VerificationFailure } from './verify.ts';
import type { LookupPermit } from './key-cache.ts';
import { takeRateLimit, webhookKeyLookups } from '../rate-limits.ts';

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

// Plaid adds fields and codes over time: the envelope and the fields SQL reads are checked, everything
// else is kept as sent.
const envelope = z.looseObject({
  webhook_type: z.string().min(1).max(100),
  webhook_code: z.string().min(1).max(100),
  item_id: z.string().min(1).max(255).nullish(),
  // PlaidError, except TRANSACTIONS INITIAL_UPDATE's, which the spec types as a string.
  error: z.union([z.looseObject({ error_code: z.string().max(100) }), z.string().max(10_000)]).nullish(),
  consent_expiration_time: storableDateTime.nullish(),
  disconnect_time: storableDateTime.nullish(),
  new_webhook_url: z.string().max(2048).nullish(),
});

type Outcome = { event_id: string; delivery_count: number; outcome: string; action: string; status_applied: boolean; first_for_item: boolean };

/** A string field of the body for the rejection's record, when it is one we can store. */
function field(body: unknown, key: string, max: number): string | null {
  const v = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' && v.length <= max && textProblem(v) === null ? v : null;
}

/** Why a verified body cannot be acted on, or the envelope. */
function readBody(text: string): { ok: true; body: unknown; hook: z.infer<typeof envelope> } | { ok: false; body: unknown; reason: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, body: undefined, reason: 'the body is not valid JSON' };
  }
  const unstorable = unstorableJson(body);
  if (unstorable) return { ok: false, body, reason: unstorable.message };
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return { ok: false, body, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
  return { ok: true, body, hook: parsed.data };
}

/** Asking Plaid for a key id we do not have takes a request from the global bucket, or refuses (429). */
const lookupPermit = (ctx: ServiceContext): LookupPermit => async () => {
  const refused = await takeRateLimit(ctx, [{ key: 'webhook_key_lookup', ...webhookKeyLookups }],
    'verifying webhooks signed with key ids we do not have');
  if (refused) {
    ctx.log.warn('webhook_key_lookup_limited', { retry_after: refused.headers?.['Retry-After'] ?? null });
    throw refused;
  }
};

export async function handlePlaidWebhook(req: Request, ctx: ServiceContext, resolveKey: (kid: string, permit: LookupPermit) => ReturnType<KeyResolver>): Promise<Response> {
  requirePost(req);
  const raw = await readBodyBytes(req);
  const permit = lookupPermit(ctx);
  const verified = await verifyPlaidWebhook(req.headers.get('plaid-verification'), raw, (kid) => resolveKey(kid, permit), Math.floor(Date.now() / 1000));
  if (!verified.ok) {
    ctx.log.warn('webhook_rejected', { reason: verified.reason });
    throw new HttpError(401, 'WEBHOOK_VERIFICATION_FAILED', reasons[verified.reason]);
  }
  const text = new TextDecoder().decode(raw);
  const read = readBody(text);
  if (!read.ok) {
    // Plaid signed it, so it is Plaid's (or Plaid's key holder's): recorded for support, acted on never,
    // and answered 200, since a retry of the same bytes could not be accepted either.
    const [{ result }] = await ctx.admin.query<{ result: { delivery_count: number } }>`
      select private.record_rejected_webhook(${verified.bodySha256}, ${field(read.body, 'webhook_type', 100)},
        ${field(read.body, 'webhook_code', 100)}, ${field(read.body, 'item_id', 255)}, ${read.reason},
        ${text.replaceAll('\u0000', '\uFFFD')}) as result`;
    ctx.log.warn('webhook_rejected', { reason: 'unusable_body', detail: read.reason, kid: verified.kid, delivery_count: result.delivery_count });
    return Response.json({ received: true, outcome: 'rejected', reason: read.reason, delivery_count: result.delivery_count });
  }
  const hook = read.hook;
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
    error_code: typeof hook.error === 'object' ? hook.error?.error_code ?? null : null, kid: verified.kid, ...result,
  });
  return Response.json({ received: true, outcome: result.outcome, delivery_count: result.delivery_count });
}
