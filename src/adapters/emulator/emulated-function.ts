/** A Lambda function of the template, as the emulator runs it. */
export interface EmulatedFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The esbuild output `cdk synth` wrote (cdk.out/asset.<hash>), the folder Lambda would unzip. */
  readonly codeDir: string;
  /** Each layer's folder (its `nodejs/node_modules` is what Lambda puts under /opt). */
  readonly layerDirs: readonly string[];
  /** `index.handler`: file stem and export. */
  readonly handler: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** The function's environment from the template, resolved to the emulated resources. */
  readonly environment: Readonly<Record<string, string>>;
  /** Async invocation: retries after the first attempt (EventInvokeConfig, else Lambda's 2). */
  readonly retryAttempts: number;
  /** Where an async event goes when every attempt failed (DeadLetterConfig or an OnFailure queue). */
  readonly deadLetterQueueUrl: string | undefined;
}

/** Where the emulator picks up what AWS would deliver to a function or a topic, and what to do with it. */
export type Delivery =
  | { readonly kind: 's3'; readonly queueUrl: string; readonly functionId: string }
  | { readonly kind: 'sns'; readonly queueUrl: string; readonly functionId: string; readonly subscriptionArn: string }
  | { readonly kind: 'events-lambda'; readonly queueUrl: string; readonly functionId: string }
  | { readonly kind: 'events-sns'; readonly queueUrl: string; readonly topicArn: string };

/** What provisioning made of the template. */
export interface ProvisionedStack {
  readonly functions: ReadonlyMap<string, EmulatedFunction>;
  readonly deliveries: readonly Delivery[];
  /** The stack's outputs, resolved (InputBucketName, OutputBucketName, ProcessingTopicArn, ...). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Resource types present in the template that the emulator does not create, with their counts. */
  readonly notEmulated: Readonly<Record<string, number>>;
}
