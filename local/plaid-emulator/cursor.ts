// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// /transactions/sync cursors: an opaque base64 string (32 characters, Plaid allows up to 256) that
// encodes a format version, the Item (and account stream), log positions and a keyed checksum, so a
// cursor from another Item, another emulator seed or random text is rejected with INVALID_FIELD.
import { hash32 } from './rng.ts';

const VERSION = 1;

export type Cursor = {
  /** first position of this pagination loop (= the cursor the loop started from) */
  p0: number;
  /** mid-loop: next position to scan; final cursors have mid=false */
  from: number;
  /** log length when the loop started; a different length now means the data changed mid-loop */
  end: number;
  /** page number this cursor asks for (1-based; final cursors are page 1 of the next loop) */
  page: number;
  mid: boolean;
};

function streamTag(itemId: string, accountId: string | undefined): number {
  return hash32(`${itemId}|${accountId ?? ''}`);
}

export function encodeCursor(c: Cursor, itemId: string, accountId: string | undefined, key: number): string {
  const b = Buffer.alloc(24);
  b.writeUInt8(VERSION, 0);
  b.writeUInt32BE(streamTag(itemId, accountId), 1);
  b.writeUInt32BE(c.p0, 5);
  b.writeUInt32BE(c.from, 9);
  b.writeUInt32BE(c.end, 13);
  b.writeUInt16BE(Math.min(c.page, 0xffff), 17);
  b.writeUInt8(c.mid ? 1 : 0, 19);
  b.writeUInt32BE(hash32(b.subarray(0, 20).toString('latin1'), key), 20);
  return b.toString('base64');
}

/** null when the cursor was not made by this emulator for this Item/stream. */
export function decodeCursor(s: string, itemId: string, accountId: string | undefined, key: number): Cursor | null {
  if (s.length !== 32 || !/^[A-Za-z0-9+/]+=*$/.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  if (b.length !== 24 || b.readUInt8(0) !== VERSION) return null;
  if (b.readUInt32BE(1) !== streamTag(itemId, accountId)) return null;
  if (b.readUInt32BE(20) !== hash32(b.subarray(0, 20).toString('latin1'), key)) return null;
  const c: Cursor = { p0: b.readUInt32BE(5), from: b.readUInt32BE(9), end: b.readUInt32BE(13), page: b.readUInt16BE(17), mid: b.readUInt8(19) === 1 };
  if (c.p0 > c.end || c.from < c.p0 || c.from > c.end) return null;
  return c;
}

export const finalCursor = (pos: number): Cursor => ({ p0: pos, from: pos, end: pos, page: 1, mid: false });
