/** A one-line progress bar on stderr (files done, current file and stage), only on a terminal. */
export function createProgress(enabled: boolean): {
  update: (p: { file: string; index: number; total: number; stage: string }) => void;
  done: () => void;
} {
  let shown = false;
  return {
    update({ file, index, total, stage }) {
      if (!enabled) return;
      const width = 30;
      const filled = Math.round((index / total) * width);
      const name = file.length > 40 ? `…${file.slice(-39)}` : file;
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${index}/${total} ${name} ${stage}\x1b[K`,
      );
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\n');
    },
  };
}
