import { UsageError } from './errors.js';

/** The descriptors a Kubernetes CronJob accepts in place of five fields. */
export const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Whether `?` (any) is allowed, as in Kubernetes' parser for the day fields. */
  question?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS, question: true },
];

function fail(schedule: string, why: string): never {
  throw new UsageError(`--schedule "${schedule}" is not a valid cron expression: ${why}`);
}

function value(text: string, field: Field, schedule: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.min;
  if (!/^\d+$/.test(text)) {
    const hint = field.names ? ` or a name such as ${field.names[0]}` : '';
    fail(schedule, `"${text}" in the ${field.name} field is not a number${hint}`);
  }
  const n = Number(text);
  if (n < field.min || n > field.max) fail(schedule, `${n} in the ${field.name} field is out of range ${field.min}-${field.max}`);
  return n;
}

function checkField(text: string, field: Field, schedule: string): void {
  if (text === '') fail(schedule, `the ${field.name} field is empty`);
  for (const item of text.split(',')) {
    if (item === '') fail(schedule, `the ${field.name} field has an empty list item in "${text}"`);
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) fail(schedule, `"${item}" in the ${field.name} field has more than one /`);
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0))
      fail(schedule, `the step "${step}" in the ${field.name} field must be a whole number of at least 1`);
    if (range === '*' || (range === '?' && field.question)) continue;
    if (range === '?') fail(schedule, `"?" is allowed only in the day-of-month and day-of-week fields`);
    const ends = range!.split('-');
    if (ends.length > 2) fail(schedule, `"${range}" in the ${field.name} field is not a range such as 1-5`);
    const low = value(ends[0]!, field, schedule);
    if (ends.length === 2) {
      const high = value(ends[1]!, field, schedule);
      if (high < low) fail(schedule, `the range ${range} in the ${field.name} field runs backwards`);
    }
  }
}

/**
 * Checks a CronJob schedule the way Kubernetes reads it: five fields (minute hour day-of-month month
 * day-of-week) with *, lists, ranges, steps and month/day names, or a descriptor such as @daily.
 */
export function validateCron(schedule: string | undefined): string {
  if (schedule === undefined || schedule.trim() === '') throw new UsageError('--schedule needs a cron expression such as "0 2 * * *" or @daily');
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text)) fail(schedule, 'a time zone cannot be part of the schedule; use --time-zone');
  if (text.startsWith('@')) {
    if ((CRON_MACROS as readonly string[]).includes(text)) return text;
    if (/^@every (\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return text;
    fail(schedule, `unknown descriptor ${text} (known: ${CRON_MACROS.join(', ')})`);
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    fail(schedule, `it has ${fields.length} field${fields.length === 1 ? '' : 's'}; a CronJob takes 5: minute hour day-of-month month day-of-week`);
  }
  for (const [i, f] of fields.entries()) checkField(f, FIELDS[i]!, schedule);
  return fields.join(' ');
}
