// A small fetch-based Plaid client. Typed with the official `plaid` package's types only (importing
// its runtime costs ~400 ms of cold start under Deno). Retries transient failures with jittered
// backoff, times out every call, and logs one structured line per call with Plaid's request_id —
// never a token, a secret or a request body. Text Postgres cannot hold is made storable on arrival.
import type {
  AccountsBalanceGetRequest, AccountsGetRequest, AccountsGetResponse, InstitutionsGetByIdRequest,
  InstitutionsGetByIdResponse, InvestmentsHoldingsGetRequest, InvestmentsHoldingsGetResponse,
  InvestmentsTransactionsGetRequest, InvestmentsTransactionsGetResponse, ItemGetRequest, ItemGetResponse,
  ItemPublicTokenExchangeRequest, ItemPublicTokenExchangeResponse, ItemRemoveRequest, ItemRemoveResponse,
  ItemWebhookUpdateRequest, ItemWebhookUpdateResponse, LiabilitiesGetRequest, LiabilitiesGetResponse,
  LinkTokenCreateRequest, LinkTokenCreateResponse, TransactionsRefreshRequest, TransactionsRefreshResponse,
  TransactionsSyncRequest, TransactionsSyncResponse, WebhookVerificationKeyGetRequest,
  WebhookVerificationKeyGetResponse,
} from 'plaid';
import { isPlaidErrorBody, PlaidApiError, PlaidTransportError } from './errors.ts';
import type { PlaidConfig } from './config.ts';
import type { Logger } from '../log.ts';
import { storableJsonText } from '../storable.ts';

/** Request/response types per endpoint; credentials travel in headers, so they are not in bodies. */
export type PlaidEndpoints = {
  '/link/token/create': [LinkTokenCreateRequest, LinkTokenCreateResponse];
  '/item/public_token/exchange': [ItemPublicTokenExchangeRequest, ItemPublicTokenExchangeResponse];
  '/item/get': [ItemGetRequest, ItemGetResponse];
  '/item/remove': [ItemRemoveRequest, ItemRemoveResponse];
  '/item/webhook/update': [ItemWebhookUpdateRequest, ItemWebhookUpdateResponse];
  '/accounts/get': [AccountsGetRequest, AccountsGetResponse];
  '/accounts/balance/get': [AccountsBalanceGetRequest, AccountsGetResponse];
  '/transactions/sync': [TransactionsSyncRequest, TransactionsSyncResponse];
  '/transactions/refresh': [TransactionsRefreshRequest, TransactionsRefreshResponse];
  '/liabilities/get': [LiabilitiesGetRequest, LiabilitiesGetResponse];
  '/investments/holdings/get': [InvestmentsHoldingsGetRequest, InvestmentsHoldingsGetResponse];
  '/investments/transactions/get': [InvestmentsTransactionsGetRequest, InvestmentsTransactionsGetResponse];
  '/institutions/get_by_id': [InstitutionsGetByIdRequest, InstitutionsGetByIdResponse];
  '/webhook_verification_key/get': [WebhookVerificationKeyGetRequest, WebhookVerificationKeyGetResponse];
};
export type PlaidEndpoint = keyof PlaidEndpoints;
export type PlaidRequest<E extends PlaidEndpoint> = Omit<PlaidEndpoints[E][0], 'client_id' | 'secret'>;
export type PlaidResponse<E extends PlaidEndpoint> = PlaidEndpoints[E][1];

export type CallOptions = {
  /** Our item id, for the log line (never Plaid's access token). */
  itemId?: string | null;
  /** Off for calls that must not repeat blindly (e.g. a public token exchange). */
  retry?: boolean;
  timeoutMs?: number;
  /** Wall-clock time (epoch ms) by which the call must be over, retries included: each attempt's
   *  timeout is cut to what is left and no retry starts past it (an Edge Function's 150 s). */
  deadline?: number;
};

export type PlaidDeps = {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Wall clock for deadlines (epoch ms). */
  clock?: () => number;
};

export class PlaidClient {
  private readonly cfg: PlaidConfig;
  private readonly log: Logger;
  private readonly deps: Required<PlaidDeps>;

  constructor(cfg: PlaidConfig, log: Logger, deps: PlaidDeps = {}) {
    this.cfg = cfg;
    this.log = log;
    this.deps = {
      fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
      sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: deps.random ?? Math.random,
      now: deps.now ?? (() => performance.now()),
      clock: deps.clock ?? Date.now,
    };
  }

  async call<E extends PlaidEndpoint>(endpoint: E, body: PlaidRequest<E>, opts: CallOptions = {}): Promise<PlaidResponse<E>> {
    return (await this.callRaw(endpoint, body, opts)).data;
  }

  /** Like call(), also returning the body as received, for passing it to SQL without re-serializing. */
  async callRaw<E extends PlaidEndpoint>(endpoint: E, body: PlaidRequest<E>, opts: CallOptions = {}): Promise<{ data: PlaidResponse<E>; text: string }> {
    const maxAttempts = opts.retry === false ? 1 : this.cfg.maxRetries + 1;
    const left = () => (opts.deadline === undefined ? Infinity : opts.deadline - this.deps.clock());
    for (let attempt = 1; ; attempt++) {
      const started = this.deps.now();
      try {
        const timeoutMs = Math.min(opts.timeoutMs ?? this.cfg.timeoutMs, left());
        if (timeoutMs <= 0) throw new PlaidTransportError(`Plaid ${endpoint} not called: no time left before the deadline`, true);
        const result = await this.once(endpoint, body, timeoutMs);
        this.log.info('plaid_call', {
          endpoint, item: opts.itemId ?? null, request_id: (result.data as { request_id?: string }).request_id ?? null,
          ms: Math.round(this.deps.now() - started), outcome: 'ok', attempt,
        });
        return result;
      } catch (e) {
        const err = e as PlaidApiError | PlaidTransportError;
        // Full jitter keeps many retrying items from hitting Plaid in lock-step.
        const ceiling = Math.min(this.cfg.retryMaxDelayMs, this.cfg.retryBaseDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(this.deps.random() * ceiling);
        const retry = attempt < maxAttempts && err.isRetryable && left() > delay;
        this.log.warn('plaid_call', {
          endpoint, item: opts.itemId ?? null, request_id: err instanceof PlaidApiError ? err.requestId : null,
          ms: Math.round(this.deps.now() - started), outcome: retry ? 'retry' : 'error', attempt,
          status: err instanceof PlaidApiError ? err.status : null,
          error_code: err instanceof PlaidApiError ? err.errorCode : err.timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        });
        if (!retry) throw err;
        await this.deps.sleep(delay);
      }
    }
  }

  private async once<E extends PlaidEndpoint>(endpoint: E, body: PlaidRequest<E>, timeoutMs: number): Promise<{ data: PlaidResponse<E>; text: string }> {
    let res: Response;
    try {
      res = await this.deps.fetch(`${this.cfg.baseUrl}${endpoint}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'PLAID-CLIENT-ID': this.cfg.clientId,
          'PLAID-SECRET': this.cfg.secret,
          'Plaid-Version': '2020-09-14',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      throw new PlaidTransportError(timedOut ? `Plaid ${endpoint} timed out after ${timeoutMs} ms` : `Plaid ${endpoint} unreachable`, timedOut);
    }
    let parsed: unknown;
    let text = '';
    try {
      // What Postgres cannot hold (a NUL, an unpaired surrogate) would fail the whole response in SQL.
      const storable = storableJsonText(await res.text());
      text = storable.text;
      parsed = JSON.parse(text);
      if (storable.replaced) {
        this.log.warn('plaid_text_replaced', { endpoint, request_id: (parsed as { request_id?: string }).request_id ?? null, strings: storable.replaced });
      }
    } catch {
      throw new PlaidTransportError(`Plaid ${endpoint} answered ${res.status} with a body that is not JSON`, false);
    }
    if (res.ok && !isPlaidErrorBody(parsed)) return { data: parsed as PlaidResponse<E>, text };
    if (isPlaidErrorBody(parsed)) throw new PlaidApiError(res.status, parsed);
    throw new PlaidTransportError(`Plaid ${endpoint} answered ${res.status}`, false);
  }
}
