import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LambdaEnvError, parseLambdaEnv } from './lambda-env.ts';

const REQUIRED = {
  ENVIRONMENT: 'staging',
  SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:claimflow-staging-processing',
  ERROR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:claimflow-staging-errors',
  GLUE_JOB_NAME: 'claimflow-staging-etl',
  INPUT_BUCKET: 'claimflow-staging-input',
  OUTPUT_BUCKET: 'claimflow-staging-output',
  LEDGER_TABLE: 'claimflow-staging-ledger',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/claimflow-staging-review',
};

describe('parseLambdaEnv', () => {
  it('reads the contract variables and fills the defaults', () => {
    const env = parseLambdaEnv({ ...REQUIRED, PATH: '/usr/bin' });
    assert.equal(env.ENVIRONMENT, 'staging');
    assert.equal(env.INPUT_BUCKET, 'claimflow-staging-input');
    assert.equal(env.DUCKDB_MAX_BYTES, 268_435_456);
    assert.equal(env.REFDATA_PREFIX, 'refdata/');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 512);
    assert.equal(env.REDSHIFT_WORKGROUP, undefined);
  });

  it('parses numbers from their text', () => {
    const env = parseLambdaEnv({ ...REQUIRED, DUCKDB_MAX_BYTES: '1048576', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008' });
    assert.equal(env.DUCKDB_MAX_BYTES, 1_048_576);
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 3008);
  });

  it('names every missing or invalid variable, and no value', () => {
    const { LEDGER_TABLE: _ledger, INPUT_BUCKET: _input, ...rest } = REQUIRED;
    assert.throws(
      () => parseLambdaEnv({ ...rest, ENVIRONMENT: 'qa', DUCKDB_MAX_BYTES: 'lots' }),
      (error: unknown) => {
        assert.ok(error instanceof LambdaEnvError);
        assert.equal(error.code, 'lambda_env');
        assert.deepEqual([...error.variables].sort(), [
          'DUCKDB_MAX_BYTES',
          'ENVIRONMENT',
          'INPUT_BUCKET',
          'LEDGER_TABLE',
        ]);
        assert.equal(error.message.includes('qa'), false);
        return true;
      },
    );
  });

  it('takes Redshift all or nothing', () => {
    const redshift = {
      REDSHIFT_WORKGROUP: 'claimflow-staging',
      REDSHIFT_DATABASE: 'claims',
      REDSHIFT_LOAD_ROLE_ARN: 'arn:aws:iam::123456789012:role/claimflow-staging-copy',
    };
    assert.equal(parseLambdaEnv({ ...REQUIRED, ...redshift }).REDSHIFT_DATABASE, 'claims');
    assert.throws(
      () => parseLambdaEnv({ ...REQUIRED, REDSHIFT_WORKGROUP: 'claimflow-staging' }),
      (error: unknown) => error instanceof LambdaEnvError && error.variables.includes('REDSHIFT_WORKGROUP'),
    );
  });
});
