// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Account sets per Sandbox user, modelled on Plaid's hard-coded user_good accounts (Plaid Checking 0000,
// Plaid Saving 1111, ...). account_id is new per Item; persistent_account_id is stable across re-links.
import { plaidId } from '../rng.ts';

export type Balances = {
  available: number | null;
  current: number | null;
  limit: number | null;
  iso_currency_code: string | null;
  unofficial_currency_code: string | null;
  margin_loan_amount?: number | null;
};

export type Account = {
  account_id: string;
  balances: Balances;
  holder_category: 'personal' | 'business';
  mask: string;
  name: string;
  official_name: string | null;
  persistent_account_id: string;
  subtype: string;
  type: 'depository' | 'credit' | 'loan' | 'investment';
};

type Template = Omit<Account, 'account_id' | 'persistent_account_id' | 'holder_category'> & { holder_category?: 'personal' | 'business' };

const usd = (available: number | null, current: number | null, limit: number | null = null): Balances => ({
  available, current, limit, iso_currency_code: 'USD', unofficial_currency_code: null,
});

const T = {
  checking: { type: 'depository', subtype: 'checking', mask: '0000', name: 'Plaid Checking', official_name: 'Plaid Gold Standard 0% Interest Checking', balances: usd(100, 110) },
  savings: { type: 'depository', subtype: 'savings', mask: '1111', name: 'Plaid Saving', official_name: 'Plaid Silver Standard 0.1% Interest Saving', balances: usd(200, 210) },
  cd: { type: 'depository', subtype: 'cd', mask: '2222', name: 'Plaid CD', official_name: 'Plaid Bronze Standard 0.2% Interest CD', balances: usd(null, 1000) },
  credit: { type: 'credit', subtype: 'credit card', mask: '3333', name: 'Plaid Credit Card', official_name: 'Plaid Diamond 12.5% APR Interest Credit Card', balances: usd(null, 410, 2000) },
  moneyMarket: { type: 'depository', subtype: 'money market', mask: '4444', name: 'Plaid Money Market', official_name: 'Plaid Platinum Standard 1.85% Interest Money Market', balances: usd(43200, 43200) },
  ira: { type: 'investment', subtype: 'ira', mask: '5555', name: 'Plaid IRA', official_name: null, balances: { ...usd(null, 320.76), margin_loan_amount: null } },
  k401: { type: 'investment', subtype: '401k', mask: '6666', name: 'Plaid 401k', official_name: null, balances: { ...usd(null, 23631.98), margin_loan_amount: null } },
  student: { type: 'loan', subtype: 'student', mask: '7777', name: 'Plaid Student Loan', official_name: null, balances: usd(null, 65262) },
  mortgage: { type: 'loan', subtype: 'mortgage', mask: '8888', name: 'Plaid Mortgage', official_name: null, balances: usd(null, 56302.06) },
  hsa: { type: 'depository', subtype: 'hsa', mask: '9001', name: 'Plaid HSA', official_name: 'Plaid Cares Health Savings Account', balances: usd(6009, 6009) },
  cashMgmt: { type: 'depository', subtype: 'cash management', mask: '9002', name: 'Plaid Cash Management', official_name: 'Plaid Growth Cash Management', balances: usd(12060, 12060) },
  brokerage: { type: 'investment', subtype: 'brokerage', mask: '9003', name: 'Plaid Brokerage', official_name: 'Plaid Self-Directed Brokerage', balances: { ...usd(null, 48210.44), margin_loan_amount: 0 } },
  bizChecking: { type: 'depository', subtype: 'checking', mask: '0101', name: 'Plaid Business Checking', official_name: 'Plaid Business Advantage Checking', balances: usd(18412.17, 18612.17), holder_category: 'business' },
  bizCredit: { type: 'credit', subtype: 'credit card', mask: '0202', name: 'Plaid Business Credit Card', official_name: 'Plaid Business Platinum Card', balances: usd(null, 3120.55, 15000), holder_category: 'business' },
} satisfies Record<string, Template>;

/** Sandbox personas: which accounts a user sees and how its transaction feed behaves. */
export type Persona = { accounts: Template[]; dynamic: boolean; incomeScale: number };

export const PERSONAS: Record<string, Persona> = {
  user_good: { accounts: [T.checking, T.savings, T.cd, T.credit, T.moneyMarket, T.ira, T.k401, T.student, T.mortgage, T.hsa, T.cashMgmt], dynamic: false, incomeScale: 1 },
  user_transactions_dynamic: { accounts: [T.checking, T.savings, T.credit], dynamic: true, incomeScale: 1 },
  user_ewa_user: { accounts: [{ ...T.checking, balances: usd(42.17, 42.17) }, { ...T.savings, balances: usd(15, 15) }], dynamic: false, incomeScale: 0.5 },
  user_yuppie: { accounts: [{ ...T.checking, balances: usd(8120.5, 8320.5) }, { ...T.savings, balances: usd(25400, 25400) }, { ...T.credit, balances: usd(null, 2890.12, 12000) }, T.brokerage, T.k401, T.student], dynamic: false, incomeScale: 2.5 },
  user_small_business: { accounts: [T.bizChecking, T.bizCredit, T.savings], dynamic: false, incomeScale: 4 },
};

export function personaFor(username: string): Persona {
  return PERSONAS[username] ?? PERSONAS.user_good;
}

/** Materialize a persona's accounts for one Item. */
export function buildAccounts(seed: number, persona: Persona, itemKey: string, institutionId: string, username: string): Account[] {
  return persona.accounts.map((t, i) => ({
    account_id: plaidId(seed, `${itemKey}:account:${i}`),
    balances: { ...t.balances },
    holder_category: t.holder_category ?? 'personal',
    mask: t.mask,
    name: t.name,
    official_name: t.official_name,
    persistent_account_id: plaidId(seed, `persistent:${institutionId}:${username}:${t.mask}`, 64).toLowerCase(),
    subtype: t.subtype,
    type: t.type as Account['type'],
  }));
}

/** The public AccountBase JSON (investment accounts keep margin_loan_amount only where Plaid sends it). */
export function accountJson(a: Account, withMargin = false): Record<string, unknown> {
  const { margin_loan_amount, ...bal } = a.balances;
  const balances: Record<string, unknown> = { ...bal };
  if (withMargin) balances.margin_loan_amount = margin_loan_amount ?? null;
  return {
    account_id: a.account_id,
    balances,
    holder_category: a.holder_category,
    mask: a.mask,
    name: a.name,
    official_name: a.official_name,
    persistent_account_id: a.persistent_account_id,
    subtype: a.subtype,
    type: a.type,
  };
}

/** Accounts that carry /transactions/sync data (Plaid: depository, credit and student loans). */
export function hasTransactions(a: Account): boolean {
  return a.type === 'depository' || a.type === 'credit' || (a.type === 'loan' && a.subtype === 'student');
}

export type NewAccountInput = {
  type?: unknown; subtype?: unknown; name?: unknown; official_name?: unknown; mask?: unknown;
  holder_category?: unknown; balances?: Partial<Record<'available' | 'current' | 'limit', unknown>> & { iso_currency_code?: unknown };
};

const ACCOUNT_TYPES = new Set(['depository', 'credit', 'loan', 'investment', 'other']);

/**
 * An account that appears at the bank after the Item was linked (emulator control API). Plaid's
 * AccountBase shape; account_id is new, persistent_account_id follows the same rule as linked ones.
 * `n` is a per-emulator counter, so ids never collide. Throws a message for a bad input.
 */
export function newAccount(seed: number, itemKey: string, institutionId: string, username: string, existing: Account[], n: number, input: NewAccountInput): Account {
  const str = (k: string, v: unknown, dflt: string | null): string | null => {
    if (v === undefined) return dflt;
    if (v !== null && typeof v !== 'string') throw new Error(`${k} must be a string`);
    return v;
  };
  const type = str('type', input.type, 'depository') as string;
  if (!ACCOUNT_TYPES.has(type)) throw new Error(`type must be one of ${[...ACCOUNT_TYPES].join(', ')}`);
  const subtype = str('subtype', input.subtype, type === 'credit' ? 'credit card' : type === 'loan' ? 'student' : type === 'investment' ? 'brokerage' : 'checking') as string;
  const used = new Set(existing.map((a) => a.mask));
  let mask = str('mask', input.mask, null);
  if (mask !== null && !/^\d{4}$/.test(mask)) throw new Error('mask must be 4 digits');
  if (mask !== null && used.has(mask)) throw new Error(`mask ${mask} is already used on this item`);
  for (let k = 0; mask === null; k++) {
    const m = String(5000 + ((n * 37 + k) % 5000)).padStart(4, '0');
    if (!used.has(m)) mask = m;
  }
  const b = input.balances ?? {};
  const num = (k: string, v: unknown, dflt: number | null): number | null => {
    if (v === undefined) return dflt;
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`balances.${k} must be a number or null`);
    return v as number | null;
  };
  const currency = str('balances.iso_currency_code', b.iso_currency_code, 'USD');
  const holder = str('holder_category', input.holder_category, 'personal');
  if (holder !== 'personal' && holder !== 'business') throw new Error('holder_category must be personal or business');
  const label = subtype.replace(/\b\w/g, (c) => c.toUpperCase());
  return {
    account_id: plaidId(seed, `${itemKey}:account:new:${n}`),
    balances: {
      available: num('available', b.available, type === 'depository' ? 0 : null),
      current: num('current', b.current, 0),
      limit: num('limit', b.limit, null),
      iso_currency_code: currency,
      unofficial_currency_code: null,
      ...(type === 'investment' ? { margin_loan_amount: null } : {}),
    },
    holder_category: holder,
    mask,
    name: str('name', input.name, `Plaid New ${label}`) as string,
    official_name: str('official_name', input.official_name, null),
    persistent_account_id: plaidId(seed, `persistent:${institutionId}:${username}:${mask}`, 64).toLowerCase(),
    subtype,
    type: type as Account['type'],
  };
}
