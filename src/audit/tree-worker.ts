import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { realFs } from '../core/fs.js';
import { discover, portableDiscovery, type Discovery } from './discover.js';
import { languageOf } from './languages.js';
import type { parsePrisma } from './parsers/prisma.js';
import { decodeText } from './text.js';
import type { TreeWorkerData, TreeWorkerReply } from './tree-thread.js';

/** The tree thread (see tree-thread.ts): reads the tree, sends it to the main thread, parses the Prisma schemas. */
const post = (reply: TreeWorkerReply, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(reply, transfer);
const { root, exclude, include, maxFileBytes } = workerData as TreeWorkerData;

let reported = 0;
let discovery: Discovery;
try {
  discovery = await discover({
    root,
    fs: realFs,
    exclude,
    include,
    maxFileBytes,
    onProgress: (found) => {
      // Often enough for a progress line, rarely enough that the messages cost nothing.
      if (found - reported < 200) return;
      reported = found;
      post({ found });
    },
  });
} catch (error) {
  post({ failed: errorMessage(error) });
  process.exit(0);
}
// The Prisma schemas are decoded before the bytes leave (the files themselves stay undecoded: their bytes are sent).
const schemas = discovery.files.filter((f) => languageOf(f.path) === 'prisma').map((f) => ({ path: f.path, text: decodeText(f.content()) }));
const packed = portableDiscovery(discovery);
if (!packed) {
  post({ failed: 'files were not all read' });
  process.exit(0);
}
post({ discovery: packed.portable }, packed.transfer);

// Parsed here while the main thread loads its rules: chevrotain builds its grammar when loaded, and a large schema
// takes a few hundred milliseconds more. Sent even when there is none: the main thread's schema readers wait for it.
let prisma: Array<{ path: string; result: ReturnType<typeof parsePrisma> }> = [];
if (schemas.length > 0) {
  const { parsePrisma } = await import('./parsers/prisma.js');
  prisma = schemas.map(({ path, text }) => ({ path, result: parsePrisma(text) }));
}
post({ prismaParsed: prisma });
