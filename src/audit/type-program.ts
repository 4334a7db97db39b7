import { Project, ts } from 'ts-morph';
import type { RepoModel } from './model.js';

export interface TypeProgram {
  checker: ts.TypeChecker;
  sourceFile(path: string): ts.SourceFile | undefined;
}

function compilerOptions(model: RepoModel): ts.CompilerOptions {
  const text = model.text('tsconfig.json');
  const defaults: ts.CompilerOptions = { allowJs: true, checkJs: false, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, jsx: ts.JsxEmit.Preserve, skipLibCheck: true };
  if (text === undefined) return defaults;
  const parsed = ts.parseConfigFileTextToJson('tsconfig.json', text);
  const raw = (parsed.config as { compilerOptions?: unknown } | undefined)?.compilerOptions;
  if (!raw) return defaults;
  const { options } = ts.convertCompilerOptionsFromJson(raw, model.root);
  // The audited project's own outDir/paths must never make the compiler touch the disk.
  return { ...defaults, ...options, noEmit: true, allowJs: true, skipLibCheck: true };
}

/**
 * A ts-morph program over every TypeScript/JavaScript file of the tree, built only with `--type-check` for rules that
 * ask for types. It lives in an in-memory file system: nothing outside the files already read is loaded, and
 * `node_modules` types are absent, so types from dependencies resolve to `any`.
 */
export function buildTypeProgram(model: RepoModel): TypeProgram {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: compilerOptions(model), skipLoadingLibFiles: false });
  for (const file of model.ofLanguage('ts')) {
    project.createSourceFile(`/${file.path}`, model.text(file.path) ?? '', { overwrite: true });
  }
  const checker = project.getTypeChecker().compilerObject;
  return {
    checker,
    sourceFile: (path) => project.getSourceFile(`/${path}`)?.compilerNode,
  };
}
