import { CfnOutput, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Functions } from '../constructs/functions.ts';
import { GlueJob } from '../constructs/glue-job.ts';
import { Messaging } from '../constructs/messaging.ts';
import { Monitoring } from '../constructs/monitoring.ts';
import { Storage } from '../constructs/storage.ts';
import { Warehouse } from '../constructs/warehouse.ts';
import type { EnvironmentSettings } from '../environments.ts';
import type { StagedLayer } from '../stage-duckdb-layer.ts';

export interface ClaimflowStackProps extends StackProps {
  readonly settings: EnvironmentSettings;
  readonly duckdbLayer: StagedLayer;
}

/** One environment of the pipeline: storage, messaging, the functions, Glue, monitoring and, optionally, Redshift. */
export class ClaimflowStack extends Stack {
  readonly storage: Storage;
  readonly messaging: Messaging;
  readonly glueJob: GlueJob;
  readonly warehouse: Warehouse | undefined;
  readonly functions: Functions;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ClaimflowStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const alertEmail = new CfnParameter(this, 'AlertEmail', {
      type: 'String',
      default: '',
      description: 'E-mail address for alerts of every severity (empty: none). AWS e-mails a confirmation link.',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    });
    const alertSmsNumber = new CfnParameter(this, 'AlertSmsNumber', {
      type: 'String',
      default: '',
      description: 'Phone number in E.164 form (+15555550100) for critical alerts by SMS (empty: none).',
      allowedPattern: '^$|^\\+[1-9][0-9]{6,14}$',
    });

    this.storage = new Storage(this, 'Storage', { settings });
    this.messaging = new Messaging(this, 'Messaging', {
      environmentName: settings.name,
      key: this.storage.key,
      alertEmail: alertEmail.valueAsString,
      alertSmsNumber: alertSmsNumber.valueAsString,
    });
    this.glueJob = new GlueJob(this, 'GlueJob', { settings, storage: this.storage });
    this.warehouse = settings.redshift
      ? new Warehouse(this, 'Warehouse', { settings, storage: this.storage })
      : undefined;
    this.functions = new Functions(this, 'Functions', {
      settings,
      storage: this.storage,
      messaging: this.messaging,
      glueJob: this.glueJob,
      warehouse: this.warehouse,
      duckdbLayerDir: props.duckdbLayer.dir,
      duckdbLayerHash: props.duckdbLayer.hash,
    });
    this.storage.notifyInbox(this.functions.functions.trigger);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      settings,
      messaging: this.messaging,
      functions: this.functions,
      glueJob: this.glueJob,
    });

    const outputs: Record<string, string> = {
      InputBucketName: this.storage.bucketNames.input,
      OutputBucketName: this.storage.bucketNames.output,
      ProcessingTopicArn: this.messaging.processingTopic.topicArn,
      ErrorTopicArn: this.messaging.errorTopic.topicArn,
      AlertTopicArn: this.messaging.alertTopic.topicArn,
      AlertChannelsSecretArn: this.messaging.alertSecret.secretArn,
      ManualReviewQueueUrl: this.messaging.manualReviewQueue.queueUrl,
      LedgerTableName: this.storage.ledgerTable.tableName,
      GlueJobName: this.glueJob.jobName,
      DashboardName: this.monitoring.dashboard.dashboardName,
      ...(this.warehouse && { RedshiftWorkgroup: this.warehouse.workgroupName }),
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}
