// Net worth over time (1M / 3M / 1Y / all): one chart per currency, each with its table.
import type { AppContext } from '../context.ts';
import { h, replaceChildren } from '../dom.ts';
import { errorMessage } from '../messages.ts';
import type { Range } from '../insights-types.ts';
import { BalanceChart, rangePicker } from './chart.ts';
import { totalsLine } from './net-worth-summary.ts';
import { LoadError } from './load-error.ts';

export function netWorthPage(ctx: AppContext): { el: HTMLElement; dispose(): void } {
  let range: Range = '3M';
  const charts: BalanceChart[] = [];
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading your net worth…');
  const body = h('div');
  const failed = new LoadError(() => void load());
  const el = h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Net worth'),
    h('p', { class: 'lead' }, 'What you own minus what you owe, every day. Each currency is shown on its own.'),
    rangePicker('Time range', range, (r) => { range = r; void load(); }), status, failed.el, body);

  async function load(): Promise<void> {
    status.textContent = 'Loading your net worth…';
    try {
      const nw = await ctx.api.netWorth(range);
      for (const c of charts.splice(0)) c.dispose();
      const series = nw.history?.series ?? [];
      replaceChildren(body, ...series.map((s) => {
        const chart = new BalanceChart(`Net worth in ${s.currency}`, 'Net worth');
        charts.push(chart);
        const total = nw.totals.find((t) => t.currency === s.currency);
        const card = h('section', { class: 'card', 'data-testid': 'net-worth-series', 'data-currency': s.currency },
          total ? totalsLine(total) : null, chart.el);
        chart.render({ currency: s.currency, extraColumns: ['Assets', 'Liabilities'],
          rows: s.points.map((p) => ({ date: p.date, value: p.net_worth, estimated: p.estimated, extra: [p.assets, p.liabilities] })) });
        return card;
      }));
      failed.clear();
      status.textContent = series.length ? ''
        : nw.accounts.length ? 'None of your accounts is counted in net worth: each is hidden, closed, left out of totals or has no balance yet.'
          : 'No balances yet: connect a bank or add a manual account.';
      ctx.announce(`Showing net worth for ${range === 'ALL' ? 'all history' : range}.`);
    } catch (e) {
      // No chart of another range under the words: what is shown is what failed, and Retry.
      for (const c of charts.splice(0)) c.dispose();
      replaceChildren(body);
      status.textContent = '';
      failed.show(errorMessage(e, 'Loading your net worth'));
    }
  }

  void load();
  return { el, dispose() { for (const c of charts) c.dispose(); } };
}
