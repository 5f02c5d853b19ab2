import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { CPT_CODES, ICD10_CODES, npiWithCheckDigit, PROFESSIONAL_POS } from '../../src/domain/synthetic-claims.ts';

export interface Generated837 {
  readonly bytes: number;
  readonly claims: number;
  readonly lines: number;
}

/** Claims per ST/SE transaction set, as large senders batch them. */
const CLAIMS_PER_TRANSACTION = 2000;
const NPIS = Array.from({ length: 50 }, (_, i) => npiWithCheckDigit(String(170_000_000 + i * 7919)));
const LAST_NAMES = ['SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS'];
const FIRST_NAMES = ['JAMES', 'MARY', 'ROBERT', 'PATRICIA', 'JOHN', 'JENNIFER', 'MICHAEL', 'LINDA'];
const PAYERS = ['KEY INSURANCE COMPANY', 'MEDICARE PART B', 'GREAT PRAIRIES HEALTH'];

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * Writes an 837P of about `targetBytes`, streamed to disk: realistic 005010X222A1 claims with
 * 1 to 4 service lines, varying ids, dates and codes, one segment per line, every third claim
 * for a dependent patient. Returns what it wrote, counted as it wrote it.
 */
export async function write837File(path: string, targetBytes: number): Promise<Generated837> {
  const out = createWriteStream(path);
  let bytes = 0;
  let claims = 0;
  let lines = 0;
  let chunk = '';
  const emit = async (text: string): Promise<void> => {
    chunk += text;
    if (chunk.length < 1 << 20) return;
    bytes += Buffer.byteLength(chunk);
    const full = chunk;
    chunk = '';
    if (!out.write(full)) await once(out, 'drain');
  };
  for (let t = 1; bytes + chunk.length < targetBytes; t++) {
    let segments = 0;
    const seg = (text: string): string => {
      segments++;
      return `${text}~\n`;
    };
    await emit(
      `ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*RECEIVER01     *241104*1921*^*00501*${pad(t, 9)}*0*P*:~\n` +
        `GS*HC*SUBMITTER01*RECEIVER01*20241104*1921*${t}*X*005010X222A1~\n` +
        seg(`ST*837*${pad(t, 4)}*005010X222A1`) +
        seg(`BHT*0019*00*${t}*20241104*1921*CH`) +
        seg('NM1*41*2*GENERATED BILLING SERVICE*****46*SUB01') +
        seg('PER*IC*CONTACT*TE*8005550100') +
        seg('NM1*40*2*RECEIVER*****46*REC01') +
        seg('HL*1**20*1') +
        seg(`NM1*85*2*GENERATED CLINIC ${t % 97}*****XX*${pick(NPIS, t)}`) +
        seg('N3*100 MAIN STREET') +
        seg('N4*ANYTOWN*PA*171110000') +
        seg(`REF*EI*${pad(t % 1_000_000_000, 9)}`),
    );
    let hl = 1;
    for (let c = 0; c < CLAIMS_PER_TRANSACTION && bytes + chunk.length < targetBytes; c++) {
      claims++;
      const n = claims;
      const lineCount = 1 + (n % 4);
      const dependent = n % 3 === 0;
      const day = 1 + (n % 28);
      const month = 1 + (n % 12);
      const date = `2024${pad(month, 2)}${pad(day, 2)}`;
      let text = seg(`HL*${++hl}*1*22*${dependent ? 1 : 0}`);
      text += seg(dependent ? 'SBR*P********CI' : `SBR*P*18*GRP${n % 500}******CI`);
      text += seg(`NM1*IL*1*${pick(LAST_NAMES, n)}*${pick(FIRST_NAMES, n >> 3)}****MI*M${pad(n, 10)}`);
      text += seg(`N3*${n % 9000} OAK AVENUE`) + seg('N4*ANYTOWN*PA*17111');
      text += seg(`DMG*D8*19${pad(40 + (n % 60), 2)}${pad(month, 2)}${pad(day, 2)}*${n % 2 ? 'F' : 'M'}`);
      text += seg(`NM1*PR*2*${pick(PAYERS, n)}*****PI*PAYER${n % 3}`);
      if (dependent) {
        text += seg(`HL*${++hl}*${hl - 1}*23*0`) + seg('PAT*19');
        text += seg(`NM1*QC*1*${pick(LAST_NAMES, n)}*${pick(FIRST_NAMES, n + 1)}`);
        text += seg(`DMG*D8*20${pad(n % 20, 2)}0101*${n % 2 ? 'M' : 'F'}`);
      }
      const charges = Array.from({ length: lineCount }, (_, i) => 40 + ((n * 7 + i * 13) % 400));
      const total = charges.reduce((a, b) => a + b, 0);
      text += seg(`CLM*C${pad(n, 12)}*${total}.00***${pick(PROFESSIONAL_POS, n)}:B:1*Y*A*Y*Y`);
      text += seg(`HI*ABK:${pick(ICD10_CODES, n)}*ABF:${pick(ICD10_CODES, n + 5)}`);
      text += seg(`NM1*82*1*${pick(LAST_NAMES, n + 2)}*${pick(FIRST_NAMES, n + 3)}****XX*${pick(NPIS, n)}`);
      text += seg('PRV*PE*PXC*207Q00000X');
      for (let i = 0; i < lineCount; i++) {
        lines++;
        text += seg(`LX*${i + 1}`);
        text += seg(`SV1*HC:${pick(CPT_CODES, n + i)}*${charges[i]}.00*UN*1***1:2**Y`);
        text += seg(`DTP*472*D8*${date}`);
      }
      await emit(text);
    }
    await emit(`${seg(`SE*${segments + 1}*${pad(t, 4)}`)}GE*1*${t}~\nIEA*1*${pad(t, 9)}~\n`);
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, 'finish');
  return { bytes, claims, lines };
}
