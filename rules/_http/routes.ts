/**
 * Route extraction shared by the API and security rules. One pass over a file finds the HTTP route registrations of
 * Express, Fastify, Koa (@koa/router), Hono, NestJS and Next.js route handlers, with their method, local path, the
 * middleware / hooks / guards / schemas attached to them, and what their handler reads and checks.
 *
 * A file rule sees one file; prefixes and middleware applied where a router is mounted live in other files. So the
 * result is a serializable {@link HttpFacts} (offsets, names, import specifiers) that rules `emit`, and `link.ts`
 * joins the facts of all files in `summarize` (mount chains, global guards, Nest global prefix, Next.js middleware).
 */
import { ts } from '../../src/audit/parsers/ts.cjs';
import { joinPaths, nextRoutePath } from './paths.js';
import { authCall, authName, authProperty, rateLimitName, sessionLoader, signatureCheckName, validatorName, webhookVerification } from './words.js';

export type Framework = 'express' | 'fastify' | 'koa' | 'hono' | 'nest' | 'next';
export type UnitKind = 'app' | 'router' | 'plugin' | 'controller' | 'file';

export const mutatingMethods: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A read of request input inside a handler. */
export interface InputRead {
  kind: 'body' | 'query' | 'params';
  start: number;
  end: number;
  text: string;
}

/** What a handler function does with the request, from its own body. */
export interface HandlerFacts {
  reads: InputRead[];
  /** Calls a schema or validator (`schema.parse`, `safeParse`, `validate`, `c.req.valid`...). */
  validated: boolean;
  /** Establishes the caller itself: `auth()`, `getServerSession()`, `req.user`, `request.jwtVerify()`... */
  auth: boolean;
  /** Verifies a webhook signature. */
  signature: boolean;
  /** Only answers with a redirect: reads no input and calls nothing but the request, the response and redirect helpers. */
  redirectOnly?: boolean;
}

/** An imported binding: `import x from './a'` is `{ specifier: './a', name: 'default' }`; `x.y` adds `member: 'y'`. */
export interface Ref {
  specifier: string;
  name: string;
  member?: string;
}

export interface UseFact {
  /** Offset of the registration: Express, Koa and Hono middleware apply to what is registered after it. */
  pos: number;
  /** Path scope (`app.use('/admin', guard)`); null for every path. */
  path: string | null;
  /** Fastify hook name for `addHook`. */
  hook?: string;
  auth: boolean;
  validation: boolean;
  rateLimit: boolean;
  /** The argument is imported: it may be a router mounted here rather than middleware (decided when linking). */
  ref?: Ref;
  /** Auth middleware precedes it in the same call (`app.use('/api', requireAuth, api)`): applies if it is a router. */
  guarded?: boolean;
  start: number;
  end: number;
}

export interface UnitFact {
  /** Unique within the file. */
  key: string;
  framework: Framework;
  kind: UnitKind;
  /** The unit's own prefix: Koa `new Router({ prefix })`, Hono `basePath`, Nest `@Controller('x')`, Fastify `autoPrefix`. */
  prefix: string;
  /** Wrapped in fastify-plugin: its hooks apply to the parent scope. */
  fp?: boolean;
  /** Version in the unit itself (Nest `@Controller({ version })`, `@Version` on every route). */
  versioned?: boolean;
  uses: UseFact[];
  start: number;
  end: number;
}

export interface MountFact {
  parent: string;
  pos: number;
  path: string | null;
  target: { unit: string } | { ref: Ref };
  /** Middleware passed with the mount (`app.use('/api', requireAuth, api)`). */
  auth: boolean;
}

export interface NestInput {
  kind: 'body' | 'query';
  start: number;
  end: number;
  /** Typed with a class (a DTO) that a global ValidationPipe can validate. */
  dto: boolean;
  /** A pipe is passed to the decorator itself (`@Body(new ZodValidationPipe(schema))`). */
  piped: boolean;
}

export interface RouteFact {
  framework: Framework;
  /** Upper case; `ALL` for handlers of every method. */
  method: string;
  /** The path as registered, before prefixes; null when it is computed. */
  path: string | null;
  unit: string;
  start: number;
  end: number;
  /** Auth evidence on the route itself: middleware, hooks, guards, an auth wrapper, or checks in the handler. */
  auth: boolean;
  /** Marked public on purpose (`@Public()`, `@AllowAnonymous()`, `@SkipAuth()`). */
  public: boolean;
  /** A schema or validator on the route, or validation in the handler. */
  validated: boolean;
  /** Rate limit configured on the route (`config: { rateLimit }`, `@Throttle()`). */
  rateLimit: boolean;
  /** Inline handler facts; for a handler defined elsewhere see `handlerRef`. */
  handler?: HandlerFacts;
  handlerRef?: { local: string } | { ref: Ref };
  nestInputs?: NestInput[];
  versioned?: boolean;
}

export interface NestFacts {
  globalPrefix?: string;
  versioning: boolean;
  globalGuard: boolean;
  globalPipe: boolean;
  throttlerGuard: boolean;
}

export interface HttpFacts {
  units: UnitFact[];
  routes: RouteFact[];
  mounts: MountFact[];
  /** Export path (`default`, `router`, `default.router`) → unit key. */
  exports: Record<string, string>;
  /** Handler-shaped functions by key (`createUser`, `UsersController.create`) for handlers referenced from routes. */
  functions: Record<string, HandlerFacts>;
  /** Export path (`createUser`, `default.createUser`, `UsersController.create`) → function key. */
  functionExports: Record<string, string>;
  /** `@fastify/autoload` directories (relative to the root) and their prefix. */
  autoload: Array<{ dir: string; prefix: string }>;
  nest?: NestFacts;
  /** Next.js `middleware.ts`: whether it authenticates, and its `matcher` (null: every path). */
  nextMiddleware?: { auth: boolean; matchers: string[] | null };
  /** Frameworks whose central error handler this file installs. */
  errorHandlers: Framework[];
  /** Version negotiation visible in this file (header/media-type versioning, Nest `enableVersioning`, Fastify constraints). */
  versioning: boolean;
}

const routeMethods = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options', 'all']);
const frameworkModules: Array<[RegExp, Framework]> = [
  [/^(?:express|express-serve-static-core|@types\/express)$/, 'express'],
  [/^(?:fastify|fastify-plugin|@fastify\/type-provider-\w+|fastify-type-provider-zod)$/, 'fastify'],
  [/^(?:koa|@koa\/router|koa-router)$/, 'koa'],
  [/^(?:hono|hono\/.*|@hono\/zod-openapi)$/, 'hono'],
  [/^@nestjs\/(?:common|core)$/, 'nest'],
  [/^next(?:\/server)?$/, 'next'],
];
/** Methods that return the instance they are called on: `new Hono().use(mw).get(...)`. */
const chainMethods = new Set(['use', 'route', 'on', 'onError', 'notFound']);
/** Calls on a unit besides routes that `onCall` records. */
const registrationMethods = new Set(['route', 'use', 'register', 'addHook', 'on', 'setErrorHandler', 'onError', 'prefix', 'useGlobalGuards', 'useGlobalPipes', 'useGlobalFilters', 'setGlobalPrefix', 'enableVersioning']);
const fastifyHooks = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler']);
const typeFramework: Record<string, Framework> = Object.assign(Object.create(null) as Record<string, Framework>, {
  FastifyInstance: 'fastify', FastifyPluginAsync: 'fastify', FastifyPluginCallback: 'fastify', FastifyPluginAsyncTypebox: 'fastify',
  FastifyPluginAsyncZod: 'fastify', FastifyPluginAsyncJsonSchemaToTs: 'fastify', FastifyPluginCallbackTypebox: 'fastify', FastifyPluginCallbackZod: 'fastify',
  FastifyPluginCallbackJsonSchemaToTs: 'fastify', FastifyZodInstance: 'fastify', FastifyPluginOptions: 'fastify', FastifyTypebox: 'fastify',
  Express: 'express', Application: 'express', Router: 'express', IRouter: 'express',
  Hono: 'hono', OpenAPIHono: 'hono', Koa: 'koa', KoaRouter: 'koa',
});
const paramUnitNames = /^(?:fastify|app|server|instance|router|routes|api|fastifyInstance|application)$/;
const publicDecorators = /^(?:Public|IsPublic|AllowAnonymous|Anonymous|SkipAuth|NoAuth|Unprotected|Unauthenticated|PublicRoute|PublicEndpoint|OptionalAuth|BypassAuth|SkipJwt|AllowUnauthorized)$/;
const nestHttp: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, { Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', All: 'ALL', Head: 'HEAD', Options: 'OPTIONS' });
const nextMethods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const nonValidatorReceivers = /^(?:JSON|qs|querystring|url|URL|path|cookie|cookies|Date|Number|semver|yaml|YAML|csv|Papa|papa|marked|dayjs|moment|chrono|toml|ini|xml2js|parser|parse5|htmlparser2|mime|contentType|bytes|ms|shlex|acorn|babel|esprima|jsonc|JSON5|json5|dotenv|phone|libphonenumber|PhoneNumber)$/;

/** Test and tooling files are not served routes. */
export const nonServedPath =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|cypress|playwright|fixtures?|__fixtures__|mocks?|stubs?|examples?|samples?|docs?|benchmarks?|scripts?|seeds?|migrations?)\/|\.(?:test|spec|e2e|e2e-spec|stories|story|cy|bench|d)\.[cm]?[jt]sx?$/;

type WrapperExpression = ts.ParenthesizedExpression | ts.AsExpression | ts.NonNullExpression | ts.AwaitExpression | ts.TypeAssertion | ts.SatisfiesExpression;

// By kind: `unwrap` runs on nearly every expression looked at, and each `ts.isX` is a lookup on the compiler's namespace.
const wrapperKinds: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.ParenthesizedExpression,
  ts.SyntaxKind.AsExpression,
  ts.SyntaxKind.NonNullExpression,
  ts.SyntaxKind.AwaitExpression,
  ts.SyntaxKind.TypeAssertionExpression,
  ts.SyntaxKind.SatisfiesExpression,
]);

/** The expression inside parentheses, `as`, `!`, `await`, `<T>x` and `satisfies`. */
function unwrap(node: ts.Expression): ts.Expression {
  let e = node;
  while (wrapperKinds.has(e.kind)) e = (e as WrapperExpression).expression;
  return e;
}

export function propertyName(name: ts.PropertyName | ts.MemberName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

// Read once: `ts.SyntaxKind.X` is a property lookup on the compiler's namespace at every node otherwise.
const Kind = {
  arrow: ts.SyntaxKind.ArrowFunction,
  functionExpression: ts.SyntaxKind.FunctionExpression,
  functionDeclaration: ts.SyntaxKind.FunctionDeclaration,
  method: ts.SyntaxKind.MethodDeclaration,
  call: ts.SyntaxKind.CallExpression,
  classDeclaration: ts.SyntaxKind.ClassDeclaration,
  variableDeclaration: ts.SyntaxKind.VariableDeclaration,
  firstType: ts.SyntaxKind.FirstTypeNode,
  lastType: ts.SyntaxKind.LastTypeNode,
  interfaceDeclaration: ts.SyntaxKind.InterfaceDeclaration,
  typeAlias: ts.SyntaxKind.TypeAliasDeclaration,
} as const;

export function isFunctionLike(node: ts.Node): node is ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration | ts.MethodDeclaration {
  const k = node.kind;
  return k === Kind.arrow || k === Kind.functionExpression || k === Kind.functionDeclaration || k === Kind.method;
}

// Read once, like `Kind`: the walk calls it at every node.
const { forEachChild } = ts;

/**
 * Iterative pre-order walk: deeply nested code must not overflow the stack. The stack is indexed by hand: popping
 * and truncating JS arrays shrinks and regrows their storage at every node, which cost as much as the walk itself.
 * `skipTypes` leaves out type annotations, interfaces and type aliases, which hold no calls, functions or values.
 */
export function forEachDescendant(root: ts.Node, visit: (node: ts.Node) => boolean | void, skipTypes = false): void {
  const stack: ts.Node[] = [root];
  let top = 1;
  const children: ts.Node[] = [];
  let count = 0;
  const collect = (child: ts.Node): void => {
    children[count++] = child;
  };
  while (top > 0) {
    const node = stack[--top]!;
    if (node !== root) {
      if (skipTypes && typeOnly(node.kind)) continue;
      if (visit(node) === false) continue;
    }
    count = 0;
    forEachChild(node, collect);
    for (let i = count - 1; i >= 0; i--) stack[top++] = children[i]!;
  }
}

function typeOnly(kind: ts.SyntaxKind): boolean {
  return (
    (kind >= Kind.firstType && kind <= Kind.lastType) ||
    kind === Kind.interfaceDeclaration ||
    kind === Kind.typeAlias
  );
}

function objectProperty(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && propertyName(p.name) === name) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === name) return p.name;
    if (ts.isMethodDeclaration(p) && propertyName(p.name) === name) return undefined;
  }
  return undefined;
}

function decoratorsOf(node: ts.Node): ts.Decorator[] {
  return ts.canHaveDecorators(node) ? [...(ts.getDecorators(node) ?? [])] : [];
}

function decoratorName(decorator: ts.Decorator): string {
  const e = decorator.expression;
  const callee = ts.isCallExpression(e) ? e.expression : e;
  return ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText();
}

function decoratorArgs(decorator: ts.Decorator): readonly ts.Expression[] {
  return ts.isCallExpression(decorator.expression) ? decorator.expression.arguments : [];
}

interface Analysis {
  source: ts.SourceFile;
  path: string;
  imports: Map<string, Ref>;
  fileFrameworks: Set<Framework>;
  /** Constant strings declared at module level (`const PREFIX = '/v1'`). */
  constants: Map<string, string>;
  facts: HttpFacts;
  /** Scope container → name → unit key. */
  bindings: Map<ts.Node, Map<string, string>>;
  /** Creation expression / plugin function → unit key. */
  unitNodes: Map<ts.Node, string>;
  units: Map<string, UnitFact>;
  /** Local functions that return a router: name → unit key. */
  factories: Map<string, string>;
  /** Local handler functions by name (or Class.method) → node. */
  localFunctions: Map<string, ts.Node>;
  /**
   * Facts of local handler functions, computed when first asked for: most handler-shaped functions are neither
   * exported nor used by a route here, and their facts would be dropped unread.
   */
  handlerFacts: Map<string, HandlerFacts>;
  /** Module-level functions by name, indexed on first use (see `findFunctionDeclaration`). */
  moduleFunctions?: Map<string, ts.FunctionLikeDeclaration>;
  /** Local variables holding `new SomeController()` → class name. */
  instances: Map<string, string>;
  /** `const r = app.withTypeProvider<T>()`, `const api = app`: bound once plugin parameters are known. */
  aliases: ts.VariableDeclaration[];
  /** Variables by name (`const preHandler = [app.authenticate]`), for middleware passed by name. */
  variables: Map<string, ts.VariableDeclaration[]>;
}

const cache = new WeakMap<ts.SourceFile, HttpFacts>();

/** The HTTP facts of one parsed file; computed once per file whichever rules ask. */
export function httpFacts(source: ts.SourceFile, path: string): HttpFacts {
  let facts = cache.get(source);
  if (!facts) {
    facts = analyze(source, path);
    cache.set(source, facts);
  }
  return facts;
}

/** True when the file registers any route or mounts anything, i.e. its facts are worth emitting. */
export function hasHttp(facts: HttpFacts): boolean {
  return (
    facts.routes.length > 0 ||
    facts.mounts.length > 0 ||
    facts.units.some((u) => u.uses.length > 0 || u.kind === 'app') ||
    facts.autoload.length > 0 ||
    facts.nest !== undefined ||
    facts.nextMiddleware !== undefined ||
    facts.errorHandlers.length > 0 ||
    facts.versioning ||
    Object.keys(facts.functionExports).length > 0
  );
}

function emptyFacts(): HttpFacts {
  return { units: [], routes: [], mounts: [], exports: {}, functions: {}, functionExports: {}, autoload: [], errorHandlers: [], versioning: false };
}

function analyze(source: ts.SourceFile, path: string): HttpFacts {
  const a: Analysis = {
    source,
    path,
    imports: new Map(),
    fileFrameworks: new Set(),
    constants: new Map(),
    facts: emptyFacts(),
    bindings: new Map(),
    unitNodes: new Map(),
    units: new Map(),
    factories: new Map(),
    localFunctions: new Map(),
    handlerFacts: new Map(),
    instances: new Map(),
    aliases: [],
    variables: new Map(),
  };
  const text = source.text;
  if (/^\s*['"]use client['"]/.test(text)) return a.facts;
  collectImports(a);
  const calls: ts.CallExpression[] = [];
  const functions: ts.Node[] = [];
  const classes: ts.ClassDeclaration[] = [];
  forEachDescendant(
    source,
    (node) => {
      const k = node.kind;
      if (k === Kind.call) calls.push(node as ts.CallExpression);
      else if (isFunctionLike(node)) functions.push(node);
      else if (k === Kind.classDeclaration) classes.push(node as ts.ClassDeclaration);
      else if (k === Kind.variableDeclaration) declareVariable(a, node as ts.VariableDeclaration);
    },
    true,
  );
  for (const fn of functions) declarePluginFunction(a, fn);
  for (const d of a.aliases) declareAlias(a, d);
  collectFactories(a, functions);
  collectLocalFunctions(a, functions, classes);
  for (const call of calls) onCall(a, call);
  for (const cls of classes) onNestController(a, cls);
  collectExports(a);
  onNext(a);
  onTextFacts(a);
  a.facts.units = [...a.units.values()];
  return a.facts;
}

// ---------------------------------------------------------------------------------------------------------------
// Imports and constants

function collectImports(a: Analysis): void {
  const addModule = (specifier: string): void => {
    for (const [re, fw] of frameworkModules) if (re.test(specifier)) a.fileFrameworks.add(fw);
  };
  for (const statement of a.source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      addModule(specifier);
      const clause = statement.importClause;
      if (!clause) continue;
      if (clause.name) a.imports.set(clause.name.text, { specifier, name: 'default' });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) a.imports.set(bindings.name.text, { specifier, name: '*' });
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) a.imports.set(el.name.text, { specifier, name: (el.propertyName ?? el.name).text });
      }
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference) && ts.isStringLiteral(statement.moduleReference.expression)) {
      addModule(statement.moduleReference.expression.text);
      a.imports.set(statement.name.text, { specifier: statement.moduleReference.expression.text, name: 'default' });
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        const init = d.initializer ? unwrap(d.initializer) : undefined;
        if (!init) continue;
        const req = requireOf(init);
        if (req) {
          addModule(req.specifier);
          if (ts.isIdentifier(d.name)) a.imports.set(d.name.text, req);
          else if (ts.isObjectBindingPattern(d.name)) {
            for (const el of d.name.elements) {
              if (ts.isIdentifier(el.name)) a.imports.set(el.name.text, { specifier: req.specifier, name: el.propertyName ? (propertyName(el.propertyName) ?? el.name.text) : el.name.text });
            }
          }
        } else if (ts.isIdentifier(d.name) && d.initializer && (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init))) {
          a.constants.set(d.name.text, init.text);
        }
      }
    }
  }
}

/** `require('m')`, `require('m').x`, `require('m').default`. */
function requireOf(node: ts.Expression): Ref | undefined {
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.length === 1) {
    const arg = node.arguments[0]!;
    if (ts.isStringLiteralLike(arg)) return { specifier: arg.text, name: 'default' };
  }
  if (ts.isPropertyAccessExpression(node)) {
    const inner = requireOf(node.expression);
    if (inner && inner.name === 'default') return { specifier: inner.specifier, name: node.name.text };
  }
  return undefined;
}

function importFrom(a: Analysis, name: string, module: RegExp): Ref | undefined {
  const ref = a.imports.get(name);
  return ref && module.test(ref.specifier) ? ref : undefined;
}

/** A string-valued expression: literals, module constants, templates whose parts are constants. */
export function stringValue(node: ts.Expression | undefined, constants?: ReadonlyMap<string, string>): string | undefined {
  if (!node) return undefined;
  const e = unwrap(node);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isIdentifier(e)) return constants?.get(e.text);
  if (ts.isTemplateExpression(e)) {
    let out = e.head.text;
    for (const span of e.templateSpans) {
      const v = stringValue(span.expression, constants);
      if (v === undefined) return undefined;
      out += v + span.literal.text;
    }
    return out;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = stringValue(e.left, constants);
    const r = stringValue(e.right, constants);
    return l !== undefined && r !== undefined ? l + r : undefined;
  }
  return undefined;
}

function pathArgument(a: Analysis, node: ts.Expression | undefined): string | null | undefined {
  if (!node) return undefined;
  const e = unwrap(node);
  if (ts.isArrayLiteralExpression(e)) {
    const first = e.elements[0];
    return first ? (stringValue(first, a.constants) ?? null) : undefined;
  }
  const v = stringValue(e, a.constants);
  if (v !== undefined) return v;
  if (ts.isRegularExpressionLiteral(e)) return null;
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isTemplateExpression(e) || ts.isElementAccessExpression(e)) return null;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Units: apps, routers, plugin scopes

function addUnit(a: Analysis, key: string, framework: Framework, kind: UnitKind, node: ts.Node, prefix = ''): UnitFact {
  let unit = a.units.get(key);
  if (!unit) {
    unit = { key, framework, kind, prefix, uses: [], start: node.getStart(a.source), end: node.getEnd() };
    a.units.set(key, unit);
  }
  return unit;
}

function containerOf(node: ts.Node): ts.Node {
  let n: ts.Node | undefined = node.parent;
  while (n && !isFunctionLike(n) && !ts.isSourceFile(n)) n = n.parent;
  return n ?? node.getSourceFile();
}

function bind(a: Analysis, container: ts.Node, name: string, key: string): void {
  let map = a.bindings.get(container);
  if (!map) a.bindings.set(container, (map = new Map()));
  map.set(name, key);
}

function lookup(a: Analysis, at: ts.Node, name: string): string | undefined {
  // Most files bind no unit at all: no need to climb the tree.
  if (a.bindings.size === 0) return undefined;
  let n: ts.Node | undefined = at;
  while (n) {
    if (isFunctionLike(n) || ts.isSourceFile(n)) {
      const key = a.bindings.get(n)?.get(name);
      if (key) return key;
    }
    n = n.parent;
  }
  return undefined;
}

interface Creation {
  framework: Framework;
  kind: UnitKind;
  prefix: string;
  /** The node that creates the unit (the root of a chain). */
  node: ts.Node;
}

/** `express()`, `express.Router()`, `Router()`, `fastify()`, `new Koa()`, `new Router({ prefix })`, `new Hono().basePath('/api')`... */
function creationOf(a: Analysis, expr: ts.Expression): Creation | undefined {
  const e = unwrap(expr);
  if (ts.isCallExpression(e)) {
    const callee = unwrap(e.expression);
    if (ts.isIdentifier(callee)) {
      const name = callee.text;
      if (importFrom(a, name, /^express$/) && /^(?:default|\*)$/.test(a.imports.get(name)!.name)) return { framework: 'express', kind: 'app', prefix: '', node: e };
      if (importFrom(a, name, /^express$/) && a.imports.get(name)!.name === 'Router') return { framework: 'express', kind: 'router', prefix: '', node: e };
      if (importFrom(a, name, /^fastify$/)) return { framework: 'fastify', kind: 'app', prefix: '', node: e };
    }
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      const base = unwrap(callee.expression);
      // express.Router(), require('express').Router()
      if (method === 'Router' && ((ts.isIdentifier(base) && importFrom(a, base.text, /^express$/)) || requireOf(base)?.specifier === 'express')) {
        return { framework: 'express', kind: 'router', prefix: '', node: e };
      }
      if (method === 'create' && ts.isIdentifier(base) && base.text === 'NestFactory') return { framework: 'nest', kind: 'app', prefix: '', node: e };
      // Chains that return the same (or a prefixed) instance: new Hono().basePath('/api'), fastify().withTypeProvider<T>()
      if (method === 'basePath' || method === 'withTypeProvider' || method === 'prefix') {
        const inner = creationOf(a, base);
        if (inner) {
          const p = method === 'withTypeProvider' ? '' : (stringValue(e.arguments[0], a.constants) ?? '');
          return { ...inner, prefix: joinPaths(inner.prefix, p) === '/' ? '' : joinPaths(inner.prefix, p) };
        }
      }
    }
    const req = requireOf(callee);
    if (req?.specifier === 'express' && req.name === 'default') return { framework: 'express', kind: 'app', prefix: '', node: e };
    if (req?.specifier === 'fastify') return { framework: 'fastify', kind: 'app', prefix: '', node: e };
    if (req?.specifier === 'express' && req.name === 'Router') return { framework: 'express', kind: 'router', prefix: '', node: e };
  }
  if (ts.isNewExpression(e)) {
    const callee = unwrap(e.expression);
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    const req = requireOf(callee);
    const spec = (name && a.imports.get(name)?.specifier) ?? req?.specifier;
    if (spec === undefined) return undefined;
    if (/^koa$/.test(spec)) return { framework: 'koa', kind: 'app', prefix: '', node: e };
    if (/^(?:@koa\/router|koa-router)$/.test(spec)) {
      const opts = e.arguments?.[0];
      const prefix = opts && ts.isObjectLiteralExpression(opts) ? (stringValue(objectProperty(opts, 'prefix'), a.constants) ?? '') : '';
      return { framework: 'koa', kind: 'router', prefix, node: e };
    }
    if (/^(?:hono|hono\/.*|@hono\/zod-openapi)$/.test(spec) && (name === 'Hono' || name === 'OpenAPIHono' || req !== undefined)) {
      return { framework: 'hono', kind: 'router', prefix: '', node: e };
    }
    if (spec === 'express' && name === 'Router') return { framework: 'express', kind: 'router', prefix: '', node: e };
  }
  // new Hono().get(...).post(...): the chain's root creates the unit.
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && (routeMethods.has(e.expression.name.text) || chainMethods.has(e.expression.name.text))) {
    return creationOf(a, e.expression.expression);
  }
  return undefined;
}

function declareVariable(a: Analysis, d: ts.VariableDeclaration): void {
  if (!d.initializer || !ts.isIdentifier(d.name)) return;
  const created = creationOf(a, d.initializer);
  if (created) {
    const key = `v:${d.name.text}@${d.getStart(a.source)}`;
    addUnit(a, key, created.framework, created.kind, d, created.prefix);
    bind(a, containerOf(d), d.name.text, key);
    a.unitNodes.set(created.node, key);
    return;
  }
  const init = unwrap(d.initializer);
  const list = a.variables.get(d.name.text);
  if (list) list.push(d);
  else a.variables.set(d.name.text, [d]);
  // const users = new UsersController(): handlers referenced as users.create
  if (ts.isNewExpression(init) && ts.isIdentifier(init.expression)) a.instances.set(d.name.text, init.expression.text);
  // `const api = app`, `const r = app.withTypeProvider<T>()`: the plugin parameter they name is declared after the walk.
  if (aliasOf(init)) a.aliases.push(d);
}

/** The unit an alias initializer names: an identifier, or a chain that returns the same instance (`withTypeProvider`). */
function aliasOf(init: ts.Expression): ts.Identifier | undefined {
  let e = unwrap(init);
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'withTypeProvider') e = unwrap(e.expression.expression);
  return ts.isIdentifier(e) ? e : undefined;
}

function declareAlias(a: Analysis, d: ts.VariableDeclaration): void {
  const base = d.initializer ? aliasOf(d.initializer) : undefined;
  const target = base ? lookup(a, base, base.text) : undefined;
  if (target && ts.isIdentifier(d.name)) bind(a, containerOf(d), d.name.text, target);
}

/** The initializer of the variable `name` visible at `at` (the nearest enclosing scope that declares it). */
function variableValue(a: Analysis, at: ts.Node, name: string): ts.Expression | undefined {
  const candidates = a.variables.get(name);
  if (!candidates) return undefined;
  let best: ts.VariableDeclaration | undefined;
  let bestDepth = -1;
  for (const d of candidates) {
    const scope = containerOf(d);
    let depth = 0;
    let n: ts.Node | undefined = at;
    while (n && n !== scope) {
      n = n.parent;
      depth++;
    }
    if (n === scope && (bestDepth === -1 || depth < bestDepth)) {
      best = d;
      bestDepth = depth;
    }
  }
  return best?.initializer;
}

function typeName(type: ts.TypeNode | undefined): string | undefined {
  if (!type) return undefined;
  if (ts.isTypeReferenceNode(type)) return ts.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
  return undefined;
}

/** Functions whose first parameter is an app, router or Fastify instance: Fastify plugins, `(app) => { app.get(...) }`. */
function declarePluginFunction(a: Analysis, fn: ts.Node): void {
  if (!isFunctionLike(fn)) return;
  const first = fn.parameters[0];
  if (!first || !ts.isIdentifier(first.name)) return;
  const name = first.name.text;
  const typed = typeName(first.type);
  let framework: Framework | undefined = typed ? typeFramework[typed] : undefined;
  let fp = false;
  // const plugin: FastifyPluginAsync = async (fastify) => {...}
  const holder = fn.parent;
  if (!framework && ts.isVariableDeclaration(holder)) {
    const t = typeName(holder.type);
    if (t && typeFramework[t] === 'fastify') framework = 'fastify';
  }
  // fp(async (app) => ...), fastifyPlugin(...)
  if (ts.isCallExpression(holder) && holder.arguments[0] === fn) {
    const callee = holder.expression;
    if (ts.isIdentifier(callee) && (importFrom(a, callee.text, /^fastify-plugin$/) || /^(?:fp|fastifyPlugin)$/.test(callee.text))) {
      framework = 'fastify';
      fp = true;
    }
    // `app.register(async (f: MyInstance) => {...}, { prefix })`: whatever its type is called, the function is a plugin scope.
    if (!framework && ts.isPropertyAccessExpression(callee) && callee.name.text === 'register' && a.fileFrameworks.has('fastify')) framework = 'fastify';
  }
  if (!framework) {
    if (!paramUnitNames.test(name)) return;
    if (name === 'fastify' || name === 'fastifyInstance') framework = 'fastify';
    else if (fn.parameters.length > 3) return;
    else if (a.fileFrameworks.has('fastify')) framework = 'fastify';
    else if (a.fileFrameworks.has('express')) framework = 'express';
    else if (a.fileFrameworks.has('koa')) framework = 'koa';
    else if (a.fileFrameworks.has('hono')) framework = 'hono';
    else if (moduleLevelPlugin(fn)) framework = 'express';
    else return;
  }
  const key = `p:${fn.getStart(a.source)}`;
  const unit = addUnit(a, key, framework, 'plugin', fn);
  if (fp) unit.fp = true;
  bind(a, fn, name, key);
  a.unitNodes.set(fn, key);
}

/** `module.exports = function (app) {...}`, `export default (app) => {...}`, `export function routes(app) {...}`. */
function moduleLevelPlugin(fn: ts.Node): boolean {
  const p = fn.parent;
  if (ts.isFunctionDeclaration(fn)) return (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Export) !== 0;
  if (ts.isExportAssignment(p)) return true;
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && /^(?:module\.)?exports\b/.test(p.left.getText())) return true;
  if (ts.isVariableDeclaration(p)) {
    const statement = p.parent.parent;
    return ts.isVariableStatement(statement) && (ts.getCombinedModifierFlags(p) & ts.ModifierFlags.Export) !== 0;
  }
  return false;
}

/** Functions that build and return a router: `export function usersRouter() { const r = Router(); ...; return r; }`. */
function collectFactories(a: Analysis, functions: readonly ts.Node[]): void {
  // A factory returns a unit bound or created here: without any, no function in the file is one.
  if (a.bindings.size === 0 && a.unitNodes.size === 0) return;
  for (const fn of functions) {
    if (!isFunctionLike(fn) || !fn.body) continue;
    const name = functionName(fn);
    if (!name) continue;
    let returned: string | undefined;
    if (!ts.isBlock(fn.body)) {
      const e = unwrap(fn.body);
      returned = ts.isIdentifier(e) ? lookup(a, e, e.text) : a.unitNodes.get(creationOf(a, e)?.node ?? e);
    } else {
      forEachDescendant(fn.body, (node) => {
        if (isFunctionLike(node)) return false;
        if (ts.isReturnStatement(node) && node.expression) {
          const e = unwrap(node.expression);
          if (ts.isIdentifier(e)) returned ??= lookup(a, e, e.text);
        }
        return undefined;
      });
    }
    if (returned) a.factories.set(name, returned);
  }
}

function functionName(fn: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name) return fn.name.text;
  let p = fn.parent;
  // const createUser = catchAsync(async (req, res) => {...})
  while (p && ts.isCallExpression(p)) p = p.parent;
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (p && ts.isPropertyAssignment(p)) return propertyName(p.name);
  if (p && ts.isBinaryExpression(p) && ts.isPropertyAccessExpression(p.left) && /^(?:module\.)?exports$/.test(p.left.expression.getText())) return p.left.name.text;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Handler analysis

const handlerParams = /^(?:req|request|ctx|context|c|_req|_request)$/;

/** Looks like a request handler: a function whose first parameter is the request (or a destructured request). */
export function handlerShaped(fn: ts.Node): boolean {
  if (!isFunctionLike(fn)) return false;
  const first = fn.parameters[0];
  if (!first) return false;
  if (ts.isObjectBindingPattern(first.name)) return first.name.elements.some((e) => /^(?:body|query|params|request|req)$/.test(propertyName(e.propertyName ?? (e.name as ts.Identifier)) ?? ''));
  if (!ts.isIdentifier(first.name)) return false;
  const t = typeName(first.type);
  return handlerParams.test(first.name.text) || (t !== undefined && /Request|Context$|^Ctx$/.test(t));
}

function calleeText(call: ts.CallExpression): string {
  const e = call.expression;
  return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.getText() : '';
}

function lastName(call: ts.CallExpression): string {
  const e = call.expression;
  return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
}

function receiverName(call: ts.CallExpression): string {
  const e = call.expression;
  if (!ts.isPropertyAccessExpression(e)) return '';
  const base = e.expression;
  return ts.isIdentifier(base) ? base.text : ts.isPropertyAccessExpression(base) ? base.name.text : '';
}

/** `schema.parse(x)`, `UserSchema.safeParse(body)`, `validate(body)`, `await schema.validateAsync(x)`, `v.parse(S, x)`. */
export function validationCall(call: ts.CallExpression): boolean {
  const name = lastName(call);
  const receiver = receiverName(call);
  if (nonValidatorReceivers.test(receiver)) return false;
  if (/^(?:parse|parseAsync)$/.test(name)) return ts.isPropertyAccessExpression(call.expression) && call.arguments.length > 0;
  if (/^(?:safeParse|safeParseAsync|validate|validateSync|validateAsync|validateOrReject|validateBody|validateInput|validateRequest|validateQuery|validateParams|assert|assertEquals|assertGuard|is|check|Check|Decode|cast|matchedData|validationResult|parseWithSchema|superValidate|parseBody|parseQuery|parseInput|parseRequest|validateData|validateSchema|validateWith)$/.test(name)) {
    return !/^(?:is|check|assert|Check)$/.test(name) || /schema|validator|typia|ow|Value|joi|zod|yup|v$|^z$|^t$/i.test(receiver) || receiver === '';
  }
  return /^(?:validate|parse)\w*(?:Body|Input|Payload|Request|Query|Params|Dto|Schema)$/.test(name) || /^(?:zodParse|yupValidate|ajvValidate)$/.test(name);
}

/** The request parameter names of a handler: `req`, `request`, `ctx`, `c`. */
function requestNames(fn: ts.Node): { req?: string; destructured: Map<string, 'body' | 'query' | 'params'>; first?: ts.ParameterDeclaration } {
  const destructured = new Map<string, 'body' | 'query' | 'params'>();
  if (!isFunctionLike(fn)) return { destructured };
  const first = fn.parameters[0];
  if (!first) return { destructured };
  if (ts.isIdentifier(first.name)) return { req: first.name.text, destructured, first };
  return { destructured, first };
}

// A null prototype: property names such as `toString` or `constructor` must not find Object.prototype's members.
const inputKinds: Record<string, 'body' | 'query' | 'params'> = Object.assign(Object.create(null) as Record<string, 'body' | 'query' | 'params'>, { body: 'body', query: 'query', params: 'params', querystring: 'query', searchParams: 'query' });

/** What a handler reads and checks, from its body (nested functions included: callbacks run on the same request). */
export function analyzeHandler(fn: ts.Node, source: ts.SourceFile): HandlerFacts {
  const facts: HandlerFacts = { reads: [], validated: false, auth: false, signature: false };
  if (!isFunctionLike(fn) || !fn.body) return facts;
  const { req, first } = requestNames(fn);
  const text = fn.body.getText(source);
  facts.auth = authProperty.test(text);
  facts.signature = webhookVerification.test(text);
  const read = (kind: 'body' | 'query' | 'params', node: ts.Node): void => {
    facts.reads.push({ kind, start: node.getStart(source), end: node.getEnd(), text: node.getText(source).slice(0, 80) });
  };
  // ({ body, query }, res) => ...
  if (first && ts.isObjectBindingPattern(first.name)) {
    for (const el of first.name.elements) {
      const key = propertyName(el.propertyName ?? (el.name as ts.Identifier));
      if (key && inputKinds[key] && key !== 'searchParams') read(inputKinds[key]!, el);
    }
  }
  const visit = (node: ts.Node): boolean | undefined => {
    // `if (!userId) return c.json({ error: 'Unauthorized' }, 401)`: the handler refuses callers it cannot identify.
    if (ts.isIfStatement(node) && refusesCaller(node.thenStatement, source)) facts.auth = true;
    if (ts.isCallExpression(node)) {
      const callee = calleeText(node);
      const name = lastName(node);
      if (validationCall(node)) facts.validated = true;
      if (authCall.test(name) || (ts.isPropertyAccessExpression(node.expression) && /auth/i.test(node.expression.expression.getText(source)) && (/^(?:getUser|getSession|getClaims|protect|verify\w*)$/.test(name) || authName(name)))) {
        facts.auth = true;
      }
      if (!facts.auth && authName(name) && handsOverCaller(node, req)) facts.auth = true;
      if (req) {
        // Next.js: await req.json() / req.formData() / req.text(); Hono: c.req.json() / c.req.query() / c.req.param()
        const e = node.expression;
        if (ts.isPropertyAccessExpression(e)) {
          const target = e.expression.getText(source);
          // Reading the body takes no argument; Hono's `c.json(data)` / `c.text('ok')` with one is the response.
          if ((target === req || target === `${req}.req` || target === `${req}.request`) && /^(?:json|formData|text|parseBody|blob|arrayBuffer)$/.test(name) && (target !== req || node.arguments.length === 0)) read('body', node);
          else if (target === `${req}.req` && /^(?:query|queries)$/.test(name)) read('query', node);
          else if (target === `${req}.req` && name === 'param') read('params', node);
          else if (target === `${req}.req` && name === 'valid') facts.validated = true;
        }
      }
      if (/^(?:verifyWebhook|constructEvent)$/.test(callee)) facts.signature = true;
      return undefined;
    }
    if (ts.isPropertyAccessExpression(node) && req) {
      const base = node.expression;
      const key = node.name.text;
      const kind = inputKinds[key];
      if (!kind) return undefined;
      const baseText = ts.isIdentifier(base) ? base.text : ts.isPropertyAccessExpression(base) ? base.getText(source) : '';
      // req.body, request.query, ctx.request.body, ctx.query, req.nextUrl.searchParams
      if (baseText === req || baseText === `${req}.request` || baseText === `${req}.nextUrl` || baseText === `${req}.req`) {
        if (key === 'searchParams' && baseText !== `${req}.nextUrl`) return undefined;
        // Writes (`req.body = ...`) and existence checks are not reads of client input.
        const parent = node.parent;
        if (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return undefined;
        read(kind, node);
        return false;
      }
      return undefined;
    }
    if (ts.isVariableDeclaration(node) && req && ts.isObjectBindingPattern(node.name) && node.initializer && unwrap(node.initializer).getText(source) === req) {
      // const { body, query } = req
      for (const el of node.name.elements) {
        const key = propertyName(el.propertyName ?? (el.name as ts.Identifier));
        if (key && inputKinds[key] && key !== 'searchParams') read(inputKinds[key]!, el);
      }
    }
    return undefined;
  };
  // A concise arrow body is itself the first expression to look at: `(request) => authenticatedClient({ request, handler })`.
  if (ts.isBlock(fn.body) || visit(fn.body) !== false) forEachDescendant(fn.body, visit);
  if (facts.reads.length === 0 && redirectOnly(fn)) facts.redirectOnly = true;
  return facts;
}

/**
 * `res.redirect(307, '/settings')`, `return c.redirect('/')`, `redirect('/login')`: a handler that sends the caller
 * elsewhere and calls nothing else (no service, no database, no queue) changes no state and hands out no data.
 */
function redirectOnly(fn: ts.FunctionLikeDeclaration): boolean {
  if (!fn.body) return false;
  const params = new Set(fn.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
  let redirects = false;
  let other = false;
  const visit = (node: ts.Node): false | undefined => {
    if (other) return false;
    if (!ts.isCallExpression(node)) return undefined;
    const name = lastName(node);
    if (name === 'redirect' || name === 'permanentRedirect') {
      redirects = true;
      return undefined;
    }
    // Calls on the request or the response (`res.status(405).end()`, `res.setHeader(...)`, `c.req.header('x')`).
    let base: ts.Expression = node.expression;
    while (ts.isPropertyAccessExpression(base) || ts.isCallExpression(base) || ts.isElementAccessExpression(base)) base = base.expression;
    if (ts.isIdentifier(base) && params.has(base.text) && !/^(?:json|formData|text|parseBody|blob|arrayBuffer)$/.test(name)) return undefined;
    other = true;
    return false;
  };
  // An expression body (`(req, reply) => reply.redirect('/')`) is a node of its own, not one of its descendants.
  if (visit(fn.body) !== false) forEachDescendant(fn.body, visit);
  return redirects && !other;
}

const callerValues = /^(?:req|request|authentication|auth|session|user|currentUser|principal)$/;

/**
 * `handleAuthenticatedRequest(request, next)`, `fetchAndAuthorizeTeam(id, authentication)`,
 * `authenticatedClient({ request, handler })`: a call named after authentication that is handed the request or the
 * caller's identity checks that caller; the same name given only data (`updateRole(body.role)`) is not a check.
 */
function handsOverCaller(call: ts.CallExpression, req: string | undefined): boolean {
  const caller = (e: ts.Expression): boolean => ts.isIdentifier(e) && (e.text === req || callerValues.test(e.text));
  return call.arguments.some((arg) => {
    const e = unwrap(arg);
    if (caller(e)) return true;
    return ts.isObjectLiteralExpression(e) && e.properties.some((p) => (ts.isShorthandPropertyAssignment(p) ? caller(p.name) : ts.isPropertyAssignment(p) && caller(unwrap(p.initializer))));
  });
}

/** A branch that ends the request with 401 (a response or a thrown error saying Unauthorized). */
function refusesCaller(branch: ts.Statement, source: ts.SourceFile): boolean {
  const exits = (s: ts.Node): boolean => ts.isReturnStatement(s) || ts.isThrowStatement(s);
  const statements = ts.isBlock(branch) ? branch.statements : [branch];
  const last = statements[statements.length - 1];
  if (!last || !exits(last)) return false;
  return /\b401\b|\bUnauthori[sz]ed\b|\bUNAUTHORI[SZ]ED\b|\bunauthori[sz]ed\s*\(|\b(?:not|un)Authenticated|\b(?:NOT_|UN)AUTHENTICATED\b/.test(statements.map((x) => x.getText(source)).join('\n'));
}

function mergeFacts(into: HandlerFacts, other: HandlerFacts): void {
  into.reads.push(...other.reads);
  into.validated ||= other.validated;
  into.auth ||= other.auth;
  into.signature ||= other.signature;
  if (!other.redirectOnly) delete into.redirectOnly;
}

function collectLocalFunctions(a: Analysis, functions: readonly ts.Node[], classes: readonly ts.ClassDeclaration[]): void {
  for (const fn of functions) {
    if (!handlerShaped(fn)) continue;
    let name: string | undefined;
    if (ts.isMethodDeclaration(fn)) {
      const owner = fn.parent;
      const method = propertyName(fn.name);
      if (ts.isClassDeclaration(owner) && owner.name && method) name = `${owner.name.text}.${method}`;
      else if (ts.isObjectLiteralExpression(owner) && method) name = method;
    } else name = functionName(fn);
    if (!name || a.localFunctions.has(name)) continue;
    declareLocalFunction(a, name, fn);
  }
  // Class property handlers: `create = async (req, res) => {...}`
  for (const cls of classes) {
    if (!cls.name) continue;
    for (const member of cls.members) {
      if (ts.isPropertyDeclaration(member) && member.initializer && isFunctionLike(unwrap(member.initializer)) && handlerShaped(unwrap(member.initializer))) {
        declareLocalFunction(a, `${cls.name.text}.${propertyName(member.name) ?? ''}`, unwrap(member.initializer));
      }
    }
  }
}

function declareLocalFunction(a: Analysis, name: string, fn: ts.Node, facts?: HandlerFacts): void {
  a.localFunctions.set(name, fn);
  if (facts) a.handlerFacts.set(name, facts);
  else a.handlerFacts.delete(name);
}

function localHandlerFacts(a: Analysis, name: string): HandlerFacts | undefined {
  let facts = a.handlerFacts.get(name);
  const fn = facts ? undefined : a.localFunctions.get(name);
  if (fn) {
    facts = analyzeHandler(fn, a.source);
    a.handlerFacts.set(name, facts);
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------------------------
// Middleware classification

interface Classified {
  auth: boolean;
  validation: boolean;
  rateLimit: boolean;
  errorHandler: boolean;
}

function classify(a: Analysis, expr: ts.Expression, depth = 0): Classified {
  const e = unwrap(expr);
  const out: Classified = { auth: false, validation: false, rateLimit: false, errorHandler: false };
  if (ts.isArrayLiteralExpression(e)) {
    for (const el of e.elements) {
      if (ts.isSpreadElement(el)) continue;
      const c = classify(a, el, depth);
      out.auth ||= c.auth;
      out.validation ||= c.validation;
      out.rateLimit ||= c.rateLimit;
    }
    return out;
  }
  if (isFunctionLike(e)) {
    const facts = analyzeHandler(e, a.source);
    out.auth = facts.auth || /\b(?:401|403|Unauthorized|Forbidden|unauthorized\(|forbidden\()/.test(e.getText(a.source));
    out.validation = facts.validated;
    out.errorHandler = e.parameters.length === 4;
    return out;
  }
  const text = e.getText(a.source);
  if (sessionLoader(text)) return out;
  const name = text;
  if (ts.isIdentifier(e)) {
    const local = a.localFunctions.get(e.text);
    if (local && isFunctionLike(local)) {
      out.errorHandler = local.parameters.length === 4;
      if (localHandlerFacts(a, e.text)?.auth) out.auth = true;
    }
    const declared = findFunctionDeclaration(a, e.text);
    if (declared && declared.parameters.length === 4) out.errorHandler = true;
    if (/error/i.test(e.text) && !a.localFunctions.has(e.text) && !declared) out.errorHandler = true;
  }
  if (ts.isCallExpression(e)) {
    // `passport.authenticate('jwt')`, `auth('manageUsers')`, `validate(authValidation.login)`: the callee decides; string
    // arguments may add the scheme, identifier arguments are only data (a schema named `authSchema` is not a guard).
    const callee = calleeText(e);
    const strings = e.arguments.filter(ts.isStringLiteralLike).map((x) => x.text).join(' ');
    out.validation = validatorName(callee) || validatorName(`${callee} ${e.arguments.map((x) => (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x) ? x.getText(a.source) : '')).join(' ')}`);
    out.auth ||= !validatorName(callee) && authName(`${callee} ${strings}`);
    out.rateLimit = rateLimitName(callee);
    return out;
  }
  out.auth ||= authName(name) || signatureCheckName(name);
  out.validation = validatorName(name);
  out.rateLimit = rateLimitName(name);
  // `const preHandler = [app.authenticate, app.tenantRateLimit]` passed as `{ preHandler }` or by name.
  if (ts.isIdentifier(e) && depth < 3 && !out.auth && !out.validation && !out.rateLimit) {
    const value = variableValue(a, e, e.text);
    const v = value ? unwrap(value) : undefined;
    if (v && !isFunctionLike(v) && !(ts.isIdentifier(v) && v.text === e.text)) {
      const c = classify(a, v, depth + 1);
      out.auth = c.auth;
      out.validation = c.validation;
      out.rateLimit = c.rateLimit;
    }
  }
  return out;
}

/** The first module-level `function name` or `const name = () => ...` / `function () {...}`. */
function findFunctionDeclaration(a: Analysis, name: string): ts.FunctionLikeDeclaration | undefined {
  a.moduleFunctions ??= indexModuleFunctions(a.source);
  return a.moduleFunctions.get(name);
}

// Asked for every exported name and every call in a handler: a scan of the statements per question was quadratic.
function indexModuleFunctions(source: ts.SourceFile): Map<string, ts.FunctionLikeDeclaration> {
  const index = new Map<string, ts.FunctionLikeDeclaration>();
  const add = (name: string, fn: ts.FunctionLikeDeclaration): void => {
    if (!index.has(name)) index.set(name, fn);
  };
  for (const s of source.statements) {
    if (ts.isFunctionDeclaration(s) && s.name) add(s.name.text, s);
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) continue;
      const init = unwrap(d.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) add(d.name.text, init);
    }
  }
  return index;
}

// ---------------------------------------------------------------------------------------------------------------
// Receivers: which unit a call is made on, with the middleware of its chain

interface Receiver {
  unit: string;
  /** Prefix added by the chain (`app.basePath('/x').get`), or the `route('/x')` path of an Express route chain. */
  chainPath?: string;
  /** Middleware registered earlier in the same chain (`app.register(auth).post(...)`). */
  chain: Classified[];
}

function receiverOf(a: Analysis, expr: ts.Expression): Receiver | undefined {
  const e = unwrap(expr);
  if (ts.isIdentifier(e)) {
    const unit = lookup(a, e, e.text);
    return unit ? { unit, chain: [] } : undefined;
  }
  if (e.kind === ts.SyntaxKind.ThisKeyword) return undefined;
  const direct = a.unitNodes.get(e);
  if (direct) return { unit: direct, chain: [] };
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const method = e.expression.name.text;
    const inner = receiverOf(a, e.expression.expression);
    if (!inner) {
      const created = creationOf(a, e);
      const key = created ? a.unitNodes.get(created.node) : undefined;
      return key ? { unit: key, chain: [] } : undefined;
    }
    if (method === 'withTypeProvider' || method === 'after' || method === 'decorate' || method === 'decorateRequest') return inner;
    if (method === 'route' && e.arguments.length === 1) {
      const p = pathArgument(a, e.arguments[0]);
      return { ...inner, chainPath: p ?? undefined };
    }
    if (method === 'basePath') return { ...inner, chainPath: joinPaths(inner.chainPath, stringValue(e.arguments[0], a.constants)) };
    if (method === 'register' || method === 'use' || method === 'addHook') {
      const args = method === 'addHook' ? e.arguments.slice(1) : e.arguments.filter((x) => !ts.isObjectLiteralExpression(x) && stringValue(x, a.constants) === undefined);
      return { ...inner, chain: [...inner.chain, ...args.map((x) => classify(a, x))] };
    }
    if (routeMethods.has(method) || method === 'on') return inner;
    // Hono: `.route('/x', sub)`, `.onError(fn)` and `.notFound(fn)` return the app, so the chain goes on.
    if ((method === 'route' && e.arguments.length >= 2) || method === 'onError' || method === 'notFound') return inner;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Calls: routes, middleware, mounts, plugins

function onCall(a: Analysis, call: ts.CallExpression): void {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) {
    functionCallMount(a, call);
    return;
  }
  const method = callee.name.text;
  if (!routeMethods.has(method) && !registrationMethods.has(method)) return;
  const receiver = receiverOf(a, callee.expression);
  if (!receiver) return;
  const unit = a.units.get(receiver.unit);
  if (!unit) return;
  const args = call.arguments;
  switch (method) {
    case 'use':
      onUse(a, call, unit, receiver);
      return;
    case 'register':
      onRegister(a, call, unit);
      return;
    case 'addHook': {
      const hook = stringValue(args[0], a.constants);
      const fn = args[1];
      if (hook && fn) {
        const c = classify(a, fn);
        unit.uses.push({ pos: call.getStart(a.source), path: null, hook, auth: fastifyHooks.has(hook) && c.auth, validation: c.validation, rateLimit: c.rateLimit, start: call.getStart(a.source), end: call.getEnd() });
      }
      return;
    }
    case 'setErrorHandler':
      addErrorHandler(a, 'fastify');
      return;
    case 'onError':
      if (unit.framework === 'hono') addErrorHandler(a, 'hono');
      return;
    case 'prefix':
      if (unit.framework === 'koa') unit.prefix = joinPaths(unit.prefix, stringValue(args[0], a.constants));
      return;
    case 'setGlobalPrefix':
      nest(a).globalPrefix = stringValue(args[0], a.constants);
      return;
    case 'enableVersioning':
      nest(a).versioning = true;
      a.facts.versioning = true;
      return;
    case 'useGlobalGuards':
      for (const g of args) {
        if (rateLimitName(g.getText(a.source))) nest(a).throttlerGuard = true;
        else if (authName(g.getText(a.source)) || /Guard/.test(g.getText(a.source))) nest(a).globalGuard = true;
      }
      return;
    case 'useGlobalPipes':
      if (args.some((x) => /Pipe/.test(x.getText(a.source)))) nest(a).globalPipe = true;
      return;
    case 'useGlobalFilters':
      addErrorHandler(a, 'nest');
      return;
    case 'route':
      if (unit.framework === 'hono' && args.length >= 2) {
        addMount(a, unit, call, pathArgument(a, args[0]) ?? null, args[1]!, receiver.chain.some((c) => c.auth));
        return;
      }
      if (args.length === 1 && ts.isObjectLiteralExpression(unwrap(args[0]!))) onFastifyRouteObject(a, call, unit, unwrap(args[0]!) as ts.ObjectLiteralExpression, receiver);
      return;
    case 'on':
      if (unit.framework === 'hono' && args.length >= 3) {
        const methods = unwrap(args[0]!);
        const list = ts.isArrayLiteralExpression(methods) ? methods.elements.map((m) => stringValue(m, a.constants)) : [stringValue(methods, a.constants)];
        for (const m of list) if (m) onRoute(a, call, unit, receiver, m.toUpperCase(), args.slice(1));
      }
      return;
    default:
      onRoute(a, call, unit, receiver, method === 'del' ? 'DELETE' : method.toUpperCase(), args);
  }
}

function nest(a: Analysis): NestFacts {
  a.facts.nest ??= { versioning: false, globalGuard: false, globalPipe: false, throttlerGuard: false };
  return a.facts.nest;
}

function addErrorHandler(a: Analysis, framework: Framework): void {
  if (!a.facts.errorHandlers.includes(framework)) a.facts.errorHandlers.push(framework);
}

function handlerish(node: ts.Expression): boolean {
  const e = unwrap(node);
  return isFunctionLike(e) || ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isCallExpression(e) || ts.isArrayLiteralExpression(e);
}

/** `app.get('/x', mw, handler)`, `router.route('/x').post(mw, handler)`, `fastify.get('/x', { schema, preHandler }, handler)`. */
function onRoute(a: Analysis, call: ts.CallExpression, unit: UnitFact, receiver: Receiver, method: string, args: readonly ts.Expression[]): void {
  let path: string | null;
  let rest: readonly ts.Expression[];
  if (receiver.chainPath !== undefined && (args.length === 0 || stringValue(args[0], a.constants) === undefined)) {
    // router.route('/x').get(handler)
    path = '';
    rest = args;
  } else {
    const p = pathArgument(a, args[0]);
    if (p === undefined) return;
    path = p;
    rest = args.slice(1);
  }
  if (rest.length === 0) return;
  const last = rest[rest.length - 1]!;
  if (!handlerish(last)) {
    // Fastify: app.get('/x', { handler, schema })
    if (!(unit.framework === 'fastify' && ts.isObjectLiteralExpression(unwrap(last)) && objectProperty(unwrap(last) as ts.ObjectLiteralExpression, 'handler'))) return;
  }
  // `api.get('/users', payload)` on an HTTP client has no function; require something handler-like when the receiver is only a name.
  if (unit.kind === 'plugin' && !a.fileFrameworks.size && !rest.some((x) => isFunctionLike(unwrap(x)))) return;
  const fullPath = receiver.chainPath !== undefined && path !== null ? joinPaths(receiver.chainPath, path) : path;
  const route = newRoute(a, call, unit, method, fullPath === '/' && path === '' ? '' : fullPath);
  for (const c of receiver.chain) applyClassified(route, c);
  let handler: ts.Expression | undefined = last;
  for (const arg of rest) {
    const e = unwrap(arg);
    if (ts.isObjectLiteralExpression(e) && unit.framework === 'fastify') {
      applyFastifyOptions(a, route, e);
      const h = objectProperty(e, 'handler');
      if (h) handler = h;
      continue;
    }
    if (arg === last) continue;
    applyClassified(route, classify(a, arg));
  }
  if (handler && !ts.isObjectLiteralExpression(unwrap(handler))) attachHandler(a, route, handler);
  a.facts.routes.push(route);
}

function newRoute(a: Analysis, node: ts.Node, unit: UnitFact, method: string, path: string | null): RouteFact {
  // `router.route('/x')\n  .post(handler)`: the finding belongs on the line of `.post`, not where the chain starts.
  const at = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node;
  return {
    framework: unit.framework,
    method,
    path,
    unit: unit.key,
    start: at.getStart(a.source),
    end: node.getEnd(),
    auth: false,
    public: false,
    validated: false,
    rateLimit: false,
  };
}

function applyClassified(route: RouteFact, c: Classified): void {
  route.auth ||= c.auth;
  route.validated ||= c.validation;
  route.rateLimit ||= c.rateLimit;
}

function applyFastifyOptions(a: Analysis, route: RouteFact, options: ts.ObjectLiteralExpression): void {
  const schema = objectProperty(options, 'schema');
  if (schema) {
    const s = unwrap(schema);
    if (!ts.isObjectLiteralExpression(s) || ['body', 'querystring', 'query', 'params', 'headers'].some((k) => objectProperty(s, k) !== undefined || s.properties.some((p) => ts.isShorthandPropertyAssignment(p) && p.name.text === k))) {
      route.validated = true;
    }
  }
  for (const hook of ['onRequest', 'preParsing', 'preValidation', 'preHandler']) {
    const value = objectProperty(options, hook);
    if (value) applyClassified(route, classify(a, value));
  }
  const config = objectProperty(options, 'config');
  if (config && ts.isObjectLiteralExpression(unwrap(config)) && objectProperty(unwrap(config) as ts.ObjectLiteralExpression, 'rateLimit')) route.rateLimit = true;
  // @fastify/auth: preHandler: app.auth([app.verifyJWT])
  const text = options.getText(a.source);
  if (/\bsecurity\s*:\s*\[\s*\{/.test(text) && /onRequest|preHandler|preValidation/.test(text)) route.auth = true;
}

function onFastifyRouteObject(a: Analysis, call: ts.CallExpression, unit: UnitFact, options: ts.ObjectLiteralExpression, receiver: Receiver): void {
  const methodValue = objectProperty(options, 'method');
  const methods = methodValue && ts.isArrayLiteralExpression(unwrap(methodValue)) ? (unwrap(methodValue) as ts.ArrayLiteralExpression).elements.map((m) => stringValue(m, a.constants)) : [stringValue(methodValue, a.constants)];
  const path = pathArgument(a, objectProperty(options, 'url') ?? objectProperty(options, 'path'));
  const handler = objectProperty(options, 'handler');
  if (path === undefined || !handler) return;
  for (const m of methods) {
    if (!m) continue;
    const route = newRoute(a, call, unit, m.toUpperCase(), path);
    for (const c of receiver.chain) applyClassified(route, c);
    applyFastifyOptions(a, route, options);
    attachHandler(a, route, handler);
    a.facts.routes.push(route);
  }
}

/**
 * `withApiWrapper({ auth: 'session', handler: async ({ req }) => {...} })`: a wrapper configured by an object. An auth
 * mode in the config (anything but `none`/`public`/`false`) means the wrapper authenticates before the handler runs;
 * the `handler` property is the code to analyse.
 */
function wrapperConfigHandler(route: RouteFact, call: ts.CallExpression): ts.Expression | undefined {
  const config = call.arguments.map(unwrap).find(ts.isObjectLiteralExpression);
  if (!config) return undefined;
  for (const key of ['auth', 'authentication', 'requireAuth']) {
    const mode = objectProperty(config, key);
    if (mode && !/^(?:['"`](?:none|public|anonymous|optional)?['"`]|false|null|undefined)$/i.test(unwrap(mode).getText())) route.auth = true;
  }
  return objectProperty(config, 'handler');
}

/**
 * `export const POST = withApiWrapper({ auth, handler })` in a module that a route file re-exports: records what the
 * wrapped handler does under the export's name, so the route that imports it is judged like an inline one.
 */
function exportWrappedHandler(a: Analysis, name: string, init: ts.Expression | undefined): string | undefined {
  const call = init ? unwrap(init) : undefined;
  if (!call || !ts.isCallExpression(call) || a.localFunctions.has(name)) return undefined;
  const config = call.arguments.map(unwrap).find(ts.isObjectLiteralExpression);
  if (!config || !objectProperty(config, 'handler')) return undefined;
  const scratch: RouteFact = { framework: 'next', method: 'ALL', path: null, unit: '', start: 0, end: 0, auth: false, public: false, validated: false, rateLimit: false };
  attachHandler(a, scratch, call);
  const facts = scratch.handler ?? { reads: [], validated: false, auth: false, signature: false };
  facts.auth ||= scratch.auth;
  facts.validated ||= scratch.validated;
  declareLocalFunction(a, name, call, facts);
  return name;
}

/** Attaches what the handler does: inline facts, or a reference resolved later (`userController.createUser`). */
function attachHandler(a: Analysis, route: RouteFact, handler: ts.Expression): void {
  let e = unwrap(handler);
  // asyncHandler(fn), catchAsync(fn), withAuth(fn), ctrl.create.bind(ctrl)
  for (let i = 0; i < 3 && ts.isCallExpression(e); i++) {
    const callee = e.expression;
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'bind') {
      e = unwrap(callee.expression);
      continue;
    }
    const name = calleeText(e);
    if (authName(name) || /^with(?:Api)?Auth|^with\w*Session|^requireAuth|^protected?\w*$/i.test(name)) route.auth = true;
    if (rateLimitName(name)) route.rateLimit = true;
    if (validatorName(name)) route.validated = true;
    const inner = e.arguments.find((x) => handlerish(x) && !ts.isArrayLiteralExpression(x)) ?? wrapperConfigHandler(route, e);
    if (!inner) break;
    e = unwrap(inner);
  }
  if (isFunctionLike(e)) {
    const facts = analyzeWithHelpers(a, e);
    route.handler = facts;
    route.auth ||= facts.auth;
    route.validated ||= facts.validated;
    return;
  }
  if (ts.isIdentifier(e)) {
    if (a.localFunctions.has(e.text)) route.handlerRef = { local: e.text };
    else {
      const imp = a.imports.get(e.text);
      if (imp) route.handlerRef = { ref: imp };
      else {
        const declared = findFunctionDeclaration(a, e.text);
        if (declared) {
          route.handler = analyzeWithHelpers(a, declared);
          route.auth ||= route.handler.auth;
          route.validated ||= route.handler.validated;
        }
      }
    }
    return;
  }
  if (ts.isPropertyAccessExpression(e)) {
    const member = e.name.text;
    const base = unwrap(e.expression);
    if (!ts.isIdentifier(base)) return;
    const imp = a.imports.get(base.text);
    if (imp) {
      route.handlerRef = { ref: imp.name === '*' ? { specifier: imp.specifier, name: member } : { ...imp, member } };
      return;
    }
    const cls = a.instances.get(base.text);
    if (cls) {
      if (a.localFunctions.has(`${cls}.${member}`)) route.handlerRef = { local: `${cls}.${member}` };
      else {
        const clsImport = a.imports.get(cls);
        if (clsImport) route.handlerRef = { ref: { specifier: clsImport.specifier, name: clsImport.name === 'default' ? 'default' : clsImport.name, member } };
      }
      return;
    }
    if (a.localFunctions.has(member)) route.handlerRef = { local: member };
  }
}

/**
 * A handler with the local helpers it calls with the request (`handlePOST(req, res)` in a Pages Router API route,
 * `requireUser(req)` defined below the handler): one level deep.
 */
function analyzeWithHelpers(a: Analysis, fn: ts.Node): HandlerFacts {
  const facts = analyzeHandler(fn, a.source);
  if (!isFunctionLike(fn) || !fn.body) return facts;
  const seen = new Set<string>();
  forEachDescendant(fn.body, (node) => {
    if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || seen.has(node.expression.text)) return undefined;
    seen.add(node.expression.text);
    const helper = findFunctionDeclaration(a, node.expression.text);
    if (helper && helper !== fn && handlerShaped(helper)) mergeFacts(facts, analyzeHandler(helper, a.source));
    return undefined;
  });
  return facts;
}

/** Express/Koa/Hono `use`: middleware, or routers mounted under a path. */
function onUse(a: Analysis, call: ts.CallExpression, unit: UnitFact, receiver: Receiver): void {
  const args = call.arguments;
  const first = args[0];
  const firstPath = first ? pathArgument(a, first) : undefined;
  const hasPath = firstPath !== undefined && first !== undefined && !handlerish(first) ? true : firstPath !== undefined && stringValue(first, a.constants) !== undefined;
  const path = hasPath ? (firstPath ?? null) : null;
  const rest = hasPath ? args.slice(1) : args;
  const pos = call.getStart(a.source);
  let mountAuth = receiver.chain.some((c) => c.auth);
  for (const arg of rest) {
    const target = mountTarget(a, arg);
    if (target) {
      addMountTarget(a, unit, pos, hasPath ? path : '', target, mountAuth);
      continue;
    }
    const c = classify(a, arg);
    if (c.errorHandler && unit.framework === 'express') addErrorHandler(a, 'express');
    if (unit.framework === 'koa' && isFunctionLike(unwrap(arg)) && /try\s*\{[\s\S]*await\s+next\(\)[\s\S]*\}\s*catch/.test(unwrap(arg).getText(a.source))) addErrorHandler(a, 'koa');
    if (unit.framework === 'hono' && isFunctionLike(unwrap(arg)) && /try\s*\{[\s\S]*await\s+next\(\)[\s\S]*\}\s*catch/.test(unwrap(arg).getText(a.source))) addErrorHandler(a, 'hono');
    const e = unwrap(arg);
    // `app.use('/auth', authRoutes)`: a router named after what it serves is not auth middleware.
    if (ts.isIdentifier(e) && /(?:router|routes|controller|api|app)$/i.test(e.text)) c.auth = false;
    const ref = ts.isIdentifier(e) ? a.imports.get(e.text) : ts.isCallExpression(e) ? requireOf(e) : undefined;
    // Kept for every module but Node's own: the link step resolves local files and workspace packages (`@acme/api`).
    const linkable = ref !== undefined && !/^node:/.test(ref.specifier);
    unit.uses.push({ pos, path, auth: c.auth, validation: c.validation, rateLimit: c.rateLimit, ...(linkable ? { ref } : {}), ...(linkable && mountAuth ? { guarded: true } : {}), start: arg.getStart(a.source), end: arg.getEnd() });
    if (c.auth) mountAuth = true;
  }
}

type Target = { unit: string } | { ref: Ref };

/** A router argument: a local router, `router.routes()`, `require('./users')`, a factory call, an imported binding. */
function mountTarget(a: Analysis, arg: ts.Expression): Target | undefined {
  let e = unwrap(arg);
  // Koa: router.routes(), router.middleware()
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && /^(?:routes|middleware)$/.test(e.expression.name.text)) e = unwrap(e.expression.expression);
  if (ts.isIdentifier(e)) {
    const local = lookup(a, e, e.text);
    if (local) return { unit: local };
    return undefined;
  }
  const direct = a.unitNodes.get(e);
  if (direct) return { unit: direct };
  const req = requireOf(e);
  if (req && /^(?:\.|@\/|~\/|src\/|#)/.test(req.specifier)) return { ref: req };
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression)) {
    const factory = a.factories.get(e.expression.text);
    if (factory) return { unit: factory };
    const imp = a.imports.get(e.expression.text);
    // usersRouter(): an imported factory; mounted when the import resolves to a unit
    if (imp && /^(?:\.|@\/|~\/|src\/|#)/.test(imp.specifier) && !authName(e.expression.text) && !rateLimitName(e.expression.text)) return { ref: imp };
  }
  if (ts.isCallExpression(e) && e.expression.kind === ts.SyntaxKind.ImportKeyword && e.arguments[0] && ts.isStringLiteralLike(e.arguments[0])) {
    return { ref: { specifier: e.arguments[0].text, name: 'default' } };
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const imp = a.imports.get(e.expression.text);
    if (imp && /^(?:\.|@\/|~\/|src\/|#)/.test(imp.specifier)) return { ref: imp.name === '*' ? { specifier: imp.specifier, name: e.name.text } : { ...imp, member: e.name.text } };
  }
  return undefined;
}

function addMountTarget(a: Analysis, parent: UnitFact, pos: number, path: string | null, target: Target, auth: boolean): void {
  if ('unit' in target && target.unit === parent.key) return;
  a.facts.mounts.push({ parent: parent.key, pos, path, target, auth });
}

function addMount(a: Analysis, parent: UnitFact, call: ts.CallExpression, path: string | null, arg: ts.Expression, auth: boolean): void {
  const target = mountTarget(a, arg) ?? importTarget(a, arg);
  if (target) addMountTarget(a, parent, call.getStart(a.source), path, target, auth);
}

function importTarget(a: Analysis, arg: ts.Expression): Target | undefined {
  const e = unwrap(arg);
  if (ts.isIdentifier(e)) {
    const imp = a.imports.get(e.text);
    if (imp) return { ref: imp };
  }
  return undefined;
}

/** Fastify `register(plugin, { prefix })`: child scopes, autoload, and plugins registered for their hooks. */
function onRegister(a: Analysis, call: ts.CallExpression, unit: UnitFact): void {
  const [pluginArg, optsArg] = call.arguments;
  if (!pluginArg) return;
  const opts = optsArg && ts.isObjectLiteralExpression(unwrap(optsArg)) ? (unwrap(optsArg) as ts.ObjectLiteralExpression) : undefined;
  const prefix = opts ? (stringValue(objectProperty(opts, 'prefix'), a.constants) ?? (objectProperty(opts, 'prefix') ? null : '')) : '';
  const e = unwrap(pluginArg);
  if (ts.isIdentifier(e) && importFrom(a, e.text, /^@fastify\/autoload$|^fastify-autoload$/)) {
    onAutoload(a, opts);
    return;
  }
  const pos = call.getStart(a.source);
  if (isFunctionLike(e)) {
    const key = a.unitNodes.get(e);
    if (key) addMountTarget(a, unit, pos, prefix, { unit: key }, false);
    return;
  }
  if (ts.isCallExpression(e) && isFunctionLike(unwrap(e.arguments[0] ?? e))) {
    // register(fp(async (app) => ...))
    const key = a.unitNodes.get(unwrap(e.arguments[0]!));
    if (key) addMountTarget(a, unit, pos, prefix, { unit: key }, false);
    return;
  }
  const c = classify(a, e);
  // Registering a package (`@fastify/jwt`, `@fastify/auth`) only decorates the instance; routes opt in with hooks.
  const imported = ts.isIdentifier(e) ? a.imports.get(e.text) : undefined;
  if (imported && !/^(?:\.|@\/|~\/|src\/|#)/.test(imported.specifier)) c.auth = false;
  if (ts.isIdentifier(e) && /(?:router|routes|controller|api|app)$/i.test(e.text)) c.auth = false;
  const target = mountTarget(a, e) ?? importTarget(a, e) ?? localPluginTarget(a, e);
  if (target && 'unit' in target) addMountTarget(a, unit, pos, prefix, target, false);
  // An imported plugin is a child scope when it resolves to one (decided when linking), else it only installs hooks or
  // decorators here: a plugin named like auth (`app.register(auth)`) is taken for an auth hook.
  unit.uses.push({ pos, path: prefix, auth: c.auth, validation: false, rateLimit: c.rateLimit || /rate-?limit/i.test(e.getText(a.source)), start: pluginArg.getStart(a.source), end: pluginArg.getEnd(), ...(target && 'ref' in target ? { ref: target.ref } : {}) });
}

function localPluginTarget(a: Analysis, e: ts.Expression): Target | undefined {
  if (!ts.isIdentifier(e)) return undefined;
  const declared = findFunctionDeclaration(a, e.text);
  const key = declared ? a.unitNodes.get(declared) : undefined;
  return key ? { unit: key } : undefined;
}

function onAutoload(a: Analysis, opts: ts.ObjectLiteralExpression | undefined): void {
  if (!opts) return;
  const dirExpr = objectProperty(opts, 'dir');
  if (!dirExpr) return;
  const pieces: string[] = [];
  forEachDescendant(dirExpr, (n) => {
    if (ts.isStringLiteralLike(n)) pieces.push(n.text);
  });
  if (pieces.length === 0) return;
  const options = objectProperty(opts, 'options');
  const prefix = options && ts.isObjectLiteralExpression(unwrap(options)) ? (stringValue(objectProperty(unwrap(options) as ts.ObjectLiteralExpression, 'prefix'), a.constants) ?? '') : '';
  const base = a.path.includes('/') ? a.path.slice(0, a.path.lastIndexOf('/')) : '';
  const parts = [...base.split('/').filter(Boolean)];
  for (const piece of pieces.join('/').split('/')) {
    if (!piece || piece === '.') continue;
    if (piece === '..') parts.pop();
    else parts.push(piece);
  }
  a.facts.autoload.push({ dir: parts.join('/'), prefix });
}

/** `registerUserRoutes(app)`, `usersRoutes(router)`: a function that registers routes on the unit it is given. */
function functionCallMount(a: Analysis, call: ts.CallExpression): void {
  const callee = call.expression;
  if (!ts.isIdentifier(callee) || call.arguments.length === 0) return;
  const arg = unwrap(call.arguments[0]!);
  if (!ts.isIdentifier(arg)) return;
  const parentKey = lookup(a, arg, arg.text);
  const parent = parentKey ? a.units.get(parentKey) : undefined;
  if (!parent) return;
  const pos = call.getStart(a.source);
  const declared = findFunctionDeclaration(a, callee.text);
  const local = declared ? a.unitNodes.get(declared) : undefined;
  if (local) {
    addMountTarget(a, parent, pos, '', { unit: local }, false);
    return;
  }
  const imp = a.imports.get(callee.text);
  if (imp && /^(?:\.|@\/|~\/|src\/|#)/.test(imp.specifier)) addMountTarget(a, parent, pos, '', { ref: imp }, false);
}

// ---------------------------------------------------------------------------------------------------------------
// NestJS controllers

function onNestController(a: Analysis, cls: ts.ClassDeclaration): void {
  const decorators = decoratorsOf(cls);
  const controller = decorators.find((d) => decoratorName(d) === 'Controller');
  if (!controller) {
    if (decorators.some((d) => decoratorName(d) === 'Catch')) addErrorHandler(a, 'nest');
    return;
  }
  const arg = decoratorArgs(controller)[0];
  let prefix = '';
  let versioned = false;
  if (arg) {
    const e = unwrap(arg);
    if (ts.isObjectLiteralExpression(e)) {
      prefix = pathArgument(a, objectProperty(e, 'path')) ?? '';
      versioned = objectProperty(e, 'version') !== undefined;
    } else prefix = pathArgument(a, e) ?? '';
  }
  const key = `c:${cls.name?.text ?? cls.getStart(a.source)}`;
  const unit = addUnit(a, key, 'nest', 'controller', cls, prefix);
  if (versioned) unit.versioned = true;
  const classLevel = nestDecoratorFacts(a, decorators);
  for (const member of cls.members) {
    if (!ts.isMethodDeclaration(member)) continue;
    const mDecorators = decoratorsOf(member);
    const http = mDecorators.find((d) => nestHttp[decoratorName(d)] !== undefined);
    if (!http) continue;
    const route = newRoute(a, member.name, unit, nestHttp[decoratorName(http)]!, pathArgument(a, decoratorArgs(http)[0]) ?? (decoratorArgs(http).length ? null : ''));
    route.start = http.getStart(a.source);
    const methodLevel = nestDecoratorFacts(a, mDecorators);
    route.auth = classLevel.auth || methodLevel.auth;
    route.public = classLevel.public || methodLevel.public;
    route.validated = classLevel.validated || methodLevel.validated;
    route.rateLimit = classLevel.rateLimit || methodLevel.rateLimit;
    if (versioned || methodLevel.versioned) route.versioned = true;
    route.nestInputs = nestInputs(a, member);
    const facts = analyzeHandler(member, a.source);
    route.auth ||= facts.auth;
    route.validated ||= facts.validated;
    route.handler = { ...facts, reads: [] };
    a.facts.routes.push(route);
  }
}

function nestDecoratorFacts(a: Analysis, decorators: readonly ts.Decorator[]): { auth: boolean; public: boolean; validated: boolean; rateLimit: boolean; versioned: boolean } {
  const out = { auth: false, public: false, validated: false, rateLimit: false, versioned: false };
  for (const d of decorators) {
    const name = decoratorName(d);
    const text = d.expression.getText(a.source);
    if (publicDecorators.test(name)) out.public = true;
    else if (name === 'UseGuards') {
      for (const g of decoratorArgs(d)) {
        if (rateLimitName(g.getText(a.source))) out.rateLimit = true;
        else out.auth = true;
      }
    } else if (name === 'UsePipes') out.validated = true;
    else if (name === 'Throttle' || name === 'SkipThrottle') out.rateLimit = name === 'Throttle';
    else if (name === 'Version') out.versioned = true;
    else if (!/^(?:Get|Post|Put|Patch|Delete|All|Head|Options|HttpCode|Header|Redirect|Render|ApiTags|ApiOperation|ApiResponse|ApiOkResponse|ApiCreatedResponse|ApiBody|ApiParam|ApiQuery|ApiBearerAuth|SerializeOptions|UseInterceptors|Controller|Sse)$/.test(name) && authName(text)) out.auth = true;
  }
  return out;
}

function nestInputs(a: Analysis, method: ts.MethodDeclaration): NestInput[] {
  const out: NestInput[] = [];
  const localTypes = new Set<string>();
  for (const s of a.source.statements) {
    if ((ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name) localTypes.add(s.name.text);
  }
  for (const param of method.parameters) {
    for (const d of decoratorsOf(param)) {
      const name = decoratorName(d);
      if (name !== 'Body' && name !== 'Query') continue;
      const args = decoratorArgs(d);
      // @Body('email') email: string extracts one field; a global ValidationPipe does not validate primitives.
      const piped = args.some((x) => !ts.isStringLiteralLike(x));
      const t = param.type;
      const typeRef = t && ts.isTypeReferenceNode(t) ? (ts.isIdentifier(t.typeName) ? t.typeName.text : t.typeName.right.text) : undefined;
      const dto = typeRef !== undefined && !localTypes.has(typeRef) && !/^(?:Record|Partial|Pick|Omit|Required|Readonly|Array|Map|Set|Promise|any|unknown|object|Object|string|number|boolean|Request|FastifyRequest)$/.test(typeRef) && !args.some((x) => ts.isStringLiteralLike(x));
      out.push({ kind: name === 'Body' ? 'body' : 'query', start: d.getStart(a.source), end: param.getEnd(), dto, piped });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Exports

function collectExports(a: Analysis): void {
  const exp = a.facts.exports;
  const fnExp = a.facts.functionExports;
  const unitOfExpr = (expr: ts.Expression | undefined): string | undefined => {
    if (!expr) return undefined;
    const e = unwrap(expr);
    if (ts.isIdentifier(e)) {
      const declared = findFunctionDeclaration(a, e.text);
      return lookup(a, e, e.text) ?? a.factories.get(e.text) ?? (declared ? a.unitNodes.get(declared) : undefined);
    }
    const direct = a.unitNodes.get(e);
    if (direct) return direct;
    const created = creationOf(a, e);
    const createdUnit = created ? a.unitNodes.get(created.node) : undefined;
    if (createdUnit) return createdUnit;
    if (ts.isCallExpression(e)) for (const arg of e.arguments) if (isFunctionLike(unwrap(arg))) return a.unitNodes.get(unwrap(arg));
    return undefined;
  };
  const fnOfExpr = (name: string, expr: ts.Expression | undefined): string | undefined => {
    if (a.localFunctions.has(name) && !expr) return name;
    if (!expr) return undefined;
    const e = unwrap(expr);
    if (ts.isIdentifier(e) && a.localFunctions.has(e.text)) return e.text;
    if (a.localFunctions.has(name)) return name;
    return undefined;
  };
  const exportClass = (exportName: string, className: string): void => {
    for (const key of a.localFunctions.keys()) if (key.startsWith(`${className}.`)) fnExp[`${exportName}.${key.slice(className.length + 1)}`] = key;
  };
  const exportObject = (prefix: string, object: ts.ObjectLiteralExpression): void => {
    for (const p of object.properties) {
      const key = p.name ? propertyName(p.name) : undefined;
      if (!key) continue;
      const value = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
      const unit = unitOfExpr(value);
      if (unit) {
        exp[`${prefix}.${key}`] = unit;
        exp[key] = unit;
      }
      const fn = ts.isMethodDeclaration(p) ? key : fnOfExpr(key, value);
      if (fn) {
        fnExp[`${prefix}.${key}`] = fn;
        fnExp[key] = fn;
      }
    }
  };
  for (const s of a.source.statements) {
    const flags = ts.canHaveModifiers(s) ? ts.getCombinedModifierFlags(s as ts.Declaration) : 0;
    const exported = (flags & ts.ModifierFlags.Export) !== 0;
    const isDefault = (flags & ts.ModifierFlags.Default) !== 0;
    if (ts.isExportAssignment(s)) {
      const unit = unitOfExpr(s.expression);
      if (unit) exp.default = unit;
      const e = unwrap(s.expression);
      if (ts.isIdentifier(e) && a.localFunctions.has(e.text)) fnExp.default = e.text;
      if (ts.isNewExpression(e) && ts.isIdentifier(e.expression)) exportClass('default', e.expression.text);
      if (ts.isObjectLiteralExpression(e)) exportObject('default', e);
      if (isFunctionLike(e) && handlerShaped(e)) {
        declareLocalFunction(a, 'default', e);
        fnExp.default = 'default';
      }
    } else if (ts.isFunctionDeclaration(s) && exported) {
      const name = isDefault ? 'default' : s.name?.text;
      if (!name) continue;
      const unit = a.unitNodes.get(s) ?? (s.name ? a.factories.get(s.name.text) : undefined);
      if (unit) exp[name] = unit;
      if (s.name && a.localFunctions.has(s.name.text)) fnExp[name] = s.name.text;
    } else if (ts.isClassDeclaration(s) && exported && s.name) {
      exportClass(isDefault ? 'default' : s.name.text, s.name.text);
      if (!isDefault) exportClass(s.name.text, s.name.text);
    } else if (ts.isVariableStatement(s) && exported) {
      for (const d of s.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const unit = unitOfExpr(d.name) ?? unitOfExpr(d.initializer);
        if (unit) exp[d.name.text] = unit;
        const fn = fnOfExpr(d.name.text, d.initializer) ?? exportWrappedHandler(a, d.name.text, d.initializer);
        if (fn) fnExp[d.name.text] = fn;
      }
    } else if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause) && !s.moduleSpecifier) {
      for (const el of s.exportClause.elements) {
        const local = (el.propertyName ?? el.name).text;
        const unit = lookup(a, s, local) ?? a.factories.get(local);
        if (unit) exp[el.name.text] = unit;
        if (a.localFunctions.has(local)) fnExp[el.name.text] = local;
        if (el.name.text === 'default' && unit) exp.default = unit;
      }
    } else if (ts.isExpressionStatement(s) && ts.isBinaryExpression(s.expression) && s.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = s.expression.left.getText(a.source);
      const right = s.expression.right;
      if (left === 'module.exports') {
        const unit = unitOfExpr(right);
        if (unit) exp.default = unit;
        const e = unwrap(right);
        if (ts.isObjectLiteralExpression(e)) exportObject('default', e);
        if (ts.isNewExpression(e) && ts.isIdentifier(e.expression)) exportClass('default', e.expression.text);
        if (ts.isIdentifier(e) && a.localFunctions.has(e.text)) fnExp.default = e.text;
        if (isFunctionLike(e) && handlerShaped(e) && !unit) {
          declareLocalFunction(a, 'default', e);
          fnExp.default = 'default';
        }
      } else {
        const m = /^(?:module\.)?exports\.(\w+)$/.exec(left);
        if (m) {
          const unit = unitOfExpr(right);
          if (unit) {
            exp[m[1]!] = unit;
            exp[`default.${m[1]!}`] = unit;
          }
          const fn = fnOfExpr(m[1]!, right);
          if (fn) {
            fnExp[m[1]!] = fn;
            fnExp[`default.${m[1]!}`] = fn;
          }
        }
      }
    }
  }
  // Only handler functions that something exports (or a route here uses) are worth keeping.
  const keep = new Set([...Object.values(fnExp), ...a.facts.routes.flatMap((r) => (r.handlerRef && 'local' in r.handlerRef ? [r.handlerRef.local] : []))]);
  for (const name of a.localFunctions.keys()) if (keep.has(name)) a.facts.functions[name] = localHandlerFacts(a, name)!;
}

// ---------------------------------------------------------------------------------------------------------------
// Next.js route handlers, API routes and middleware

function onNext(a: Analysis): void {
  const routePath = nextRoutePath(a.path);
  if (/(?:^|\/)(?:src\/)?middleware\.[cm]?[jt]s$/.test(a.path) && a.fileFrameworks.has('next')) {
    onNextMiddleware(a);
    return;
  }
  if (/(?:^|\/)(?:src\/)?middleware\.[cm]?[jt]s$/.test(a.path) && /next-auth\/middleware|@clerk\/nextjs|withAuth|clerkMiddleware|authMiddleware/.test(a.source.text)) {
    onNextMiddleware(a);
    return;
  }
  if (routePath === undefined) return;
  const unit = addUnit(a, 'next', 'next', 'file', a.source);
  const pages = /(?:^|\/)pages\/api\//.test(a.path);
  const exported = new Map<string, ts.Node>();
  for (const s of a.source.statements) {
    const flags = ts.canHaveModifiers(s) ? ts.getCombinedModifierFlags(s as ts.Declaration) : 0;
    if (ts.isFunctionDeclaration(s) && flags & ts.ModifierFlags.Export) {
      exported.set(flags & ts.ModifierFlags.Default ? 'default' : (s.name?.text ?? ''), s);
    } else if (ts.isVariableStatement(s) && flags & ts.ModifierFlags.Export) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) exported.set(d.name.text, d.initializer);
    } else if (ts.isExportAssignment(s)) exported.set('default', s.expression);
    else if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) {
      for (const el of s.exportClause.elements) {
        const local = (el.propertyName ?? el.name).text;
        const decl = findFunctionDeclaration(a, local) ?? findVariable(a, local);
        if (decl) exported.set(el.name.text, decl);
        else if (a.imports.has(local)) exported.set(el.name.text, el);
      }
    }
  }
  const handle = (method: string, node: ts.Node): void => {
    const route = newRoute(a, node, unit, method, routePath);
    if (ts.isExportSpecifier(node)) {
      const imp = a.imports.get((node.propertyName ?? node.name).text);
      if (imp) route.handlerRef = { ref: imp };
    } else {
      const target = ts.isFunctionDeclaration(node) ? node : unwrap(node as ts.Expression);
      if (ts.isIdentifier(target)) {
        const local = findFunctionDeclaration(a, target.text) ?? findVariable(a, target.text);
        if (local) attachHandler(a, route, local as ts.Expression);
        else if (a.imports.has(target.text)) route.handlerRef = { ref: a.imports.get(target.text)! };
      } else attachHandler(a, route, target as ts.Expression);
    }
    if (pages && route.handler) route.handler.reads = route.handler.reads.filter((r) => r.kind === 'body');
    a.facts.routes.push(route);
  };
  if (pages) {
    const handler = exported.get('default');
    if (!handler) return;
    const methods = pagesMethods(a, handler);
    for (const m of methods.length ? methods : ['ALL']) handle(m, handler);
    return;
  }
  for (const [name, node] of exported) if (nextMethods.has(name)) handle(name, node);
}

function findVariable(a: Analysis, name: string): ts.Expression | undefined {
  for (const s of a.source.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  }
  return undefined;
}

/** The methods a Pages Router API route answers: `req.method === 'POST'`, `switch (req.method) { case 'GET': ... }`. */
function pagesMethods(a: Analysis, handler: ts.Node): string[] {
  const found = new Set<string>();
  const scope = ts.isIdentifier(handler) ? a.source : handler;
  forEachDescendant(scope, (node) => {
    if (ts.isStringLiteral(node) && nextMethods.has(node.text)) {
      const p = node.parent;
      const context = ts.isCaseClause(p) ? p.parent.parent.expression.getText(a.source) : ts.isBinaryExpression(p) ? p.getText(a.source) : ts.isArrayLiteralExpression(p) ? p.parent.getText(a.source) : '';
      if (/\bmethod\b/.test(context)) found.add(node.text);
    }
    if (ts.isPropertyAssignment(node) && nextMethods.has(propertyName(node.name) ?? '')) found.add(propertyName(node.name)!);
    if (ts.isMethodDeclaration(node) && nextMethods.has(propertyName(node.name) ?? '')) found.add(propertyName(node.name)!);
  });
  return [...found];
}

function onNextMiddleware(a: Analysis): void {
  const text = a.source.text;
  const auth = /auth|session|token|clerk|kinde|protect|signin|sign-in|login|supabase|jwt|withAuth|iron/i.test(text);
  let matchers: string[] | null = null;
  forEachDescendant(a.source, (node) => {
    if (ts.isPropertyAssignment(node) && propertyName(node.name) === 'matcher') {
      const v = unwrap(node.initializer);
      const list = ts.isArrayLiteralExpression(v) ? v.elements : [v];
      matchers = list.map((x) => {
        const e = unwrap(x as ts.Expression);
        if (ts.isObjectLiteralExpression(e)) return stringValue(objectProperty(e, 'source')) ?? '/(.*)';
        return stringValue(e) ?? '/(.*)';
      });
      return false;
    }
    return undefined;
  });
  a.facts.nextMiddleware = { auth, matchers };
}

// ---------------------------------------------------------------------------------------------------------------
// Text-level facts: Nest providers, version negotiation

function onTextFacts(a: Analysis): void {
  const text = a.source.text;
  if (text.includes('APP_')) onNestProviders(a, text);
  // Every alternative contains "version": the literal test spares most files the case-insensitive alternation.
  if (/version/i.test(text) && /\bconstraints\s*:\s*\{\s*version\b|['"](?:accept-version|api-version|x-api-version)['"]|\bversionRouter\b|express-routes-versioning|\bVersioningType\b/i.test(text)) a.facts.versioning = true;
}

/** `{ provide: APP_GUARD, useClass: AuthGuard }`: global guards, pipes and filters. */
function onNestProviders(a: Analysis, text: string): void {
  for (const m of text.matchAll(/provide\s*:\s*APP_(GUARD|PIPE|FILTER)\s*,\s*use(?:Class|Existing|Value|Factory)\s*:\s*(?:new\s+)?([\w.]+)/g)) {
    const [, kind, name] = m;
    if (kind === 'GUARD') {
      if (rateLimitName(name!)) nest(a).throttlerGuard = true;
      else nest(a).globalGuard = true;
    } else if (kind === 'PIPE') nest(a).globalPipe = true;
    else addErrorHandler(a, 'nest');
  }
}

/** Handler facts of an arbitrary function (used for error leak checks and by rules that look at one handler). */
export function handlerOf(fn: ts.Node, source: ts.SourceFile): HandlerFacts {
  return analyzeHandler(fn, source);
}

export { mergeFacts };
