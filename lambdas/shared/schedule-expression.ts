/**
 * Validation of EventBridge Scheduler expressions: `cron(min hour dom month dow year)`,
 * `rate(n unit)`. Written by hand because the cron libraries on npm parse Unix cron (5 fields,
 * no `?`, `L`, `W`, `#`), which would accept expressions AWS rejects at deploy time.
 *
 * Returns a problem description, or undefined when the expression is valid.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'a rate must be at least 1';
    if (value === 1 && unit.endsWith('s')) return `use 'rate(1 ${unit.slice(0, -1)})' (singular unit for 1)`;
    if (value > 1 && !unit.endsWith('s')) return `use 'rate(${value} ${unit}s)' (plural unit above 1)`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return "must be 'cron(minutes hours day-of-month month day-of-week year)' or 'rate(value unit)'";
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== 6) {
    return `a cron expression needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    return "exactly one of day-of-month and day-of-week must be '?'";
  }
  const checks: Array<[string, string, FieldSpec]> = [
    ['minutes', minutes, { min: 0, max: 59 }],
    ['hours', hours, { min: 0, max: 23 }],
    ['day-of-month', dom, { min: 1, max: 31, question: true, special: /^(L|LW|\d{1,2}W)$/ }],
    ['month', month, { min: 1, max: 12, names: MONTHS }],
    ['day-of-week', dow, { min: 1, max: 7, question: true, names: DAYS, special: /^([1-7]|[A-Z]{3})(L|#[1-5])$|^L$/ }],
    ['year', year, { min: 1970, max: 2199 }],
  ];
  for (const [name, value, spec] of checks) {
    const problem = fieldProblem(value, spec);
    if (problem) return `${name} field '${value}': ${problem}`;
  }
  return undefined;
}

interface FieldSpec {
  readonly min: number;
  readonly max: number;
  readonly question?: boolean;
  readonly names?: readonly string[];
  readonly special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function fieldProblem(value: string, spec: FieldSpec): string | undefined {
  if (value === '?') return spec.question ? undefined : "'?' is allowed only in day-of-month and day-of-week";
  if (spec.special?.test(value)) return undefined;
  for (const part of value.split(',')) {
    const [range, step, ...rest] = part.split('/');
    if (rest.length > 0 || range === undefined || range === '') return `'${part}' is not a value, range or step`;
    if (step !== undefined && !/^\d+$/.test(step)) return `step '${step}' is not a number`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `'${range}' is not a range`;
    for (const bound of bounds) {
      const n = toNumber(bound, spec);
      if (n === undefined) return `'${bound}' is not a valid value`;
      if (n < spec.min || n > spec.max) return `'${bound}' is outside ${spec.min}-${spec.max}`;
    }
  }
  return undefined;
}

function toNumber(token: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  return index >= 0 ? index + 1 : undefined;
}

/** Undefined when the IANA time zone name is known to this runtime's ICU data. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `'${zone}' is not an IANA time zone name (for example 'UTC' or 'Europe/Berlin')`;
  }
}
