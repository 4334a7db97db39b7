import { Command, CommanderError } from 'commander';
import { ExitCode, KnownError, isKnownError } from '../core/errors.js';
import { toolVersion } from '../core/versions.js';
import { registerAudit } from './audit.js';

/**
 * The program with its commands. `prodgrade audit …` registers only `audit`: the `create` command's templates,
 * prompts and process runner cost a cached audit a fifth of its time to load, for flags it cannot use.
 */
async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('prodgrade')
    .description('Generate production-grade multi-tenant SaaS repositories, and audit codebases for production readiness.')
    .version(toolVersion, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodgrade audit                       audit the current directory
  $ prodgrade audit ../api --format sarif=prodgrade.sarif --fail-on critical
  $ prodgrade audit --format html=report.html --format text
  $ prodgrade create my-saas              scaffold a new multi-tenant SaaS
  $ prodgrade rules tenant-unscoped-query explain one rule

Exit codes: 0 no findings at or above --fail-on, 1 findings at or above it, 2 usage, configuration or internal error.`,
    )
    .exitOverride();
  registerAudit(program);
  if (argv[0] !== 'audit') {
    const [{ registerCreate }, { registerRules }] = await Promise.all([import('./create.js'), import('./rules.js')]);
    registerCreate(program);
    registerRules(program);
  }
  return program;
}

function printInternal(error: unknown): void {
  let stack: string;
  if (error instanceof Error) stack = error.stack ?? error.message;
  else {
    // Workers and WebAssembly libraries can throw plain objects; show what they carry.
    try {
      stack = JSON.stringify(error, null, 2) ?? String(error);
    } catch {
      stack = String(error);
    }
  }
  process.stderr.write(`prodgrade: internal error\n${stack}\nprodgrade ${toolVersion}, node ${process.version}, ${process.platform}-${process.arch}\nPlease report this at https://github.com/prodgrade/prodgrade/issues with the command you ran.\n`);
}

/** Runs the command line and sets process.exitCode; never throws. */
export async function run(argv: readonly string[]): Promise<void> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed the message (or the help/version text)
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.error;
      return;
    }
    if (isKnownError(error)) {
      process.stderr.write(`prodgrade: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      process.exitCode = ExitCode.error;
      return;
    }
    printInternal(error);
    process.exitCode = ExitCode.error;
  }
}

export { KnownError };
