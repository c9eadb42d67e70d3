import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PickleError, unpickle, type PickleHandlers } from './pickle.ts';

const PYTHON = '/usr/bin/python3';

function pythonUnavailableReason(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import pickle'], { stdio: 'pipe' });
    return null;
  } catch {
    return `${PYTHON} is not there`;
  }
}
const skipReason = pythonUnavailableReason();

const refuseEverything: PickleHandlers = {
  findGlobal: (module, name) => {
    throw new Error(`refused ${module}.${name}`);
  },
  call: () => {
    throw new Error('refused call');
  },
  build: () => {
    throw new Error('refused build');
  },
  persistentLoad: () => {
    throw new Error('refused persistent id');
  },
};

/** Python data with every value kind the reader handles, a repeated (memoised) object, and a long list (APPENDS in batches). */
const VALUE = `{
  "names": ["a", "ünïcødé", "x" * 300],
  "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**53 - 1, 2**53, -2**63, 2**64],
  "floats": [0.5, -1e-30, 3.0],
  "flags": (True, False, None),
  "pairs": ((1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
  "nested": {"shared": [1, 2]},
  "long": list(range(2500)),
}
value["again"] = value["nested"]["shared"]`;

/** The same value as the reader gives it: tuples and lists as arrays, dicts as Maps, ints past 2^53 as bigints. */
function expectedValue(): unknown {
  const shared = [1, 2];
  return new Map<string, unknown>([
    ['names', ['a', 'ünïcødé', 'x'.repeat(300)]],
    ['ints', [0, 1, -1, 255, 256, 65535, 65536, -(2 ** 31), 2 ** 31, Number.MAX_SAFE_INTEGER, 2n ** 53n, -(2n ** 63n), 2n ** 64n]],
    ['floats', [0.5, -1e-30, 3]],
    ['flags', [true, false, null]],
    ['pairs', [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]],
    ['nested', new Map([['shared', shared]])],
    ['long', Array.from({ length: 2500 }, (_, i) => i)],
    ['again', shared],
  ]);
}

function pickled(protocol: number, source: string): Uint8Array {
  const script = `import pickle, sys\nvalue = ${source}\nsys.stdout.buffer.write(pickle.dumps(value, protocol=${protocol}))`;
  return new Uint8Array(execFileSync(PYTHON, ['-c', script]));
}

describe.skipIf(skipReason !== null)(`unpickle against Python's pickle${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  for (const protocol of [2, 3, 4, 5]) {
    it(`reads protocol ${protocol}: strings, ints of every width, floats, tuples, lists, dicts, memo references`, () => {
      const bytes = pickled(protocol, VALUE);
      const { value, end } = unpickle(bytes, refuseEverything);
      expect(end).toBe(bytes.length);
      expect(value).toEqual(expectedValue());
      const map = value as Map<string, unknown>;
      expect(map.get('again')).toBe((map.get('nested') as Map<string, unknown>).get('shared'));
    });
  }

  it('hands every global to findGlobal, so refusing it stops the load there', () => {
    for (const protocol of [2, 4]) {
      const bytes = pickled(protocol, '__import__("os").system');
      expect(() => unpickle(bytes, refuseEverything)).toThrow('refused posix.system');
    }
  });
});

describe('unpickle damage', () => {
  it('names the byte and the problem', () => {
    expect(() => unpickle(Uint8Array.of(0x80, 0x02, 0x4b), refuseEverything)).toThrow(new PickleError('pickle byte 2: needs 1 more bytes, past the end of the data'));
    expect(() => unpickle(Uint8Array.of(0x80, 0x02, 0x68, 0x07, 0x2e), refuseEverything)).toThrow('pickle byte 2: memo entry 7 was never stored');
    expect(() => unpickle(Uint8Array.of(0x80, 0x02, 0x81, 0x2e), refuseEverything)).toThrow('pickle byte 2: opcode 0x81 is not one this reader accepts');
    expect(() => unpickle(Uint8Array.of(0x80, 0x06, 0x2e), refuseEverything)).toThrow('pickle byte 0: pickle protocol 6 is newer than 5');
  });
});
