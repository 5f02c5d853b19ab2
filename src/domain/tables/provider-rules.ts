import { anyOf, dateFormatRule, dateRangeRule, malformedRowRule, npiRule, requiredFieldRule } from '../common-rules.ts';
import type { RowRule, RuleContext } from '../rule.ts';
import { ENTITY_TYPES, PROVIDER_COLUMNS, PROVIDER_REQUIRED_COLUMNS, TAXONOMY_COLUMNS } from './provider-model.ts';
import { tableColumnsOfKind } from './table-descriptor.ts';

const NPPES_SOURCE = 'NPPES Data Dissemination Readme, data file layout (Entity Type Code, provider names)';

/** NUCC Health Care Provider Taxonomy code: 10 characters, 3 digits, 6 digits or capitals, then X. */
export const TAXONOMY_CODE_PATTERN = '[0-9]{3}[0-9A-Z]{6}X';

const deactivated = (ctx: RuleContext): string => `${ctx.value('deactivation_date')} IS NOT NULL`;
const isEntity = (ctx: RuleContext, type: string): string =>
  `${ctx.value('entity_type_code')} = ${ctx.sql.stringLiteral(type)}`;

/** The provider rule catalog (docs/rules.md). */
export const PROVIDER_RULES: readonly RowRule[] = [
  malformedRowRule(),
  requiredFieldRule(PROVIDER_REQUIRED_COLUMNS),
  dateFormatRule(tableColumnsOfKind(PROVIDER_COLUMNS, 'date')),
  dateRangeRule(tableColumnsOfKind(PROVIDER_COLUMNS, 'date')),
  // The NPI is the table's key: a wrong one is as bad as a missing one.
  { ...npiRule('invalid_provider_npi', 'npi', 'provider'), severity: 'high' },
  {
    id: 'invalid_entity_type',
    needs: ['entity_type_code'],
    // Only a deactivated NPI may leave it empty; without its date, every empty one is flagged.
    alsoReads: ['deactivation_date'],
    source: NPPES_SOURCE,
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: `entity_type_code is not ${ENTITY_TYPES.individual} (individual) or ${ENTITY_TYPES.organization} (organization); it may be empty only on a deactivated NPI, whose NPPES row carries little but its deactivation date.`,
    failsWhen: (ctx) => {
      const entity = ctx.value('entity_type_code');
      const known = Object.values(ENTITY_TYPES).map((t) => ctx.sql.stringLiteral(t));
      return `((${entity} IS NULL AND NOT (${deactivated(ctx)})) OR ${entity} NOT IN (${known.join(', ')}))`;
    },
  },
  {
    id: 'invalid_taxonomy_code',
    needs: [TAXONOMY_COLUMNS],
    source: 'NUCC Health Care Provider Taxonomy code set: 10 characters ending in X',
    scope: 'row',
    dimension: 'validity',
    severity: 'medium',
    action: 'quarantine',
    description: `primary_taxonomy_code or a taxonomy_code_N is not 3 digits, 6 digits or capital letters and a final X (${TAXONOMY_CODE_PATTERN}, as 207Q00000X).`,
    failsWhen: (ctx) =>
      anyOf(
        TAXONOMY_COLUMNS,
        (c) => `(${ctx.value(c)} IS NOT NULL AND NOT ${ctx.sql.fullMatch(ctx.value(c), TAXONOMY_CODE_PATTERN)})`,
      ),
  },
  {
    id: 'missing_individual_name',
    // Without the entity type no row is an individual: the rule would pass every row unjudged.
    needs: ['entity_type_code', 'provider_last_name'],
    source: NPPES_SOURCE,
    scope: 'row',
    dimension: 'completeness',
    severity: 'medium',
    action: 'quarantine',
    description: `An individual (entity_type_code ${ENTITY_TYPES.individual}) has no provider_last_name.`,
    failsWhen: (ctx) => `(${isEntity(ctx, ENTITY_TYPES.individual)} AND ${ctx.text('provider_last_name')} IS NULL)`,
  },
  {
    id: 'missing_organization_name',
    needs: ['entity_type_code', 'provider_organization_name'],
    source: NPPES_SOURCE,
    scope: 'row',
    dimension: 'completeness',
    severity: 'medium',
    action: 'quarantine',
    description: `An organization (entity_type_code ${ENTITY_TYPES.organization}) has no provider_organization_name (its legal business name).`,
    failsWhen: (ctx) =>
      `(${isEntity(ctx, ENTITY_TYPES.organization)} AND ${ctx.text('provider_organization_name')} IS NULL)`,
  },
  {
    id: 'deactivated_provider',
    needs: ['deactivation_date'],
    // A reactivation only clears a deactivation: without one, every deactivated NPI is flagged.
    alsoReads: ['reactivation_date'],
    source: 'NPPES NPI Deactivation Date and NPI Reactivation Date',
    scope: 'row',
    dimension: 'validity',
    severity: 'low',
    action: 'warn',
    description:
      'The NPI is deactivated: deactivation_date is set and reactivation_date is empty or earlier. Claims billed under it after that date are suspect.',
    failsWhen: (ctx) =>
      `(${deactivated(ctx)} AND (${ctx.value('reactivation_date')} IS NULL OR ${ctx.value('reactivation_date')} < ${ctx.value('deactivation_date')}))`,
  },
];
