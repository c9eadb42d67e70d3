/**
 * A Python pickle reader for data, not code: it understands the opcodes that
 * `pickle` (protocols 2 to 5) writes for tuples, lists, dicts, numbers,
 * strings and calls, and it never looks anything up by itself. Each GLOBAL is
 * handed to the caller's `findGlobal`, which returns a value for the names it
 * trusts and throws for every other name; each call (REDUCE) and BUILD goes to
 * the caller too. So a pickle that names `os.system` fails at that name, and
 * nothing in a file is ever executed.
 *
 * Tuples and lists both come back as arrays, dicts as Maps, Python ints as
 * numbers (bigints past 2^53), str as strings.
 */

export interface PickleHandlers {
  /** The value GLOBAL `module.name` stands for; throws to refuse the name. */
  findGlobal(module: string, name: string): unknown;
  /** REDUCE: calls `callable` (a value findGlobal returned, or anything the pickle built) with `args`. */
  call(callable: unknown, args: unknown[]): unknown;
  /** BUILD: sets `state` on `target`, an object an earlier call returned. */
  build(target: unknown, state: unknown): void;
  /** BINPERSID: the object an out-of-band id (e.g. PyTorch's storage tuples) stands for. */
  persistentLoad(id: unknown): unknown;
}

export interface UnpickleResult {
  value: unknown;
  /** The offset just after the STOP opcode: where a following pickle in the same bytes starts. */
  end: number;
}

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  BINFLOAT: 0x47,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  NONE: 0x4e,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  BINUNICODE: 0x58,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  APPENDS: 0x65,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  SETITEMS: 0x75,
  EMPTY_DICT: 0x7d,
  EMPTY_TUPLE: 0x29,
  PROTO: 0x80,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
} as const;

const HIGHEST_PROTOCOL = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Python's two's-complement little-endian LONG encoding, as a number when it is exactly one. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Reads one pickle starting at `offset`. */
export function unpickle(bytes: Uint8Array, handlers: PickleHandlers, offset = 0): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = offset;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  // A declaration, not an arrow, so that TypeScript narrows after calls to it.
  function fail(opcodeAt: number, reason: string): never {
    throw new PickleError(`pickle byte ${opcodeAt}: ${reason}`);
  }
  const take = (count: number, opcodeAt: number): Uint8Array => {
    if (!Number.isSafeInteger(count) || count < 0 || position + count > bytes.length) {
      fail(opcodeAt, `needs ${count} more bytes, past the end of the data`);
    }
    const slice = bytes.subarray(position, position + count);
    position += count;
    return slice;
  };
  const u8 = (at: number) => take(1, at)[0]!;
  const u32 = (at: number) => {
    take(4, at);
    return view.getUint32(position - 4, true);
  };
  const u64 = (at: number) => {
    take(8, at);
    return Number(view.getBigUint64(position - 8, true));
  };
  const line = (at: number): string => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) fail(at, 'a text line has no end');
    const text = latin1.decode(bytes.subarray(position, end));
    position = end + 1;
    return text;
  };
  const text = (count: number, at: number): string => {
    try {
      return utf8.decode(take(count, at));
    } catch {
      return fail(at, 'a string is not valid UTF-8');
    }
  };
  const pop = (at: number): unknown => {
    if (stack.length === 0) fail(at, 'the stack is empty');
    return stack.pop();
  };
  const top = (at: number): unknown => {
    if (stack.length === 0) fail(at, 'the stack is empty');
    return stack[stack.length - 1];
  };
  const popMark = (at: number): unknown[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) fail(at, 'no MARK to pop to');
    stack = previous;
    return items;
  };
  const dictOnTop = (at: number): Map<unknown, unknown> => {
    const target = top(at);
    if (!(target instanceof Map)) fail(at, 'SETITEM(S) on something that is not a dict');
    return target;
  };
  const listOnTop = (at: number): unknown[] => {
    const target = top(at);
    if (!Array.isArray(target)) fail(at, 'APPEND(S) on something that is not a list');
    return target;
  };
  const setPairs = (target: Map<unknown, unknown>, items: unknown[], at: number): void => {
    if (items.length % 2 !== 0) fail(at, 'a dict needs key/value pairs');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const memoGet = (index: number, at: number): unknown => {
    if (!memo.has(index)) fail(at, `memo entry ${index} was never stored`);
    return memo.get(index);
  };

  for (;;) {
    const at = position;
    if (position >= bytes.length) fail(at, 'the data ends before STOP');
    const opcode = bytes[position++]!;
    switch (opcode) {
      case OP.PROTO: {
        const protocol = u8(at);
        if (protocol > HIGHEST_PROTOCOL) fail(at, `pickle protocol ${protocol} is newer than ${HIGHEST_PROTOCOL}`);
        break;
      }
      case OP.FRAME:
        // Frames only group opcodes for buffered reading; the opcodes inside follow directly.
        u64(at);
        break;
      case OP.STOP:
        return { value: pop(at), end: position };
      case OP.MARK:
        marks.push(stack);
        stack = [];
        break;
      case OP.POP:
        pop(at);
        break;
      case OP.POP_MARK:
        popMark(at);
        break;
      case OP.DUP:
        stack.push(top(at));
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.NEWTRUE:
        stack.push(true);
        break;
      case OP.NEWFALSE:
        stack.push(false);
        break;
      case OP.BININT:
        take(4, at);
        stack.push(view.getInt32(position - 4, true));
        break;
      case OP.BININT1:
        stack.push(u8(at));
        break;
      case OP.BININT2:
        take(2, at);
        stack.push(view.getUint16(position - 2, true));
        break;
      case OP.LONG1:
        stack.push(decodeLong(take(u8(at), at)));
        break;
      case OP.LONG4:
        stack.push(decodeLong(take(u32(at), at)));
        break;
      case OP.BINFLOAT:
        take(8, at);
        stack.push(view.getFloat64(position - 8, false));
        break;
      case OP.BINUNICODE:
        stack.push(text(u32(at), at));
        break;
      case OP.SHORT_BINUNICODE:
        stack.push(text(u8(at), at));
        break;
      case OP.BINUNICODE8:
        stack.push(text(u64(at), at));
        break;
      // Python 2's str, which checkpoints saved from Python 2 use for names.
      case OP.BINSTRING:
        stack.push(latin1.decode(take(u32(at), at)));
        break;
      case OP.SHORT_BINSTRING:
        stack.push(latin1.decode(take(u8(at), at)));
        break;
      case OP.EMPTY_TUPLE:
        stack.push([]);
        break;
      case OP.TUPLE1:
        stack.push([pop(at)]);
        break;
      case OP.TUPLE2: {
        const second = pop(at);
        stack.push([pop(at), second]);
        break;
      }
      case OP.TUPLE3: {
        const third = pop(at);
        const second = pop(at);
        stack.push([pop(at), second, third]);
        break;
      }
      case OP.TUPLE:
      case OP.LIST: {
        // Popped before `stack.push` is looked up: popping the mark replaces `stack`.
        const items = popMark(at);
        stack.push(items);
        break;
      }
      case OP.EMPTY_LIST:
        stack.push([]);
        break;
      case OP.APPEND: {
        const item = pop(at);
        listOnTop(at).push(item);
        break;
      }
      case OP.APPENDS: {
        const items = popMark(at);
        listOnTop(at).push(...items);
        break;
      }
      case OP.EMPTY_DICT:
        stack.push(new Map());
        break;
      case OP.DICT: {
        const dict = new Map<unknown, unknown>();
        setPairs(dict, popMark(at), at);
        stack.push(dict);
        break;
      }
      case OP.SETITEM: {
        const value = pop(at);
        const key = pop(at);
        dictOnTop(at).set(key, value);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark(at);
        setPairs(dictOnTop(at), items, at);
        break;
      }
      case OP.BINPUT:
        memo.set(u8(at), top(at));
        break;
      case OP.LONG_BINPUT:
        memo.set(u32(at), top(at));
        break;
      case OP.MEMOIZE:
        memo.set(memo.size, top(at));
        break;
      case OP.BINGET:
        stack.push(memoGet(u8(at), at));
        break;
      case OP.LONG_BINGET:
        stack.push(memoGet(u32(at), at));
        break;
      case OP.GLOBAL: {
        const module = line(at);
        stack.push(handlers.findGlobal(module, line(at)));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop(at);
        const module = pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') fail(at, 'STACK_GLOBAL needs two strings');
        stack.push(handlers.findGlobal(module, name));
        break;
      }
      case OP.REDUCE: {
        const args = pop(at);
        const callable = pop(at);
        if (!Array.isArray(args)) fail(at, 'REDUCE needs a tuple of arguments');
        stack.push(handlers.call(callable, args));
        break;
      }
      case OP.BUILD: {
        const state = pop(at);
        handlers.build(top(at), state);
        break;
      }
      case OP.BINPERSID:
        stack.push(handlers.persistentLoad(pop(at)));
        break;
      default:
        fail(at, `opcode 0x${opcode.toString(16).padStart(2, '0')} is not one this reader accepts`);
    }
  }
}
