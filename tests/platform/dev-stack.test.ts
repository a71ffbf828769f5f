// `npm run dev` itself (local/cli.ts up, on its own state folder and free ports): its web server
// serves the client and never the state folder (keys.json holds the secret key, the JWT signing key
// and the Plaid secret; vault-root.key the Vault root key), and Ctrl-C stops everything, even after
// the functions host was killed by a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../local/postgres.ts';
import { repoRoot } from '../../local/paths.ts';
import { testStack } from '../support/stack.ts';
import { eventually } from '../support/wait.ts';

const stateDir = join(testStack.stateDir, 'dev-stack');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The OS pids of a process's direct children (Linux /proc). */
function childPids(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
}

const cmdline = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return ''; } };
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

let dev: ChildProcess | null = null;
let ports: { api: number; db: number; web: number; plaid: number };

afterAll(() => {
  // Only when the test failed half-way: leave nothing running.
  if (dev && dev.exitCode === null && dev.signalCode === null) dev.kill('SIGKILL');
  if (ports) new Cluster({ dataDir: join(stateDir, 'db'), port: ports.db }).stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('npm run dev', () => {
  it('serves the client but not the state folder, and Ctrl-C stops everything after the functions host died from a signal', async () => {
    rmSync(stateDir, { recursive: true, force: true });
    ports = { api: await freePort(), db: await freePort(), web: await freePort(), plaid: await freePort() };
    const env: Record<string, string | undefined> = {
      ...process.env, NESTFOLIO_STATE_DIR: stateDir, NESTFOLIO_API_PORT: String(ports.api), NESTFOLIO_DB_PORT: String(ports.db),
      NESTFOLIO_WEB_PORT: String(ports.web), NESTFOLIO_PLAID_PORT: String(ports.plaid), PLAID_CLIENT_ID: '', PLAID_SECRET: '',
    };
    const cli = spawn(process.execPath, [join(repoRoot, 'local', 'cli.ts'), 'up'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    dev = cli;
    let output = '';
    const exited = new Promise<number | string>((r) => cli.once('exit', (code, signal) => r(signal ?? code ?? -1)));
    const up = new Promise<void>((resolve) => {
      const onData = (b: Buffer) => { output += b.toString(); if (output.includes('Nestfolio local stack is up.')) resolve(); };
      cli.stdout!.on('data', onData);
      cli.stderr!.on('data', onData);
    });
    await Promise.race([up, exited]);
    expect(output).toContain('Nestfolio local stack is up.');

    // The web server: the app and its modules, yes; the state folder and the rest of the repository, no.
    const web = `http://127.0.0.1:${ports.web}`;
    const keys = JSON.parse(readFileSync(join(stateDir, 'keys.json'), 'utf8'));
    expect((await fetch(`${web}/`)).status).toBe(200);
    expect((await fetch(`${web}/src/main.ts`)).status).toBe(200);
    for (const file of [join(stateDir, 'keys.json'), join(stateDir, 'vault-root.key'), join(repoRoot, 'local', 'keys.ts'), join(repoRoot, 'package.json')]) {
      const res = await fetch(`${web}/@fs${file}`);
      const text = await res.text();
      expect({ file, status: res.status }).toEqual({ file, status: 403 });
      for (const secret of [keys.secretKey, keys.plaidSecret, keys.signingJwk.d]) expect(text).not.toContain(secret);
    }

    // The functions host dies from a signal (an OOM kill, say) ...
    const hosts = childPids(cli.pid!).filter((pid) => cmdline(pid).includes('functions-host'));
    expect(hosts).toHaveLength(1);
    process.kill(hosts[0], 'SIGKILL');
    await eventually(async () => alive(hosts[0]), (a) => !a, 10_000, { what: 'the functions host to die' });

    // ... and Ctrl-C still stops the emulator, the web server, the pg_net worker and Postgres.
    cli.kill('SIGINT');
    const timeout = new Promise<string>((r) => setTimeout(() => r('still running 30 s after Ctrl-C'), 30_000));
    expect(await Promise.race([exited, timeout])).toBe(0);
    for (const [what, port] of Object.entries(ports)) expect({ what, free: await portIsFree(port) }).toEqual({ what, free: true });
    expect(new Cluster({ dataDir: join(stateDir, 'db'), port: ports.db }).isRunning()).toBe(false);
  }, 180_000);
});
