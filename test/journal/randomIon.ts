/** Random Ion values as text, so that every type, nesting and annotation appears (tests only). */
export function randomValue(rnd: () => number, depth: number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const ann = rnd() < 0.1 ? pick(['a::', 'b::c::', "'x y'::"]) : '';
  const kind = depth > 3 ? Math.floor(rnd() * 9) : Math.floor(rnd() * 12);
  const int = () => String(Math.floor((rnd() - 0.5) * 10 ** Math.floor(rnd() * 20)));
  switch (kind) {
    case 0: return ann + int();
    case 1: return ann + (rnd() * 1000 - 500).toExponential();
    case 2: return ann + `${int()}.${String(Math.floor(rnd() * 1000)).padStart(Math.floor(rnd() * 5), '0')}`;
    case 3: {
      const ms = Math.floor(rnd() * 4e12);
      const iso = new Date(ms).toISOString();
      return ann + pick([iso, iso.slice(0, 10), iso.slice(0, 19) + 'Z', iso.slice(0, 16) + '-07:00', iso.replace('Z', '+01:30')]);
    }
    case 4: return ann + JSON.stringify(String.fromCharCode(...Array.from({ length: Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 200) + 9)));
    case 5: return ann + pick(['sym', 'VIN', "'quoted sym'", 'a_b']);
    case 6: return ann + pick(['true', 'false', 'null', 'null.int', 'null.struct']);
    case 7: return ann + `{{${Buffer.from(Array.from({ length: Math.floor(rnd() * 20) }, () => Math.floor(rnd() * 256))).toString('base64')}}}`;
    case 8: return ann + '"' + 'x'.repeat(Math.floor(rnd() * 40)) + '"';
    case 9: return ann + '[' + Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(rnd, depth + 1)).join(', ') + ']';
    case 10: return ann + '(' + Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1)).join(' ') + ')';
    default:
      return ann + '{' + Array.from({ length: Math.floor(rnd() * 6) }, () => `${pick(['a', 'b', 'Name', "'f g'", 'id'])}: ${randomValue(rnd, depth + 1)}`).join(', ') + '}';
  }
}

export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

