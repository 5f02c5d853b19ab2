/** A one-line progress bar on stderr, only when it is a terminal. */
export function createProgress(enabled: boolean): {
  update: (done: number, total: number, file: string) => void;
  done: () => void;
} {
  let shown = false;
  return {
    update(done, total, file) {
      if (!enabled) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      const name = file.length > 40 ? `…${file.slice(-39)}` : file;
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${name}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}
