'use strict';
/*
 * TypeScript, as the rules and parsers import it (`import { ts } from '…/parsers/ts.cjs'`; the types are ts-morph's,
 * in ts.d.cts). Only ts-morph's bundled TypeScript is loaded, not ts-morph itself, whose 4 MB the audit does not use
 * (a type-checked run loads it through type-program.ts), and as CommonJS: an ES import of ts-morph made Node scan its
 * source for named exports and for module syntax on every thread.
 */
const { dirname, join } = require('node:path');

const common = dirname(require.resolve('@ts-morph/common/package.json', { paths: [require.resolve('ts-morph')] }));
exports.ts = require(join(common, 'dist', 'typescript.js'));
