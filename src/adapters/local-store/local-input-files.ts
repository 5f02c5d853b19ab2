import { readdir, stat } from 'node:fs/promises';
import type { InputFiles } from '../../pipeline/ports.ts';
import { countFileRecords, stampFile } from './count-file-records.ts';
import { hashFile } from './hash-file.ts';
import { countInflatedBytes, readHead } from './read-head.ts';

/** Input files on a local disk; `onRead` hears of every file whose content is read (the audit log). */
export function createLocalInputFiles(headBytes: number, onRead?: (path: string) => Promise<void>): InputFiles {
  const audited = async <T>(path: string, read: Promise<T>): Promise<T> => {
    const result = await read;
    await onRead?.(path);
    return result;
  };
  return {
    readHead: (path) => audited(path, readHead(path, headBytes)),
    hash: (path) => audited(path, hashFile(path)),
    countInflatedBytes,
    size: async (path) => (await stat(path)).size,
    countRecords: countFileRecords,
    stamp: stampFile,
    list: (folder) => readdir(folder).catch(() => []),
  };
}
