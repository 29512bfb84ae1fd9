import { constants } from 'node:fs';
import { access, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationConfig, SwitchConfig } from '../shared/migration-config';
import { PgBouncerSwitch } from '../shared/switch/pgbouncer';
import { findDatabaseLine } from '../shared/switch/pgbouncer-file';
import { describeEndpoint, sideOf, type Switch, type SwitchPosition } from '../shared/switch/switch';

export interface SwitchReady {
  readonly passed: boolean;
  readonly message: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * What a switch strategy cannot prove without changing what the clients read. SSM, Secrets Manager
 * and Route 53 offer no dry run of a write, and writing the current value back would still be a
 * write (a new version, a change in flight); the stack grants the switch function exactly that
 * write on exactly that resource (lib/constructs/workflows/grants.ts), which the stack's own tests
 * hold it to.
 */
function awsWriteUnproven(config: SwitchConfig): string | undefined {
  const byConstruction = 'the stack grants it to the switch function on exactly this resource, so it holds by construction unless a policy outside the stack (an SCP, a permissions boundary, a resource or key policy) denies it';
  switch (config.strategy) {
    case 'ssm-parameter':
      return `that ssm:PutParameter will succeed: SSM has no dry run, and ${byConstruction}`;
    case 'secrets-manager':
      return `that secretsmanager:PutSecretValue will succeed: Secrets Manager has no dry run, and ${byConstruction}`;
    case 'route53':
      return `that route53:ChangeResourceRecordSets (an UPSERT of this CNAME) will succeed: Route 53 has no dry run, and ${byConstruction}`;
    default:
      return undefined;
  }
}

/** What the clients read, as the operator knows it. */
function resource(config: SwitchConfig): string {
  switch (config.strategy) {
    case 'ssm-parameter':
      return `SSM parameter ${config.parameterName}`;
    case 'secrets-manager':
      return `secret ${config.secretArn}`;
    case 'route53':
      return `Route 53 record ${config.recordName} in zone ${config.hostedZoneId}`;
    case 'pgbouncer':
      return `PgBouncer database "${config.database}" at ${config.host}:${config.port}`;
  }
}

/**
 * The switch is ready before anything is frozen: it reads what the clients read now (the switch's
 * own `current()`, the read its `pointTo` starts with) and that must be the source; then it proves
 * what it can of the write without changing what the clients read:
 * - SSM parameter, Secrets Manager secret, Route 53 record: the read succeeded with this function's
 *   rights; the write is not tried (no dry run exists) and the message says why it should hold.
 * - PgBouncer: the admin console logs in and answers `SHOW VERSION`; the databases file has one
 *   line for the database, pointing at the source; the file and its directory are writable from
 *   here (the switch writes a temporary file beside it and renames it over). PAUSE and RELOAD are
 *   not tried: clients would wait.
 * The message says what was proven and what was not.
 */
export async function switchReady(migration: MigrationConfig, openSwitch: () => Promise<Switch>): Promise<SwitchReady> {
  const config = migration.switch;
  const source = describeEndpoint(migration.source);
  let sw: Switch;
  let position: SwitchPosition;
  try {
    sw = await openSwitch();
  } catch (error) {
    return { passed: false, message: `the switch (${resource(config)}) could not be opened: ${messageOf(error)}. Nothing about it is proven` };
  }
  // Locally a test or rehearsal may hand in another switch than the configured one: describe what is there.
  const configured = sw.strategy === config.strategy;
  const what = sw.strategy === 'memory' ? 'the in-memory switch (local runs)' : configured ? resource(config) : `the ${sw.strategy} switch`;
  try {
    position = await sw.current();
  } catch (error) {
    return { passed: false, message: `reading ${what} failed: ${messageOf(error)}. Nothing about the switch is proven; its switch step would fail the same way` };
  }
  if (position.side !== 'source') {
    const why =
      position.side === 'target'
        ? 'the clients already use the target although the migration is not cut over: find out who moved them before cutting over'
        : 'that is neither the source nor the target, and the switch step refuses to overwrite a value it did not write: put the source back';
    return { passed: false, message: `${what} points at ${position.value}, not at the source (${source}): ${why}` };
  }

  const proven = [`${what} is readable and points at the source (${position.value})`];
  if (sw.strategy === 'memory') return { passed: true, message: `${proven[0]}; nothing else to prove for a switch held in memory` };
  const unproven = configured ? awsWriteUnproven(config) : undefined;
  if (unproven !== undefined) return { passed: true, message: `Proven: ${proven[0]}. Not proven: ${unproven}` };
  if (config.strategy !== 'pgbouncer' || !(sw instanceof PgBouncerSwitch)) {
    return { passed: false, message: `Proven: ${proven[0]}. Not proven: that the ${sw.strategy} switch may write; Ferry knows no harmless way to prove it` };
  }

  const failures: string[] = [];
  try {
    proven.push(`the admin console logs in and answers SHOW VERSION (${await sw.consoleVersion()})`);
  } catch (error) {
    failures.push(`the admin console did not answer SHOW VERSION: ${messageOf(error)}`);
  }
  const file = config.databasesFile;
  try {
    const line = findDatabaseLine(await readFile(file, 'utf8'), config.database, file);
    const e = line.endpoint;
    const fileSide = e.host === undefined ? 'unknown' : sideOf(describeEndpoint({ host: e.host, port: e.port, database: e.database }), { source: migration.source, target: migration.target }, describeEndpoint);
    const text = `${e.host ?? '(no host)'}:${e.port}/${e.database}`;
    if (fileSide === 'source') proven.push(`${file} line ${line.index + 1} points "${config.database}" at the source`);
    else failures.push(`${file} line ${line.index + 1} points "${config.database}" at ${text}, not at the source, while PgBouncer uses the source: the switch would refuse it`);
  } catch (error) {
    failures.push(messageOf(error));
  }
  try {
    const real = await realpath(file);
    await access(real, constants.R_OK | constants.W_OK);
    await access(path.dirname(real), constants.W_OK | constants.X_OK);
    proven.push(`${file}${real === file ? '' : ` (${real})`} and its directory are writable from here (the switch writes a temporary file beside it and renames it over)`);
  } catch (error) {
    failures.push(`${file} or its directory is not writable from here, so the switch could not rewrite the line: ${messageOf(error)}`);
  }
  const notProven = 'PAUSE and RELOAD, which are not tried because clients would wait; and, in AWS, that the switch function sees the same file as this one';
  if (failures.length > 0) {
    return { passed: false, message: `${failures.join('; ')}. Proven: ${proven.join('; ')}. Not proven: ${notProven}` };
  }
  return { passed: true, message: `Proven: ${proven.join('; ')}. Not proven: ${notProven}` };
}
