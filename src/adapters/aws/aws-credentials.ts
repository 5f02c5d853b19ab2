import { S3Client } from '@aws-sdk/client-s3';

/**
 * Whether the SDK's default credential chain (environment, profiles and SSO, web identity,
 * container and instance roles) yields credentials: what `cdk diff` and `cdk deploy` will use.
 */
export async function hasAwsCredentials(): Promise<boolean> {
  const client = new S3Client({});
  try {
    await client.config.credentials();
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}
