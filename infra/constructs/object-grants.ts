import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcardResources } from '../compliance.ts';
import type { ManagedPolicyRole } from './managed-policy-role.ts';
import type { BucketRole, Storage } from './storage.ts';

export type ObjectAccess = 'read' | 'write' | 'delete';

/** Access to the objects under one prefix of one bucket. */
export interface ObjectGrant {
  readonly bucket: BucketRole;
  readonly prefix: string;
  readonly access: readonly ObjectAccess[];
}

const ACTIONS: Readonly<Record<ObjectAccess, readonly string[]>> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
};

/**
 * Grants `role` object actions on `<bucket>/<prefix>*`, listing only under the readable prefixes,
 * and the key for SSE-KMS. Built from bucket names, not bucket resources, so a function role never
 * depends on the bucket that notifies the function. The `prefix/*` wildcards are the point of a
 * prefix grant, so they are acknowledged here, once, for every role.
 */
export function grantObjects(role: ManagedPolicyRole, storage: Storage, grants: readonly ObjectGrant[]): void {
  if (grants.length === 0) return;
  for (const access of Object.keys(ACTIONS) as ObjectAccess[]) {
    const resources = grants
      .filter((g) => g.access.includes(access))
      .map((g) => storage.objectsArn(g.bucket, g.prefix));
    if (resources.length > 0)
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...ACTIONS[access]], resources }));
  }
  for (const bucket of ['input', 'output'] as const) {
    const prefixes = grants.filter((g) => g.bucket === bucket && g.access.includes('read')).map((g) => `${g.prefix}*`);
    if (prefixes.length === 0) continue;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [storage.bucketArn(bucket)],
        conditions: { StringLike: { 's3:prefix': prefixes } },
      }),
    );
  }
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [storage.key.keyArn] }),
  );
  acknowledgeWildcardResources(
    role.policy,
    grants.map((g) => storage.objectsArn(g.bucket, g.prefix)),
    `Object access is limited to prefixes of DESIGN.md's layout (${grants.map((g) => `${g.bucket}:${g.prefix}`).join(', ')}); the keys below them are per job and file.`,
  );
}
