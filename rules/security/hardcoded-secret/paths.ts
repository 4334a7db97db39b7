/** Where a file sits decides how much a secret-shaped value in it is worth. */
export type PathKind = 'skip' | 'test' | 'docs' | 'i18n' | 'source';

/** Lockfiles hold integrity hashes and resolved URLs, never credentials a person typed. */
const lockfile =
  /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.ya?ml|bun\.lockb?|Cargo\.lock|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock|go\.sum|gradle\.lockfile|packages\.lock\.json|flake\.lock|uv\.lock|pdm\.lock|mix\.lock|pubspec\.lock|Podfile\.lock|\.terraform\.lock\.hcl|deno\.lock)$/;
/** Stylesheets, images as text, translations catalogues and generated output carry no credentials worth a look. */
const noSecrets = /\.(?:css|scss|sass|less|styl|svg|map|snap|po|pot|xlf|xliff|lock|sum|min\.js|min\.css|bundle\.js|chunk\.js)$/i;
const test =
  /(?:^|\/)(?:tests?|__tests__|__mocks__|mocks?|specs?|fixtures?|__fixtures__|testdata|test[-_]data|testing|e2e|cypress|playwright|stubs?|__snapshots__|testutils?|test[-_]?helpers?)\/|\.(?:test|spec|e2e|stories|cy|fixture|mock)\.[A-Za-z0-9]+$|(?:^|\/)test_[^/]*\.py$|_test\.(?:py|go|rb|exs?)$|(?:Tests?|Spec)\.(?:cs|java|kt|swift|scala|php)$|(?:^|\/)conftest\.py$/i;
const docs =
  /(?:^|\/)(?:docs?|documentation|website|site|examples?|samples?|demos?|tutorials?|guides?|cookbooks?|quickstarts?|starters?|templates?|boilerplates?|playgrounds?|sandbox(?:es)?)\/|\.(?:md|mdx|rst|adoc|txt)$|(?:^|\/)(?:\.env\.[\w.-]*(?:example|sample|template|tmpl|tpl|dist|defaults?)|[\w.-]*\.(?:example|sample|template|tmpl|tpl|dist))$/i;
const i18n = /(?:^|\/)(?:locales?|i18n|l10n|translations?|lang|langs|languages|messages)\/|\.(?:arb|strings|resx)$/i;

/** For the engine's file selector: every path except lockfiles and the no-secret formats above. */
export const scannedPaths = new RegExp(`^(?!.*(?:${lockfile.source}|${noSecrets.source}))`, 'i');

export function pathKind(path: string): PathKind {
  if (lockfile.test(path) || noSecrets.test(path)) return 'skip';
  if (test.test(path)) return 'test';
  if (i18n.test(path)) return 'i18n';
  if (docs.test(path)) return 'docs';
  return 'source';
}

/** docker-compose files configure local development stacks; their passwords are usually throwaway. */
export function isComposeFile(path: string): boolean {
  return /(?:^|\/)(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/i.test(path);
}
