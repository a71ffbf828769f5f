// Plaid's webhooks. No user auth: every delivery is verified against Plaid's signature (ES256 JWT in
// Plaid-Verification, key from /webhook_verification_key/get, iat ≤ 5 min, body SHA-256), then
// recorded once and acted on in one SQL call; rejected deliveries answer 401 and store nothing.
import { publicFunction } from '../_shared/server-function.ts';
import { plaidKeyFetcher, WebhookKeyCache } from '../_shared/webhooks/key-cache.ts';
import { handlePlaidWebhook } from '../_shared/webhooks/handle.ts';
import { PlaidClient } from '../_shared/plaid/client.ts';
import { plaidConfigFrom } from '../_shared/plaid/config.ts';
import { createLogger } from '../_shared/log.ts';

const env = Deno.env.toObject();
// One key cache per isolate, shared by every request it serves.
let client: PlaidClient | null = null;
const keys = new WebhookKeyCache(plaidKeyFetcher(() => (client ??= new PlaidClient(plaidConfigFrom(env), createLogger({ fn: 'plaid-webhook' })))));

export default {
  fetch: publicFunction('plaid-webhook', env, (req, ctx) => handlePlaidWebhook(req, ctx, keys.resolve)),
};
