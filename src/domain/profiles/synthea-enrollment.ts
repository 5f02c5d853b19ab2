import type { SqlDialect } from '../sql-dialect.ts';
import { presentTextOf } from '../value-notation.ts';
import type { PrepareStep, SourceLayout } from './source-profile.ts';

/** A Synthea timestamp (`2014-03-21T18:34:30Z`): its date part. */
const TIMESTAMP_DATE = '[0-9]{4}-[0-9]{2}-[0-9]{2}[T ].*';

/**
 * The last day a span covers. Synthea's spans are half-open: END_DATE is the moment the next span
 * starts (the same timestamp), so the day it falls on belongs to the next span and the span's
 * last whole day is the one before. Text that is not a timestamp is passed on for the date rules.
 */
const LAST_DAY: PrepareStep = {
  columns: ['_last_day'],
  sql: (rows: string, sql: SqlDialect, column: (name: string) => string): string => {
    const text = presentTextOf(sql, column('END_DATE'));
    const date = sql.parseDate(`SUBSTRING(${text}, 1, 10)`);
    const lastDay = `CAST(${sql.addDays(date, -1)} AS ${sql.textType})`;
    const value = `CASE WHEN ${sql.fullMatch(text, TIMESTAMP_DATE)} AND ${date} IS NOT NULL THEN ${lastDay} ELSE ${text} END`;
    return `(SELECT r.*, ${value} AS ${sql.quoteIdent('_last_day')} FROM ${rows} AS r)`;
  },
};

/**
 * payer_transitions.csv as eligibility: one span per row (Synthea starts a new row, with a new
 * MEMBERID, each plan year), the payer's name from payers.csv and the member's demographics from
 * patients.csv, without which no span can be checked (missing_demographics).
 */
export const PAYER_TRANSITIONS: SourceLayout = {
  id: 'payer_transitions',
  role: 'members',
  table: 'eligibility',
  description:
    'Insurance spans per patient, published to eligibility: payer names from payers.csv, demographics from patients.csv.',
  detect: { headers: ['PATIENT', 'MEMBERID', 'START_DATE', 'END_DATE', 'PAYER'] },
  prepare: LAST_DAY,
  companions: [
    { name: 'patients', files: ['patients.csv', 'patients.csv.gz'], key: 'Id', on: 'PATIENT', required: true },
    { name: 'payers', files: ['payers.csv', 'payers.csv.gz'], key: 'Id', on: 'PAYER' },
  ],
  columns: {
    person_id: 'PATIENT',
    member_id: 'MEMBERID',
    subscriber_relation: 'PLAN_OWNERSHIP',
    enrollment_start_date: { column: 'START_DATE', date_format: 'timestamp' },
    enrollment_end_date: '_last_day',
    payer: 'payers.NAME',
    plan: 'payers.NAME',
    gender: { column: 'patients.GENDER', values: { M: 'male', F: 'female' } },
    race: 'patients.RACE',
    ethnicity: 'patients.ETHNICITY',
    birth_date: 'patients.BIRTHDATE',
    death_date: 'patients.DEATHDATE',
    state: 'patients.STATE',
    zip_code: 'patients.ZIP',
  },
};
