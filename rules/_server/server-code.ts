/**
 * What counts as server code, shared by the rules that only look at backend code (console output, swallowed errors,
 * outbound calls...). Moved from console-in-server-code, whose behaviour it defines.
 */
import { ts } from '../../src/audit/parsers/ts.cjs';
import type { PackageManifest, RepoModel } from '../../src/audit/model.js';

/** Runtime dependencies that make a package a backend service: HTTP frameworks, GraphQL servers, job workers. */
export const serverFrameworks = [
  'express', 'fastify', 'koa', 'hono', '@hono/node-server', '@nestjs/core', '@hapi/hapi', 'hapi', 'restify', 'polka', 'h3', 'elysia',
  '@adonisjs/core', '@feathersjs/feathers', '@loopback/core', '@apollo/server', 'apollo-server', 'apollo-server-express', 'graphql-yoga',
  'socket.io', 'micro', 'sails', 'bullmq', 'bull', 'bee-queue', 'pg-boss', 'agenda', '@middy/core', 'serverless-http',
  '@vendia/serverless-express', '@codegenie/serverless-express', 'moleculer', '@remix-run/express',
];
/** Dependencies of browser or desktop front ends: in such a package only files with their own server evidence count. */
export const frontEnds = [
  'react-dom', 'next', 'vue', 'nuxt', 'svelte', '@sveltejs/kit', '@angular/core', 'solid-js', 'preact', '@remix-run/react', 'astro',
  'react-native', 'expo', 'electron', '@builder.io/qwik', 'gatsby',
];
/** Module specifiers whose import marks the importing file itself as server code. */
export const serverModules = new Set([...serverFrameworks, 'http', 'https', 'http2', 'node:http', 'node:https', 'node:http2', 'next/server']);
/** Files that are not request-serving code: tests, scripts and CLIs, tool configuration, seeds and migrations, docs. */
export const notServerPath = [
  /(?:^|\/)(?:__tests__|__mocks__|tests?|specs?|e2e|cypress|playwright|fixtures?|__fixtures__|testing|test-?utils|mocks?|stubs?)\//,
  /\.(?:test|spec|e2e|e2e-spec|stories|story|cy|bench)\.[cm]?[jt]sx?$|(?:^|\/)test(?:[-_.][^/]*)?\.[cm]?[jt]sx?$/,
  /(?:^|\/)(?:bin|cli|tools|tooling|generators?|codemods?|\.husky|\.github|_templates|\.hygen)\/|(?:^|\/)(?:[.\w-]*[-_.])?scripts?\//,
  /(?:^|\/)cli\.[cm]?[jt]s$/,
  /(?:^|\/)[^/]+\.config\.[cm]?[jt]s$|(?:^|\/)\.[^/]+rc\.[cm]?[jt]s$|(?:^|\/)(?:gulpfile|gruntfile|jakefile|ecosystem)\.[cm]?[jt]s$/i,
  /(?:^|\/)(?:seeds?|seeders?|seeding|migrations?|factories)\/|(?:^|\/)(?:seed|migrate)[^/]*\.[cm]?[jt]s$/,
  /(?:^|\/)(?:examples?|samples?|docs?|benchmarks?|bench|playgrounds?|demos?|sandbox|templates?|vendor|third[-_]party|generated|__generated__)\//,
  /\.d\.[cm]?ts$/,
  // The logger's own implementation may write to the console; that is where structured output is produced.
  /(?:^|\/)(?:loggers?|logging)(?:\/|\.[cm]?[jt]s$)|(?:^|\/)(?:log|debug|debugger)\.[cm]?[jt]s$/,
];
/** Code that also or only runs in the browser, whatever folder it sits in. */
export const clientCode = /\.client\.[cm]?[jt]sx?$|(?:^|\/)(?:client-only|universal|isomorphic)\//;
/** Browser code by location (Next.js `pages/api` is the exception). */
export const frontEndPath = /(?:^|\/)(?:components?|public|static|assets|client|frontend|browser|ui|hooks|views|styles|www|spa|widgets|layouts|\.storybook|extension)\/|(?:^|\/)(?:sw|service-?worker)\.[cm]?[jt]s$/;
export const nextPages = /(?:^|\/)pages\/(?!api\/)/;
/** Next.js server entry points: API routes, route handlers, middleware, server-only modules. */
export const nextServerPath = /(?:^|\/)pages\/api\/|(?:^|\/)app\/(?:.*\/)?route\.[cm]?[jt]sx?$|(?:^|\/)(?:src\/)?(?:middleware|instrumentation)\.[cm]?[jt]s$|(?:^|\/)server\/|\.server\.[cm]?[jt]sx?$/;

export function directive(source: ts.SourceFile): string | undefined {
  const first = source.statements[0];
  return first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression) ? first.expression.text : undefined;
}

export function importsServerModule(source: ts.SourceFile): boolean {
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && serverModules.has(statement.moduleSpecifier.text)) {
      return statement.moduleSpecifier.text.includes('http') ? /\bcreateServer\b/.test(source.text) : true;
    }
  }
  for (const m of source.text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (serverModules.has(m[1]!)) return m[1]!.includes('http') ? /\bcreateServer\b/.test(source.text) : true;
  }
  return false;
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '.' : path.slice(0, i);
}

export interface OwningPackage {
  dir: string;
  manifest: PackageManifest | undefined;
}

export function owningPackage(model: RepoModel, path: string, cache: Map<string, OwningPackage>): OwningPackage {
  const visited: string[] = [];
  let dir = dirOf(path);
  let found: OwningPackage = { dir: '.', manifest: undefined };
  for (;;) {
    const cached = cache.get(dir);
    if (cached) {
      found = cached;
      break;
    }
    visited.push(dir);
    const manifest = model.json<PackageManifest>(dir === '.' ? 'package.json' : `${dir}/package.json`);
    if (manifest && typeof manifest === 'object') {
      found = { dir, manifest };
      break;
    }
    if (dir === '.') break;
    dir = dirOf(dir);
  }
  for (const d of visited) cache.set(d, found);
  return found;
}

/** Serverless functions by their platform's folder convention: Vercel `api/` beside vercel.json, Netlify functions. */
export function serverlessFunction(model: RepoModel, pkg: OwningPackage, path: string): boolean {
  if (/(?:^|\/)netlify\/(?:edge-)?functions\//.test(path)) return true;
  const prefix = pkg.dir === '.' ? '' : `${pkg.dir}/`;
  return model.has(`${prefix}vercel.json`) && path.startsWith(`${prefix}api/`);
}

export function runtimeDependencies(manifest: PackageManifest | undefined): Set<string> {
  return new Set([manifest?.dependencies, manifest?.optionalDependencies].flatMap((d) => (d && typeof d === 'object' ? Object.keys(d) : [])));
}


/** Paths and files that are never request-serving code (tests, scripts, CLIs, configs, browser-only code). */
export function excludedFromServer(path: string, text: string): boolean {
  return notServerPath.some((re) => re.test(path)) || clientCode.test(path) || text.startsWith('#!');
}

/** What a file shows about itself: `'client'` for `'use client'` modules, true when it is server code on its own. */
export function ownServerEvidence(source: ts.SourceFile, path: string): boolean | 'client' {
  const first = directive(source);
  if (first === 'use client') return 'client';
  return first === 'use server' || nextServerPath.test(path) || importsServerModule(source);
}

/**
 * The opening step of file rules about server code: undefined for files that never serve requests or that are
 * `'use client'` modules; otherwise the parsed file and what it shows about itself ({@link ownServerEvidence}).
 */
export function serverCandidate(path: string, text: string, ast: () => ts.SourceFile): { source: ts.SourceFile; evidence: boolean } | undefined {
  if (excludedFromServer(path, text)) return undefined;
  const source = ast();
  const evidence = ownServerEvidence(source, path);
  return evidence === 'client' ? undefined : { source, evidence };
}

/**
 * Whether a file (not excluded by {@link excludedFromServer}) runs as server code: it shows it itself, it is a
 * serverless function, or it sits in a pure backend package (not a front end, not a CLI, not in a browser folder).
 */
export function isServerFile(model: RepoModel, path: string, ownEvidence: boolean, cache: Map<string, OwningPackage>): boolean {
  if (ownEvidence) return true;
  const pkg = owningPackage(model, path, cache);
  if (serverlessFunction(model, pkg, path)) return true;
  const deps = runtimeDependencies(pkg.manifest);
  return (
    serverFrameworks.some((d) => deps.has(d)) &&
    !frontEnds.some((d) => deps.has(d)) &&
    (pkg.manifest?.bin === undefined || startsOwnServer(pkg.manifest)) &&
    !frontEndPath.test(path) &&
    !nextPages.test(path)
  );
}

/** Frameworks that serve HTTP requests from a long-running process (not job queues, not serverless adapters). */
export const httpServerFrameworks = [
  // Frameworks built on another one come first: the finding names the one the code is written against.
  '@nestjs/core', '@adonisjs/core', '@feathersjs/feathers', '@loopback/core', 'sails', 'moleculer', '@remix-run/express',
  '@apollo/server', 'apollo-server', 'apollo-server-express', 'graphql-yoga',
  'express', 'fastify', 'koa', 'hono', '@hono/node-server', '@hapi/hapi', 'hapi', 'restify', 'polka', 'h3', 'elysia', 'micro',
];
const serverlessAdapters = ['@middy/core', 'serverless-http', '@vendia/serverless-express', '@codegenie/serverless-express'];

/**
 * A package with a `bin` is a CLI, unless its `start` script runs something else than that CLI: app boilerplates often
 * also ship a scaffolding command (`create-my-app`) while `npm start` runs the server.
 */
export function startsOwnServer(manifest: PackageManifest): boolean {
  const start = manifest.scripts?.start;
  if (typeof start !== 'string' || !start.trim()) return false;
  const bin = manifest.bin;
  const entries = typeof bin === 'string' ? [bin, manifest.name ?? ''] : bin && typeof bin === 'object' ? Object.entries(bin as Record<string, unknown>).flat() : [];
  return !entries.some((e) => typeof e === 'string' && e.length > 0 && start.includes(e.replace(/^\.\//, '')));
}

export interface ServerPackage {
  /** Package directory ("." for the root). */
  dir: string;
  manifest: PackageManifest;
  /** The HTTP framework dependencies that make it a server, in declaration order. */
  frameworks: string[];
}

const outsideProduct = /(?:^|\/)(?:examples?|samples?|fixtures?|__fixtures__|tests?|__tests__|e2e|docs?|templates?|vendor|node_modules|benchmarks?|playgrounds?|demos?)\//;

/**
 * Packages that run a long-lived HTTP server: a runtime dependency on an HTTP framework, and neither a CLI (`bin`),
 * a serverless function bundle, nor a browser front end whose framework only renders pages.
 */
export function httpServerPackages(model: RepoModel): ServerPackage[] {
  const out: ServerPackage[] = [];
  for (const { path, manifest } of model.manifests()) {
    if (outsideProduct.test(path)) continue;
    const deps = runtimeDependencies(manifest);
    const frameworks = httpServerFrameworks.filter((d) => deps.has(d));
    // Hono without its Node adapter runs on Workers, Deno or Bun edge runtimes: no long-running process of ours.
    if (frameworks.length === 1 && frameworks[0] === 'hono') continue;
    if (frameworks.length === 0 || (manifest.bin !== undefined && !startsOwnServer(manifest)) || serverlessAdapters.some((d) => deps.has(d))) continue;
    // A front-end dependency (React for server-rendered emails or pages) does not stop an explicit Node server from being one.
    if (frontEnds.some((d) => deps.has(d)) && !['@nestjs/core', 'express', 'fastify', '@hono/node-server'].some((d) => deps.has(d))) continue;
    out.push({ dir: dirOf(path), manifest, frameworks });
  }
  return out;
}

/**
 * Whether the repository serves HTTP: an HTTP server package, Next.js API routes, or a package that depends on an HTTP
 * framework next to a front end (Koa + React in one package still serves an API).
 */
export function servesHttp(model: RepoModel): boolean {
  if (httpServerPackages(model).length > 0) return true;
  const foreign = /(?:^|\/)(?:node_modules|vendor|fixtures?|__fixtures__|examples?|tests?|__tests__|templates?|e2e)\//;
  if (model.manifests().some(({ path, manifest }) => !foreign.test(path) && httpServerFrameworks.some((d) => d !== 'hono' && runtimeDependencies(manifest).has(d)))) return true;
  return model.find((f) => /(?:^|\/)pages\/api\/|(?:^|\/)app\/(?:.*\/)?route\.[cm]?[jt]sx?$/.test(f.path) && !foreign.test(f.path)).length > 0;
}
