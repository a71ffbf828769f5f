// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Custom Sandbox users (plaid.com/docs/sandbox/user-custom; spec UserCustomPassword, OverrideAccounts):
// username `user_custom`, the password a JSON configuration. `override_accounts` gives exactly the
// configured accounts, their transactions, balances, liabilities (credit and student; "Mortgages are not
// currently supported in the custom Sandbox"), holdings and investment transactions. An account without a
// `transactions` list gets generated history, as Plaid generates random data for it; a configuration
// without override_accounts gets user_good's accounts (the emulator's "random" data is seeded).
// `force_error` fails the login with that code, `mfa: { type: "device" }` asks for the code 1234.
// Emulator extensions live under the key `emulator` (Plaid ignores unknown keys):
//   { "history_size": N, "days_requested": N, "persona": "user_yuppie", "transactions_ready_delay_ms": N }
import { hash32, plaidId, Rng } from '../rng.ts';
import type { Account, Balances } from './accounts.ts';
import { isoDate, DAY_MS } from './transactions.ts';
import { securityId, type InvestmentData } from './investments.ts';
import { buildLiabilities, type Liabilities } from './liabilities.ts';

type Json = Record<string, unknown>;

/** The parts of a custom configuration the emulator acts on (everything else is accepted and ignored). */
export type CustomUser = {
  overrides: Json[] | null;
  forceError: string | null;
  mfa: boolean;
  emulator: { history_size?: number; days_requested?: number; persona?: string; transactions_ready_delay_ms?: number };
  /** stable per configuration: persistent account ids repeat when the same configuration links again */
  fingerprint: string;
};

/** Plaid's documented force_error values (spec UserCustomPassword.force_error). */
const FORCE_ERRORS = new Set(['INSTITUTION_NOT_RESPONDING', 'INSTITUTION_NO_LONGER_SUPPORTED', 'INVALID_CREDENTIALS', 'INVALID_MFA', 'ITEM_LOCKED',
  'ITEM_LOGIN_REQUIRED', 'ITEM_NOT_SUPPORTED', 'INVALID_LINK_TOKEN', 'MFA_NOT_SUPPORTED', 'NO_ACCOUNTS', 'PLAID_ERROR', 'USER_INPUT_TIMEOUT', 'USER_SETUP_REQUIRED']);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The configuration in a user_custom password, or null when it is not a JSON object Plaid would take. */
export function parseCustomUser(password: string): CustomUser | null {
  let c: unknown;
  try {
    c = JSON.parse(password);
  } catch {
    return null;
  }
  if (!isObj(c)) return null;
  const overrides = Array.isArray(c.override_accounts) ? c.override_accounts : null;
  // "Using more than ten accounts on a single custom user is not supported and will cause the Link attempt to fail."
  if (overrides && (overrides.length === 0 || overrides.length > 10 || !overrides.every(isObj))) return null;
  const emu = isObj(c.emulator) ? c.emulator : {};
  return {
    overrides: overrides as Json[] | null,
    forceError: typeof c.force_error === 'string' && FORCE_ERRORS.has(c.force_error) ? c.force_error : null,
    mfa: isObj(c.mfa) && c.mfa.type === 'device',
    emulator: emu as CustomUser['emulator'],
    fingerprint: String(hash32(password)),
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const round2 = (n: number) => Math.round(n * 100) / 100;
const label = (s: string) => s.replace(/\b\w/g, (x) => x.toUpperCase());

const DEFAULT_SUBTYPE: Record<string, string> = { depository: 'checking', credit: 'credit card', loan: 'student', investment: 'brokerage', other: 'other' };

/** The Item's accounts, exactly as configured (ids new per Item; persistent ids stable per configuration). */
export function customAccounts(seed: number, itemKey: string, institutionId: string, user: CustomUser): Account[] {
  return (user.overrides ?? []).map((o, i) => {
    const rng = Rng.of(seed, `${itemKey}:custom-account:${i}`);
    const type = (str(o.type) ?? 'depository') as Account['type'];
    const subtype = str(o.subtype) ?? DEFAULT_SUBTYPE[type] ?? 'other';
    const meta = isObj(o.meta) ? o.meta : {};
    const mask = str(meta.mask) ?? String(1000 + ((i * 1117 + rng.int(0, 8000)) % 9000));
    const current = num(o.starting_balance) ?? round2(rng.money(100, 5000));
    const limit = num(meta.limit);
    let available: number | null = type === 'depository' ? current : type === 'credit' && limit !== null ? round2(limit - current) : null;
    if (num(o.force_available_balance) !== null) available = num(o.force_available_balance);
    if (o.has_null_available_balance === true) available = null;
    const balances: Balances = { available, current, limit, iso_currency_code: str(o.currency) ?? 'USD', unofficial_currency_code: null };
    if (type === 'investment') balances.margin_loan_amount = null;
    return {
      account_id: plaidId(seed, `${itemKey}:account:${i}`),
      balances,
      holder_category: 'personal',
      mask: mask === '' ? '' : mask,
      name: str(meta.name) ?? `Plaid ${label(subtype)}`,
      official_name: str(meta.official_name),
      persistent_account_id: plaidId(seed, `persistent:${institutionId}:user_custom:${user.fingerprint}:${i}`, 64).toLowerCase(),
      subtype,
      type,
    };
  });
}

/** Accounts whose override lists its transactions (the rest get generated history). */
export function accountsWithListedTransactions(user: CustomUser, accounts: Account[]): Set<string> {
  return new Set((user.overrides ?? []).flatMap((o, i) => (Array.isArray(o.transactions) ? [accounts[i].account_id] : [])));
}

/** A configured transaction, for txops' builder: posted when date_posted is today or past, else pending. */
export type ListedTx = { account_id: string; amount: number; name: string; date: string; authorized_date: string; pending: boolean; iso_currency_code: string };

export function listedTransactions(user: CustomUser, accounts: Account[], todayMs: number): ListedTx[] {
  const today = isoDate(todayMs);
  const out: ListedTx[] = [];
  (user.overrides ?? []).forEach((o, i) => {
    if (!Array.isArray(o.transactions)) return;
    for (const t of o.transactions.filter(isObj)) {
      const transacted = str(t.date_transacted) ?? today;
      const posted = str(t.date_posted) ?? transacted;
      const pending = posted > today;
      out.push({
        account_id: accounts[i].account_id, amount: round2(num(t.amount) ?? 0), name: str(t.description) ?? 'Transaction',
        date: pending ? transacted : posted, authorized_date: transacted, pending,
        iso_currency_code: str(t.currency) ?? accounts[i].balances.iso_currency_code ?? 'USD',
      });
    }
  });
  // Newest first, as generated history is.
  return out.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}

/** Credit and student liabilities as configured; mortgages are not supported in the custom Sandbox. */
export function customLiabilities(seed: number, itemKey: string, user: CustomUser, accounts: Account[], anchorMs: number): Liabilities {
  const out: Liabilities = { credit: [], mortgage: [], student: [] };
  (user.overrides ?? []).forEach((o, i) => {
    const l = isObj(o.liability) ? o.liability : null;
    const acct = accounts[i];
    if (!l) return;
    const base = buildLiabilities(seed, itemKey, [acct], anchorMs);
    if (l.type === 'credit' && acct.type === 'credit') {
      const entry = { ...base.credit[0] } as Json;
      const bal = acct.balances.current ?? 0;
      const aprs = ([['purchase_apr', 'purchase_apr'], ['cash_apr', 'cash_apr'], ['balance_transfer_apr', 'balance_transfer_apr'], ['special_apr', 'special']] as const)
        .filter(([k]) => num(l[k]) !== null)
        .map(([k, type]) => ({ apr_percentage: num(l[k]), apr_type: type, balance_subject_to_apr: type === 'purchase_apr' ? bal : 0, interest_charge_amount: type === 'purchase_apr' ? round2((bal * (num(l[k]) as number)) / 1200) : 0 }));
      if (aprs.length) entry.aprs = aprs;
      if (num(l.last_payment_amount) !== null) entry.last_payment_amount = num(l.last_payment_amount);
      if (num(l.minimum_payment_amount) !== null) entry.minimum_payment_amount = num(l.minimum_payment_amount);
      if (typeof l.is_overdue === 'boolean') entry.is_overdue = l.is_overdue;
      out.credit.push(entry);
    } else if (l.type === 'student' && acct.type === 'loan' && acct.subtype === 'student') {
      const entry = { ...base.student[0] } as Json;
      const set = (k: string, v: unknown) => { if (v !== null && v !== undefined) entry[k] = v; };
      set('origination_date', str(l.origination_date));
      set('origination_principal_amount', num(l.principal));
      set('interest_rate_percentage', num(l.nominal_apr));
      set('expected_payoff_date', str(l.expected_payoff_date));
      set('guarantor', str(l.guarantor));
      set('loan_name', str(l.loan_name));
      set('payment_reference_number', str(l.payment_reference_number));
      set('sequence_number', str(l.sequence_number));
      set('minimum_payment_amount', num(l.minimum_payment_amount));
      if (typeof l.is_overdue === 'boolean') entry.is_overdue = l.is_overdue;
      if (isObj(l.loan_status)) entry.loan_status = { end_date: str(l.loan_status.end_date), type: str(l.loan_status.type) };
      if (isObj(l.pslf_status)) entry.pslf_status = { estimated_eligibility_date: str(l.pslf_status.estimated_eligibility_date), payments_made: num(l.pslf_status.payments_made), payments_remaining: num(l.pslf_status.payments_remaining) };
      if (str(l.repayment_plan_type) || str(l.repayment_plan_description)) {
        entry.repayment_plan = { description: str(l.repayment_plan_description), type: str(l.repayment_plan_type) };
      }
      if (isObj(l.servicer_address)) entry.servicer_address = { city: str(l.servicer_address.city), country: str(l.servicer_address.country), postal_code: str(l.servicer_address.postal_code), region: str(l.servicer_address.region), street: str(l.servicer_address.street) };
      if (str(l.origination_date)) entry.disbursement_dates = [str(l.origination_date)];
      out.student.push(entry);
    }
  });
  return out;
}

/** A configured security: identified by ticker, CUSIP or ISIN (SecurityOverride). */
function securityFrom(seed: number, s: Json): Json {
  const ticker = str(s.ticker_symbol);
  const key = ticker ?? str(s.cusip) ?? str(s.isin) ?? 'UNKNOWN';
  const cash = ticker?.startsWith('CUR:') ?? false;
  return {
    close_price: null, close_price_as_of: null, cfi_code: null, cusip: str(s.cusip), fixed_income: null, industry: null,
    institution_id: null, institution_security_id: null, is_cash_equivalent: cash, isin: str(s.isin),
    iso_currency_code: str(s.currency) ?? 'USD', market_identifier_code: null, name: str(s.name) ?? ticker ?? key,
    option_contract: null, proxy_security_id: null, sector: null, security_id: securityId(seed, `custom:${key}`), sedol: null,
    subtype: cash ? 'cash' : null, ticker_symbol: ticker, type: cash ? 'cash' : 'equity', unofficial_currency_code: null, update_datetime: null,
  };
}

const INV_SUBTYPE: Record<string, string> = { buy: 'buy', sell: 'sell', cash: 'deposit', fee: 'account fee', transfer: 'transfer' };

/**
 * Holdings and investment transactions as configured; an investment account without them has none.
 * An account without starting_balance is worth its holdings.
 */
export function customInvestments(seed: number, itemKey: string, user: CustomUser, accounts: Account[], anchorMs: number): InvestmentData {
  const asOf = isoDate(anchorMs - DAY_MS);
  const securities = new Map<string, Json>();
  const holdings: Json[] = [];
  const transactions: Array<Json & { date: string }> = [];
  (user.overrides ?? []).forEach((o, i) => {
    const acct = accounts[i];
    if (acct.type !== 'investment') return;
    const list = Array.isArray(o.holdings) ? o.holdings : isObj(o.holdings) ? [o.holdings] : [];
    let total = 0;
    for (const h of list.filter(isObj)) {
      const sec = securityFrom(seed, isObj(h.security) ? h.security : {});
      securities.set(String(sec.security_id), sec);
      const price = num(h.institution_price) ?? 0;
      const qty = num(h.quantity) ?? 0;
      const value = round2(price * qty);
      total += value;
      holdings.push({
        account_id: acct.account_id, cost_basis: num(h.cost_basis), institution_price: price, institution_price_as_of: str(h.institution_price_as_of) ?? asOf,
        institution_price_datetime: null, institution_value: value, iso_currency_code: str(h.currency) ?? 'USD', quantity: qty,
        security_id: sec.security_id, unofficial_currency_code: null, vested_quantity: null, vested_value: null,
      });
    }
    if (num(o.starting_balance) === null) acct.balances.current = round2(total);
    const txs = Array.isArray(o.investment_transactions) ? o.investment_transactions : [];
    txs.filter(isObj).forEach((t, n) => {
      const sec = isObj(t.security) ? securityFrom(seed, t.security) : null;
      if (sec) securities.set(String(sec.security_id), sec);
      const type = str(t.type) ?? 'buy';
      const quantity = num(t.quantity) ?? 0;
      const price = num(t.price) ?? 0;
      const fees = num(t.fees);
      transactions.push({
        account_id: acct.account_id, amount: round2(quantity * price + (fees ?? 0)), cancel_transaction_id: null, date: str(t.date) ?? asOf, fees,
        investment_transaction_id: plaidId(seed, `${itemKey}:custom-invtx:${i}:${n}`), iso_currency_code: str(t.currency) ?? 'USD',
        name: str(t.name) ?? type, price, quantity, security_id: sec ? sec.security_id : null, subtype: INV_SUBTYPE[type] ?? 'transfer',
        transaction_datetime: null, type: ['buy', 'sell', 'cash', 'fee', 'transfer'].includes(type) ? type : 'transfer', unofficial_currency_code: null,
      });
    });
  });
  transactions.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : String(a.investment_transaction_id) < String(b.investment_transaction_id) ? -1 : 1));
  return { securities: [...securities.values()], holdings, transactions };
}
