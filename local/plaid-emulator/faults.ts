// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Fault injection for the next N calls of an endpoint: a Plaid error (500 INTERNAL_SERVER_ERROR, 429 with
// the endpoint's rate-limit code, TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, ...), added latency, or a
// hang (no response until the client gives up). For /transactions/sync a rule can target page K of a loop.
import { CATALOG } from './errors.ts';
import { rateLimitCode } from './ratelimits.ts';

export type FaultRule = {
  id: string;
  /** Plaid path such as /transactions/sync, or * for every Plaid endpoint */
  endpoint: string;
  /** Plaid error_code to answer with; RATE_LIMIT_EXCEEDED picks the endpoint's own 429 code */
  error_code: string | null;
  /** override the HTTP status (defaults to Plaid's status for the code) */
  http_status: number | null;
  latency_ms: number;
  /** never answer (the socket is held open for hang_ms, then destroyed) */
  hang: boolean;
  hang_ms: number;
  /** calls left; the rule disappears at 0 */
  remaining: number;
  /** /transactions/sync only: fire only on page K of a pagination loop (1 = first page) */
  page: number | null;
  /** only for requests on this Item */
  item_id: string | null;
  /** only for requests about this institution (body.institution_id: /institutions/get_by_id, /sandbox/public_token/create) */
  institution_id: string | null;
  hits: number;
};

export type FaultInput = Partial<Omit<FaultRule, 'id' | 'hits' | 'remaining'>> & { count?: number };

export class Faults {
  rules: FaultRule[] = [];
  private n = 0;

  add(input: FaultInput): FaultRule {
    if (!input.endpoint) throw new Error('endpoint is required (a Plaid path or *)');
    let code = input.error_code ?? null;
    if (code === 'RATE_LIMIT_EXCEEDED') code = rateLimitCode(input.endpoint);
    if (code && !CATALOG[code]) throw new Error(`unknown error_code ${code}`);
    if (!code && !input.hang && !input.latency_ms) throw new Error('give error_code, latency_ms or hang');
    if (input.page != null && input.endpoint !== '/transactions/sync') throw new Error('page applies to /transactions/sync only');
    const rule: FaultRule = {
      id: `fault_${++this.n}`,
      endpoint: input.endpoint,
      error_code: code,
      http_status: input.http_status ?? null,
      latency_ms: input.latency_ms ?? 0,
      hang: input.hang === true,
      hang_ms: input.hang_ms ?? 120_000,
      remaining: input.count ?? 1,
      page: input.page ?? null,
      item_id: input.item_id ?? null,
      institution_id: input.institution_id ?? null,
      hits: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  /** Take (and count down) the first rule matching this call; `page` is known only inside sync. */
  take(endpoint: string, ctx: { itemId: string | null; institutionId?: string | null; page: number | null }): FaultRule | null {
    const rule = this.rules.find((r) =>
      (r.endpoint === endpoint || r.endpoint === '*') &&
      (r.item_id === null || r.item_id === ctx.itemId) &&
      (r.institution_id === null || r.institution_id === ctx.institutionId) &&
      (ctx.page === null ? r.page === null : r.page === ctx.page),
    );
    if (!rule) return null;
    rule.hits++;
    if (--rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }
}
