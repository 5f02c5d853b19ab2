import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The one file allowed to spell out the layout's prefixes. */
const LAYOUT_MODULE = 'src/domain/store-layout.ts';
/** A string or template literal opening with a layout prefix; `\`` inside a template is text, not a literal. */
const LAYOUT_LITERAL = /(?<!\\)['"`](processed|quarantine|validation-reports|archive|temp|dlq|raw)\//;
const COMMENT = /^(\/\/|\*|\/\*)/;

/** Every non-test `.ts` file under a folder of the repository, as `folder/...` with '/' separators. */
function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPO, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => `${folder}/${f.split(sep).join('/')}`)
    .sort();
}

/** `file:line: code` of each code line (comments aside) holding a literal that opens with a layout prefix. */
function layoutLiterals(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => {
    const code = line.trim();
    return !COMMENT.test(code) && LAYOUT_LITERAL.test(code) ? [`${file}:${i + 1}: ${code}`] : [];
  });
}

describe('store layout keys', () => {
  it('spots a literal opening with a layout prefix, and passes over comments and prose', () => {
    const sample = [
      "const rows = 'quarantine/rows';",
      'const key = `dlq/` + id;',
      "  // 'dlq/' named in a comment",
      '   * `archive/<day>/` named in a doc comment',
      'const doc = `goes to \\`quarantine/rows/\\` with its source text`;',
      "const message = 'S3 ObjectCreated on raw/claims/';",
      'const reports = join(root, folderOf(PREFIXES.validationReports));',
    ].join('\n');
    assert.deepEqual(layoutLiterals('x.ts', sample), [
      "x.ts:1: const rows = 'quarantine/rows';",
      'x.ts:2: const key = `dlq/` + id;',
    ]);
  });

  it('finds no key or path of the layout built outside src/domain/store-layout.ts', () => {
    const files = [...sourceFiles('src'), ...sourceFiles('infra')];
    assert.ok(files.includes(LAYOUT_MODULE), 'the walk reaches the layout module');
    assert.ok(
      files.some((f) => f.startsWith('infra/constructs/')),
      'the walk reaches the constructs',
    );
    const layout = readFileSync(join(REPO, LAYOUT_MODULE), 'utf8');
    assert.ok(layoutLiterals(LAYOUT_MODULE, layout).length > 0, 'the scan sees the prefixes the layout module spells');
    const found = files
      .filter((f) => f !== LAYOUT_MODULE)
      .flatMap((f) => layoutLiterals(f, readFileSync(join(REPO, f), 'utf8')));
    assert.deepEqual(found, [], `build these with ${LAYOUT_MODULE}:\n${found.join('\n')}`);
  });
});
