import { RepoModel } from '../../src/audit/model.js';

/** A repository model over in-memory files (path → text). */
export function repo(files: Record<string, string>): RepoModel {
  return new RepoModel(
    '/virtual',
    Object.entries(files).map(([path, text]) => ({ path, text, size: text.length })),
  );
}
