import * as clack from '@clack/prompts';

/** How `create` talks to the user: clack on a terminal, plain lines otherwise (CI logs, pipes). */
export interface Ui {
  intro(title: string): void;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  note(body: string, title: string): void;
  spinner(message: string): { stop(message: string): void; fail(message: string): void };
  outro(message: string): void;
  /** The run was stopped by the user (Ctrl-C, a declined confirmation). */
  cancel(message: string): void;
  /** Plan output (`--dry-run`): stdout, undecorated. */
  print(text: string): void;
}

export function clackUi(): Ui {
  return {
    intro: (title) => clack.intro(title),
    info: (m) => clack.log.info(m),
    success: (m) => clack.log.success(m),
    warn: (m) => clack.log.warn(m),
    note: (body, title) => clack.note(body, title),
    spinner(message) {
      const s = clack.spinner();
      s.start(message);
      return { stop: (m) => s.stop(m), fail: (m) => s.error(m) };
    },
    outro: (m) => clack.outro(m),
    cancel: (m) => clack.cancel(m),
    print: (text) => process.stdout.write(text),
  };
}

export function plainUi(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Ui {
  const out = (line: string): boolean => stdout.write(`${line}\n`);
  return {
    intro: () => undefined,
    info: out,
    success: out,
    warn: (m) => stderr.write(`prodgrade: warning: ${m}\n`),
    note: (body, title) => out(`\n${title}:\n${body.replace(/^/gm, '  ')}\n`),
    spinner(message) {
      out(`${message}…`);
      return { stop: out, fail: (m) => stderr.write(`prodgrade: ${m}\n`) };
    },
    outro: out,
    cancel: (m) => stderr.write(`prodgrade: ${m}\n`),
    print: (text) => stdout.write(text),
  };
}
