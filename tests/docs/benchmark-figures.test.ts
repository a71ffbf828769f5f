// Every figure the README's benchmark table and docs/scaling.md (in bold) quote comes from
// bench/REPORT.md, the report `npm run bench` writes: a figure edited by hand, or a report regenerated
// without updating the docs, fails here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../local/paths.ts';

const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');
const numbers = (text: string) => [...text.replace(/(\d),(\d{3})/g, '$1$2').matchAll(/\d+(?:\.\d+)?/g)].map((m) => m[0]);
const reportNumbers = new Set(numbers(read('bench/REPORT.md')));

describe('benchmark figures in the docs', () => {
  it('README § Benchmarks quotes only numbers that are in bench/REPORT.md', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Benchmarks'), readme.indexOf('\n## ', readme.indexOf('## Benchmarks') + 5));
    const measured = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| what') && !l.startsWith('|---'))
      .map((l) => l.split('|')[2]);
    expect(measured.length).toBeGreaterThan(5);
    const missing = measured.flatMap((cell) => numbers(cell).filter((n) => !reportNumbers.has(n)).map((n) => `${n} in "${cell.trim()}"`));
    expect(missing).toEqual([]);
  });

  it('docs/scaling.md\'s measured (bold) figures are all in bench/REPORT.md', () => {
    const bold = [...read('docs/scaling.md').matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]).filter((b) => /\d/.test(b));
    expect(bold.length).toBeGreaterThan(5);
    const missing = bold.flatMap((b) => numbers(b).filter((n) => !reportNumbers.has(n)).map((n) => `${n} in "${b}"`));
    expect(missing).toEqual([]);
  });
});
