/**
 * The OpenAPI document as committed in `openapi.json`: built from the route schemas of an app that never
 * listens and never connects (the pools are lazy and no request is made), with a fixed configuration so the
 * output depends on the code only.
 */
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { Database } from '../db/database.js';
import type { JobQueue } from '../jobs/queue.js';

export const OPENAPI_FILE = 'openapi.json';

const unreachable = 'postgres://openapi@127.0.0.1:9/openapi';

export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DATABASE_URL: unreachable });
  const database = new Database({ url: unreachable, poolMax: 1, onError: () => undefined });
  const jobQueue: JobQueue = {
    enqueueExport: () => Promise.reject(new Error('the OpenAPI app enqueues nothing')),
    enqueueInvitationEmail: () => Promise.reject(new Error('the OpenAPI app enqueues nothing')),
    exportState: async () => undefined,
    depth: async () => ({}),
    close: async () => undefined,
  };
  const app = await buildApp({ config, database, jobQueue });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await database.close();
  }
}

export interface Operation {
  method: string;
  path: string;
}

/** `GET /v1/projects`-style lines for the operations of one document missing from the other. */
export function operationDiff(committed: string, current: string): { added: string[]; removed: string[] } {
  const operations = (text: string): Set<string> => {
    const paths = (JSON.parse(text) as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
    return new Set(Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
  };
  const before = operations(committed);
  const after = operations(current);
  return { added: [...after].filter((op) => !before.has(op)), removed: [...before].filter((op) => !after.has(op)) };
}
