// A balance-over-time chart (uPlot: small, canvas, no dependencies) with what a screen reader needs:
// the figure is named and summarised in words, and every point is in a table under "Show as table".
// Estimated days (walked back from transactions, or carried back) are drawn dashed and said so.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, replaceChildren, uid } from '../dom.ts';
import { day, money } from '../format.ts';
import { RANGES, type Range } from '../insights-types.ts';

export type ChartRow = { date: string; value: string; estimated: boolean; extra?: string[] };
export type ChartData = { currency: string | null; rows: ChartRow[]; extraColumns?: string[] };

const toTime = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

/** The range picker: a group of toggle buttons (aria-pressed), one pressed. */
export function rangePicker(label: string, current: Range, onPick: (r: Range) => void): HTMLElement {
  const buttons = RANGES.map((r) => h('button', {
    type: 'button', class: 'range-button', 'aria-pressed': String(r.range === current),
    onclick: () => { for (const b of buttons) b.setAttribute('aria-pressed', String(b === buttons[RANGES.indexOf(r)])); onPick(r.range); },
  }, r.label, h('span', { class: 'visually-hidden' }, ` (${r.name})`)));
  return h('div', { class: 'range-picker', role: 'group', 'aria-label': label }, ...buttons);
}

/** Describes a series in words: from, to, change. */
export function describe(data: ChartData, what: string): string {
  const first = data.rows[0], last = data.rows.at(-1);
  if (!first || !last) return `No ${what} to show yet.`;
  const change = Number(last.value) - Number(first.value);
  const sign = change > 0 ? 'up' : change < 0 ? 'down' : 'unchanged';
  const by = change === 0 ? '' : ` by ${money(Math.abs(change).toFixed(2), data.currency)}`;
  const estimated = data.rows.some((r) => r.estimated) ? ' Earlier days are estimated from transactions.' : '';
  return `${what} ${sign}${by}: ${money(first.value, data.currency)} on ${day(first.date)}, ${money(last.value, data.currency)} on ${day(last.date)}.${estimated}`;
}

export class BalanceChart {
  readonly el: HTMLElement;
  private readonly plotBox: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly table: HTMLTableElement;
  private plot: uPlot | null = null;
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(private readonly title: string, private readonly valueLabel: string) {
    const captionId = uid('chart-caption');
    this.plotBox = h('div', { class: 'chart-plot', role: 'img', 'aria-labelledby': captionId });
    this.caption = h('figcaption', { id: captionId, class: 'chart-caption' });
    this.table = h('table', { class: 'chart-table' });
    this.el = h('figure', { class: 'chart', 'data-testid': 'chart' }, this.caption, this.plotBox,
      h('details', { class: 'chart-details' }, h('summary', {}, 'Show as a table', h('span', { class: 'visually-hidden' }, ` (${title})`)), this.table));
    this.resize.observe(this.plotBox);
  }

  render(data: ChartData): void {
    this.caption.textContent = describe(data, this.title);
    const rows = data.rows;
    const x = rows.map((r) => toTime(r.date));
    const values = rows.map((r) => Number(r.value));
    // The estimated stretch and the observed one share their boundary day, so the line is unbroken.
    const lastEstimated = rows.map((r) => r.estimated).lastIndexOf(true);
    const estimated = values.map((v, i) => (lastEstimated >= 0 && i <= lastEstimated + 1 ? v : null));
    const observed = values.map((v, i) => (i >= lastEstimated + 1 ? v : null));
    this.plot?.destroy();
    this.plot = null;
    replaceChildren(this.plotBox);
    if (rows.length) {
      const code = data.currency && /^[A-Z]{3}$/.test(data.currency) ? data.currency : null;
      const compact = new Intl.NumberFormat(undefined, code ? { style: 'currency', currency: code, notation: 'compact' } : { notation: 'compact' });
      const fmt = (v: number) => compact.format(v);
      this.plot = new uPlot({
        width: Math.max(280, this.plotBox.clientWidth || 600), height: 240, legend: { show: false }, cursor: { show: true },
        scales: { x: { time: true } },
        axes: [{}, { values: (_u, ticks) => ticks.map(fmt), size: 72 }],
        series: [{}, { label: `${this.valueLabel} (estimated)`, stroke: '#6b7a89', width: 2, dash: [6, 4] },
          { label: this.valueLabel, stroke: '#0b5cad', width: 2, fill: 'rgba(11, 92, 173, 0.08)' }],
      }, [x, estimated, observed], this.plotBox);
    }
    const extra = data.extraColumns ?? [];
    replaceChildren(this.table,
      h('caption', { class: 'visually-hidden' }, `${this.title} by day`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Date'), h('th', { scope: 'col' }, this.valueLabel),
        ...extra.map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, 'Source'))),
      h('tbody', {}, ...[...rows].reverse().map((r) => h('tr', {}, h('th', { scope: 'row' }, day(r.date)),
        h('td', {}, money(r.value, data.currency)), ...(r.extra ?? []).map((e) => h('td', {}, money(e, data.currency))),
        h('td', {}, r.estimated ? 'Estimated' : 'Reported')))));
  }

  private fit(): void {
    if (this.plot && this.plotBox.clientWidth) this.plot.setSize({ width: this.plotBox.clientWidth, height: 240 });
  }

  dispose(): void {
    this.resize.disconnect();
    this.plot?.destroy();
  }
}
