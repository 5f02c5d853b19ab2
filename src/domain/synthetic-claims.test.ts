import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SHARED_DIR } from '../../test/support/shared.ts';
import {
  ClaimGenerator,
  CPT_CODES,
  HCPCS_LEVEL2_CODES,
  ICD10_CODES,
  INSTITUTIONAL_BILL_TYPES,
  type MonthSpread,
  MS_DRG_CODES,
  monthsBack,
  npiWithCheckDigit,
  PROFESSIONAL_POS,
  REVENUE_CODES,
} from './synthetic-claims.ts';

const REFDATA = pathToFileURL(join(SHARED_DIR, 'refdata/'));

function column(file: string, name: string): Set<string> {
  const [header = '', ...lines] = readFileSync(new URL(file, REFDATA), 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const index = header.split(',').indexOf(name);
  return new Set(lines.filter(Boolean).map((l) => (l.split(',')[index] ?? '').replaceAll('"', '')));
}

describe('synthetic claims', () => {
  it('computes NPI check digits with the Luhn algorithm over the 80840 prefix', () => {
    // 1234567893 is CMS's published example of a valid NPI.
    assert.equal(npiWithCheckDigit('123456789'), '1234567893');
  });

  it('uses only codes that exist in the reference lists', () => {
    const icd = readFileSync(new URL('icd10cm/icd10cm_order_2022.csv', REFDATA), 'utf8');
    const billable = new Set(
      icd
        .split('\n')
        .map((l) => l.split(','))
        .filter((f) => f[2] === '1')
        .map((f) => f[1]),
    );
    for (const code of ICD10_CODES) assert.ok(billable.has(code), `${code} is a billable ICD-10-CM code`);
    const hcpcs = column('tuva-terminology/terminology__hcpcs_level_2.csv', 'hcpcs');
    for (const code of HCPCS_LEVEL2_CODES) assert.ok(hcpcs.has(code), `${code} is HCPCS level II`);
    for (const code of CPT_CODES) assert.match(code, /^\d{5}$/);
    const pos = column('tuva-terminology/terminology__place_of_service.csv', 'place_of_service_code');
    for (const code of PROFESSIONAL_POS) assert.ok(pos.has(code), `${code} is a place of service`);
    const billTypes = column('tuva-terminology/terminology__bill_type.csv', 'bill_type_code');
    for (const code of INSTITUTIONAL_BILL_TYPES) assert.ok(billTypes.has(code), `${code} is a bill type`);
    const revenue = column('tuva-terminology/terminology__revenue_center.csv', 'revenue_center_code');
    for (const code of REVENUE_CODES) assert.ok(revenue.has(code), `${code} is a revenue code`);
    const drg = column('tuva-terminology/terminology__ms_drg.csv', 'ms_drg_code');
    for (const code of MS_DRG_CODES) assert.ok(drg.has(code), `${code} is an MS-DRG`);
  });

  it('is deterministic for a seed and plants roughly the asked share of defects', () => {
    const take = (seed: number) => {
      const generator = new ClaimGenerator({ seed, defectRate: 0.1, month: '2025-10' });
      return Array.from({ length: 5000 }, () => generator.next());
    };
    const first = take(3);
    assert.deepEqual(take(3), first);
    assert.notDeepEqual(take(4), first);
    const defects = first.filter((r) => r.defect).length;
    assert.ok(defects > 350 && defects < 650, `${defects} defects in 5000 rows at 10%`);
  });

  it('keeps clean amounts consistent: paid + copay + coinsurance + deductible = allowed <= charge', () => {
    const generator = new ClaimGenerator({ seed: 1, defectRate: 0, month: '2025-02' });
    for (let i = 0; i < 2000; i++) {
      const { row } = generator.next();
      const cents = (v: string) => Math.round(Number(v) * 100);
      const parts =
        cents(row.paid_amount) +
        cents(row.copayment_amount) +
        cents(row.coinsurance_amount) +
        cents(row.deductible_amount);
      assert.equal(parts, cents(row.allowed_amount));
      assert.ok(cents(row.allowed_amount) <= cents(row.charge_amount));
      assert.ok(cents(row.paid_amount) >= 0);
    }
  });

  describe('--spread: the service months of the claims', () => {
    /** `YYYY-MM` of each clean line's claim_start_date, over `rows` lines. */
    const months = (spread: MonthSpread | undefined, rows = 6000): string[] => {
      const generator = new ClaimGenerator({ seed: 2, defectRate: 0, month: '2025-10', ...(spread ? { spread } : {}) });
      return Array.from({ length: rows }, () => {
        const start = generator.next().row.claim_start_date;
        // Clean lines carry ISO dates, YYYYMMDD or MM/DD/YYYY.
        if (/^\d{8}$/.test(start)) return `${start.slice(0, 4)}-${start.slice(4, 6)}`;
        const us = /^(\d{2})\/\d{2}\/(\d{4})$/.exec(start);
        return us ? `${us[2]}-${us[1]}` : start.slice(0, 7);
      });
    };
    const share = (all: string[], month: string) => all.filter((m) => m === month).length / all.length;

    it('one-month is the file of a generator without a spread, line for line', () => {
      const plain = new ClaimGenerator({ seed: 2, defectRate: 0.1, month: '2025-10' });
      const spread = new ClaimGenerator({ seed: 2, defectRate: 0.1, month: '2025-10', spread: { kind: 'one-month' } });
      for (let i = 0; i < 2000; i++) assert.deepEqual(spread.next(), plain.next());
    });

    it('spreads evenly over the N months ending with --month', () => {
      const all = months({ kind: 'even', months: 12 });
      assert.deepEqual(
        [...new Set(all)].sort(),
        Array.from({ length: 12 }, (_, i) => `${i < 2 ? 2024 : 2025}-${String(((i + 10) % 12) + 1).padStart(2, '0')}`),
      );
      for (const m of new Set(all)) assert.ok(Math.abs(share(all, m) - 1 / 12) < 0.03, `${m}: ${share(all, m)}`);
    });

    it('lag: most claims in the latest three months, a tail over eighteen', () => {
      const all = months({ kind: 'lag' });
      assert.equal(new Set(all).size, 18);
      assert.ok(Math.abs(share(all, '2025-10') - 0.45) < 0.04, `latest month ${share(all, '2025-10')}`);
      const latestThree = share(all, '2025-10') + share(all, '2025-09') + share(all, '2025-08');
      assert.ok(Math.abs(latestThree - 0.82) < 0.04, `latest three ${latestThree}`);
      assert.ok(all.includes('2024-05') && !all.includes('2024-04'));
    });

    it('draws the lag months by their weights', () => {
      assert.equal(monthsBack({ kind: 'lag' }, 0), 0);
      assert.equal(monthsBack({ kind: 'lag' }, 0.449), 0);
      assert.equal(monthsBack({ kind: 'lag' }, 0.45), 1);
      assert.equal(monthsBack({ kind: 'lag' }, 0.8199), 2);
      assert.equal(monthsBack({ kind: 'lag' }, 0.9999999), 17);
      assert.equal(monthsBack({ kind: 'even', months: 60 }, 0.9999999), 59);
    });
  });
});
