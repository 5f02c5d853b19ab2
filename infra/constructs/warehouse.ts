import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as redshift from 'aws-cdk-lib/aws-redshiftserverless';
import { Construct } from 'constructs';
import { PREFIXES } from '../../src/domain/store-layout.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';
import { grantObjects } from './object-grants.ts';
import type { WarehouseProps } from './warehouse-props.ts';

/** Redshift Serverless (optional): the warehouse the post-processing function loads with COPY from Parquet. */
export class Warehouse extends Construct {
  readonly workgroupName: string;
  readonly workgroupArn: string;
  readonly database = 'claims';
  /** The role Redshift assumes for COPY: read-only on the processed Parquet. */
  readonly loadRole: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: WarehouseProps) {
    super(scope, id);
    const { settings, storage } = props;
    const name = `claimflow-${settings.name}`;

    this.loadRole = new ManagedPolicyRole(this, 'LoadRole', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('redshift.amazonaws.com'),
        new iam.ServicePrincipal('redshift-serverless.amazonaws.com'),
      ),
      description: `claimflow ${settings.name}: Redshift COPY from processed Parquet`,
    });
    grantObjects(this.loadRole, storage, [{ bucket: 'output', prefix: PREFIXES.processed, access: ['read'] }]);

    const namespace = new redshift.CfnNamespace(this, 'Namespace', {
      namespaceName: name,
      dbName: this.database,
      kmsKeyId: storage.key.keyArn,
      // Redshift keeps the admin password in Secrets Manager, encrypted with our key; nobody types it.
      manageAdminPassword: true,
      adminUsername: 'claimflow_admin',
      adminPasswordSecretKmsKeyId: storage.key.keyArn,
      iamRoles: [this.loadRole.roleArn],
      defaultIamRoleArn: this.loadRole.roleArn,
      logExports: ['userlog', 'connectionlog', 'useractivitylog'],
    });
    // The warehouse's tables outlive the stack like the buckets they are loaded from.
    namespace.applyRemovalPolicy(RemovalPolicy.RETAIN);
    namespace.node.addDependency(this.loadRole.policy);

    // Without subnets, Redshift Serverless places the workgroup in the account's default VPC.
    const workgroup = new redshift.CfnWorkgroup(this, 'Workgroup', {
      workgroupName: name,
      namespaceName: name,
      baseCapacity: 8,
      maxCapacity: 64,
      // The workgroup sits in the default VPC, which has no S3 endpoint: with enhanced VPC routing
      // COPY could not reach the bucket. Off, COPY goes over Redshift's own network, still TLS and the load role.
      enhancedVpcRouting: false,
      publiclyAccessible: false,
      configParameters: [
        { parameterKey: 'require_ssl', parameterValue: 'true' },
        { parameterKey: 'enable_user_activity_logging', parameterValue: 'true' },
      ],
    });
    workgroup.node.addDependency(namespace);
    this.workgroupName = name;
    this.workgroupArn = workgroup.attrWorkgroupWorkgroupArn;
  }
}
