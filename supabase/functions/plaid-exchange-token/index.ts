// POST { public_token, metadata, duplicates? } → exchanges the public token, stores the access token in
// Vault, creates the item and its accounts and requests the initial sync. 409 for a duplicate
// connection (unless duplicates: "skip" and some accounts are new: then only those are connected).
import { z } from 'zod';
import { userFunction } from '../_shared/function.ts';
import { readJson } from '../_shared/http.ts';
import { exchangePublicToken } from '../_shared/items/exchange.ts';
import { linkMetadata } from '../_shared/items/link-metadata.ts';

const body = z.strictObject({
  public_token: z.string().regex(/^public-(sandbox|development|production)-[A-Za-z0-9-]{1,100}$/, 'must be a Plaid public token (public-<env>-<id>)'),
  metadata: linkMetadata.optional(),
  duplicates: z.enum(['refuse', 'skip']).optional(),
});

export default {
  fetch: userFunction('plaid-exchange-token', Deno.env.toObject(), async (req, ctx) =>
    Response.json(await exchangePublicToken(ctx, await readJson(req, body)), { status: 201 })),
};
