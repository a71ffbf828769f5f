// One error envelope for every answer, `{ "error": { "code", "message", "details"? } }` (docs/api.md),
// including the ones @supabase/server gives before our handler runs: its 401s for missing or invalid
// credentials, and its 500s for a misconfigured project. It marks those with the
// `x-supabase-server-error` header; this middleware, outermost, rewrites their body and keeps the
// status and every header (CORS included). Preflights and our own answers pass through untouched.
import { defineMiddleware } from '@supabase/middleware';
import type { ErrorPayload } from '@supabase/server';
import { ErrorCodeHeader, ErrorSource } from './server-errors.ts';
import { errorResponse, OUR_FAILURE, toErrorResponse } from './http.ts';
import { createLogger, type Logger } from './log.ts';

const prefix = `[${ErrorSource}] `;

/** @supabase/server's error answer in our envelope: its code and words for 4xx, ours for its 5xx (logged). */
async function envelope(res: Response, log: Logger): Promise<Response> {
  const code = res.headers.get(ErrorCodeHeader);
  if (!code) return res;
  const body = await res.json().catch(() => ({})) as Partial<ErrorPayload>;
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  if (res.status >= 500) {
    // The project's configuration (keys, JWKS, database URL): nothing the caller can fix or should read.
    log.error('supabase_server_error', { code, message: body.message ?? null });
    return errorResponse(res.status, 'INTERNAL_ERROR', OUR_FAILURE, { headers });
  }
  const said = body.message ?? `the request was refused (${code})`;
  const message = said.startsWith(prefix) ? said.slice(prefix.length) : said;
  return errorResponse(res.status, code, message, { details: { hint: body.hint, docs: body.docs, ...body.details }, headers });
}

/** Outermost in every function's pipeline. `fn` names the function in log lines. */
export const withErrorEnvelope = defineMiddleware<'errorEnvelope', { fn: string }, Record<never, never>, { fn: string }>({
  key: 'errorEnvelope',
  run: ({ fn }) => async function* () {
    const log = createLogger({ fn });
    let res: Response;
    try {
      res = yield { errorEnvelope: { fn } };
    } catch (e) {
      // Handlers answer their own errors; this catches what a middleware below let escape.
      return toErrorResponse(e, log);
    }
    return await envelope(res, log);
  },
});
