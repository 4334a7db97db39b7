/** A single self-overwriting status line on an interactive stderr. */
export function progressLine(stream: NodeJS.WriteStream): {
  update: (phase: 'reading' | 'auditing', done: number, total: number) => void;
  clear: () => void;
} {
  let last = 0;
  let shown = false;
  return {
    update(phase, done, total) {
      const now = Date.now();
      if (now - last < 80 && done !== total) return;
      last = now;
      shown = true;
      const text = phase === 'reading' ? `prodgrade: reading files… ${done}` : `prodgrade: auditing ${done}/${total} files`;
      stream.write(`\r\x1b[2K${text}`);
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
