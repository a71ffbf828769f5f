// POST { public_token, metadata } → exchanges the public token, stores the access token in Vault,
// creates the item and its accounts and requests the initial sync. 409 for a duplicate connection.
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { exchangePublicToken } from '../_shared/items/exchange.ts';

// Link's metadata is passed through from Plaid: unknown fields inside it are ignored (Plaid adds them
// over time); the fields we read are validated.
const linkAccount = z.object({ id: z.string().min(1).max(100), name: z.string().max(200).nullish(), mask: z.string().max(10).nullish() });
const body = z.strictObject({
  public_token: z.string().regex(/^public-(sandbox|development|production)-[A-Za-z0-9-]{1,100}$/, 'must be a Plaid public token (public-<env>-<id>)'),
  metadata: z.object({
    institution: z.object({ institution_id: z.string().min(1).max(50), name: z.string().min(1).max(200) }).nullish(),
    accounts: z.array(linkAccount).max(100).optional(),
    link_session_id: z.string().max(100).nullish(),
  }).optional(),
});

export default {
  fetch: userFunction('plaid-exchange-token', Deno.env.toObject(), async (req, ctx) =>
    Response.json(await exchangePublicToken(ctx, await readJson(req, body)), { status: 201 })),
};
