// Plaid sandbox emulator (stands in for https://sandbox.plaid.com; keeps Plaid's exact public HTTP API).
// Institution logos as Plaid sends them (Institution.logo): a base64-encoded 152×152 PNG. The emulator's
// are a square in the institution's primary colour with a white band, made once per institution.
import { deflateSync } from 'node:zlib';

const SIZE = 152;

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A 152×152 RGB PNG in `color` (#rrggbb), base64-encoded. */
export function logoPng(color: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  const rows = Buffer.alloc(SIZE * (1 + SIZE * 3));
  for (let y = 0; y < SIZE; y++) {
    const band = y > SIZE * 0.42 && y < SIZE * 0.58;
    for (let x = 0; x < SIZE; x++) {
      const at = y * (1 + SIZE * 3) + 1 + x * 3;
      rows[at] = band ? 255 : r; rows[at + 1] = band ? 255 : g; rows[at + 2] = band ? 255 : b;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0); header.writeUInt32BE(SIZE, 4);
  header[8] = 8; header[9] = 2; // 8-bit RGB
  const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
  return png.toString('base64');
}
