import { join } from 'node:path';
import { StackTemplateError } from './template-intrinsics.ts';

/** Where cdk synth put each asset (`<hash>.zip` in the template -> cdk.out/asset.<hash>). */
export type AssetDirs = ReadonlyMap<string, string>;

/** The asset folder of a `Code`/`Content` property (`S3Key: <hash>.zip`). */
export function assetDir(assets: AssetDirs, code: unknown): string {
  const key = (code as { S3Key?: unknown } | undefined)?.S3Key;
  const hash = typeof key === 'string' ? key.replace(/\.zip$/, '') : undefined;
  const dir = hash ? assets.get(hash) : undefined;
  if (!dir) throw new StackTemplateError(`no synthesized asset for code ${JSON.stringify(code)}`);
  return dir;
}

/** cdk.out's assets manifest: asset hash -> its folder. */
export function assetDirsOf(cdkOut: string, manifest: { files?: Record<string, { source: { path: string } }> }) {
  return new Map(Object.entries(manifest.files ?? {}).map(([hash, file]) => [hash, join(cdkOut, file.source.path)]));
}
