// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// An Item's transactions as an append-only change log. A /transactions/sync cursor is a position in this
// log; a page holds the net change per transaction_id since the loop's first cursor, ordered by the
// position of each transaction's latest change ("ascending last modified time", as Plaid documents).
// The generated history is stored as index ranges, not objects, so 100,000+ transactions cost nothing
// until a page is built.
import { genTx, parseGenId, dayOffset, type GenContext, type Tx } from './data/transactions.ts';

export type Entry = { id: string; tx: Tx | null; accountId: string };
type GenSeg = { kind: 'gen'; start: number; g0: number; g1: number };
type ExpSeg = { kind: 'exp'; start: number; entries: Entry[] };
type Seg = GenSeg | ExpSeg;

export type Change = { pos: number; kind: 'added' | 'modified' | 'removed'; id: string; accountId: string; tx: Tx | null };

export class TxLog {
  ctx: GenContext;
  segs: Seg[] = [];
  length = 0;
  /** generated indices [0, genCount) are in the log */
  genCount = 0;
  /** explicit log positions touching each transaction id, ascending */
  touches = new Map<string, number[]>();
  /** generated indices that have explicit changes after their generated entry */
  touchedGen = new Set<number>();
  /** ids of transactions that are currently pending */
  pending = new Set<string>();

  constructor(ctx: GenContext) {
    this.ctx = ctx;
  }

  /** Append the next `count` generated (older) transactions. */
  appendGenerated(count: number): void {
    if (count <= 0) return;
    const g0 = this.genCount;
    const g1 = g0 + count;
    this.segs.push({ kind: 'gen', start: this.length, g0, g1 });
    this.length += count;
    this.genCount = g1;
    // Only the newest days can hold pending transactions; track them for refresh/posting.
    for (let g = g0; g < g1 && dayOffset(this.ctx, g) < this.ctx.pendingDays; g++) {
      const tx = genTx(this.ctx, g);
      if (tx.pending) this.pending.add(tx.transaction_id);
    }
  }

  /** Append explicit changes (a Tx = its new state, null = removed). */
  appendExplicit(entries: Entry[]): void {
    if (!entries.length) return;
    let seg = this.segs[this.segs.length - 1];
    if (!seg || seg.kind !== 'exp') {
      seg = { kind: 'exp', start: this.length, entries: [] };
      this.segs.push(seg);
    }
    for (const e of entries) {
      const pos = this.length++;
      seg.entries.push(e);
      let t = this.touches.get(e.id);
      if (!t) this.touches.set(e.id, (t = []));
      t.push(pos);
      const g = parseGenId(this.ctx, e.id);
      if (g >= 0) this.touchedGen.add(g);
      if (e.tx && e.tx.pending) this.pending.add(e.id);
      else this.pending.delete(e.id);
    }
  }

  private segIndexAt(pos: number): number {
    let lo = 0, hi = this.segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segs[mid].start <= pos) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  private explicitAt(pos: number): Entry {
    const seg = this.segs[this.segIndexAt(pos)] as ExpSeg;
    return seg.entries[pos - seg.start];
  }

  private genPos(g: number): number {
    for (const s of this.segs) if (s.kind === 'gen' && g >= s.g0 && g < s.g1) return s.start + (g - s.g0);
    return -1;
  }

  /** Current state: a Tx, null if removed, undefined if never existed. */
  current(id: string): Tx | null | undefined {
    const t = this.touches.get(id);
    if (t) return this.explicitAt(t[t.length - 1]).tx;
    const g = parseGenId(this.ctx, id);
    if (g >= 0 && g < this.genCount) return genTx(this.ctx, g);
    return undefined;
  }

  /** Did the transaction exist just before log position p0? */
  existedBefore(id: string, p0: number): boolean {
    const t = this.touches.get(id);
    if (t) {
      let lo = 0, hi = t.length - 1, found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (t[mid] < p0) { found = mid; lo = mid + 1; } else hi = mid - 1;
      }
      if (found >= 0) return this.explicitAt(t[found]).tx !== null;
    }
    const g = parseGenId(this.ctx, id);
    if (g < 0 || g >= this.genCount) return false;
    return this.genPos(g) < p0;
  }

  /**
   * Net changes of log positions [p0, length) whose latest change is at or after `from`, in log order.
   * Returns at most `limit` changes and whether more follow.
   */
  changes(p0: number, from: number, limit: number, accountId?: string): { changes: Change[]; hasMore: boolean } {
    const out: Change[] = [];
    let si = from < this.length ? this.segIndexAt(from) : this.segs.length;
    let pos = from;
    for (; si < this.segs.length; si++) {
      const seg = this.segs[si];
      if (seg.kind === 'gen') {
        const end = seg.start + (seg.g1 - seg.g0);
        for (; pos < end; pos++) {
          const g = seg.g0 + (pos - seg.start);
          if (this.touchedGen.has(g)) continue; // its latest change comes later in the log
          const tx = genTx(this.ctx, g);
          if (accountId && tx.account_id !== accountId) continue;
          if (out.length === limit) return { changes: out, hasMore: true };
          out.push({ pos, kind: 'added', id: tx.transaction_id, accountId: tx.account_id, tx });
        }
      } else {
        const end = seg.start + seg.entries.length;
        for (; pos < end; pos++) {
          const e = seg.entries[pos - seg.start];
          const t = this.touches.get(e.id) as number[];
          if (t[t.length - 1] !== pos) continue;
          if (accountId && e.accountId !== accountId) continue;
          if (out.length === limit) return { changes: out, hasMore: true };
          const kind = e.tx === null ? 'removed' : this.existedBefore(e.id, p0) ? 'modified' : 'added';
          out.push({ pos, kind, id: e.id, accountId: e.accountId, tx: e.tx });
        }
      }
    }
    return { changes: out, hasMore: false };
  }

  /** The true current transaction set, newest log entries last (offset/limit for big items). */
  currentSet(offset = 0, limit = Infinity): { total: number; transactions: Tx[] } {
    const all = this.changes(0, 0, Infinity).changes.filter((c) => c.tx !== null);
    return { total: all.length, transactions: all.slice(offset, offset + limit).map((c) => c.tx as Tx) };
  }

  /** Number of transactions that currently exist (cheap: no objects built). */
  count(): number {
    let n = this.genCount - this.touchedGen.size;
    for (const [, t] of this.touches) if (this.explicitAt(t[t.length - 1]).tx !== null) n++;
    return n;
  }
}
