/**
 * A small, forgiving reading of shell text: split into simple commands at `&&`, `||`, `;`, `|`, `&`, newlines and
 * parentheses, with quotes, comments, line continuations and here-documents respected. Good enough to recognise
 * what a CI step runs; not a shell.
 */

export interface Word {
  /** The word with quotes removed. */
  value: string;
  /** Index of the word's first character in the script text. */
  start: number;
  end: number;
}

export interface Command {
  words: Word[];
  /** Index range of the whole command in the script text. */
  start: number;
  end: number;
  /** The separator that follows the command (`|`, `&&`, `;`, `\n`…), '' at the end. */
  next: string;
  /** Words after an output redirection (`>`, `>>`) are not arguments; the targets are kept here. */
  redirects: string[];
}

const separators = ['&&', '||', ';;', '|&', '|', ';', '&', '(', ')', '\n'];

export function parseShell(text: string): Command[] {
  const commands: Command[] = [];
  let words: Word[] = [];
  let redirects: string[] = [];
  let pendingRedirect = false;
  const heredocs: string[] = [];
  let current: Word | undefined;
  let cmdStart = -1;

  const endWord = (): void => {
    if (!current) return;
    const w = current;
    current = undefined;
    if (pendingRedirect) {
      redirects.push(w.value);
      pendingRedirect = false;
      return;
    }
    const heredoc = /^<<-?\s*['"]?([A-Za-z_][\w-]*)['"]?$/.exec(w.value);
    if (heredoc) {
      heredocs.push(heredoc[1]!);
      return;
    }
    if (/^\d?>>?&?\d?$|^&>>?$/.test(w.value)) {
      if (!/&\d$/.test(w.value)) pendingRedirect = true;
      return;
    }
    const inlineRedirect = /^(\d?>>?)(.+)$/.exec(w.value);
    if (inlineRedirect && !w.value.startsWith('>=')) {
      if (!/^&\d$/.test(inlineRedirect[2]!)) redirects.push(inlineRedirect[2]!);
      return;
    }
    if (w.value === '<<' || w.value === '<<-') {
      heredocs.push('');
      return;
    }
    if (heredocs.at(-1) === '' && /^['"]?[A-Za-z_][\w-]*['"]?$/.test(w.value)) {
      heredocs[heredocs.length - 1] = w.value.replace(/['"]/g, '');
      return;
    }
    words.push(w);
  };
  const endCommand = (sep: string, at: number): void => {
    endWord();
    if (words.length > 0) commands.push({ words, start: cmdStart, end: at, next: sep, redirects });
    words = [];
    redirects = [];
    pendingRedirect = false;
    cmdStart = -1;
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\r' && text[i + 2] === '\n') {
      i += 3;
      continue;
    }
    if (c === '\n') {
      endCommand('\n', i);
      i++;
      // Skip here-document bodies.
      while (heredocs.length > 0 && i < text.length) {
        const tag = heredocs[0]!;
        const lineEnd = text.indexOf('\n', i);
        const line = text.slice(i, lineEnd === -1 ? text.length : lineEnd);
        i = lineEnd === -1 ? text.length : lineEnd + 1;
        if (line.trim() === tag) heredocs.shift();
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
      continue;
    }
    if (c === '#' && !current) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const sep = separators.find((s) => s !== '\n' && text.startsWith(s, i));
    if (sep && !(sep === '(' && current?.value.endsWith('$')) && !(sep === '&' && (text[i - 1] === '>' || text[i + 1] === '>'))) {
      endCommand(sep, i);
      i += sep.length;
      continue;
    }
    if (cmdStart === -1) cmdStart = i;
    if (!current) current = { value: '', start: i, end: i };
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close === -1 ? text.length : close;
      current.value += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) {
          value += text[j + 1];
          j += 2;
        } else value += text[j++];
      }
      current.value += value;
      i = j + 1;
    } else if (c === '$' && text[i + 1] === '(') {
      // Keep `$(...)` inside the word: its text is read again by commandsIn.
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      current.value += text.slice(i, j + 1);
      i = j + 1;
    } else {
      current.value += c;
      i++;
    }
    current.end = i;
  }
  endCommand('', text.length);
  return commands;
}

/** Leading words that only wrap the real command. */
const wrappers = new Set(['sudo', 'exec', 'command', 'builtin', 'nohup', 'time', 'then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', 'eval', 'xargs', 'stdbuf']);

/** Words of a command without environment assignments and wrappers (`sudo`, `npx`, `cross-env`, `xvfb-run`…). */
export function coreWords(words: readonly Word[]): Word[] {
  let w = [...words];
  for (let guard = 0; guard < 10 && w.length > 0; guard++) {
    const first = w[0]!.value;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) w = w.slice(1);
    else if (wrappers.has(first)) w = w.slice(1);
    else if (first === 'env' || first === 'cross-env' || first === 'cross-env-shell') {
      w = w.slice(1);
      while (w[0] && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0].value) || w[0].value.startsWith('-'))) w = w.slice(1);
    } else if (first === 'timeout') {
      w = w.slice(1);
      while (w[0]?.value.startsWith('-')) w = w.slice(['-s', '--signal', '-k', '--kill-after'].includes(w[0].value) ? 2 : 1);
      if (w[0] && /^[\d.]+[smhd]?$/.test(w[0].value)) w = w.slice(1);
    } else if (first === 'xvfb-run') {
      w = w.slice(1);
      while (w[0]?.value.startsWith('-')) w = w.slice(1);
    } else if (['npx', 'bunx', 'pnpx'].includes(first)) {
      w = w.slice(1);
      while (w[0]?.value.startsWith('-')) w = w.slice(w[0].value === '-p' || w[0].value === '--package' ? 2 : 1);
      // `npx prodgrade@1.2.0 audit` runs the package's bin: the version is not part of the command name.
      const spec = w[0] && /^((?:@[\w.-]+\/)?[\w.-]+)@[^/\s]+$/.exec(w[0].value);
      if (spec) w = [{ ...w[0]!, value: spec[1]! }, ...w.slice(1)];
    } else if ((first === 'pnpm' || first === 'yarn' || first === 'npm' || first === 'bun') && ['exec', 'dlx', 'x'].includes(w[1]?.value ?? '')) {
      w = w.slice(2);
      while (w[0]?.value.startsWith('-')) w = w.slice(1);
      if (w[0]?.value === '--') w = w.slice(1);
    } else if (['uv', 'poetry', 'pipenv', 'hatch', 'pdm', 'rye'].includes(first) && w[1]?.value === 'run') {
      w = w.slice(2);
      while (w[0]?.value.startsWith('-')) w = w.slice(1);
    } else if (first === 'bundle' && w[1]?.value === 'exec') w = w.slice(2);
    else if (['dotenv', 'doppler', 'op', 'infisical', 'with-env', 'aws-vault', 'chamber'].includes(first) && w.some((x) => x.value === '--')) {
      w = w.slice(w.findIndex((x) => x.value === '--') + 1);
    } else if ((first === 'python' || first === 'python3' || /^python3\.\d+$/.test(first)) && w[1]?.value === '-m') w = w.slice(2);
    else if (first === 'bash' || first === 'sh') {
      // `sh -c "..."` is unwrapped by commandsIn; `bash script.sh` stays.
      break;
    } else break;
  }
  return w;
}

const dockerValueFlags = new Set([
  '-e', '--env', '-w', '--workdir', '-u', '--user', '-v', '--volume', '--entrypoint', '--name', '-p', '--publish', '--network', '--net',
  '--env-file', '-f', '--file', '-l', '--label', '--platform', '--mount', '--project-name', '--profile', '--cpus', '-m', '--memory',
  '--shm-size', '--add-host', '--cap-add', '--cap-drop', '--security-opt', '--tmpfs', '--ulimit', '--gpus', '--pull', '--restart',
  '--hostname', '--ipc', '--pid', '--log-driver', '--log-opt', '--cidfile', '--device', '--dns', '--expose', '--link', '--runtime',
  '--stop-signal', '--volumes-from', '--label-file', '--group-add', '--init-path', '--health-cmd', '--userns', '--uts', '--cgroupns',
]);

export interface Invocation {
  argv: string[];
  /** The command runs inside a container (`docker run img lint`): its first word may be an entrypoint sub-command. */
  container?: boolean;
  /** Index range in the script text of the command (for nested `sh -c` text, the outer command's range). */
  start: number;
  end: number;
  command: Command;
}

/**
 * The simple commands a script runs, with wrappers removed: `sh -c '…'`, `docker compose run svc …` and
 * `docker exec ctr …` are unwrapped into the command they run.
 */
export function commandsIn(text: string, depth = 0): Invocation[] {
  const out: Invocation[] = [];
  for (const command of parseShell(text)) {
    const words = coreWords(command.words);
    if (words.length === 0) continue;
    const argv = words.map((w) => w.value);
    out.push({ argv, start: words[0]!.start, end: command.end, command });
    if (depth > 2) continue;
    if ((argv[0] === 'sh' || argv[0] === 'bash') && argv[1] === '-c' && argv[2]) {
      for (const inner of commandsIn(argv[2], depth + 1)) out.push({ ...inner, start: words[0]!.start, end: command.end, command });
      continue;
    }
    const nested = unwrapContainer(argv);
    if (nested) {
      for (const inner of commandsIn(nested.map((w) => (/\s/.test(w) ? `'${w.replace(/'/g, "'\\''")}'` : w)).join(' '), depth + 1)) {
        out.push({ ...inner, start: words[0]!.start, end: command.end, command, container: true });
      }
    }
    for (const w of words) {
      const sub = /\$\((.*)\)$/s.exec(w.value);
      if (sub?.[1]) for (const inner of commandsIn(sub[1], depth + 1)) out.push({ ...inner, start: w.start, end: w.end, command });
    }
  }
  return out;
}

function skipFlags(argv: readonly string[], from: number): number {
  let i = from;
  while (i < argv.length && argv[i]!.startsWith('-')) i += dockerValueFlags.has(argv[i]!) ? 2 : 1;
  return i;
}

/**
 * `docker compose run --rm api npm test` → `npm test`; `docker exec -t app make test` → `make test`;
 * `docker run --rm img lint` → `lint`.
 */
function unwrapContainer(argv: readonly string[]): string[] | undefined {
  let i = 0;
  if ((argv[0] === 'docker' || argv[0] === 'podman') && argv[1] === 'run') {
    const image = skipFlags(argv, 2);
    return argv.length > image + 1 ? argv.slice(image + 1) : undefined;
  }
  if (argv[0] === 'docker-compose' || argv[0] === 'podman-compose') i = 1;
  else if ((argv[0] === 'docker' || argv[0] === 'podman') && argv[1] === 'compose') i = 2;
  else if ((argv[0] === 'docker' || argv[0] === 'podman') && argv[1] === 'exec') {
    const at = skipFlags(argv, 2);
    return argv.length > at + 1 ? argv.slice(at + 1) : undefined;
  } else return undefined;
  i = skipFlags(argv, i);
  if (argv[i] !== 'run' && argv[i] !== 'exec') return undefined;
  const at = skipFlags(argv, i + 1);
  return argv.length > at + 1 ? argv.slice(at + 1) : undefined;
}
