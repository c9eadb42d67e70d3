/**
 * JSON text as Python's `json.dumps(obj, indent=2, sort_keys=…, ensure_ascii=…)` writes it, so
 * the files of an exported folder match those `save_pretrained` writes byte for byte: keys in
 * Python's sort order (code points; int keys numerically), floats as `repr` prints them
 * (`1e-05`, not `0.00001`), NaN and infinities as Python spells them, and with `ensureAscii`
 * every character outside printable ASCII as a `\uXXXX` escape.
 *
 * JSON carries no int/float distinction, so an integer-valued float prints as an int (`0`, where
 * Python would print `0.0` for a float); every JSON reader takes both as the same number.
 */

export interface PythonJsonOptions {
  /** json.dumps(sort_keys=…). */
  readonly sortKeys?: boolean;
  /** json.dumps(ensure_ascii=…); Python's default is true, tokenizer files are written with false. */
  readonly ensureAscii?: boolean;
  /**
   * Names of objects whose Python dict has int keys (`PretrainedConfig.id2label`): sort_keys
   * orders those numerically, so "10" comes after "9" as in the file transformers writes.
   */
  readonly intKeyedObjects?: readonly string[];
}

/** Python compares str by code point; JS `<` compares UTF-16 units, which differs beyond the BMP. */
function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a, (c) => c.codePointAt(0)!);
  const right = Array.from(b, (c) => c.codePointAt(0)!);
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) if (left[i] !== right[i]) return left[i]! - right[i]!;
  return left.length - right.length;
}

/** float.__repr__: shortest round-trip digits, scientific below 1e-4 and from 1e16, two-digit exponents at least. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  // toExponential() with no argument gives the shortest digits that round-trip, as repr does.
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${body}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : '.0'}`;
}

function pythonString(text: string, ensureAscii: boolean): string {
  // JSON.stringify escapes exactly what ensure_ascii=False escapes (quote, backslash, controls).
  const quoted = JSON.stringify(text);
  if (!ensureAscii) return quoted;
  return quoted.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  const { sortKeys = true, ensureAscii = true, intKeyedObjects = [] } = options;
  const render = (v: unknown, indent: string, name: string | null): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return pythonFloatRepr(v);
    if (typeof v === 'string') return pythonString(v, ensureAscii);
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => `${inner}${render(x, inner, null)}`).join(',\n')}\n${indent}]`;
    }
    if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{}';
      if (sortKeys) {
        const numeric = name !== null && intKeyedObjects.includes(name);
        entries.sort(([a], [b]) => (numeric ? Number(a) - Number(b) : compareCodePoints(a, b)));
      }
      return `{\n${entries.map(([k, x]) => `${inner}${pythonString(k, ensureAscii)}: ${render(x, inner, k)}`).join(',\n')}\n${indent}}`;
    }
    throw new Error(`cannot write a ${typeof v} as JSON`);
  };
  return render(value, '', null);
}
