// Request parsing and error responses shared by every function. Bad input is always a 4xx with a
// message that says what is wrong; unexpected failures are a 500 with no internal detail.
import { z } from 'zod';
import { PlaidApiError, PlaidTransportError } from './plaid/errors.ts';
import type { Logger } from './log.ts';
import { unstorableJson } from './storable.ts';

export const MAX_BODY_BYTES = 64 * 1024;
/** The words of every 500: nothing internal, and that it was logged. */
export const OUR_FAILURE = 'something went wrong on our side; the error was logged';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;
  constructor(status: number, code: string, message: string, opts: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers;
  }
}

export function errorResponse(status: number, code: string, message: string, extra: { details?: unknown; headers?: HeadersInit } = {}): Response {
  return Response.json({ error: { code, message, ...(extra.details === undefined ? {} : { details: extra.details }) } },
    { status, headers: extra.headers });
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
}

export function requirePost(req: Request): void {
  if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use POST (got ${req.method})`, { headers: { Allow: 'POST, OPTIONS' } });
}

/** The raw body, refused with 413 past maxBytes (declared or actual). */
export async function readBodyBytes(req: Request, maxBytes = MAX_BODY_BYTES): Promise<Uint8Array> {
  const tooLarge = () => new HttpError(413, 'BODY_TOO_LARGE', `the body must be at most ${maxBytes} bytes`);
  if (Number(req.headers.get('content-length') ?? 0) > maxBytes) throw tooLarge();
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw tooLarge();
  return bytes;
}

/** Reads a JSON body (size-capped, content-type checked) and validates it; throws HttpError on bad input. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, maxBytes = MAX_BODY_BYTES): Promise<z.infer<S>> {
  requirePost(req);
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  const bytes = await readBodyBytes(req, maxBytes);
  let value: unknown;
  try {
    value = bytes.byteLength === 0 ? {} : JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'the body is not valid JSON');
  }
  // Before the schema: a NUL, an unpaired surrogate or a hostile depth anywhere (unknown fields too).
  const unstorable = unstorableJson(value);
  if (unstorable) throw new HttpError(400, 'INVALID_REQUEST', unstorable.message, { details: [unstorable] });
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, 'INVALID_REQUEST', describeIssues(parsed.error), { details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return parsed.data;
}

/** Our status for a Plaid error: 429 for Plaid's rate limits, 503 for transient errors (try again), else 502. */
export function plaidErrorStatus(e: PlaidApiError): number {
  return e.errorType === 'RATE_LIMIT_EXCEEDED' ? 429 : e.isRetryable ? 503 : 502;
}

/** Maps anything thrown by a handler to a response: our HttpErrors as they are, Plaid errors as 502/503 with Plaid's public fields. */
export function toErrorResponse(e: unknown, log: Logger): Response {
  if (e instanceof HttpError) return errorResponse(e.status, e.code, e.message, { details: e.details, headers: e.headers });
  if (e instanceof PlaidApiError) {
    log.warn('plaid_error', { error_code: e.errorCode, request_id: e.requestId, status: e.status });
    return errorResponse(plaidErrorStatus(e), 'PLAID_ERROR', e.displayMessage ?? `Plaid returned ${e.errorCode}`, { details: e.toPublic() });
  }
  if (e instanceof PlaidTransportError) {
    log.warn('plaid_unreachable', { message: e.message });
    return errorResponse(503, 'PLAID_UNAVAILABLE', 'Plaid did not answer in time; try again shortly');
  }
  log.error('unhandled_error', { message: e instanceof Error ? e.message : String(e) });
  return errorResponse(500, 'INTERNAL_ERROR', OUR_FAILURE);
}
