import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { emptyStack } from '../lib/stack.fixture';
import {
  applicableRuleFiles,
  applyExemptions,
  type CfnTemplate,
  type ControlTowerExemption,
  type ControlTowerFinding,
  controlTowerFindings,
  controlTowerRuleFiles,
  describeFinding,
} from './control-tower';

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-control-tower-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stack's template, written where cfn-guard can read it. */
function writeTemplate(stack: Stack): { file: string; template: CfnTemplate } {
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const file = path.join(dir, `${stack.stackName}.template.json`);
  writeFileSync(file, JSON.stringify(template));
  return { file, template };
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  const resource = construct.node.defaultChild as CfnElement;
  return Stack.of(resource).getLogicalId(resource);
}

describe('Control Tower controls (test/bin/control-tower.ts)', () => {
  let template: CfnTemplate;
  let findings: ControlTowerFinding[];
  let bareKey: string;
  let bareQueue: string;
  let ferryKey: string;
  beforeAll(() => {
    // GIVEN a stack with a bare KMS key, a bare queue, and Ferry's EncryptionKey
    const stack = emptyStack();
    bareKey = logicalIdOf(new kms.Key(stack, 'BareKey', { enableKeyRotation: true }));
    bareQueue = logicalIdOf(new sqs.Queue(stack, 'BareQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED }));
    ferryKey = logicalIdOf(new EncryptionKey(stack, 'Encryption', { aliasName: 'ferry-test' }).key);
    const written = writeTemplate(stack);
    template = written.template;
    // WHEN the controls run over its template
    findings = controlTowerFindings([written.file]);
  }, 60_000);

  it('names the control, the cfn-guard rule and the resource of each failure', () => {
    expect(findings.map((f) => [f.control, f.rule, f.logicalId])).toEqual([
      ['CT.KMS.PR.3', 'kms_create_grant_aws_service_check', bareKey],
      ['CT.SQS.PR.1', 'sqs_dlq_check', bareQueue],
    ]);
    expect(describeFinding(findings[0]!)).toBe(
      `Test.template.json: CT.KMS.PR.3 (kms_create_grant_aws_service_check) fails for ${bareKey}: ` +
        'Require an AWS KMS key policy to have a statement that limits creation of AWS KMS grants to AWS services ' +
        "Fix: Configure a KMS key policy statement that denies access to the 'kms:CreateGrant' operation for all principals " +
        "when the 'kms:GrantIsForAWSResource' and 'aws:PrincipalIsAWSService' conditions are both false, using the 'BoolIfExists' condition operator.",
    );
  });

  it("passes Ferry's EncryptionKey, whose policy lets only AWS services create grants (CT.KMS.PR.3)", () => {
    expect(findings.filter((f) => f.logicalId === ferryKey)).toEqual([]);
  });

  it('drops the findings an exemption covers, and reports an exemption that covers nothing', () => {
    const queueExemption: ControlTowerExemption = { control: 'CT.SQS.PR.1', covers: (id) => id === bareQueue, reason: 'a test' };
    const staleExemption: ControlTowerExemption = { control: 'CT.S3.PR.1', covers: () => true, reason: 'no bucket here' };
    const { failing, unused } = applyExemptions(findings, [queueExemption, staleExemption], new Map([['Test.template.json', template]]));
    expect(failing.map((f) => f.control)).toEqual(['CT.KMS.PR.3']);
    expect(unused).toEqual([staleExemption]);
  });

  it('runs every bundled rule that names a resource type of the template, and only skips rules for absent types', () => {
    const all = controlTowerRuleFiles();
    expect(all.length).toBeGreaterThan(200);
    const applicable = applicableRuleFiles(new Set(['AWS::SQS::Queue']));
    expect(applicable.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['ct-sqs-pr-1.guard', 'ct-sqs-pr-2.guard']));
    expect(applicable.map((f) => path.basename(f))).not.toContain('ct-s3-pr-1.guard');
  });
});
