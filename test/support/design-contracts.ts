import { z } from 'zod';

/**
 * The message examples the handlers are held to, each with where it comes from.
 *
 * DESIGN.md (../shared/DESIGN.md, section "Message contracts (from the system's API reference)")
 * prints four contracts as field lists; they are copied here verbatim, line break and indent included,
 * and message-contracts.test.ts checks that DESIGN.md still prints them so. DESIGN.md prints no
 * S3 event and no validation input: the trigger event is AWS's own example (S3 User Guide, "Event
 * message structure"), and the validation input is the form issue 21 quotes from the reference
 * design, `{"bucket": ..., "key": ...}`, with values of ours.
 */
export const DESIGN_CONTRACT_LINES = {
  'Trigger response': `{ statusCode: 200, body: { message: "Successfully processed N files",
  jobs_started: [...], timestamp } }`,
  'Validation output': `{ validation_status: "success"|"failed", report_location,
  summary: { total_records, valid_records, error_records } }`,
  'Job status': `{ event_type: "job_status_update", job_id: "claims-etl-YYYYMMDD-HHMMSS-NNNN",
  status: "STARTED"|"SUCCEEDED"|"FAILED", input_file, timestamp }`,
  Error: `{ event_type: "error", error_message, error_type, context: { function_name, file },
  timestamp }`,
} as const;
export type ContractName = keyof typeof DESIGN_CONTRACT_LINES;

/** The validation input as issue 21 quotes the reference design (`{"bucket": ..., "key": ...}`). */
export const VALIDATION_INPUT_EXAMPLE = {
  bucket: 'claimflow-prod-input-123456789012-us-east-1',
  key: 'raw/claims/claims_20240115.csv',
};

const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const JOB_ID = /^claims-etl-\d{8}-\d{6}-\d{4}$/;
const S3_URI = /^s3:\/\/[a-z0-9.-]+\/.+$/;
const COUNT = z.number().int().nonnegative();

/**
 * The contracts as strict schemas, no field more or less, with the value shapes the lines print and
 * the ones issue 21 adds (timestamps in whole seconds, `input_file` and `report_location` as
 * `s3://bucket/key`). One addition of ours: an error's context may name its `job_id`.
 */
export const CONTRACTS = {
  'Trigger response': z
    .object({
      statusCode: z.literal(200),
      body: z
        .object({
          message: z.string().regex(/^Successfully processed \d+ files$/),
          jobs_started: z.array(z.string().regex(JOB_ID)),
          timestamp: z.string().regex(SECONDS),
        })
        .strict(),
    })
    .strict(),
  'Validation output': z
    .object({
      validation_status: z.enum(['success', 'failed']),
      report_location: z.string().regex(S3_URI),
      summary: z.object({ total_records: COUNT, valid_records: COUNT, error_records: COUNT }).strict(),
    })
    .strict(),
  'Job status': z
    .object({
      event_type: z.literal('job_status_update'),
      job_id: z.string().regex(JOB_ID),
      status: z.enum(['STARTED', 'SUCCEEDED', 'FAILED']),
      input_file: z.string().regex(S3_URI),
      timestamp: z.string().regex(SECONDS),
    })
    .strict(),
  Error: z
    .object({
      event_type: z.literal('error'),
      error_message: z.string(),
      error_type: z.enum(['transient', 'data_quality', 'system']),
      context: z.object({ function_name: z.string(), file: z.string(), job_id: z.string().optional() }).strict(),
      timestamp: z.string().regex(SECONDS),
    })
    .strict(),
} satisfies Record<ContractName, z.ZodType>;

/** The fields a contract line names, nested ones included (`summary`, `total_records`, ...). */
export function fieldsOfLine(line: string): string[] {
  return [...line.matchAll(/[{,]\s*([A-Za-z_]+)(?=\s*[:,}])/g)].map(([, field]) => field ?? '');
}

/** AWS's example S3 event notification (S3 User Guide, "Event message structure"), literally. */
export const AWS_EXAMPLE_EVENT = {
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-west-2',
      eventTime: '1970-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AIDAJDPLRKLG7UEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'testConfigRule',
        bucket: { name: 'mybucket', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: 'arn:aws:s3:::mybucket' },
        object: {
          key: 'HappyFace.jpg',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    },
  ],
};
