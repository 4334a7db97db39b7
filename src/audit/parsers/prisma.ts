import { createRequire } from 'node:module';
import type { Schema } from '@mrleebo/prisma-ast';

// prisma-ast is CommonJS; its parser with full location tracking gives every model, field and attribute a position.
// Loaded on first use: chevrotain builds its grammar at load time, which runs without a Prisma schema need not pay.
const require = createRequire(import.meta.url);
type PrismaAst = typeof import('@mrleebo/prisma-ast');
let prismaAst: PrismaAst | undefined;
let tools: { parser: InstanceType<PrismaAst['PrismaParser']>; visitor: InstanceType<ReturnType<PrismaAst['VisitorClassFactory']>> } | undefined;

export type PrismaSchema = Schema;

/** Parses a Prisma schema with positions; a syntax error is returned as text, never thrown. */
export function parsePrisma(text: string): { schema: Schema } | { error: string } {
  prismaAst ??= require('@mrleebo/prisma-ast') as PrismaAst;
  if (!tools) {
    const parser = new prismaAst.PrismaParser({ nodeLocationTracking: 'full' });
    tools = { parser, visitor: new (prismaAst.VisitorClassFactory(parser))() };
  }
  try {
    return { schema: prismaAst.getSchema(text, tools) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
