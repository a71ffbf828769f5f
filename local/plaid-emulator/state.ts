// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// All emulator state: configuration, Items and their tokens, link tokens, webhooks and faults. Every id
// comes from the seed and a counter, so a fresh emulator with the same seed replays byte-identically.
import { Rng, ALNUM, plaidId, uuid, hash32 } from './rng.ts';
import { PlaidApiError, webhookError } from './errors.ts';
import type { InstitutionDef } from './data/institutions.ts';
import { buildAccounts, hasTransactions, newAccount, personaFor, PERSONAS, type Account, type NewAccountInput } from './data/accounts.ts';
import { genContext, isoDate, utcMidnight, DAY_MS } from './data/transactions.ts';
import { buildInvestments, type InvestmentData } from './data/investments.ts';
import type { Liabilities } from './data/liabilities.ts';
import { accountsWithListedTransactions, customAccounts, customInvestments, customLiabilities, listedTransactions, parseCustomUser, type CustomUser } from './data/custom.ts';
import { buildNewTx } from './txops.ts';
import { TxLog } from './txlog.ts';
import { Webhooks } from './webhooks.ts';
import { Faults } from './faults.ts';
import { RateLimiter } from './ratelimits.ts';
import { mergeConfig, type Config } from './config.ts';
import { type Item, type TxStatus, iso } from './items.ts';

export type StateOptions = {
  seed: number;
  clientId: string;
  secret: string;
  clock: () => number;
  log: (line: string) => void;
  config: Config;
};

export type { Config };

/** Sandbox Items "enter ITEM_LOGIN_REQUIRED ... automatically after 30 days" (docs errors/item; sandbox/reset_login). */
export const SANDBOX_LOGIN_LIFETIME_MS = 30 * DAY_MS;

export type LinkTokenRecord = {
  link_token: string;
  expiration: number;
  request: Record<string, unknown>;
  updateItem: Item | null;
};

export type CreateItemInput = {
  institution: InstitutionDef;
  username: string;
  password: string;
  products: string[];
  consented?: string[];
  webhook: string | null;
  daysRequested: number;
  clientUserId?: string | null;
  accountMasks?: string[] | null;
  /** /sandbox/public_token/create options.transactions.start_date / end_date (YYYY-MM-DD) */
  startDate?: string | null;
  endDate?: string | null;
};

/**
 * Sandbox credential check (plaid.com/docs/sandbox/test-credentials, sandbox/user-custom): the error code
 * or null, and for user_custom its configuration.
 */
export function checkCredentials(username: string, password: string): { error: string | null; custom: CustomUser | null } {
  if (password.startsWith('error_')) return { error: password.slice(6), custom: null };
  if (username === 'user_good') return { error: password === 'pass_good' || password === 'mfa_device' ? null : 'INVALID_CREDENTIALS', custom: null };
  if (username === 'user_custom') {
    const custom = parseCustomUser(password);
    return { error: custom ? custom.forceError : 'INVALID_CREDENTIALS', custom };
  }
  if (username in PERSONAS) return { error: password.trim() ? null : 'INVALID_CREDENTIALS', custom: null };
  return { error: 'INVALID_CREDENTIALS', custom: null };
}

/** A custom user's investment data for the accounts shared in Link only. */
function onlyShared(inv: InvestmentData, shared: Set<string>): InvestmentData {
  const holdings = inv.holdings.filter((h) => shared.has(String(h.account_id)));
  const transactions = inv.transactions.filter((t) => shared.has(String(t.account_id)));
  const used = new Set([...holdings, ...transactions].map((x) => x.security_id));
  return { holdings, transactions, securities: inv.securities.filter((s) => used.has(s.security_id)) };
}

function onlySharedLiabilities(l: Liabilities, shared: Set<string>): Liabilities {
  const keep = (list: Record<string, unknown>[]) => list.filter((x) => shared.has(String(x.account_id)));
  return { credit: keep(l.credit), mortgage: keep(l.mortgage), student: keep(l.student) };
}

export class EmulatorState {
  opts: StateOptions;
  config: Config;
  items: Item[] = [];
  byAccessToken = new Map<string, Item>();
  byItemId = new Map<string, Item>();
  /** Every public token issued (the control API finds an Item by one, before or after its exchange). */
  publicTokens = new Map<string, { item: Item; expires: number; exchanged: boolean }>();
  linkTokens = new Map<string, LinkTokenRecord>();
  webhooks: Webhooks;
  faults = new Faults();
  rateLimits = new RateLimiter();
  cursorKey: number;
  /** added to the clock (POST /__emulator/clock): moves the emulator's time forward */
  clockOffsetMs = 0;
  private counters = { request: 0, item: 0, publicToken: 0, linkToken: 0, explicit: 0, account: 0 };
  private timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(opts: StateOptions) {
    this.opts = opts;
    this.cursorKey = hash32(`cursor-key:${opts.seed}`);
    this.config = opts.config;
    // Signatures carry the real time (iat): receivers check it against theirs, not the emulator's moved clock.
    this.webhooks = new Webhooks({ seed: opts.seed, clock: opts.clock, log: opts.log, delayMs: this.config.webhook_delay_ms });
    this.applyConfig({});
  }

  get seed(): number {
    return this.opts.seed;
  }

  now(): number {
    return this.opts.clock() + this.clockOffsetMs;
  }

  /** Moves the emulator's time forward (Sandbox Items older than 30 days then need a login). */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
    for (const item of this.items) this.expireLogin(item);
  }

  applyConfig(patch: Partial<Config>): Config {
    mergeConfig(this.config, patch);
    const exact = this.config.leniency.exact_webhook_delivery !== null;
    this.webhooks.mode = this.config.webhook_mode;
    this.webhooks.delayMs = this.config.webhook_delay_ms;
    this.webhooks.timeoutMs = this.config.webhook_timeout_ms;
    this.webhooks.policy = {
      retryBaseMs: this.config.webhook_retry_base_ms,
      duplicateRate: exact ? 0 : this.config.webhook_duplicate_rate,
      reorderRate: exact ? 0 : this.config.webhook_reorder_rate,
      reorderDelayMs: this.config.webhook_reorder_delay_ms,
    };
    return this.config;
  }

  /** How long a new extraction takes (0 only under the instant_transactions leniency). */
  readyDelayMs(perItem?: unknown): number {
    if (this.config.leniency.instant_transactions !== null) return 0;
    return typeof perItem === 'number' && perItem > 0 ? perItem : this.config.transactions_ready_delay_ms;
  }

  /** 429 code when this call is over a rate limit (and it is not counted), else null. */
  rateLimited(path: string, itemId: string | null): string | null {
    return this.rateLimits.take(path, itemId, this.now(), {
      clientLimits: this.config.client_rate_limits,
      itemLimits: this.config.leniency.no_item_rate_limits === null,
    });
  }

  /** Plaid-style 15-character request id, deterministic per call number. */
  requestId(): string {
    return Rng.of(this.seed, `request:${this.counters.request++}`).string(15, ALNUM);
  }

  nextExplicitTxId(item: Item): string {
    return plaidId(this.seed, `${item.key}:xtx:${this.counters.explicit++}`);
  }

  schedule(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.webhooks.close();
  }

  // ---- tokens -------------------------------------------------------------------------------------

  createLinkToken(request: Record<string, unknown>, updateItem: Item | null): LinkTokenRecord {
    const link_token = `link-sandbox-${uuid(this.seed, `link-token:${this.counters.linkToken++}`)}`;
    // 4 hours for new Items, 30 minutes in update mode (Plaid docs)
    const rec = { link_token, expiration: this.now() + (updateItem ? 30 : 240) * 60_000, request, updateItem };
    this.linkTokens.set(link_token, rec);
    return rec;
  }

  linkToken(token: string): LinkTokenRecord | null {
    const rec = this.linkTokens.get(token);
    return rec && rec.expiration > this.now() ? rec : null;
  }

  createPublicToken(item: Item): string {
    const token = `public-sandbox-${uuid(this.seed, `public-token:${this.counters.publicToken++}`)}`;
    this.publicTokens.set(token, { item, expires: this.now() + 30 * 60_000, exchanged: false });
    return token;
  }

  /** A public token is "one-time use and expires after 30 minutes" (spec): a second exchange is refused. */
  exchangePublicToken(token: string): Item {
    const rec = this.publicTokens.get(token);
    if (!rec || rec.exchanged || rec.expires <= this.now() || rec.item.removed) throw new PlaidApiError('INVALID_PUBLIC_TOKEN');
    rec.exchanged = true;
    return rec.item;
  }

  /** The Item for an access token, or Plaid's error. */
  itemFor(accessToken: unknown): Item {
    const item = typeof accessToken === 'string' ? this.byAccessToken.get(accessToken) : undefined;
    if (!item) throw new PlaidApiError('INVALID_ACCESS_TOKEN');
    if (item.removed) throw new PlaidApiError('ITEM_NOT_FOUND');
    this.expireLogin(item);
    return item;
  }

  /** A Sandbox Item whose login is 30 days old goes to ITEM_LOGIN_REQUIRED (with Plaid's ITEM: ERROR). */
  expireLogin(item: Item): void {
    if (!item.removed && item.error === null && this.now() - item.loginSince >= SANDBOX_LOGIN_LIFETIME_MS) this.setLoginRequired(item);
  }

  /** Data endpoints refuse Items in an error state (ITEM_LOGIN_REQUIRED, ...). */
  healthyItemFor(accessToken: unknown): Item {
    const item = this.itemFor(accessToken);
    if (item.error) throw new PlaidApiError(item.error);
    return item;
  }

  // ---- Items --------------------------------------------------------------------------------------

  /**
   * The days of transaction history a new Item has: `days` back from today, or the start_date..end_date
   * of /sandbox/public_token/create (end at most today, start at most two years back). Only the newest two
   * days of today can hold pending transactions.
   */
  historyWindow(now: number, days: number, startDate?: string | null, endDate?: string | null): { anchorMs: number; days: number; pendingDays: number } {
    const today = utcMidnight(now);
    if (!startDate && !endDate) return { anchorMs: today, days, pendingDays: 2 };
    const end = endDate ? Math.min(today, Date.parse(`${endDate}T00:00:00Z`)) : today;
    const start = Math.max(today - 729 * DAY_MS, startDate ? Date.parse(`${startDate}T00:00:00Z`) : end - (days - 1) * DAY_MS);
    if (start > end) throw new PlaidApiError('INVALID_FIELD', { message: 'options.transactions.start_date must be on or before end_date' });
    return { anchorMs: end, days: Math.round((end - start) / DAY_MS) + 1, pendingDays: Math.max(0, 2 - Math.round((today - end) / DAY_MS)) };
  }

  createItem(input: CreateItemInput): Item {
    const index = this.counters.item++;
    const key = `item${index}`;
    const { custom } = checkCredentials(input.username, input.password);
    const ext = custom?.emulator ?? {};
    const personaName = typeof ext.persona === 'string' && ext.persona in PERSONAS ? ext.persona : custom ? 'user_good' : input.username;
    const persona = custom?.overrides ? { accounts: [], dynamic: false, incomeScale: 1 } : personaFor(personaName);
    // Every account at the bank, then the ones the user shared in Link.
    const atBank = custom?.overrides
      ? customAccounts(this.seed, key, input.institution.institution_id, custom)
      : buildAccounts(this.seed, persona, key, input.institution.institution_id, personaName);
    const accounts = input.accountMasks?.length ? atBank.filter((a) => input.accountMasks?.includes(a.mask)) : atBank;
    const shared = new Set(accounts.map((a) => a.account_id));
    const now = this.now();
    const window = this.historyWindow(now, Number(ext.days_requested ?? input.daysRequested), input.startDate, input.endDate);
    const listedOn = custom ? accountsWithListedTransactions(custom, atBank) : new Set<string>();
    const generatedOn = accounts.filter((a) => !listedOn.has(a.account_id));
    const generates = generatedOn.some(hasTransactions);
    const historySize = !generates ? 0 : Math.max(0, Math.floor(Number(ext.history_size ?? this.config.history_size ?? 4 * window.days)));
    const readyDelay = this.readyDelayMs(ext.transactions_ready_delay_ms);
    const gen = genContext(this.seed, key, window.anchorMs, historySize, window.days, generatedOn, persona.dynamic, persona.incomeScale, window.pendingDays);
    // Investments first: holdings set the investment accounts' balances.
    const invest = custom?.overrides
      ? onlyShared(customInvestments(this.seed, key, custom, atBank, window.anchorMs), shared)
      : accounts.some((a) => a.type === 'investment') ? buildInvestments(this.seed, key, accounts, window.anchorMs) : null;
    const item: Item = {
      index, key,
      item_id: plaidId(this.seed, `${key}:item_id`),
      access_token: `access-sandbox-${uuid(this.seed, `${key}:access_token`)}`,
      institution: input.institution,
      username: input.username,
      persona,
      products: [...new Set(input.products)].sort(),
      consented: input.consented ?? [],
      webhook: input.webhook,
      error: null,
      created_at: now,
      loginSince: now,
      removed: false,
      accounts,
      historySize,
      daysRequested: window.days,
      gen,
      tx: new TxLog(gen),
      txStatus: 'NOT_READY',
      syncActivated: false,
      lastWebhook: null,
      lastSuccessfulUpdate: now,
      clientUserId: input.clientUserId ?? null,
      invest,
      liabilities: custom?.overrides ? onlySharedLiabilities(customLiabilities(this.seed, key, custom, atBank, window.anchorMs), shared) : null,
      readyDelayMs: readyDelay,
      listed: [],
    };
    // Configured transactions (user_custom) arrive with the pulls as the generated history does.
    if (custom) {
      item.listed = listedTransactions(custom, atBank, now).filter((t) => shared.has(t.account_id)).map((t) => buildNewTx(this, item, {
        account_id: t.account_id, amount: t.amount, name: t.name, original_description: t.name, date: t.date,
        authorized_date: t.authorized_date, pending: t.pending, iso_currency_code: t.iso_currency_code,
      }));
    }
    this.items.push(item);
    this.byAccessToken.set(item.access_token, item);
    this.byItemId.set(item.item_id, item);
    if (item.products.includes('transactions')) this.startTransactions(item);
    return item;
  }

  /** Begin the (possibly delayed) initial and historical transaction pulls. */
  startTransactions(item: Item): void {
    if (!item.products.includes('transactions')) item.products = [...item.products, 'transactions'].sort();
    if (item.readyDelayMs <= 0) {
      this.advanceTransactions(item, false);
      this.advanceTransactions(item, false);
      return;
    }
    this.schedule(() => this.advanceTransactions(item), item.readyDelayMs);
    this.schedule(() => this.advanceTransactions(item), 2 * item.readyDelayMs);
  }

  /** NOT_READY -> INITIAL_UPDATE_COMPLETE (last 30 days) -> HISTORICAL_UPDATE_COMPLETE (the rest). */
  advanceTransactions(item: Item, notify = true): TxStatus {
    if (item.removed || item.txStatus === 'HISTORICAL_UPDATE_COMPLETE') return item.txStatus;
    let added: number;
    const recent = isoDate(utcMidnight(this.now()) - 30 * DAY_MS);
    const listed = item.listed.filter((t) => (item.txStatus === 'NOT_READY') === (t.date >= recent));
    if (item.txStatus === 'NOT_READY') {
      added = Math.min(item.historySize, Math.ceil(30 * item.gen.density));
      item.tx.appendGenerated(added);
      item.txStatus = 'INITIAL_UPDATE_COMPLETE';
    } else {
      added = item.historySize - item.tx.genCount;
      item.tx.appendGenerated(added);
      item.txStatus = 'HISTORICAL_UPDATE_COMPLETE';
    }
    item.tx.appendExplicit(listed.map((tx) => ({ id: tx.transaction_id, tx, accountId: tx.account_id })));
    added += listed.length;
    item.lastSuccessfulUpdate = this.now();
    if (this.config.legacy_transaction_webhooks) {
      const code = item.txStatus === 'INITIAL_UPDATE_COMPLETE' ? 'INITIAL_UPDATE' : 'HISTORICAL_UPDATE';
      this.fire(item, 'TRANSACTIONS', code, { error: null, new_transactions: added });
    }
    if (notify) this.syncUpdatesAvailable(item);
    return item.txStatus;
  }

  // ---- webhooks -----------------------------------------------------------------------------------

  fire(item: Item, type: string, code: string, fields: Record<string, unknown> = {}): void {
    if (!item.webhook || item.removed) return;
    const payload = { webhook_type: type, webhook_code: code, item_id: item.item_id, ...fields, environment: 'sandbox' };
    item.lastWebhook = { code_sent: code, sent_at: iso(this.now()) };
    this.webhooks.send(item.webhook, payload);
  }

  syncUpdatesAvailable(item: Item): void {
    if (!item.syncActivated) return;
    this.fire(item, 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', {
      initial_update_complete: item.txStatus !== 'NOT_READY',
      historical_update_complete: item.txStatus === 'HISTORICAL_UPDATE_COMPLETE',
    });
  }

  /** After transactions changed: SYNC_UPDATES_AVAILABLE (+ Plaid's legacy codes when enabled). */
  transactionsChanged(item: Item, added: number, removedIds: string[]): void {
    item.lastSuccessfulUpdate = this.now();
    if (this.config.legacy_transaction_webhooks) {
      if (added > 0) this.fire(item, 'TRANSACTIONS', 'DEFAULT_UPDATE', { error: null, new_transactions: added });
      if (removedIds.length) this.fire(item, 'TRANSACTIONS', 'TRANSACTIONS_REMOVED', { error: null, removed_transactions: removedIds });
    }
    this.syncUpdatesAvailable(item);
  }

  setLoginRequired(item: Item): void {
    item.error = 'ITEM_LOGIN_REQUIRED';
    this.fire(item, 'ITEM', 'ERROR', { error: webhookError('ITEM_LOGIN_REQUIRED') });
  }

  /** Leave ITEM_LOGIN_REQUIRED. LOGIN_REPAIRED fires only when it was not fixed through update mode. */
  repairLogin(item: Item, viaUpdateMode: boolean): void {
    const wasBroken = item.error !== null;
    item.error = null;
    item.loginSince = this.now();
    if (wasBroken && !viaUpdateMode) this.fire(item, 'ITEM', 'LOGIN_REPAIRED');
  }

  /** An account appears at the bank: it is on the Item from now on (/accounts/get, sync, ...). */
  addAccount(item: Item, input: NewAccountInput): Account {
    const account = newAccount(this.seed, item.key, item.institution.institution_id, item.username, item.accounts, this.counters.account, input);
    this.counters.account++;
    item.accounts.push(account);
    return account;
  }

  removeItem(item: Item): void {
    item.removed = true;
  }

  anchorDate(): string {
    return new Date(utcMidnight(this.now())).toISOString().slice(0, 10);
  }

  static DAY_MS = DAY_MS;
}
