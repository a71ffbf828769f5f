// A private PostgreSQL 15 cluster standing in for the hosted Supabase database. It uses Debian's
// binaries, `supabase_admin` as the bootstrap superuser and a `postgres` role that is NOT a superuser,
// exactly as on the platform, so RLS and grant mistakes show up here too.
import { existsSync, mkdirSync, writeFileSync, appendFileSync, chmodSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { pgBinDir } from './paths.ts';

const debianPackages = [
  'postgresql-15', 'postgresql-15-cron', 'postgresql-15-pgtap', 'postgresql-15-plpgsql-check',
  'libtap-parser-sourcehandler-pgtap-perl',
];
const extensionDir = '/usr/share/postgresql/15/extension';
const requiredFiles = [
  join(pgBinDir, 'postgres'),
  join(extensionDir, 'pg_cron.control'),
  join(extensionDir, 'pgtap.control'),
  join(extensionDir, 'plpgsql_check.control'),
];

const isRoot = () => process.getuid?.() === 0;

/** Installs Debian's packages when missing (as root), or fails with the one command to run. */
export function ensureDebianPackages(extra: string[] = [], extraFiles: string[] = []): void {
  const missing = [...requiredFiles, ...extraFiles].filter((f) => !existsSync(f));
  const hasPgProve = spawnSync('sh', ['-c', 'command -v pg_prove'], { stdio: 'ignore' }).status === 0;
  if (missing.length === 0 && hasPgProve) return;
  const packages = [...debianPackages, ...extra];
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (!isRoot() || !existsSync('/etc/debian_version')) {
    const what = extraFiles.length && missing.every((f) => extraFiles.includes(f))
      ? `${extra.join(', ')} is needed (${missing.join(', ')} is missing)`
      : 'PostgreSQL 15 with pg_cron, pgTAP and plpgsql_check is needed';
    throw new Error(`${what}. Run as root:\n  ${command}`);
  }
  console.log(`[setup] installing Debian packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq ${packages.join(' ')}`], { stdio: 'inherit', env });
}

export type ClusterOptions = {
  dataDir: string;
  port: number;
  /** Tests trade durability for speed; the dev cluster keeps fsync on. */
  fast?: boolean;
};

export class Cluster {
  readonly dataDir: string;
  readonly port: number;
  readonly fast: boolean;
  constructor(opts: ClusterOptions) {
    this.dataDir = opts.dataDir;
    this.port = opts.port;
    this.fast = opts.fast ?? false;
  }

  get runDir(): string { return `${this.dataDir}-run`; }
  get logFile(): string { return join(this.runDir, 'postgres.log'); }
  /** Superuser URL: bootstrap only. Migrations and the app use `postgres`, like the platform. */
  get adminUrl(): string { return `postgresql://supabase_admin:postgres@127.0.0.1:${this.port}/postgres`; }
  get url(): string { return `postgresql://postgres:postgres@127.0.0.1:${this.port}/postgres`; }

  /** Runs a Postgres binary, as the `postgres` OS user when we are root (initdb refuses root). */
  private pg(bin: string, args: string[], opts: { allowFail?: boolean } = {}): { status: number; out: string } {
    const full = join(pgBinDir, bin);
    const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 && !opts.allowFail) throw new Error(`${bin} ${args.join(' ')} failed:\n${out}`);
    return { status: r.status ?? 1, out };
  }

  /** As root the server runs as the `postgres` OS user, which must be able to reach the state folder. */
  private checkReachable(): void {
    if (!isRoot()) return;
    let dir = this.dataDir;
    while (!existsSync(dir)) dir = join(dir, '..');
    if (spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`the postgres OS user cannot reach ${dir} (a parent folder such as /root is private): ` +
        'clone the project outside /root, or set NESTFOLIO_STATE_DIR to a folder it can reach, e.g. /var/tmp/nestfolio');
    }
  }

  private ownDirs(): void {
    for (const d of [this.dataDir, this.runDir]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      if (isRoot()) execFileSync('chown', ['-R', 'postgres:postgres', d]);
    }
  }

  isInitialized(): boolean { return existsSync(join(this.dataDir, 'PG_VERSION')); }

  init(): void {
    if (this.isInitialized()) return;
    this.checkReachable();
    this.ownDirs();
    const pwFile = join(this.runDir, 'pwfile');
    writeFileSync(pwFile, 'postgres\n');
    if (isRoot()) execFileSync('chown', ['postgres:postgres', pwFile]);
    this.pg('initdb', ['-D', this.dataDir, '-U', 'supabase_admin', `--pwfile=${pwFile}`, '--auth-local=trust',
      '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8']);
    rmSync(pwFile);
    const settings = [
      `port = ${this.port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${this.runDir}'`,
      `shared_preload_libraries = 'pg_cron'`,
      `cron.database_name = 'postgres'`,
      // Background workers run jobs without libpq logins, so no password is needed for cron.
      `cron.use_background_workers = on`,
      `max_worker_processes = 32`,
      `max_connections = 200`,
      `timezone = 'UTC'`,
      ...(this.fast ? [`fsync = off`, `synchronous_commit = off`, `full_page_writes = off`] : []),
    ];
    appendFileSync(join(this.dataDir, 'postgresql.conf'), `\n# nestfolio local stack\n${settings.join('\n')}\n`);
  }

  isRunning(): boolean { return this.pg('pg_ctl', ['-D', this.dataDir, 'status'], { allowFail: true }).status === 0; }

  /** Idempotent: reuses a running cluster. */
  start(): void {
    this.init();
    if (this.isRunning()) return;
    this.ownDirs();
    this.pg('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  stop(): void {
    if (!this.isInitialized() || !this.isRunning()) return;
    this.pg('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  destroy(): void {
    this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.runDir, { recursive: true, force: true });
  }

  /** psql as the superuser over the unix socket: bootstrap SQL and test set-up only. */
  psql(sql: string, opts: { file?: string; vars?: Record<string, string>; db?: string } = {}): string {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', this.runDir, '-p', String(this.port), '-U', 'supabase_admin',
      '-d', opts.db ?? 'postgres', '-At'];
    for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('-v', `${k}=${v}`);
    // SQL goes through stdin (not -c) so psql interpolates :'variables' in it.
    if (opts.file) args.push('-f', opts.file);
    const r = spawnSync(join(pgBinDir, 'psql'), args, { encoding: 'utf8', input: opts.file ? undefined : sql });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Makes a file readable by the server process (it runs as the `postgres` OS user under root). */
  shareFile(path: string): void {
    chmodSync(path, 0o600);
    if (isRoot()) execFileSync('chown', ['postgres:postgres', path]);
  }

  tailLog(lines = 40): string {
    try { return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return ''; }
  }
}
