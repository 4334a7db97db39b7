/**
 * Data-access helpers (`findProjectById(id)`, `ProjectsService.findOne(id)`) look rows up by an id their caller passes
 * in; whether that is a tenant leak depends on the callers. A helper's finding is held back as a signal and judged in
 * the summary: by every call of the helper across the repository, which either checks the row (or the id) against
 * the signed-in tenant, passes its own parameter on (then its callers are judged), or does not.
 */
import { ts } from '../../../src/audit/parsers/ts.cjs';
import type { RepoModel } from '../../../src/audit/model.js';
import type { TenantTable } from '../../../src/audit/schema/tenancy.js';
import { callIndexOf, type Imports } from './call-index.js';
import { derivedValue, enclosingFunction, findDeclaration, fromPrincipal, onlyTested, outerFunction, propertyName, resolveValue, resultChecked, resultFiltered, unwrap } from './scope.js';

/** A function the code calls by name: a plain function, or a method of a class (`ProjectsService.findOne`). */
export interface HelperName {
  name: string;
  className?: string;
  /**
   * A method of an object a factory builds (`createWorkflowsService = () => ({ getWorkflow(id) {...} })`): callers hold
   * the object under a shorter name (`service.getWorkflow(id)`), one the object's name ends with.
   */
  objectMethod?: true;
}

/** Which argument carries the id the helper filters by: its position, and the property read from it (`input.id`). */
export interface HelperParam {
  index: number;
  path?: string;
}

export type HelperTable = Pick<TenantTable, 'tenantColumns' | 'ownerColumns' | 'scopeColumns' | 'parentColumns' | 'uniqueColumns' | 'relations' | 'scopeRelations'>;

export interface HelperSignal extends HelperName {
  kind: 'helper';
  params: HelperParam[];
  /** The finding the helper gets when its callers do not settle it. */
  messageId: 'byIdOnly' | 'parentOnly' | 'unscoped' | 'rawSql';
  /** The query constrains no key at all (callers' checked ids cannot narrow it); implied by `unscoped`. */
  unscoped?: boolean;
  data: Record<string, string>;
  start: number;
  end: number;
  severity?: 'medium';
  confidence?: 'low';
  table: HelperTable;
  tenantKeyNames: string[];
}

/**
 * Code that runs once per process, not per request: `initCronJobs()`, `initializeJobs()`, `setupSchedules()`. It works
 * across tenants on purpose.
 */
export function startupFunction(fn: ts.FunctionLikeDeclaration | undefined): boolean {
  if (!fn || fn.parameters.length > 0) return false;
  const name = helperName(fn)?.name ?? '';
  return /^(?:init|initiali[sz]e|setup|bootstrap|startup|onStartup|onBoot)(?:[A-Z_]|$)/.test(name);
}

/** A function whose name says it only checks that a value is free or present (`validUniqueServerAppName`, `slugExists`). */
export function uniquenessCheck(fn: ts.FunctionLikeDeclaration | undefined): boolean {
  const name = fn ? helperName(fn)?.name : undefined;
  return name !== undefined && /(?:Unique|Available|Availability|Taken|Exists|Duplicate|InUse)(?:[A-Z_]|$)|^(?:is|check|validate|valid)?(?:unique|available|taken)/i.test(name);
}

/** The name callers use for the function a query sits in, when it has one. */
export function helperName(fn: ts.FunctionLikeDeclaration): HelperName | undefined {
  if (ts.isFunctionDeclaration(fn) && fn.name) return { name: fn.name.text };
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return { name: fn.parent.name.text };
  // `export const getSurvey = reactCache(async (id) => ...)`: the wrapper returns the function under the variable's name.
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isCallExpression(fn.parent) && fn.parent.arguments[0] === fn && ts.isVariableDeclaration(fn.parent.parent) && ts.isIdentifier(fn.parent.parent.name)) {
    return { name: fn.parent.parent.name.text };
  }
  if (ts.isMethodDeclaration(fn) && (ts.isClassDeclaration(fn.parent) || ts.isClassExpression(fn.parent)) && fn.parent.name) {
    const name = propertyName(fn.name);
    if (name && name !== 'constructor') return { name, className: fn.parent.name.text };
  }
  // `{ async getX(id) {...} }`, `{ getX: async (id) => ... }` in an object a variable or a factory names.
  const member = ts.isMethodDeclaration(fn) ? fn : (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isPropertyAssignment(fn.parent) && fn.parent.initializer === fn ? fn.parent : undefined;
  if (member && ts.isObjectLiteralExpression(member.parent)) {
    const name = propertyName(member.name);
    const owner = objectName(member.parent);
    if (name && owner) return { name, className: owner, objectMethod: true };
  }
  return undefined;
}

/** `const projectsService = {...}`, or the object a factory returns: `createProjectsService = () => ({...})` → ProjectsService. */
function objectName(object: ts.ObjectLiteralExpression): string | undefined {
  let at: ts.Node = object;
  while (ts.isParenthesizedExpression(at.parent) || ts.isAsExpression(at.parent) || ts.isSatisfiesExpression(at.parent)) at = at.parent;
  const parent = at.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  const factory = ts.isArrowFunction(parent) && parent.body === at ? parent : ts.isReturnStatement(parent) ? enclosingFunction(parent) : undefined;
  const named = factory ? helperName(factory)?.name : undefined;
  const stripped = named?.replace(/^(?:create|make|build|new)(?=[A-Z])/, '');
  return stripped && stripped !== named ? stripped : undefined;
}

/** Parameters of `fn` (and the property read from them) that the filter nodes use. */
export function parametersUsed(nodes: readonly ts.Node[], fn: ts.FunctionLikeDeclaration): HelperParam[] {
  const out: HelperParam[] = [];
  const add = (p: HelperParam): void => {
    if (!out.some((q) => q.index === p.index && q.path === p.path)) out.push(p);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) && !(ts.isPropertyAssignment(node.parent) && node.parent.name === node)) {
      const decl = findDeclaration(node.text, node);
      if (decl && ts.isParameter(decl) && decl.parent === fn) {
        const path = ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node ? node.parent.name.text : undefined;
        add({ index: fn.parameters.indexOf(decl), ...(path ? { path } : {}) });
      } else if (decl && ts.isBindingElement(decl)) {
        let holder: ts.Node = decl;
        let top: ts.BindingElement = decl;
        while (ts.isBindingElement(holder)) {
          top = holder;
          holder = holder.parent.parent;
        }
        const key = top.dotDotDotToken ? undefined : top.propertyName ? propertyName(top.propertyName) : ts.isIdentifier(top.name) ? top.name.text : undefined;
        if (ts.isParameter(holder) && holder.parent === fn) add({ index: fn.parameters.indexOf(holder), ...(key ? { path: key } : {}) });
        // `const { scheduleId, ...rest } = input` where `input` is a parameter.
        else if (ts.isVariableDeclaration(holder) && holder.initializer && ts.isIdentifier(unwrap(holder.initializer))) {
          for (const p of parametersUsed([holder.initializer], fn)) add(key && !p.path ? { ...p, path: key } : p);
        }
      } else if (decl && ts.isVariableDeclaration(decl) && decl.initializer && ts.isIdentifier(decl.name) && (ts.isIdentifier(unwrap(decl.initializer)) || ts.isPropertyAccessExpression(unwrap(decl.initializer)))) {
        // `const id = input.scheduleId`
        for (const p of parametersUsed([decl.initializer], fn)) add(p);
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const n of nodes) visit(n);
  return out;
}

interface Pending {
  params: HelperParam[];
  table: HelperTable;
  tenantKeyNames: string[];
  unscoped?: boolean;
}

type CallVerdict = { kind: 'verified' } | { kind: 'unchecked'; at: string } | { kind: 'through'; helper: HelperName; params: HelperParam[]; at: string };

export type HelperVerdict = { kind: 'verified' } | { kind: 'uncalled' } | { kind: 'unchecked'; callers: string[] };

const keyOf = (h: HelperName): string => (h.className ? `${h.className}.${h.name}` : h.name);
const normalize = (s: string): string => s.replace(/[_\s-]/g, '').toLowerCase();

/**
 * Whether an import specifier can name the helper's file: a relative path that resolves to it, an alias path
 * (`@/lib/survey/service`, `@org/server/services/ai`) that ends in it, or a package root or folder (a barrel).
 * Several helpers share names (`getSurvey` in three modules); the specifier tells them apart.
 */
export function moduleMatches(from: string, callerPath: string, home: string): boolean {
  const strip = (p: string): string => p.replace(/\.[cm]?[jt]sx?$/, '').replace(/\/index$/, '');
  const target = strip(home);
  if (from.startsWith('.')) {
    const parts = callerPath.split('/').slice(0, -1);
    for (const seg of from.split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.' && seg !== '') parts.push(seg);
    }
    return strip(parts.join('/')) === target;
  }
  const segments = from.split('/');
  const rest = segments[0] === '@' || segments[0] === '~' || segments[0] === '#' ? segments.slice(1) : segments[0]!.startsWith('@') ? segments.slice(2) : segments.slice(1);
  const tail = strip(rest.join('/'));
  return tail === '' || target === tail || target.endsWith(`/${tail}`) || target.includes(`/${tail}/`);
}

/** The helper a call invokes, if any: `findX(...)`, `services.findX(...)`, `this.projectsService.findOne(...)`. */
function calledHelper(call: ts.CallExpression, byKey: ReadonlyMap<string, HelperName>, imports: Imports, ownFile: ReadonlySet<string>, fromHome: (spec: string) => boolean): string | undefined {
  const callee = unwrap(call.expression);
  if (ts.isIdentifier(callee)) {
    const imported = imports.named.get(callee.text);
    const original = imported ? (fromHome(imported.from) ? imported.name : undefined) : ownFile.has(callee.text) ? callee.text : undefined;
    return original !== undefined && byKey.has(original) ? original : undefined;
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrap(callee.expression);
  const method = callee.name.text;
  const namespace = ts.isIdentifier(receiver) ? imports.namespaces.get(receiver.text) : undefined;
  if (namespace !== undefined && byKey.has(method) && fromHome(namespace)) return method;
  // `this.projectsService.findOne`, `projectsService.findOne`: the receiver is named after the class.
  const holder = ts.isPropertyAccessExpression(receiver) ? receiver.name.text : ts.isIdentifier(receiver) ? receiver.text : undefined;
  if (!holder) return undefined;
  for (const [key, helper] of byKey) {
    if (!helper.className || helper.name !== method) continue;
    const owner = normalize(helper.className);
    const held = normalize(holder);
    // `service.getWorkflow` for a method of `createWorkflowsService()`'s object; a short holder (`s`, `db`) says nothing.
    if (owner === held || (helper.objectMethod && held.length >= 5 && owner.endsWith(held))) return key;
  }
  return undefined;
}

/**
 * The value a call passes for a helper parameter: `findX(input.id)`, `updateX({ ...input, name })` → `input`; null when
 * the call passes none (`{ version: 'signed' }` for a helper that reads `options.itemId` only in another variant).
 */
function argumentFor(call: ts.CallExpression, param: HelperParam): ts.Expression | null | undefined {
  const arg = call.arguments[param.index];
  if (!arg) return null;
  if (!param.path) return arg;
  const inObject = (o: ts.Expression, depth: number): ts.Expression | null | undefined => {
    const u = unwrap(o);
    if (!ts.isObjectLiteralExpression(u)) return depth === 0 ? arg : o;
    let spread: ts.Expression | null | undefined = null;
    for (const p of u.properties) {
      if (ts.isPropertyAssignment(p) && propertyName(p.name) === param.path) return p.initializer;
      if (ts.isShorthandPropertyAssignment(p) && p.name.text === param.path) return p.name;
      if (ts.isSpreadAssignment(p) && spread === null && depth < 3) {
        // `...baseOptions` where `baseOptions` is a local object literal: look inside it.
        const local = resolveValue(p.expression);
        spread = ts.isObjectLiteralExpression(local) ? inObject(local, depth + 1) : p.expression;
      }
    }
    return spread;
  };
  return inObject(arg, 0);
}

/** Parameters of the calling function the argument is taken from (the caller passes its own input on). */
function passedThrough(value: ts.Expression, fn: ts.FunctionLikeDeclaration): HelperParam[] {
  return parametersUsed([value], fn);
}

function judgeCall(call: ts.CallExpression, helper: Pending, path: string, source: ts.SourceFile): CallVerdict {
  const fn = outerFunction(call);
  const table = helper.table as TenantTable;
  if (startupFunction(fn)) return { kind: 'verified' };
  if (resultChecked(call, table, fn) || onlyTested(call, fn) || resultFiltered(call, table, fn, helper.tenantKeyNames)) return { kind: 'verified' };
  const through: HelperParam[] = [];
  let passed = 0;
  for (const param of helper.params) {
    const value = argumentFor(call, param);
    if (!value) continue;
    passed++;
    // A checked id settles a lookup by id; a filter on another column (`pullRequestId`) may match every tenant's rows.
    if (!helper.unscoped) {
      if (fromPrincipal(value)) return { kind: 'verified' };
      // Closures see the checks of the functions around them (`const run = async () => helper(input.id)` in a handler).
      for (let anchor: ts.Node | undefined = call; anchor; anchor = enclosingFunction(anchor)) {
        if (derivedValue(value, anchor)) return { kind: 'verified' };
      }
    }
    // `helper(options)` for a helper that reads `options.envelopeItemId`: the caller's callers are asked for that property.
    if (fn) through.push(...passedThrough(value, fn).map((p) => (p.path || !param.path || value !== call.arguments[param.index] ? p : { ...p, path: param.path })));
  }
  // The call hands the helper no id at all (another variant of its options): nothing to look up.
  if (helper.params.length > 0 && passed === 0) return { kind: 'verified' };
  const name = fn ? helperName(fn) : undefined;
  // Only these verdicts name the call's line: most calls are verified, and a file's line starts cost a pass over it.
  const at = `${path}:${source.getLineAndCharacterOfPosition(call.getStart(source)).line + 1}`;
  if (fn && name && through.length > 0 && !isRequestHandler(fn, name)) return { kind: 'through', helper: name, params: through, at };
  return { kind: 'unchecked', at };
}

/** Functions a framework calls with request data: route handlers, controller actions, loaders. */
function isRequestHandler(fn: ts.FunctionLikeDeclaration, name: HelperName): boolean {
  if (/^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|loader|action|handler|middleware)$/.test(name.name)) return true;
  if (name.className && /Controller|Resolver|Router|Handler$/.test(name.className)) return true;
  return (ts.getDecorators(fn as ts.MethodDeclaration) ?? []).length > 0;
}

/**
 * Judges each helper by its callers. `skipped` tells the paths whose code works across tenants on purpose (tests,
 * jobs, scripts...): their calls settle nothing either way.
 */
export function judgeHelpers(model: RepoModel, helpers: readonly HelperSignal[], paths: Map<HelperSignal, string>, skipped: RegExp): Map<HelperSignal, HelperVerdict> {
  const out = new Map<HelperSignal, HelperVerdict>();
  // Calls of each function name, found on demand and memoised: `key` → verdicts of its calls and whether any exist.
  const memo = new Map<string, { calls: CallVerdict[]; skippedCalls: number }>();
  const index = callIndexOf(model);
  const callsOf = (name: HelperName, home: string | undefined, info: Pending): { calls: CallVerdict[]; skippedCalls: number } => {
    const key = `${keyOf(name)}\0${home ?? ''}\0${info.params.map((p) => `${p.index}.${p.path ?? ''}`).join()}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const result = { calls: [] as CallVerdict[], skippedCalls: 0 };
    memo.set(key, result);
    const byKey = new Map([[keyOf(name), name]]);
    // The name anywhere (an aliased import calls it under another name, but names it where it imports it).
    for (const { path, callable } of index.filesNaming(name.name)) {
      if (skipped.test(path)) {
        result.skippedCalls++;
        continue;
      }
      const file = callable ? index.callsIn(path, name.name) : undefined;
      if (!file) continue;
      const own = new Set(path === home || name.className ? [name.name] : []);
      for (const call of file.calls) {
        if (calledHelper(call, byKey, file.imports, own, (spec) => home === undefined || moduleMatches(spec, path, home)) === undefined) continue;
        // A helper calling itself (recursion) settles nothing.
        const fn = outerFunction(call);
        const self = fn ? helperName(fn) : undefined;
        if (!(self && keyOf(self) === keyOf(name) && path === home)) result.calls.push(judgeCall(call, info, path, file.source));
      }
    }
    return result;
  };
  const verdictOf = (name: HelperName, home: string | undefined, info: Pending, depth: number, seen: Set<string>): HelperVerdict => {
    const { calls, skippedCalls } = callsOf(name, home, info);
    if (calls.length === 0) return skippedCalls > 0 ? { kind: 'verified' } : { kind: 'uncalled' };
    const callers: string[] = [];
    for (const c of calls) {
      if (c.kind === 'verified') continue;
      if (c.kind === 'unchecked') {
        callers.push(c.at);
        continue;
      }
      const home2 = c.at.replace(/:\d+$/, '');
      const k = `${home2}#${keyOf(c.helper)}`;
      if (depth >= 3 || seen.has(k)) {
        callers.push(c.at);
        continue;
      }
      const inner = verdictOf(c.helper, home2, { ...info, params: c.params }, depth + 1, new Set([...seen, k]));
      // A caller that passes its own input on and is never called itself is an entry point (a route, an export).
      if (inner.kind === 'unchecked') callers.push(...inner.callers);
      else if (inner.kind === 'uncalled') callers.push(c.at);
    }
    return callers.length === 0 ? { kind: 'verified' } : { kind: 'unchecked', callers: [...new Set(callers)] };
  };
  const pendingOf = (h: HelperSignal): Pending => ({ ...h, unscoped: h.unscoped ?? h.messageId === 'unscoped' });
  // The texts are searched once per level of the caller chain, for all its names together: the helpers, then the
  // functions that pass their input on to them, and so on (the depth `verdictOf` follows).
  let level = helpers.map((h) => ({ name: h as HelperName, home: paths.get(h), info: pendingOf(h) }));
  for (let depth = 0; depth <= 3 && level.length > 0; depth++) {
    index.scan(level.map((l) => l.name.name));
    level = level.flatMap((l) => callsOf(l.name, l.home, l.info).calls.flatMap((c) => (c.kind === 'through' ? [{ name: c.helper, home: c.at.replace(/:\d+$/, ''), info: { ...l.info, params: c.params } }] : [])));
  }
  for (const h of helpers) out.set(h, verdictOf(h, paths.get(h), pendingOf(h), 0, new Set([`${paths.get(h)}#${keyOf(h)}`])));
  return out;
}
