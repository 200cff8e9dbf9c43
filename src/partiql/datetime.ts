/**
 * Timestamp arithmetic and formatting for DATE_ADD, DATE_DIFF, EXTRACT, TO_STRING and
 * TO_TIMESTAMP. Ion timestamps carry a precision and a local offset; results keep the operand's
 * offset and never lose precision (adding hours to a day-precision timestamp extends it).
 */
import { Decimal, Timestamp, TimestampPrecision } from 'ion-js';

export type DatePart = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

export const DATE_PARTS: ReadonlySet<string> = new Set(['year', 'month', 'day', 'hour', 'minute', 'second']);

const PART_PRECISION: Record<DatePart, TimestampPrecision> = {
  year: TimestampPrecision.YEAR,
  month: TimestampPrecision.MONTH,
  day: TimestampPrecision.DAY,
  hour: TimestampPrecision.HOUR_AND_MINUTE,
  minute: TimestampPrecision.HOUR_AND_MINUTE,
  second: TimestampPrecision.SECONDS,
};

/** Local (offset-adjusted) calendar fields of a timestamp. */
interface LocalFields {
  offset: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  seconds: Decimal;
}

function localFields(ts: Timestamp): LocalFields {
  const offset = ts.getLocalOffset();
  const local = new Date(ts.getDate().getTime() + offset * 60_000);
  return {
    offset,
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    seconds: ts.getSecondsDecimal() ?? new Decimal(local.getUTCSeconds(), 0),
  };
}

function build(f: LocalFields, precision: TimestampPrecision): Timestamp {
  switch (precision) {
    case TimestampPrecision.YEAR:
      return new Timestamp(f.offset, f.year);
    case TimestampPrecision.MONTH:
      return new Timestamp(f.offset, f.year, f.month);
    case TimestampPrecision.DAY:
      return new Timestamp(f.offset, f.year, f.month, f.day);
    case TimestampPrecision.HOUR_AND_MINUTE:
      return new Timestamp(f.offset, f.year, f.month, f.day, f.hour, f.minute);
    default:
      return new Timestamp(f.offset, f.year, f.month, f.day, f.hour, f.minute, f.seconds);
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function dateAdd(part: DatePart, amount: number, ts: Timestamp): Timestamp {
  const f = localFields(ts);
  const precision = Math.max(ts.getPrecision(), PART_PRECISION[part]) as TimestampPrecision;
  // A date has no offset; once it gains a time of day QLDB reads it as UTC (`2017T` + 1 hour is
  // `2017-01-01T01:00Z`), not as the unknown offset -00:00.
  if (ts.getPrecision() < TimestampPrecision.HOUR_AND_MINUTE && precision >= TimestampPrecision.HOUR_AND_MINUTE) {
    f.offset = 0;
  }
  if (part === 'year' || part === 'month') {
    const months = f.year * 12 + (f.month - 1) + (part === 'year' ? amount * 12 : amount);
    f.year = Math.floor(months / 12);
    f.month = (months % 12 + 12) % 12 + 1;
    f.day = Math.min(f.day, daysInMonth(f.year, f.month));
    return build(f, precision);
  }
  const unitMs = part === 'day' ? 86_400_000 : part === 'hour' ? 3_600_000 : part === 'minute' ? 60_000 : 1000;
  const wholeSeconds = Math.trunc(Number(f.seconds.toString()));
  const fraction = subtractDecimal(f.seconds, wholeSeconds);
  const base = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, wholeSeconds);
  const moved = new Date(base + amount * unitMs);
  return build(
    {
      offset: f.offset,
      year: moved.getUTCFullYear(),
      month: moved.getUTCMonth() + 1,
      day: moved.getUTCDate(),
      hour: moved.getUTCHours(),
      minute: moved.getUTCMinutes(),
      seconds: addToDecimal(fraction, moved.getUTCSeconds()),
    },
    precision,
  );
}

function subtractDecimal(d: Decimal, whole: number): Decimal {
  const exponent = d.getExponent();
  if (exponent >= 0) return new Decimal(0, 0);
  const scaled = d.getCoefficient() - BigInt(whole) * 10n ** BigInt(-exponent);
  return new Decimal(scaled < 0n ? -scaled : scaled, exponent, scaled < 0n);
}

function addToDecimal(fraction: Decimal, whole: number): Decimal {
  const exponent = Math.min(fraction.getExponent(), 0);
  const scaled = fraction.getCoefficient() * 10n ** BigInt(fraction.getExponent() - exponent) + BigInt(whole) * 10n ** BigInt(-exponent);
  return new Decimal(scaled, exponent);
}

/** Whole units from a to b, truncated toward zero, as DATE_DIFF counts them. */
export function dateDiff(part: DatePart, a: Timestamp, b: Timestamp): number {
  const ams = a.getDate().getTime();
  const bms = b.getDate().getTime();
  if (part === 'year' || part === 'month') {
    const fa = localFields(a);
    const fb = localFields(b);
    let months = (fb.year - fa.year) * 12 + (fb.month - fa.month);
    // A month is only complete once the later date has reached the earlier one's day and time.
    const restA = ams - Date.UTC(fa.year, fa.month - 1, 1);
    const restB = bms - Date.UTC(fb.year, fb.month - 1, 1);
    if (months > 0 && restB < restA) months--;
    if (months < 0 && restB > restA) months++;
    return part === 'year' ? Math.trunc(months / 12) : months;
  }
  const unitMs = part === 'day' ? 86_400_000 : part === 'hour' ? 3_600_000 : part === 'minute' ? 60_000 : 1000;
  return Math.trunc((bms - ams) / unitMs);
}

export type ExtractPart = DatePart | 'timezone_hour' | 'timezone_minute';

export function extract(part: ExtractPart, ts: Timestamp): number | Decimal {
  const f = localFields(ts);
  switch (part) {
    case 'year':
      return f.year;
    case 'month':
      return f.month;
    case 'day':
      return f.day;
    case 'hour':
      return f.hour;
    case 'minute':
      return f.minute;
    case 'second':
      return ts.getPrecision() >= TimestampPrecision.SECONDS ? f.seconds : new Decimal(0, 0);
    case 'timezone_hour':
      return Math.trunc(f.offset / 60);
    case 'timezone_minute':
      return f.offset % 60;
  }
}

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
  'November', 'December',
];

/** Splits a Java-style date pattern into letter runs and literal text ('quoted' or symbols). */
function patternTokens(pattern: string): { letters?: string; literal?: string }[] {
  const tokens: { letters?: string; literal?: string }[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      const text = end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
      tokens.push({ literal: text === '' ? "'" : text });
      i = end < 0 ? pattern.length : end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      tokens.push({ letters: pattern.slice(i, j) });
      i = j;
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  return tokens;
}

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, '0');

export class PatternError extends Error {}

export function formatTimestamp(ts: Timestamp, pattern: string): string {
  const f = localFields(ts);
  const secondsText = f.seconds.toString();
  const [wholeSeconds, fractionDigits = ''] = secondsText.split('.');
  let out = '';
  for (const token of patternTokens(pattern)) {
    if (token.literal !== undefined) {
      out += token.literal;
      continue;
    }
    const run = token.letters!;
    const n = run.length;
    switch (run[0]) {
      case 'y':
        out += n === 2 ? pad(f.year % 100, 2) : pad(f.year, n);
        break;
      case 'M':
        out += n >= 4 ? MONTH_NAMES[f.month - 1] : n === 3 ? MONTH_NAMES[f.month - 1].slice(0, 3) : pad(f.month, n);
        break;
      case 'd':
        out += pad(f.day, n);
        break;
      case 'H':
        out += pad(f.hour, n);
        break;
      case 'h':
        out += pad(f.hour % 12 === 0 ? 12 : f.hour % 12, n);
        break;
      case 'a':
        out += f.hour < 12 ? 'AM' : 'PM';
        break;
      case 'm':
        out += pad(f.minute, n);
        break;
      case 's':
        out += pad(Number(wholeSeconds), n);
        break;
      case 'S':
      case 'n':
        out += fractionDigits.padEnd(n, '0').slice(0, n);
        break;
      case 'X':
      case 'x':
      case 'Z':
        out += formatOffset(f.offset, run);
        break;
      default:
        throw new PatternError(`Unsupported date pattern letter '${run[0]}'`);
    }
  }
  return out;
}

/** Offsets as Java's DateTimeFormatter writes them: X/x by width, Z in its three styles. */
function formatOffset(offset: number, run: string): string {
  const n = run.length;
  if (offset === 0 && (run[0] === 'X' || (run[0] === 'Z' && n === 5))) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const hours = pad(Math.trunc(Math.abs(offset) / 60), 2);
  const minutes = pad(Math.abs(offset) % 60, 2);
  if (run[0] === 'Z') {
    if (n <= 3) return sign + hours + minutes;
    return n === 4 ? `GMT${sign}${hours}:${minutes}` : `${sign}${hours}:${minutes}`;
  }
  if (n === 1) return sign + hours + (minutes === '00' ? '' : minutes);
  return n % 2 === 0 ? sign + hours + minutes : `${sign}${hours}:${minutes}`;
}

/** Parses text with a Java-style pattern; fields the pattern lacks take their lowest value. */
export function parseTimestamp(text: string, pattern: string): Timestamp {
  const f = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, seconds: '0', offset: 0, pm: undefined as boolean | undefined };
  let precision: TimestampPrecision = TimestampPrecision.YEAR;
  const raise = (p: TimestampPrecision) => {
    if (p > precision) precision = p;
  };
  let i = 0;
  // A single pattern letter takes 1 to `loose` digits; a repeated one exactly as many as it has.
  const number = (run: string, loose: number): number => {
    const [min, max] = run.length === 1 ? [1, loose] : [run.length, run.length];
    const m = new RegExp(`^\\d{${min},${max}}`).exec(text.slice(i));
    if (!m) throw new PatternError(`Expected ${min === max ? min : `${min} to ${max}`} digits at offset ${i} of '${text}'`);
    i += m[0].length;
    return Number(m[0]);
  };
  for (const token of patternTokens(pattern)) {
    if (token.literal !== undefined) {
      if (!text.startsWith(token.literal, i)) throw new PatternError(`Expected '${token.literal}' at offset ${i} of '${text}'`);
      i += token.literal.length;
      continue;
    }
    const run = token.letters!;
    switch (run[0]) {
      case 'y': {
        const year = number(run, 4);
        // Two-digit years pivot at 70, as QLDB documents: 69 is 2069, 70 is 1970.
        f.year = run.length === 2 ? year + (year >= 70 ? 1900 : 2000) : year;
        break;
      }
      case 'M':
        if (run.length >= 3) {
          const idx = MONTH_NAMES.findIndex((name) => text.slice(i).toLowerCase().startsWith((run.length === 3 ? name.slice(0, 3) : name).toLowerCase()));
          if (idx < 0) throw new PatternError(`Expected a month name at offset ${i} of '${text}'`);
          i += run.length === 3 ? 3 : MONTH_NAMES[idx].length;
          f.month = idx + 1;
        } else f.month = number(run, 2);
        raise(TimestampPrecision.MONTH);
        break;
      case 'd':
        f.day = number(run, 2);
        raise(TimestampPrecision.DAY);
        break;
      case 'H':
      case 'h':
        f.hour = number(run, 2);
        raise(TimestampPrecision.HOUR_AND_MINUTE);
        break;
      case 'a': {
        const marker = text.slice(i, i + 2).toUpperCase();
        if (marker !== 'AM' && marker !== 'PM') throw new PatternError(`Expected AM or PM at offset ${i} of '${text}'`);
        f.pm = marker === 'PM';
        i += 2;
        break;
      }
      case 'm':
        f.minute = number(run, 2);
        raise(TimestampPrecision.HOUR_AND_MINUTE);
        break;
      case 's':
        f.seconds = String(number(run, 2));
        raise(TimestampPrecision.SECONDS);
        break;
      case 'S':
      case 'n': {
        const m = /^\d+/.exec(text.slice(i));
        if (!m) throw new PatternError(`Expected fraction digits at offset ${i} of '${text}'`);
        f.seconds = `${f.seconds}.${m[0]}`;
        i += m[0].length;
        break;
      }
      case 'X':
      case 'x':
      case 'Z': {
        if (text[i] === 'Z') {
          i++;
          f.offset = 0;
          break;
        }
        const m = /^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(i));
        if (!m) throw new PatternError(`Expected a UTC offset at offset ${i} of '${text}'`);
        i += m[0].length;
        f.offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
        break;
      }
      default:
        throw new PatternError(`Unsupported date pattern letter '${run[0]}'`);
    }
  }
  if (i !== text.length) throw new PatternError(`Unexpected text at offset ${i} of '${text}'`);
  if (f.pm !== undefined) f.hour = (f.hour % 12) + (f.pm ? 12 : 0);
  return build(
    { offset: f.offset, year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, seconds: new Decimal(f.seconds) },
    precision,
  );
}
