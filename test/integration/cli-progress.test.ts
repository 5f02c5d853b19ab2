import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { claimflow, tempDir } from '../support/cli.ts';

const ROWS = 400_000;
const RUN_DATE = ['--run-date', '2026-01-31'];
/** Short, so a run of a few seconds prints several lines; the default is 10 s. */
const EVERY = ['--progress-every', '0.2'];
const NAME = 'progress-claims.csv';

const DURATION = String.raw`\d+(?:s|m\d\ds|h\d\dm)`;
/** Every line a non-terminal run writes on stderr: started, a stage's figures, done. Nothing else. */
const PLAIN_LINE = new RegExp(
  String.raw`^claimflow: \[1/1\] progress-claims\.csv: (?:started|done, [\d,]+ rows in [\d.]+s \([\d,]+ rows/s\)|` +
    String.raw`[a-z]+(?: \d+%,)? (?:[~\d,]+ (?:of [~\d,]+ )?rows, |[\d,]+ MB of [\d,]+ MB, )?(?:~?[\d,]+ rows/s, )?` +
    `(?:ETA ${DURATION}, )?${DURATION} so far)$`,
);
const INGEST_FIGURES = /: ingest (\d+)%, ~([\d,]+) of ~([\d,]+) rows, ~([\d,]+) rows\/s, ETA \S+, \S+ so far$/;
const PROGRESS_KEYS = new Set([
  'event',
  'file',
  'index',
  'total',
  'stage',
  'elapsed_ms',
  'stage_elapsed_ms',
  'fraction',
  'rows',
  'rows_done',
  'rows_total',
  'rows_estimated',
  'rows_per_s',
  'bytes_total',
  'eta_s',
]);

const number = (text: string): number => Number(text.replaceAll(',', ''));

describe('claimflow run and validate: progress of a long file', { timeout: 600_000 }, () => {
  let dir: string;
  let file: string;
  /** Member ids, birth dates and diagnosis codes of the file: none may be printed. */
  let phi: string[];

  before(async () => {
    dir = await tempDir('progress');
    file = join(dir, NAME);
    await writeClaimsFile(file, ROWS, 'csv', { seed: 11, defectRate: 0.01, month: '2025-10' });
    const lines = (await readFile(file, 'utf8')).split('\n', 500);
    const header = (lines[0] ?? '').split(',');
    const columns = ['member_id', 'person_id', 'birth_date', 'diagnosis_code_1', 'diagnosis_code_2'];
    const at = columns.map((c) => header.indexOf(c));
    assert.ok(
      at.every((i) => i >= 0),
      `the generated header lacks one of ${columns.join(', ')}`,
    );
    phi = [
      ...new Set(
        lines
          .slice(1)
          .filter((line) => line && !line.includes('"'))
          .flatMap((line) => at.map((i) => line.split(',')[i] ?? ''))
          .filter((v) => v.length >= 4),
      ),
    ];
    assert.ok(phi.length > 100, 'the sample of values to look for is too small to mean anything');
  });

  it('prints plain lines with rows, rate and ETA while a file is read, when stderr is not a terminal', async () => {
    const result = await claimflow('run', file, '--root', join(dir, 'plain'), ...EVERY, ...RUN_DATE);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.split('\n').filter(Boolean);
    for (const line of lines) assert.match(line, PLAIN_LINE);
    assert.equal(lines[0], `claimflow: [1/1] ${NAME}: started`);
    assert.match(lines.at(-1) ?? '', /: done, 400,000 rows in [\d.]+s \([\d,]+ rows\/s\)$/);

    const ingest = lines.map((l) => INGEST_FIGURES.exec(l)).filter((m) => m !== null);
    assert.ok(ingest.length > 0, `no ingest line with rows and a rate:\n${result.stderr}`);
    for (const [, percent, done, total, rate] of ingest) {
      // The total is estimated from the head's bytes per line: near the file's rows, not equal.
      assert.ok(Math.abs(number(total ?? '') - ROWS) < ROWS * 0.1, `estimated ${total} rows of ${ROWS}`);
      assert.ok(number(done ?? '') <= number(total ?? '') && number(rate ?? '') > 0);
      assert.ok(Number(percent) <= 100);
    }
    // Once read, the file's rows are exact in the later stages' lines.
    assert.ok(
      lines.some((l) => /: (?:check|measure|dedupe|route|publish) 400,000 rows, /.test(l)),
      `no later stage with the exact rows:\n${result.stderr}`,
    );
    for (const value of phi) assert.ok(!result.stderr.includes(value), `stderr shows a claim's value ${value}`);
  });

  it('--json: progress as JSON lines on stderr, stdout still the one summary document', async () => {
    const result = await claimflow('validate', file, '--root', join(dir, 'json'), '--json', ...EVERY, ...RUN_DATE);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { totals: { input_rows: number } };
    assert.equal(summary.totals.input_rows, ROWS);

    const records = result.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const r of records) {
      assert.equal(r.event, 'progress');
      assert.equal(r.file, file);
      for (const [key, value] of Object.entries(r)) {
        assert.ok(PROGRESS_KEYS.has(key), `unexpected field ${key}`);
        if (!['event', 'file', 'stage', 'rows_estimated'].includes(key))
          assert.ok(value === null || typeof value === 'number', `${key} is ${JSON.stringify(value)}`);
      }
    }
    assert.equal(records[0]?.stage, 'started');
    assert.deepEqual([records.at(-1)?.stage, records.at(-1)?.rows, records.at(-1)?.index], ['done', ROWS, 1]);
    const reading = records.filter(
      (r) => r.stage === 'ingest' && typeof r.rows_per_s === 'number' && typeof r.fraction === 'number',
    );
    assert.ok(reading.length > 0, `no ingest record with a rate:\n${result.stderr}`);
    for (const r of reading) {
      assert.equal(r.rows_estimated, true);
      assert.ok((r.fraction as number) > 0 && (r.fraction as number) <= 1);
      assert.ok((r.rows_done as number) <= (r.rows_total as number));
      assert.ok(typeof r.eta_s === 'number' && r.eta_s >= 0);
    }
    assert.ok(records.some((r) => r.stage === 'check' && r.rows_total === ROWS && r.fraction === null));
    for (const value of phi) assert.ok(!result.stderr.includes(value), `stderr shows a claim's value ${value}`);
  });
});
