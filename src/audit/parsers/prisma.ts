import { createRequire } from 'node:module';
import type { Schema } from '@mrleebo/prisma-ast';

// prisma-ast is CommonJS; its parser with full location tracking gives every model, field and attribute a position.
const require = createRequire(import.meta.url);
const prismaAst = require('@mrleebo/prisma-ast') as typeof import('@mrleebo/prisma-ast');
let tools: { parser: InstanceType<typeof prismaAst.PrismaParser>; visitor: InstanceType<ReturnType<typeof prismaAst.VisitorClassFactory>> } | undefined;

export type PrismaSchema = Schema;

/** Parses a Prisma schema with positions; a syntax error is returned as text, never thrown. */
export function parsePrisma(text: string): { schema: Schema } | { error: string } {
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
