// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// The emulator's settings. The defaults are Plaid's behaviour (README § Realism): transactions are not
// ready at once, webhooks are retried and sometimes duplicated or reordered, rate limits apply. Timings
// can be compressed; anything that makes the emulator more lenient than Plaid is a `leniency`, which is
// off unless a caller names it with the reason it needs it.
import { SANDBOX_RATE_LIMITS } from './ratelimits.ts';

export type Leniency = {
  /** Items are HISTORICAL_UPDATE_COMPLETE when created (no NOT_READY, no readiness webhooks) */
  instant_transactions: string | null;
  /** no per-Item rate limits (per-client limits still apply) */
  no_item_rate_limits: string | null;
  /** every webhook is delivered once, in order (no duplicates, nothing held back) */
  exact_webhook_delivery: string | null;
};

export type Config = {
  /** generated transactions per new Item; null = 4 per requested day */
  history_size: number | null;
  webhook_mode: 'immediate' | 'off';
  /** delay before each webhook's first delivery attempt */
  webhook_delay_ms: number;
  /** first retry delay; later retries wait 4x longer each (Plaid: 30 s, six retries within 24 h) */
  webhook_retry_base_ms: number;
  /** how long a delivery waits for the receiver's answer before it counts as failed (Plaid: 10 s) */
  webhook_timeout_ms: number;
  /** share of webhooks delivered twice */
  webhook_duplicate_rate: number;
  /** share of webhooks held back webhook_reorder_delay_ms, so later ones overtake them */
  webhook_reorder_rate: number;
  webhook_reorder_delay_ms: number;
  /** a new Item is NOT_READY; INITIAL_UPDATE_COMPLETE after this, HISTORICAL_UPDATE_COMPLETE after twice this */
  transactions_ready_delay_ms: number;
  /** also send DEFAULT_UPDATE / INITIAL_UPDATE / HISTORICAL_UPDATE / TRANSACTIONS_REMOVED, as Plaid does */
  legacy_transaction_webhooks: boolean;
  /** how long a rotated-out webhook key stays valid */
  key_grace_ms: number;
  /** per-client limits (calls per minute) replacing Plaid's Sandbox ones, by path; benchmarks raise them */
  client_rate_limits: Record<string, number>;
  leniency: Leniency;
};

export const DEFAULT_CONFIG: Config = {
  history_size: null,
  webhook_mode: 'immediate',
  webhook_delay_ms: 0,
  webhook_retry_base_ms: 30_000,
  webhook_timeout_ms: 10_000,
  webhook_duplicate_rate: 0.05,
  webhook_reorder_rate: 0.05,
  webhook_reorder_delay_ms: 2_000,
  transactions_ready_delay_ms: 2_000,
  legacy_transaction_webhooks: true,
  key_grace_ms: 24 * 3600_000,
  client_rate_limits: {},
  leniency: { instant_transactions: null, no_item_rate_limits: null, exact_webhook_delivery: null },
};

const NUMBERS: Array<[keyof Config, number, number]> = [
  ['webhook_delay_ms', 0, 3600_000], ['webhook_retry_base_ms', 1, 30_000], ['webhook_timeout_ms', 1, 10_000], ['webhook_duplicate_rate', 0, 1],
  ['webhook_reorder_rate', 0, 1], ['webhook_reorder_delay_ms', 0, 600_000], ['transactions_ready_delay_ms', 1, 3600_000],
  ['key_grace_ms', 0, 30 * 24 * 3600_000],
];

/** A validated partial config (POST /__emulator/config, startEmulator); throws Error with the reason. */
export function checkConfigPatch(patch: Record<string, unknown>): Partial<Config> {
  const known = Object.keys(DEFAULT_CONFIG);
  const bad = Object.keys(patch).filter((k) => !known.includes(k));
  if (bad.length) throw new Error(`unknown config keys: ${bad.join(', ')} (known: ${known.join(', ')})`);
  for (const [key, min, max] of NUMBERS) {
    const v = patch[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)) {
      throw new Error(`${key} must be a number from ${min} to ${max}${key === 'transactions_ready_delay_ms' ? ' (for instant readiness name the leniency instant_transactions with a reason)' : ''}`);
    }
  }
  if (patch.webhook_mode !== undefined && patch.webhook_mode !== 'immediate' && patch.webhook_mode !== 'off') throw new Error('webhook_mode is immediate or off');
  if (patch.history_size !== undefined && patch.history_size !== null && (!Number.isInteger(patch.history_size) || (patch.history_size as number) < 0)) throw new Error('history_size is a non-negative integer or null');
  if (patch.legacy_transaction_webhooks !== undefined && typeof patch.legacy_transaction_webhooks !== 'boolean') throw new Error('legacy_transaction_webhooks is a boolean');
  if (patch.client_rate_limits !== undefined) {
    const limits = patch.client_rate_limits as Record<string, unknown>;
    if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw new Error('client_rate_limits is an object: { "/transactions/sync": 10000, ... }');
    for (const [path, n] of Object.entries(limits)) {
      if (!SANDBOX_RATE_LIMITS[path]?.client) throw new Error(`client_rate_limits: ${path} has no per-client limit (limited: ${Object.keys(SANDBOX_RATE_LIMITS).filter((p) => SANDBOX_RATE_LIMITS[p].client).join(', ')})`);
      if (!Number.isInteger(n) || (n as number) < 1) throw new Error(`client_rate_limits.${path} must be a positive integer (calls per minute)`);
    }
  }
  if (patch.leniency !== undefined) {
    const l = patch.leniency as Record<string, unknown>;
    if (typeof l !== 'object' || l === null || Array.isArray(l)) throw new Error('leniency is an object of { name: "the reason this caller needs it" | null }');
    for (const [name, reason] of Object.entries(l)) {
      if (!(name in DEFAULT_CONFIG.leniency)) throw new Error(`unknown leniency ${name} (known: ${Object.keys(DEFAULT_CONFIG.leniency).join(', ')})`);
      if (reason !== null && (typeof reason !== 'string' || reason.trim().length < 8)) throw new Error(`leniency.${name} takes the reason it is needed (a sentence), or null to turn it off`);
    }
  }
  return patch as Partial<Config>;
}

/** Applies a checked patch (leniency merges by name). */
export function mergeConfig(config: Config, patch: Partial<Config>): Config {
  const { leniency, client_rate_limits, ...rest } = patch;
  Object.assign(config, rest);
  if (leniency) config.leniency = { ...config.leniency, ...leniency };
  if (client_rate_limits) config.client_rate_limits = { ...config.client_rate_limits, ...client_rate_limits };
  return config;
}

/** The leniencies in force, for the log line at start ("leniency instant_transactions: <why>"). */
export function leniencies(config: Config): string[] {
  return Object.entries(config.leniency).filter(([, why]) => why).map(([name, why]) => `leniency ${name}: ${why}`);
}
