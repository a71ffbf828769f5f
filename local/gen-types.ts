// Regenerates the committed database types with the real CLI (`supabase gen types typescript`)
// from a throw-away database built from the migrations, so the output never depends on dev data.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, ensureDebianPackages } from './postgres.ts';
import { ensureKeys } from './keys.ts';
import { applyBootstrap, pushMigrations, run } from './stack.ts';
import { binDir, repoRoot, stateDir } from './paths.ts';

export const typesFile = join(repoRoot, 'supabase', 'functions', '_shared', 'database.types.ts');

export function typesFromDatabase(dbUrl: string): string {
  // PGSSLMODE=disable keeps the CLI's "connected without TLS" notice out of the generated file.
  return run(join(binDir, 'supabase'), ['gen', 'types', 'typescript', `--remote=${dbUrl}`, '--schema', 'public'], { env: { PGSSLMODE: 'disable' } });
}

export async function generateTypes(): Promise<void> {
  ensureDebianPackages();
  const dir = join(stateDir, 'gen');
  const keys = await ensureKeys(dir);
  const cluster = new Cluster({ dataDir: join(dir, 'db'), port: Number(process.env.NESTFOLIO_GEN_DB_PORT ?? 54342), fast: true });
  cluster.destroy();
  cluster.start();
  try {
    applyBootstrap(cluster, dir);
    pushMigrations(cluster.url, { projectUrl: 'http://127.0.0.1:54321', secretKey: keys.secretKey });
    writeFileSync(typesFile, typesFromDatabase(cluster.url));
    console.log(`wrote ${typesFile}`);
  } finally {
    cluster.destroy();
  }
}
