/**
 * A fault of ion-js 5.2.1 (the latest release, and the one the Node driver uses), mended for this
 * process: `Decimal.intValue()` truncates a float product, `coefficient × 10^exponent`, which for
 * some values lands just under the integer. Its binary writer takes a timestamp's whole seconds
 * from that, so `2024-01-01T00:00:29.0000Z` (four or five zero digits of fraction, and finer
 * ones) was written as `…:28.0000Z`: a parameter sent as Ion text, a value re-encoded in an
 * answer, lost a second on each pass through the writer. Here the integer part of a decimal with
 * a negative exponent is taken exactly, in BigInt; every other case is left to ion-js.
 */
import { Decimal } from 'ion-js';

interface DecimalInternals {
  intValue(): number;
  getCoefficient(): bigint;
  getExponent(): number;
}

const proto = Decimal.prototype as unknown as DecimalInternals;
const intValueOfIonJs = proto.intValue;

proto.intValue = function intValue(this: DecimalInternals): number {
  const exponent = this.getExponent();
  const coefficient = this.getCoefficient();
  // non-negative exponents multiply exactly enough; zero keeps ion-js's negative zero
  if (exponent >= 0 || coefficient === 0n) return intValueOfIonJs.call(this);
  const digits = (coefficient < 0n ? -coefficient : coefficient).toString().length;
  // |value| < 1 (and no power of ten as large as the exponent is built for it)
  if (digits <= -exponent) return coefficient < 0n ? -0 : 0;
  return Number(coefficient / 10n ** BigInt(-exponent));
};
