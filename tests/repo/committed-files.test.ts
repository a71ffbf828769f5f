// What is committed is source: no tool caches or local state (the Supabase CLI writes supabase/.temp/
// when it runs, the local stack writes .state/), and the test stack's tools keep their output ignored.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/paths.ts';

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' });

describe('committed files', () => {
  it('include no CLI temp files, local state, build output or installed packages', () => {
    const tracked = git('ls-files').split('\n').filter(Boolean);
    expect(tracked.filter((f) => /^(supabase\/\.(temp|branches)|\.state|node_modules|web\/dist)\//.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('what the tools write while they run is ignored', () => {
    const paths = ['supabase/.temp/cli-latest', 'supabase/.branches/_current_branch', '.state/test/stack.log', 'web/dist/index.html', 'supabase/functions/.env'];
    // check-ignore prints the ignored ones (exit 1 when none is).
    const ignored = execFileSync('git', ['check-ignore', '--no-index', ...paths], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(ignored).toEqual(paths);
  });
});
