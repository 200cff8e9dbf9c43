/** QLDB's scalar functions and CAST. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatementError } from '../../src/partiql';
import { ion, ionText, run } from './fixtures';
import { MemoryLedger } from './memoryView';

const view = new MemoryLedger();
const value = (expr: string, ...params: Parameters<typeof run>[2][]): string => {
  const rows = run(view, `SELECT VALUE ${expr} FROM <<0>>`, ...params);
  return rows.length ? ionText(rows[0]) : 'MISSING';
};

describe('conditional functions', () => {
  it('COALESCE returns the first present value', () => {
    assert.equal(value('COALESCE(NULL, MISSING, 2, 3)'), '2');
    assert.equal(value('COALESCE(NULL, MISSING)'), 'null');
  });

  it('NULLIF returns NULL for equal arguments', () => {
    assert.equal(value('NULLIF(1, 1)'), 'null');
    assert.equal(value('NULLIF(1, 2)'), '1');
  });

  it('EXISTS is true for a non-empty collection', () => {
    assert.equal(value('EXISTS([1])'), 'true');
    assert.equal(value('EXISTS(<<>>)'), 'false');
    assert.equal(value('EXISTS((SELECT * FROM <<1>>))'), 'true');
    assert.equal(value('EXISTS(SELECT VALUE x FROM <<1>> AS x WHERE x > 1)'), 'false');
  });
});

describe('collection and string functions', () => {
  it('SIZE counts elements and fields', () => {
    assert.equal(value('SIZE([1, 2, 3])'), '3');
    assert.equal(value("SIZE({'a': 1})"), '1');
    assert.equal(value('SIZE(<<1, 2>>)'), '2');
    assert.equal(value('SIZE(NULL)'), 'null');
  });

  it('measures, cases, cuts and trims strings by code point', () => {
    assert.equal(value("CHAR_LENGTH('héllo')"), '5');
    assert.equal(value("CHARACTER_LENGTH('😀a')"), '2');
    assert.equal(value("LOWER('AbC')"), '"abc"');
    assert.equal(value("UPPER('AbC')"), '"ABC"');
    assert.equal(value("SUBSTRING('hello', 2)"), '"ello"');
    assert.equal(value("SUBSTRING('hello', 2, 3)"), '"ell"');
    assert.equal(value("SUBSTRING('hello' FROM 0 FOR 3)"), '"he"');
    assert.equal(value("TRIM('  x  ')"), '"x"');
    assert.equal(value("TRIM(LEADING FROM '  x  ')"), '"x  "');
    assert.equal(value("TRIM(TRAILING 'y' FROM 'yxyy')"), '"yx"');
    assert.equal(value("TRIM(BOTH 'ab' FROM 'abxba')"), '"x"');
  });

  it('cuts and trims like the developer guide examples', () => {
    assert.equal(value("SUBSTRING('123456789', 0)"), '"123456789"');
    assert.equal(value("SUBSTRING('123456789', -4)"), '"123456789"');
    assert.equal(value("SUBSTRING('123456789', 0, 999)"), '"123456789"');
    assert.equal(value("SUBSTRING('123456789', 0, 2)"), '"1"');
    assert.equal(value("SUBSTRING('1', 1, 0)"), '""');
    assert.equal(value("SUBSTRING('123456789', -4, 6)"), '"1"');
    assert.equal(value("TRIM('      \tfoobar\t         ')"), '"\\tfoobar\\t"', 'only spaces are trimmed; the writer escapes the tabs');
    assert.equal(value("TRIM(BOTH '12' FROM '1112211foobar22211122')"), '"foobar"');
  });

  it('returns NULL for a NULL argument and fails for the wrong type', () => {
    assert.equal(value('LOWER(NULL)'), 'null');
    assert.equal(value('LOWER(MISSING)'), 'null');
    assert.equal(value("SUBSTRING('abc', MISSING)"), 'null');
    assert.throws(() => value('LOWER(1)'), /LOWER expects a string/);
    assert.throws(() => value('NOSUCH(1)'), /No such function: NOSUCH/);
    assert.throws(() => value('SIZE(1, 2)'), StatementError);
  });
});

describe('date and time functions', () => {
  it('DATE_ADD keeps the offset, clamps month ends and extends precision', () => {
    assert.equal(value('DATE_ADD(day, 1, `2024-01-31T`)'), '2024-02-01T');
    assert.equal(value('DATE_ADD(month, 1, `2024-01-31T`)'), '2024-02-29T');
    assert.equal(value('DATE_ADD(year, -1, `2024-02-29T`)'), '2023-02-28T');
    assert.equal(value('DATE_ADD(hour, 2, `2024-01-01T`)'), '2024-01-01T02:00Z');
    assert.equal(value('DATE_ADD(minute, 30, `2024-01-01T23:45+05:00`)'), '2024-01-02T00:15+05:00');
    assert.equal(value('DATE_ADD(second, 1, `2024-01-01T00:00:59.250Z`)'), '2024-01-01T00:01:00.250Z');
  });

  it('DATE_ADD matches the developer guide examples', () => {
    assert.equal(value('DATE_ADD(year, 5, `2010-01-01T`)'), '2015-01-01T');
    assert.equal(value('DATE_ADD(month, 1, `2010T`)'), '2010-02T');
    assert.equal(value('DATE_ADD(month, 13, `2010T`)'), '2011-02T');
    assert.equal(value('DATE_ADD(day, -1, `2017-01-10T`)'), '2017-01-09T');
    assert.equal(value('DATE_ADD(hour, 1, `2017T`)'), '2017-01-01T01:00Z');
    assert.equal(value('DATE_ADD(hour, 1, `2017-01-02T03:04Z`)'), '2017-01-02T04:04Z');
    assert.equal(value('DATE_ADD(minute, 1, `2017-01-02T03:04:05.006Z`)'), '2017-01-02T03:05:05.006Z');
    assert.equal(value('DATE_ADD(second, 1, `2017-01-02T03:04:05.006Z`)'), '2017-01-02T03:04:06.006Z');
  });

  it('DATE_DIFF matches the developer guide examples', () => {
    assert.equal(value('DATE_DIFF(year, `2010-01-01T`, `2011-01-01T`)'), '1');
    assert.equal(value('DATE_DIFF(year, `2010-12T`, `2011-01T`)'), '0');
    assert.equal(value('DATE_DIFF(month, `2010T`, `2010-05T`)'), '4');
    assert.equal(value('DATE_DIFF(month, `2010T`, `2011T`)'), '12');
    assert.equal(value('DATE_DIFF(month, `2011T`, `2010T`)'), '-12');
    assert.equal(value('DATE_DIFF(month, `2010-12-31T`, `2011-01-01T`)'), '0');
    assert.equal(value('DATE_DIFF(day, `2010-01-01T23:00Z`, `2010-01-02T01:00Z`)'), '0');
  });

  it('DATE_DIFF counts whole units', () => {
    assert.equal(value('DATE_DIFF(day, `2024-01-01T`, `2024-03-01T`)'), '60');
    assert.equal(value('DATE_DIFF(month, `2024-01-31T`, `2024-02-29T`)'), '0');
    assert.equal(value('DATE_DIFF(month, `2024-01-15T`, `2024-03-15T`)'), '2');
    assert.equal(value('DATE_DIFF(year, `2020-06-01T`, `2024-05-31T`)'), '3');
    assert.equal(value('DATE_DIFF(hour, `2024-01-01T10:00Z`, `2024-01-01T08:30Z`)'), '-1');
  });

  it('EXTRACT reads local fields and the offset', () => {
    assert.equal(value('EXTRACT(YEAR FROM `2024-05-06T07:08:09.5-03:30`)'), '2024');
    assert.equal(value('EXTRACT(hour FROM `2024-05-06T07:08:09.5-03:30`)'), '7');
    assert.equal(value('EXTRACT(second FROM `2024-05-06T07:08:09.5-03:30`)'), '9.5');
    assert.equal(value('EXTRACT(timezone_hour FROM `2024-05-06T07:08:09.5-03:30`)'), '-3');
    assert.equal(value('EXTRACT(timezone_minute FROM `2024-05-06T07:08:09.5-03:30`)'), '-30');
  });

  it('EXTRACT reads a date as midnight UTC', () => {
    assert.equal(value('EXTRACT(MONTH FROM `2010T`)'), '1');
    assert.equal(value('EXTRACT(TIMEZONE_HOUR FROM `2017-01-02T03:04:05+07:08`)'), '7');
    assert.equal(value('EXTRACT(TIMEZONE_MINUTE FROM `2017-01-02T03:04:05+07:08`)'), '8');
    assert.equal(value('EXTRACT(SECOND FROM `2017-01-02T03:04:05.006Z`)'), '5.006');
  });

  it('TO_STRING formats with a pattern', () => {
    assert.equal(value("TO_STRING(`2024-05-06T17:08:09.123Z`, 'yyyy-MM-dd HH:mm:ss.SSS')"), '"2024-05-06 17:08:09.123"');
    assert.equal(value("TO_STRING(`2024-05-06T17:08:09Z`, 'MMMM d, y h:mm a')"), '"May 6, 2024 5:08 PM"');
    assert.equal(value("TO_STRING(`2024-05-06T17:08+02:00`, 'yy/MMM/dd XXX')"), '"24/May/06 +02:00"');
  });

  it('TO_STRING matches the developer guide examples', () => {
    const moonLanding = '`1969-07-20T20:18Z`';
    assert.equal(value(`TO_STRING(${moonLanding}, 'MMMM d, y')`), '"July 20, 1969"');
    assert.equal(value(`TO_STRING(${moonLanding}, 'MMM d, yyyy')`), '"Jul 20, 1969"');
    assert.equal(value(`TO_STRING(${moonLanding}, 'M-d-yy')`), '"7-20-69"');
    assert.equal(value(`TO_STRING(${moonLanding}, 'MM-d-y')`), '"07-20-1969"');
    assert.equal(value(`TO_STRING(${moonLanding}, 'MMMM d, y h:m a')`), '"July 20, 1969 8:18 PM"');
    assert.equal(value(`TO_STRING(${moonLanding}, 'y-MM-dd''T''H:m:ssX')`), '"1969-07-20T20:18:00Z"');
    assert.equal(value("TO_STRING(`1969-07-20T20:18+08:00`, 'y-MM-dd''T''H:m:ssXXXX')"), '"1969-07-20T20:18:00+0800"');
    assert.equal(value("TO_STRING(`1969-07-20T20:18+08:00`, 'y-MM-dd''T''H:m:ssXXXXX')"), '"1969-07-20T20:18:00+08:00"');
  });

  it('TO_TIMESTAMP matches the developer guide examples', () => {
    assert.equal(value("TO_TIMESTAMP('2007T')"), '2007T');
    assert.equal(value("TO_TIMESTAMP('2016', 'yyyy')"), '2016T');
    assert.equal(value("TO_TIMESTAMP('02-2016', 'MM-yyyy')"), '2016-02T');
    assert.equal(value("TO_TIMESTAMP('Feb 2016', 'MMM yyyy')"), '2016-02T');
    assert.equal(value("TO_TIMESTAMP('february 2016', 'MMMM yyyy')"), '2016-02T');
    assert.equal(value("TO_TIMESTAMP('7-4-69', 'M-d-yy')"), '2069-07-04T');
    assert.equal(value("TO_TIMESTAMP('7-4-70', 'M-d-yy')"), '1970-07-04T');
    assert.throws(() => value("TO_TIMESTAMP('2-2016', 'MM-yyyy')"), /Expected 2 digits/);
  });

  it('TO_TIMESTAMP parses Ion text or a pattern', () => {
    assert.equal(value("TO_TIMESTAMP('2007-02-23T12:14:33.079-08:00')"), '2007-02-23T12:14:33.079-08:00');
    assert.equal(value("TO_TIMESTAMP('2016', 'y')"), '2016T');
    assert.equal(value("TO_TIMESTAMP('June 8, 2016', 'MMMM d, y')"), '2016-06-08T');
    assert.equal(value("TO_TIMESTAMP('2016-06-08 09:10:11+0100', 'yyyy-MM-dd HH:mm:ssX')"), '2016-06-08T09:10:11+01:00');
    assert.throws(() => value("TO_TIMESTAMP('nope')"), /not an Ion timestamp/);
  });

  it('UTCNOW returns a UTC timestamp close to now', () => {
    const [now] = run(view, 'SELECT VALUE UTCNOW() FROM <<0>>');
    const ts = now.timestampValue()!;
    assert.equal(ts.getLocalOffset(), 0);
    assert.ok(Math.abs(ts.getDate().getTime() - Date.now()) < 5000);
  });
});

describe('TXID and CAST', () => {
  it('TXID returns the transaction id', () => {
    assert.equal(value('TXID()'), `"${view.transactionId}"`);
  });

  it('CAST converts between scalar types', () => {
    assert.equal(value("CAST('12' AS INT)"), '12');
    assert.equal(value('CAST(12.7 AS INT)'), '12');
    assert.equal(value('CAST(1 AS DECIMAL)'), '1.');
    assert.equal(value("CAST('1.50' AS DECIMAL)"), '1.50');
    assert.equal(value('CAST(1 AS FLOAT)'), '1e0');
    assert.equal(value('CAST(1.5 AS STRING)'), '"1.5"');
    assert.equal(value("CAST('abc' AS SYMBOL)"), 'abc');
    assert.equal(value("CAST('true' AS BOOL)"), 'true');
    assert.equal(value("CAST('2024-01-01T' AS TIMESTAMP)"), '2024-01-01T');
    assert.equal(value('CAST([1, 2] AS SEXP)'), '(1 2)');
    assert.equal(value('CAST(NULL AS INT)'), 'null');
    assert.equal(value('CAST(MISSING AS INT)'), 'MISSING');
    assert.equal(value('CAST(? AS STRING)', ion('2024-01-01T00:00Z')), '"2024-01-01T00:00Z"');
    assert.throws(() => value("CAST('x' AS INT)"), /Cannot cast/);
  });
});
