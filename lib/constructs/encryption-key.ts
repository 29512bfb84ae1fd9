import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface EncryptionKeyProps {
  /** Alias, without the `alias/` prefix. */
  readonly aliasName: string;
  /**
   * Keep the key when the stack is deleted. Data encrypted with a deleted key is lost for good,
   * so a retained table needs a retained key.
   * @default true
   */
  readonly retain?: boolean;
}

const DEFAULTS = { retain: true } as const satisfies Partial<EncryptionKeyProps>;

/**
 * The customer-managed KMS key that encrypts Ferry's data at rest: the checkpoint table, the
 * notification topic and the logs. One key per environment, rotated yearly.
 *
 * Grants on the key are for AWS resources only (Control Tower CT.KMS.PR.3): the key policy denies
 * `kms:CreateGrant` to every principal unless the grant is for an AWS resource
 * (`kms:GrantIsForAWSResource`, set when a service such as DynamoDB or DMS creates the grant for
 * the resource it encrypts) or the caller is an AWS service (`aws:PrincipalIsAWSService`). Nothing
 * in Ferry creates grants itself, so no role, not even the account root, can hand out lasting use
 * of the key through a grant outside what IAM and this policy say.
 */
export class EncryptionKey extends Construct {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const retain = props.retain ?? DEFAULTS.retain;
    this.key = new kms.Key(this, 'Key', {
      description: `Ferry: encrypts checkpoints, reports, notifications and logs (${props.aliasName})`,
      enableKeyRotation: true,
      alias: props.aliasName,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // CloudWatch Logs encrypts and decrypts with the key itself, for log groups of this account
    // and region only (the encryption context names the log group).
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyCreateGrantExceptForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        // IfExists: a request that carries no kms:GrantIsForAWSResource at all is denied too.
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
  }
}
