import module from 'node:module';

/**
 * Turns on Node's on-disk cache of compiled code (Node 22.1 and later; `NODE_DISABLE_COMPILE_CACHE=1` turns it off)
 * for the modules loaded after this call: TypeScript alone takes a third of a second to compile, in the main thread
 * and again in every worker. Node 20 has no such cache; there this does nothing.
 */
export function enableCompileCache(): void {
  // Not in @types/node 20, which this package is typed against.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
}
