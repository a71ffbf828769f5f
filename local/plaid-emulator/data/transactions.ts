// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Builds Plaid Transaction objects. Generated history is a pure function of (seed, item, index g), so a
// 100,000-transaction item needs no storage: index 0 is the newest, dates go back at a fixed density.
import { Rng, hash32, plaidId, base62, unbase62 } from '../rng.ts';
import type { Account } from './accounts.ts';
import { hasTransactions } from './accounts.ts';
import { pickMerchant, PAYROLL, RENT, CARD_PAYMENT, STUDENT_PAYMENT, STORE_LOCATIONS, type Merchant } from './merchants.ts';

export type Tx = {
  account_id: string;
  account_owner: string | null;
  amount: number;
  authorized_date: string | null;
  authorized_datetime: string | null;
  category: string[] | null;
  category_id: string | null;
  check_number: string | null;
  counterparties: Array<Record<string, unknown>>;
  date: string;
  datetime: string | null;
  iso_currency_code: string | null;
  location: Record<string, unknown>;
  logo_url: string | null;
  merchant_entity_id: string | null;
  merchant_name: string | null;
  name: string;
  original_description: string | null;
  payment_channel: 'online' | 'in store' | 'other';
  payment_meta: Record<string, string | null>;
  pending: boolean;
  pending_transaction_id: string | null;
  personal_finance_category: { primary: string; detailed: string; confidence_level: string | null; version?: string } | null;
  personal_finance_category_icon_url: string;
  transaction_code: string | null;
  transaction_id: string;
  transaction_type: 'digital' | 'place' | 'special' | 'unresolved';
  unofficial_currency_code: string | null;
  website: string | null;
};

export const DAY_MS = 86_400_000;
const isoDates = new Map<number, string>();
/** YYYY-MM-DD of a UTC instant (day strings are cached: generation asks for the same few hundred days). */
export const isoDate = (ms: number) => {
  const day = Math.floor(ms / 86_400_000);
  let s = isoDates.get(day);
  if (s === undefined) {
    s = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (isoDates.size < 100_000) isoDates.set(day, s);
  }
  return s;
};
export const utcMidnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

const NULL_LOCATION = { address: null, city: null, country: null, lat: null, lon: null, postal_code: null, region: null, store_number: null };
const NULL_META = { by_order_of: null, payee: null, payer: null, payment_method: null, payment_processor: null, ppd_id: null, reason: null, reference_number: null };
const PAYROLL_META = { ...NULL_META, payer: 'Gusto', ppd_id: '9876543210' };

/** Counterparty/merchant ids are global in Plaid (same merchant, same id), so they ignore the seed. */
const entityIds = new Map<string, string>();
const entityId = (key: string) => {
  let id = entityIds.get(key);
  if (!id) entityIds.set(key, (id = plaidId(0, `entity:${key}`)));
  return id;
};

/** Per-merchant parts that never change; generated transactions share them (they are never mutated). */
type MerchantParts = { logo: string | null; counterparties: Array<Record<string, unknown>>; pfc: Tx['personal_finance_category']; icon: string; entity: string | null; type: Tx['transaction_type'] };
const partsCache = new WeakMap<Merchant, MerchantParts>();
function partsOf(mc: Merchant): MerchantParts {
  let p = partsCache.get(mc);
  if (p) return p;
  const logo = mc.website ? `https://plaid-merchant-logos.plaid.com/${mc.key}_${hash32(mc.key) % 1000}.png` : null;
  p = {
    logo,
    counterparties: mc.counterparty ? [{ confidence_level: 'VERY_HIGH', entity_id: entityId(mc.key), logo_url: logo, name: mc.merchant ?? mc.name, type: mc.counterparty, website: mc.website }] : [],
    pfc: { confidence_level: 'VERY_HIGH', detailed: mc.pfc[1], primary: mc.pfc[0] },
    icon: `https://plaid-category-icons.plaid.com/PFC_${mc.pfc[0]}.png`,
    entity: mc.merchant ? entityId(mc.key) : null,
    type: mc.channel === 'in store' ? 'place' : mc.channel === 'online' ? 'digital' : 'special',
  };
  partsCache.set(mc, p);
  return p;
}
const STORE_JSON = STORE_LOCATIONS.map((loc, i) => ({ ...loc, country: 'US', store_number: String(1000 + i * 37) }));

export type TxInput = {
  transaction_id: string;
  account_id: string;
  merchant: Merchant;
  amount: number;
  date: string;
  authorized_date: string | null;
  pending: boolean;
  pending_transaction_id?: string | null;
  /** seconds after midnight UTC, when known (in-store purchases) */
  seconds?: number | null;
  store?: number;
  name?: string;
  raw?: string;
};

export function makeTx(p: TxInput): Tx {
  const mc = p.merchant;
  const parts = partsOf(mc);
  const at = (d: string | null) => (d && p.seconds != null ? `${d}T${secondsOfDay(p.seconds)}Z` : null);
  return {
    account_id: p.account_id,
    account_owner: null,
    amount: p.amount,
    authorized_date: p.authorized_date,
    authorized_datetime: at(p.authorized_date),
    category: mc.category,
    category_id: mc.category_id,
    check_number: null,
    counterparties: parts.counterparties,
    date: p.date,
    datetime: p.pending ? null : at(p.date),
    iso_currency_code: 'USD',
    location: mc.channel === 'in store' ? STORE_JSON[(p.store ?? 0) % STORE_JSON.length] : NULL_LOCATION,
    logo_url: parts.logo,
    merchant_entity_id: parts.entity,
    merchant_name: mc.merchant,
    name: p.name ?? mc.name,
    original_description: p.raw ?? mc.raw,
    payment_channel: mc.channel,
    payment_meta: mc.key === 'payroll' ? PAYROLL_META : NULL_META,
    pending: p.pending,
    pending_transaction_id: p.pending_transaction_id ?? null,
    personal_finance_category: parts.pfc,
    personal_finance_category_icon_url: parts.icon,
    transaction_code: mc.code,
    transaction_id: p.transaction_id,
    transaction_type: parts.type,
    unofficial_currency_code: null,
    website: mc.website,
  };
}

function secondsOfDay(sec: number): string {
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}`;
}

/** Everything the generator needs about one Item. */
export type GenContext = {
  seed: number;
  itemKey: string;
  /** UTC midnight of the newest generated day */
  anchorMs: number;
  /** generated transactions per day (float) */
  density: number;
  checking: string | null;
  savings: string | null;
  card: string | null;
  student: string | null;
  fallback: string;
  pendingRate: number;
  incomeScale: number;
  /** newest days that can hold pending transactions: 2 when the history ends today, fewer when it ends earlier */
  pendingDays: number;
};

export function genContext(seed: number, itemKey: string, anchorMs: number, historySize: number, days: number, accounts: Account[], dynamic: boolean, incomeScale: number, pendingDays = 2): GenContext {
  const txAccounts = accounts.filter(hasTransactions);
  const find = (pred: (a: Account) => boolean) => txAccounts.find(pred)?.account_id ?? null;
  return {
    seed, itemKey, anchorMs,
    density: Math.max(historySize / Math.max(days, 1), 0.05),
    checking: find((a) => a.subtype === 'checking') ?? find((a) => a.type === 'depository'),
    savings: find((a) => a.subtype === 'savings'),
    card: find((a) => a.type === 'credit'),
    student: find((a) => a.subtype === 'student'),
    fallback: txAccounts[0]?.account_id ?? accounts[0]?.account_id ?? '',
    pendingRate: dynamic ? 0.6 : 0.3,
    incomeScale,
    pendingDays,
  };
}

const ID_PREFIX = 31;

/** Generated ids end in the base62 index so they can be mapped back without a table. */
export function genId(ctx: GenContext, g: number): string {
  return plaidId(ctx.seed, `${ctx.itemKey}:txid:${g}`, ID_PREFIX) + base62(g, 6);
}

export function parseGenId(ctx: GenContext, id: string): number {
  if (id.length !== ID_PREFIX + 6) return -1;
  const g = unbase62(id.slice(ID_PREFIX));
  return g >= 0 && genId(ctx, g) === id ? g : -1;
}

export function dayOffset(ctx: GenContext, g: number): number {
  return Math.floor(g / ctx.density);
}

/** The generated transaction number g (0 = newest). */
export function genTx(ctx: GenContext, g: number): Tx {
  const rng = Rng.of(ctx.seed, `${ctx.itemKey}:tx:${g}`);
  const d = dayOffset(ctx, g);
  const dayMs = ctx.anchorMs - d * DAY_MS;
  const dom = Number(isoDate(dayMs).slice(8, 10));
  const slot = g === 0 || dayOffset(ctx, g - 1) !== d ? 0 : g === 1 || dayOffset(ctx, g - 2) !== d ? 1 : 2;
  let merchant: Merchant;
  if (slot === 0 && (dom === 1 || dom === 15)) merchant = PAYROLL;
  else if (slot === 1 && dom === 1) merchant = RENT;
  else if (slot === 0 && dom === 20 && ctx.card) merchant = CARD_PAYMENT;
  else if (slot === 0 && dom === 10 && ctx.student) merchant = STUDENT_PAYMENT;
  else merchant = pickMerchant(rng.next());
  let account: string;
  if (merchant.account === 'card') account = ctx.card && rng.chance(0.55) ? ctx.card : ctx.checking ?? ctx.fallback;
  else if (merchant.account === 'savings') account = ctx.savings ?? ctx.checking ?? ctx.fallback;
  else account = ctx.checking ?? ctx.fallback;
  let amount = rng.money(merchant.min, merchant.max);
  if (merchant === PAYROLL) amount = Math.round(merchant.min * ctx.incomeScale * 100) / 100;
  const pending = d < ctx.pendingDays && merchant !== PAYROLL && rng.chance(ctx.pendingRate);
  const authDelay = merchant.channel === 'in store' && !pending && rng.chance(0.3) ? 1 : 0;
  const date = isoDate(dayMs);
  return makeTx({
    transaction_id: genId(ctx, g),
    account_id: account,
    merchant,
    amount,
    date,
    authorized_date: isoDate(dayMs - authDelay * DAY_MS),
    pending,
    seconds: merchant.channel === 'in store' ? rng.int(7 * 3600, 22 * 3600) : null,
    store: rng.int(0, 3),
  });
}

/** Plaid's PFC v2 renamed a few v1 categories; everything else is shared. */
const V2_RENAMES: Record<string, [string, string]> = {
  INCOME_WAGES: ['INCOME', 'INCOME_SALARY'],
};

/** The transaction as /transactions/sync returns it for the given request options. */
export function txForResponse(tx: Tx, opts: { includeOriginalDescription: boolean; pfcVersion?: string }): Tx {
  const out: Tx = { ...tx };
  if (!opts.includeOriginalDescription) out.original_description = null;
  if (opts.pfcVersion && out.personal_finance_category) {
    const pfc = { ...out.personal_finance_category };
    if (opts.pfcVersion === 'v2' && V2_RENAMES[pfc.detailed]) [pfc.primary, pfc.detailed] = V2_RENAMES[pfc.detailed];
    pfc.version = opts.pfcVersion;
    out.personal_finance_category = pfc;
  }
  return out;
}
