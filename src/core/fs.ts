import * as nodeFs from 'node:fs/promises';

/** The subset of `fs.Stats` prodgrade reads. */
export interface FsStats {
  size: number;
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface FsDirent {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/**
 * The filesystem port. The planner, the writer and the auditor take one; production code passes
 * {@link nodeFs}, unit tests pass memfs (`memfs().fs.promises` has the same shape).
 */
export interface Fs {
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string, options: { withFileTypes: true }): Promise<FsDirent[]>;
  lstat(path: string): Promise<FsStats>;
  stat(path: string): Promise<FsStats>;
  realpath(path: string): Promise<string>;
  writeFile(path: string, data: string | Uint8Array, options?: { mode?: number; flag?: string }): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<string | undefined>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
}

export const realFs: Fs = {
  readFile: (path) => nodeFs.readFile(path),
  readdir: (path, options) => nodeFs.readdir(path, options),
  lstat: (path) => nodeFs.lstat(path),
  stat: (path) => nodeFs.stat(path),
  realpath: (path) => nodeFs.realpath(path),
  writeFile: (path, data, options) => nodeFs.writeFile(path, data, options),
  mkdir: (path, options) => nodeFs.mkdir(path, options),
  rename: (from, to) => nodeFs.rename(from, to),
  rm: (path, options) => nodeFs.rm(path, options),
  chmod: (path, mode) => nodeFs.chmod(path, mode),
};
