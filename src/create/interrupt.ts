/**
 * The user stopped `create` (Ctrl-C at a prompt, a declined confirmation, SIGINT while writing). Not an error:
 * the CLI prints the message and exits 130, the shell convention for an interrupted command.
 */
export class Interrupted extends Error {
  constructor(message = 'Cancelled; nothing was written.') {
    super(message);
    this.name = 'Interrupted';
  }
}

export const interruptedExitCode = 130;

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Interrupted('Interrupted; nothing was written.');
}
