import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Construct } from 'constructs';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * AWS Control Tower's proactive controls over synthesized templates: the cfn-guard rules that
 * `@cdklabs/cdk-validator-cfnguard` bundles, run by the cfn-guard binary it bundles (no download,
 * no network), through the plugin's own `validate`, which turns cfn-guard's output into rule and
 * resource names.
 */

/** The part of a CloudFormation template the checks read. */
export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: any; readonly Metadata?: Record<string, unknown> }>>;
}

/** One resource that fails one control. */
export interface ControlTowerFinding {
  /** File name of the template, for example `Ferry-prod.template.json`. */
  readonly template: string;
  /** The control, for example `CT.KMS.PR.3`. */
  readonly control: string;
  /** The cfn-guard rule that implements it, for example `kms_create_grant_aws_service_check`. */
  readonly rule: string;
  readonly logicalId: string;
  /** The construct path (`aws:cdk:path`), when the template records one. */
  readonly constructPath?: string;
  /** What the control requires. */
  readonly description: string;
  readonly fix?: string;
}

/** A control that does not apply to some resources, and why. */
export interface ControlTowerExemption {
  readonly control: string;
  /** Whether this exemption covers that resource of that template; should also check that the reason holds. */
  readonly covers: (logicalId: string, template: CfnTemplate) => boolean;
  readonly reason: string;
}

const PACKAGE_DIR = path.dirname(createRequire(__filename).resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const RULES_DIR = path.join(PACKAGE_DIR, 'rules', 'control-tower', 'cfn-guard');

/** Every Control Tower rule file the package bundles. */
export function controlTowerRuleFiles(): string[] {
  return readdirSync(RULES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.guard'))
    .map((file) => path.join(RULES_DIR, file))
    .sort();
}

/**
 * The rule files that can apply to templates made of these resource types. A rule selects what it
 * checks by type (`Resources.*[ Type == "AWS::SQS::Queue" ]`), so one naming none of the types is
 * not applicable and is left out: cfn-guard would only report it as such, after parsing it against
 * every template (all 237 rules take about 14 s on the two Ferry templates, the 37 that apply about 4 s). A rule
 * that names no type at all is always kept.
 */
export function applicableRuleFiles(resourceTypes: ReadonlySet<string>): string[] {
  return controlTowerRuleFiles().filter((file) => {
    const types = [...readFileSync(file, 'utf8').matchAll(/"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"/g)].map((m) => m[1]!);
    return types.length === 0 || types.some((type) => resourceTypes.has(type));
  });
}

/** Every resource of every template that fails a Control Tower control. */
export function controlTowerFindings(templatePaths: readonly string[]): ControlTowerFinding[] {
  const templates = new Map(templatePaths.map((file) => [path.resolve(file), JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate]));
  const types = new Set([...templates.values()].flatMap((t) => Object.values(t.Resources).map((r) => r.Type)));
  const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: applicableRuleFiles(types), maxBuffer: 64 * 1024 * 1024 });
  // The plugin reads only the template paths; the app it would be given during synth is not used.
  const report = validator.validate({ templatePaths: [...templates.keys()], appConstruct: new Construct(undefined as never, 'ControlTower') });
  const findings = new Map<string, ControlTowerFinding>();
  for (const violation of report.violations) {
    const control = /^\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
    const description = violation.description.replace(/^\[[^\]]+\]:\s*/, '');
    const resources = violation.violatingResources.filter((r) => r.resourceLogicalId);
    if (resources.length === 0) throw new Error(`${control} (${violation.ruleName}) failed without naming a resource: ${description}`);
    for (const resource of resources) {
      const template = path.basename(resource.templatePath);
      const constructPath = templates.get(path.resolve(resource.templatePath))?.Resources[resource.resourceLogicalId]?.Metadata?.['aws:cdk:path'];
      const finding: ControlTowerFinding = {
        template,
        control,
        rule: violation.ruleName,
        logicalId: resource.resourceLogicalId,
        ...(typeof constructPath === 'string' ? { constructPath } : {}),
        description,
        ...(violation.fix ? { fix: violation.fix } : {}),
      };
      findings.set(`${template} ${control} ${resource.resourceLogicalId}`, finding);
    }
  }
  return [...findings.values()].sort((a, b) => describeFinding(a).localeCompare(describeFinding(b)));
}

/** One line naming the template, control, rule and resource, what the control wants and how to fix it. */
export function describeFinding(f: ControlTowerFinding): string {
  const where = f.constructPath ? `${f.logicalId} (${f.constructPath})` : f.logicalId;
  return `${f.template}: ${f.control} (${f.rule}) fails for ${where}: ${f.description}${f.fix ? ` Fix: ${f.fix}` : ''}`;
}

/** The findings no exemption covers, and the exemptions that covered nothing (no longer needed). */
export function applyExemptions(
  findings: readonly ControlTowerFinding[],
  exemptions: readonly ControlTowerExemption[],
  templatesByName: ReadonlyMap<string, CfnTemplate>,
): { failing: ControlTowerFinding[]; unused: ControlTowerExemption[] } {
  const used = new Set<ControlTowerExemption>();
  const failing = findings.filter((f) => {
    const template = templatesByName.get(f.template);
    const exemption = template && exemptions.find((e) => e.control === f.control && e.covers(f.logicalId, template));
    if (exemption) used.add(exemption);
    return !exemption;
  });
  return { failing, unused: exemptions.filter((e) => !used.has(e)) };
}

/** Whether `value` is a `Ref` or `Fn::GetAtt` of the resource `logicalId`. */
function refersTo(value: unknown, logicalId: string): boolean {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return v.Ref === logicalId || (Array.isArray(v['Fn::GetAtt']) && v['Fn::GetAtt'][0] === logicalId);
}

/**
 * Whether the queue is where another resource of the template sends what it failed to deliver: a
 * Lambda function's on-failure destination, an EventBridge rule target's or a Scheduler schedule's
 * dead-letter queue.
 */
export function isDeadLetterTarget(template: CfnTemplate, queueLogicalId: string): boolean {
  return Object.values(template.Resources).some(({ Type, Properties: p }) => {
    switch (Type) {
      case 'AWS::Lambda::EventInvokeConfig':
        return refersTo(p?.DestinationConfig?.OnFailure?.Destination, queueLogicalId);
      case 'AWS::Events::Rule':
        return (p?.Targets ?? []).some((t: any) => refersTo(t?.DeadLetterConfig?.Arn, queueLogicalId));
      case 'AWS::Scheduler::Schedule':
        return refersTo(p?.Target?.DeadLetterConfig?.Arn, queueLogicalId);
      default:
        return false;
    }
  });
}
