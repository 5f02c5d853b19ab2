import type * as kms from 'aws-cdk-lib/aws-kms';

export interface MessagingProps {
  readonly environmentName: string;
  readonly key: kms.IKey;
  /** E-mail address for alerts of every severity; '' subscribes nobody. */
  readonly alertEmail: string;
  /** E.164 phone number for critical and high alerts by SMS; '' subscribes nobody. */
  readonly alertSmsNumber: string;
}
