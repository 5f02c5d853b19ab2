import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** A cdk-nag rule a resource breaks and nobody acknowledged. */
export interface ComplianceFinding {
  readonly rule: string;
  readonly level: 'error' | 'warning' | 'info';
  readonly description: string;
  readonly paths: readonly string[];
}

export interface Acknowledgement {
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/**
 * The one place cdk-nag runs: AWS Solutions and HIPAA Security over a synthesized app. Call it after
 * `app.synth()`, when aspects have run and the tree is final.
 */
export function checkCompliance(scope: IConstruct): ComplianceFinding[] {
  return [new AwsSolutionsChecks(), new HIPAASecurityChecks()].flatMap((pack) =>
    pack.validateScope(scope).violations.map((violation) => ({
      rule: violation.ruleName,
      level: violation.severity === 'error' || violation.severity === 'warning' ? violation.severity : 'info',
      description: violation.description,
      paths: violation.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
    })),
  );
}

/** Every acknowledgement in the tree with its reason (what `validate` reports and the tests audit). */
export function listAcknowledgements(scope: IConstruct): Acknowledgement[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
          path: construct.node.path,
          rule: rule.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/**
 * Acknowledges AwsSolutions-IAM5 for wildcard resources in `policy`'s statements (object keys
 * under a prefix, per-run log groups), naming each resource as cdk-nag does.
 */
export function acknowledgeWildcardResources(policy: IConstruct, resources: readonly string[], reason: string): void {
  const stack = Stack.of(policy);
  const ids = new Set(
    resources
      .map((resource) => flattenCfnReference(stack.resolve(resource)))
      .filter((flat) => flat.includes('*'))
      .map((flat) => `AwsSolutions-IAM5[Resource::${flat}]`),
  );
  Validations.of(policy).acknowledge(...[...ids].map((id) => ({ id, reason })));
}

/** A checkov check skipped on a resource, with the reason, in the template's metadata (what checkov reads). */
export function skipCheckov(construct: IConstruct, id: string, reason: string): void {
  const resource = (construct instanceof CfnResource ? construct : construct.node.defaultChild) as CfnResource;
  const skips = (resource.getMetadata('checkov') as { skip?: unknown[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...skips, { id, comment: reason }] });
}
