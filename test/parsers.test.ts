import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../src/audit/parsers/dockerfile.js';
import { parseHcl } from '../src/audit/parsers/hcl.js';
import { parsePrisma } from '../src/audit/parsers/prisma.js';
import { splitSql } from '../src/audit/parsers/sql.js';
import { parseTypeScript, setParents, typescript } from '../src/audit/parsers/typescript.js';

describe('HCL parser', () => {
  it('returns blocks, labels, literal and non-literal attributes with lines', async () => {
    const file = await parseHcl(
      'resource "aws_db_instance" "main" {\n  storage_encrypted = false\n  name = "héllo"\n  port = 5432\n  password = "${var.pw}"\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n',
    );
    expect(file.hasErrors).toBe(false);
    const db = file.blocks[0]!;
    expect([db.type, ...db.labels]).toEqual(['resource', 'aws_db_instance', 'main']);
    expect(db.attributes.storage_encrypted).toMatchObject({ literal: false, line: 2 });
    expect(db.attributes.name!.literal).toBe('héllo');
    expect(db.attributes.port!.literal).toBe(5432);
    expect(db.attributes.password!.literal).toBeUndefined();
    expect(db.attributes.password!.text).toBe('"${var.pw}"');
    expect(db.blocks[0]).toMatchObject({ type: 'lifecycle', line: 6 });
    expect(db.blocks[0]!.attributes.prevent_destroy!.literal).toBe(true);
  });

  it('reads negative numbers, negated bools and parenthesised literals as values, and nothing else', async () => {
    const file = await parseHcl(
      'locals {\n  a = -1\n  b = - 2.5e1\n  c = !true\n  d = -(3)\n  e = --4\n  f = (5)\n  g = !!false\n  h = -var.x\n  i = -"1"\n  j = !1\n  k = -1 + 2\n  l = -null\n  m = !(var.on)\n}\n',
    );
    expect(file.hasErrors).toBe(false);
    const values = Object.fromEntries(Object.values(file.blocks[0]!.attributes).map((a) => [a.name, a.literal]));
    expect(values).toEqual({ a: -1, b: -25, c: false, d: -3, e: 4, f: 5, g: false, h: undefined, i: undefined, j: undefined, k: undefined, l: undefined, m: undefined });
    expect(file.blocks[0]!.attributes.a!.text).toBe('-1');
  });

  it('uses string offsets after non-ASCII text', async () => {
    const text = 'locals {\n  a = "é€😀"\n  b = 1\n}\n';
    const file = await parseHcl(text);
    const b = file.blocks[0]!.attributes.b!;
    expect(text.slice(b.start, b.end)).toBe('b = 1');
  });

  it('recovers from syntax errors without throwing', async () => {
    const file = await parseHcl('resource "a" "b" {\n  x = \n}\nbroken {{{ "\n');
    expect(file.hasErrors).toBe(true);
  });
});

describe('Dockerfile parser', () => {
  it('splits stages and keeps flags and continuation lines', () => {
    const model = parseDockerfile('FROM node:20.11-alpine AS build\nRUN npm ci \\\n  && npm run build\nFROM node@sha256:abc\nCOPY --from=build --chown=node:node /app /app\nUSER node\n');
    expect(model.stages.map((s) => [s.image, s.name, s.tag])).toEqual([
      ['node:20.11-alpine', 'build', '20.11-alpine'],
      ['node@sha256:abc', undefined, undefined],
    ]);
    expect(model.stages[1]!.digest).toBe('sha256:abc');
    expect(model.instructions[1]).toMatchObject({ keyword: 'RUN', line: 2, endLine: 3 });
    expect(model.instructions[3]!.flags).toEqual({ from: 'build', chown: 'node:node' });
  });

  it('does not throw on garbage', () => {
    expect(() => parseDockerfile('\u0000\uFFFD FROM\n RUN \\\n')).not.toThrow();
  });
});

describe('SQL splitter', () => {
  it('respects comments, strings, escapes and dollar quoting', () => {
    const statements = splitSql(
      "-- a; comment\nCREATE TABLE a (id int); /* b; /* nested; */ c; */\nCREATE FUNCTION f() RETURNS void AS $body$ BEGIN; PERFORM 1; END $body$ LANGUAGE plpgsql;\nINSERT INTO t VALUES ('x;y', E'it\\'s;', \"we;ird\");\nALTER TABLE a ADD COLUMN b text",
    );
    expect(statements.map((s) => s.text)).toEqual([
      'CREATE TABLE a (id int)',
      'CREATE FUNCTION f() RETURNS void AS $body$ BEGIN; PERFORM 1; END $body$ LANGUAGE plpgsql',
      "INSERT INTO t VALUES ('x;y', E'it\\'s;', \"we;ird\")",
      'ALTER TABLE a ADD COLUMN b text',
    ]);
    expect(statements.map((s) => s.line)).toEqual([2, 3, 4, 5]);
  });

  it('survives unterminated strings and comments', () => {
    expect(splitSql("SELECT 'open").length).toBe(1);
    expect(splitSql('SELECT 1; /* never closed').length).toBe(1);
    expect(splitSql('SELECT $$ open').length).toBe(1);
  });
});

describe('Prisma parser', () => {
  it('parses models with locations', () => {
    const result = parsePrisma('model Project {\n  id     String @id\n  teamId String @map("team_id")\n  @@index([teamId])\n}\n');
    expect('schema' in result).toBe(true);
    if (!('schema' in result)) return;
    const model = result.schema.list[0]!;
    expect(model).toMatchObject({ type: 'model', name: 'Project' });
  });

  it('returns syntax errors instead of throwing', () => {
    expect(parsePrisma('model {{{')).toHaveProperty('error');
  });
});

describe('TypeScript parser', () => {
  it('parses with parent pointers and recovers from syntax errors', () => {
    const source = parseTypeScript('a.ts', 'const x = {;\nfunction (');
    expect(source.statements.length).toBeGreaterThan(0);
    expect(source.statements[0]!.parent).toBe(source);
  });

  it('sets the same parents as TypeScript does, JSDoc included, and without recursion', () => {
    const ts = typescript();
    const text = [
      '/** A doc. @param a the first */',
      'export default class A<T extends object> extends B implements C { @dec() m?(a: T, ...r: number[]): void { for (const [k, { v = 1 }] of x) label: while (k) break label; } }',
      'const f = async <U,>(u: U) => <div a={u as any}>{`t${u!}`}</div>;',
      'enum E { A = 1 } namespace N { export type K = keyof typeof E; }',
      'const bad = {;',
    ].join('\n');
    const parents = (root: import('ts-morph').ts.Node): string[] => {
      const out: string[] = [];
      const visit = (node: import('ts-morph').ts.Node): void => {
        out.push(`${node.kind}@${node.pos}-${node.end} in ${node.parent ? `${node.parent.kind}@${node.parent.pos}` : '-'}`);
        for (const doc of (node as { jsDoc?: import('ts-morph').ts.Node[] }).jsDoc ?? []) visit(doc);
        ts.forEachChild(node, visit);
      };
      visit(root);
      return out;
    };
    const expected = ts.createSourceFile('a.tsx', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
    const ours = ts.createSourceFile('a.tsx', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TSX);
    // Without a pass, nodes have no parent: the comparison below can fail.
    expect(parents(ours).filter((line) => line.endsWith(' in -')).length).toBeGreaterThan(50);
    setParents(ours, ts);
    expect(parents(ours)).toEqual(parents(expected));
    expect(parents(ours).some((line) => line.startsWith(`${ts.SyntaxKind.JSDoc}@`))).toBe(true);
    const deep = parseTypeScript('deep.ts', `x = ${'['.repeat(300)}${']'.repeat(300)};`);
    expect(deep.statements[0]!.parent).toBe(deep);
  });
});

describe('PostgreSQL parser', () => {
  it('parses statements with string offsets and lines', async () => {
    const { parsePg } = await import('../src/audit/parsers/pg.js');
    const text = "-- héllo ünïcode\nCREATE TABLE projects (id uuid, tenant_id uuid NOT NULL);\n\nALTER TABLE projects ENABLE ROW LEVEL SECURITY;\n";
    const file = await parsePg(text);
    expect(file.errors).toEqual([]);
    expect(file.statements.map((s) => [Object.keys(s.node)[0], s.line])).toEqual([
      ['CreateStmt', 2],
      ['AlterTableStmt', 4],
    ]);
    expect(text.slice(file.statements[0]!.start, file.statements[0]!.start + 12)).toBe('CREATE TABLE');
    const create = (file.statements[0]!.node as { CreateStmt: { relation: { location: number } } }).CreateStmt;
    expect(text.slice(file.statements[0]!.offsetOf(create.relation.location)).startsWith('projects')).toBe(true);
  });

  it('maps byte locations after two-, three- and four-byte characters to string offsets', async () => {
    const { parsePg } = await import('../src/audit/parsers/pg.js');
    const text = "INSERT INTO t (a) VALUES ('é€😀');\nCREATE INDEX i ON projects (tenant_id);\r\n\r\nDROP TABLE old_things;\n";
    const file = await parsePg(text);
    expect(file.statements.map((s) => s.line)).toEqual([1, 2, 4]);
    const index = (file.statements[1]!.node as { IndexStmt: { relation: { location: number } } }).IndexStmt;
    expect(text.slice(file.statements[1]!.offsetOf(index.relation.location)).startsWith('projects')).toBe(true);
    const drop = file.statements[2]!;
    expect(text.slice(drop.start, drop.end)).toBe('DROP TABLE old_things');
    // Lines as findings count them: a lone carriage return ends a line too.
    const classic = await parsePg('CREATE TABLE a (id int);\rDROP TABLE a;\r');
    expect(classic.statements.map((s) => s.line)).toEqual([1, 2]);
  });

  it('parses around a statement PostgreSQL rejects', async () => {
    const { parsePg } = await import('../src/audit/parsers/pg.js');
    const file = await parsePg('CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int AFTER id;\nDROP TABLE a;\n');
    expect(file.statements.map((s) => Object.keys(s.node)[0])).toEqual(['CreateStmt', 'DropStmt']);
    expect(file.errors.map((e) => e.line)).toEqual([2]);
  });
});
