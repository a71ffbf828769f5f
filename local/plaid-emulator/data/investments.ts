// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Securities, holdings and investment transactions for an Item's investment accounts. Holdings set the
// account balances (current = market value, available = cash), so the numbers agree with each other.
import { Rng, plaidId } from '../rng.ts';
import type { Account } from './accounts.ts';
import { DAY_MS, isoDate } from './transactions.ts';

type SecurityDef = {
  ticker: string; name: string; type: string; subtype: string; cusip: string | null; isin: string | null;
  price: number; mic: string | null; sector: string | null; industry: string | null; cash?: boolean;
  fixed?: { rate: number; maturity: string; issue: string; face: number };
};

const SECURITIES: SecurityDef[] = [
  { ticker: 'CUR:USD', name: 'U S Dollar', type: 'cash', subtype: 'cash', cusip: null, isin: null, price: 1, mic: null, sector: null, industry: null, cash: true },
  { ticker: 'VTI', name: 'Vanguard Total Stock Market ETF', type: 'etf', subtype: 'etf', cusip: '922908769', isin: 'US9229087690', price: 248.31, mic: 'ARCX', sector: null, industry: null },
  { ticker: 'VFIAX', name: 'Vanguard 500 Index Fund Admiral Shares', type: 'mutual fund', subtype: 'mutual fund', cusip: '922908710', isin: 'US9229087104', price: 468.22, mic: null, sector: null, industry: null },
  { ticker: 'AAPL', name: 'Apple Inc.', type: 'equity', subtype: 'common stock', cusip: '037833100', isin: 'US0378331005', price: 189.84, mic: 'XNAS', sector: 'Technology', industry: 'Computer Hardware' },
  { ticker: 'MSFT', name: 'Microsoft Corporation', type: 'equity', subtype: 'common stock', cusip: '594918104', isin: 'US5949181045', price: 415.5, mic: 'XNAS', sector: 'Technology', industry: 'Software' },
  { ticker: 'BND', name: 'Vanguard Total Bond Market ETF', type: 'etf', subtype: 'etf', cusip: '921937835', isin: 'US9219378356', price: 72.41, mic: 'XNAS', sector: null, industry: null },
  { ticker: '912828U24', name: 'United States Treasury Note 2% 15/11/2026', type: 'fixed income', subtype: 'treasury note', cusip: '912828U24', isin: 'US912828U246', price: 97.12, mic: null, sector: 'Government', industry: 'Sovereign', fixed: { rate: 2, maturity: '2026-11-15', issue: '2016-11-15', face: 1000 } },
];

export type InvestmentData = {
  securities: Record<string, unknown>[];
  holdings: Record<string, unknown>[];
  /** newest first, as Plaid returns them */
  transactions: Record<string, unknown>[];
};

const round2 = (n: number) => Math.round(n * 100) / 100;
const round4 = (n: number) => Math.round(n * 10000) / 10000;

export function securityId(seed: number, ticker: string): string {
  return plaidId(seed, `security:${ticker}`);
}

function securityJson(seed: number, s: SecurityDef, asOf: string): Record<string, unknown> {
  return {
    close_price: s.price,
    close_price_as_of: asOf,
    cfi_code: null,
    cusip: s.cusip,
    fixed_income: s.fixed ? { face_value: s.fixed.face, issue_date: s.fixed.issue, maturity_date: s.fixed.maturity, yield_rate: { percentage: s.fixed.rate, type: 'coupon' } } : null,
    industry: s.industry,
    institution_id: null,
    institution_security_id: null,
    is_cash_equivalent: s.cash === true,
    isin: s.isin,
    iso_currency_code: 'USD',
    market_identifier_code: s.mic,
    name: s.name,
    option_contract: null,
    proxy_security_id: null,
    sector: s.sector,
    security_id: securityId(seed, s.ticker),
    sedol: null,
    subtype: s.subtype,
    ticker_symbol: s.ticker,
    type: s.type,
    unofficial_currency_code: null,
    update_datetime: null,
  };
}

/** Build holdings + 2 years of investment transactions, and set the investment accounts' balances. */
export function buildInvestments(seed: number, itemKey: string, accounts: Account[], anchorMs: number): InvestmentData {
  const asOf = isoDate(anchorMs - DAY_MS);
  const used = new Set<string>();
  const holdings: Record<string, unknown>[] = [];
  const txs: Array<Record<string, unknown> & { date: string }> = [];
  for (const acct of accounts.filter((a) => a.type === 'investment')) {
    const rng = Rng.of(seed, `${itemKey}:inv:${acct.account_id}`);
    const picks = SECURITIES.slice(1).filter(() => rng.chance(0.6));
    if (!picks.length) picks.push(SECURITIES[1]);
    let total = 0;
    for (const s of picks) {
      const qty = s.fixed ? rng.int(5, 20) : round4(rng.money(2, 60));
      const price = s.price;
      // bond prices are quoted per 100 of face value
      const value = s.fixed ? round2((qty * s.fixed.face * price) / 100) : round2(qty * price);
      const costBasis = round2(value * (0.7 + rng.next() * 0.35));
      const vested = acct.subtype === '401k' ? round4(qty * 0.9) : null;
      holdings.push({
        account_id: acct.account_id, cost_basis: costBasis, institution_price: price, institution_price_as_of: asOf,
        institution_price_datetime: null, institution_value: value, iso_currency_code: 'USD', quantity: qty,
        security_id: securityId(seed, s.ticker), unofficial_currency_code: null, vested_quantity: vested, vested_value: vested === null ? null : round2(vested * price),
      });
      used.add(s.ticker);
      total += value;
    }
    const cash = round2(rng.money(50, 2500));
    holdings.push({
      account_id: acct.account_id, cost_basis: cash, institution_price: 1, institution_price_as_of: asOf,
      institution_price_datetime: null, institution_value: cash, iso_currency_code: 'USD', quantity: cash,
      security_id: securityId(seed, 'CUR:USD'), unofficial_currency_code: null, vested_quantity: null, vested_value: null,
    });
    used.add('CUR:USD');
    acct.balances.current = round2(total + cash);
    acct.balances.available = cash;
    acct.balances.margin_loan_amount = acct.subtype === 'brokerage' ? 0 : null;

    // Roughly monthly activity for two years: a contribution, a buy, a dividend, now and then a fee or sale.
    let n = 0;
    const addTx = (daysAgo: number, s: SecurityDef | null, type: string, subtype: string, name: string, quantity: number, price: number, amount: number, fees: number | null) => {
      const date = isoDate(anchorMs - daysAgo * DAY_MS);
      txs.push({
        account_id: acct.account_id, amount: round2(amount), cancel_transaction_id: null, date, fees,
        investment_transaction_id: plaidId(seed, `${itemKey}:invtx:${acct.account_id}:${n++}`), iso_currency_code: 'USD',
        name, price, quantity, security_id: s ? securityId(seed, s.ticker) : null, subtype, transaction_datetime: null, type,
        unofficial_currency_code: null,
      });
    };
    for (let month = 0; month < 24; month++) {
      const base = month * 30 + rng.int(1, 5);
      const contrib = round2(rng.money(200, 800));
      addTx(base + 2, SECURITIES[0], 'cash', acct.subtype === 'brokerage' ? 'deposit' : 'contribution', acct.subtype === 'brokerage' ? 'ACH Deposit' : 'Employee Contribution', contrib, 1, -contrib, 0);
      const s = rng.pick(picks);
      const q = round4(contrib / s.price);
      addTx(base + 1, s, 'buy', 'buy', `BUY ${s.name}`, q, s.price, round2(q * s.price), 0);
      if (month % 3 === 0) {
        const d = rng.pick(picks);
        const amt = round2(rng.money(5, 60));
        addTx(base, d, 'cash', 'dividend', `DIVIDEND RECEIVED ${d.name}`, 0, 0, -amt, 0);
      }
      if (month % 6 === 5) addTx(base + 3, null, 'fee', 'account fee', 'Annual Account Maintenance Fee', 0, 0, 15, 15);
      if (month % 8 === 7) {
        const sell = rng.pick(picks);
        const sq = round4(rng.money(0.5, 3));
        addTx(base + 4, sell, 'sell', 'sell', `SELL ${sell.name}`, -sq, sell.price, -round2(sq * sell.price), 0);
      }
    }
  }
  txs.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : String(a.investment_transaction_id) < String(b.investment_transaction_id) ? -1 : 1));
  const securities = SECURITIES.filter((s) => used.has(s.ticker) || txs.some((t) => t.security_id === securityId(seed, s.ticker))).map((s) => securityJson(seed, s, asOf));
  return { securities, holdings, transactions: txs };
}
