import type { ProfileReport } from '../validation-report.ts';
import type { ChosenProfile } from './choose-profile.ts';
import type { ConversionSummary } from './file-job-options.ts';

/** Conversion errors listed in the report (all are counted). */
const CONVERSION_ERRORS_LISTED = 20;

/** Which profile read the file and how, for the report. */
export function describeProfile(
  chosen: ChosenProfile,
  read: {
    readonly companions: ProfileReport['companions'];
    readonly sourceRecords: number | null;
    readonly conversion: ConversionSummary | null;
  },
): ProfileReport {
  const { profile, layout, selectedBy, score, tried } = chosen.selection;
  const isChosen = (t: { profile: string; layout: string }): boolean =>
    t.profile === profile.name && t.layout === layout.id;
  const { conversion } = read;
  return {
    name: profile.name,
    layout: layout.id,
    role: layout.role,
    published: chosen.publishes,
    table: chosen.publishes ? chosen.table.name : null,
    selected_by: selectedBy,
    score,
    also_fitting: tried
      .filter((t) => t.score > 0 && !isChosen(t))
      .map(({ profile: name, layout: id, score: s }) => ({ profile: name, layout: id, score: s })),
    companions: read.companions,
    source_records: read.sourceRecords,
    conversion: conversion && {
      claims: conversion.claims,
      lines: conversion.lines,
      error_count: conversion.errors.length,
      errors: conversion.errors.slice(0, CONVERSION_ERRORS_LISTED),
      other_tables: conversion.otherTables ?? {},
    },
  };
}
