import { createHash } from 'node:crypto';

/** A CCYYMMDD date as YYYY-MM-DD; other text as sent (for the date rules), empty as null. */
export function isoDate(value: string): string | null {
  if (value === '') return null;
  return /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}` : value;
}

/**
 * A dependent's person id: in 005010 a dependent has no id of its own, so the subscriber's id plus
 * a digest of name and birth date keeps dependents apart without carrying their names.
 */
export function dependentPersonId(
  subscriberId: string,
  person: { readonly lastName: string; readonly firstName: string; readonly birthDate: string | null },
): string {
  const digest = createHash('sha256')
    .update(
      `${person.lastName.trim().toUpperCase()}|${person.firstName.trim().toUpperCase()}|${person.birthDate ?? ''}`,
    )
    .digest('hex');
  return `${subscriberId}-${digest.slice(0, 12)}`;
}
