import type { Command } from 'commander';
import { KnownError } from '../core/errors.js';

export function registerCreate(program: Command): void {
  program
    .command('create')
    .description('Scaffold a production-grade multi-tenant SaaS repository (also: npm create prodgrade).')
    .argument('[dir]', 'directory to create')
    .allowUnknownOption(false)
    .action(() => {
      throw new KnownError('prodgrade create is not available in this build yet', 'Track the scaffolding engine issue; `prodgrade audit` is ready.');
    });
}
