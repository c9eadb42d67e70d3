/**
 * PyTorch's `torch.save` format, as `pytorch_model.bin` files hold it: a state
 * dict (an OrderedDict of parameter name to tensor) pickled with its tensors'
 * storages kept out of band. Two layouts:
 *
 * - zip (torch >= 1.6): `<prefix>/data.pkl` is the pickle, `<prefix>/data/<key>`
 *   each storage's raw bytes, `<prefix>/byteorder` (when present) their order;
 * - legacy (torch < 1.6, or `_use_new_zipfile_serialization=False`): a magic
 *   number, a version and system info pickled one after another, then the state
 *   dict's pickle, a pickled list of storage keys, and each storage as its
 *   little-endian int64 element count followed by its bytes.
 *
 * The pickle is read by ./pickle.ts with a fixed list of the names a state dict
 * needs; any other name is refused, so loading never executes anything. Tensors
 * are read honouring their storage offset and strides (views, transposes and
 * storages shared by tied weights) and, like the safetensors reader, widened
 * to float32.
 */
import { unzipSync } from 'fflate';
import { PickleError, unpickle, type PickleHandlers } from './pickle.ts';
import { float16Values, type NamedTensor } from './safetensors.ts';

type ByteOrder = 'little' | 'big';

interface StorageType {
  /** The class name after `torch.`, e.g. FloatStorage. */
  name: string;
  bytesPerElement: number;
  /** The element at `index` of a storage's bytes, as a float32-representable number. */
  read(view: DataView, index: number, littleEndian: boolean): number;
}

function storageType(name: string, bytesPerElement: number, read: StorageType['read']): StorageType {
  return { name, bytesPerElement, read };
}

const STORAGE_TYPES = new Map<string, StorageType>(
  [
    storageType('FloatStorage', 4, (v, i, le) => v.getFloat32(i * 4, le)),
    storageType('HalfStorage', 2, (v, i, le) => float16Values()[v.getUint16(i * 2, le)]!),
    // bfloat16 is the top half of a float32, so widening is exact.
    storageType('BFloat16Storage', 2, (v, i, le) => bfloat16ToFloat(v.getUint16(i * 2, le))),
    storageType('DoubleStorage', 8, (v, i, le) => v.getFloat64(i * 8, le)),
    storageType('LongStorage', 8, (v, i, le) => Number(v.getBigInt64(i * 8, le))),
    storageType('IntStorage', 4, (v, i, le) => v.getInt32(i * 4, le)),
    storageType('ShortStorage', 2, (v, i, le) => v.getInt16(i * 2, le)),
    storageType('CharStorage', 1, (v, i) => v.getInt8(i)),
    storageType('ByteStorage', 1, (v, i) => v.getUint8(i)),
    storageType('BoolStorage', 1, (v, i) => (v.getUint8(i) === 0 ? 0 : 1)),
  ].map((type) => [type.name, type]),
);

const KNOWN_STORAGE_TYPES: ReadonlySet<unknown> = new Set(STORAGE_TYPES.values());
const isStorageType = (value: unknown): value is StorageType => KNOWN_STORAGE_TYPES.has(value);

const bfloat16Bits = new Uint32Array(1);
const bfloat16Float = new Float32Array(bfloat16Bits.buffer);
function bfloat16ToFloat(bits: number): number {
  bfloat16Bits[0] = bits << 16;
  return bfloat16Float[0]!;
}

function fail(reason: string): never {
  throw new Error(`Invalid PyTorch checkpoint: ${reason}`);
}

// What the allowed callables stand for: symbols, which nothing in a pickle can make, so only these three names can be called.
const ORDERED_DICT = Symbol('collections.OrderedDict');
const REBUILD_TENSOR = Symbol('torch._utils._rebuild_tensor_v2');
const REBUILD_PARAMETER = Symbol('torch._utils._rebuild_parameter');

/** What a pickled storage id refers to; its bytes are found by `key` once the pickle is read. */
class StorageRef {
  constructor(
    readonly type: StorageType,
    readonly key: string,
    readonly elementCount: number,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

function findGlobal(module: string, name: string): unknown {
  const qualified = `${module}.${name}`;
  if (qualified === 'collections.OrderedDict') return ORDERED_DICT;
  if (qualified === 'torch._utils._rebuild_tensor_v2') return REBUILD_TENSOR;
  if (qualified === 'torch._utils._rebuild_parameter') return REBUILD_PARAMETER;
  if (module === 'torch' && name.endsWith('Storage')) {
    const type = STORAGE_TYPES.get(name);
    if (type === undefined) {
      fail(`it holds a torch.${name}, which is not supported (supported: ${[...STORAGE_TYPES.keys()].map((n) => `torch.${n}`).join(', ')})`);
    }
    return type;
  }
  return fail(
    `its pickle names "${qualified}", which a state dict of tensors never needs, so the file is refused ` +
      '(only OrderedDicts and tensors are read from it, and nothing in it is run)',
  );
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function countList(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every(isCount)) fail(`a tensor's ${what} ${String(value)} is not a tuple of non-negative integers`);
  return value as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  const [storage, storageOffset, size, stride] = args;
  if (!(storage instanceof StorageRef)) fail('a tensor is rebuilt from something that is not a storage');
  if (!isCount(storageOffset)) fail(`a tensor has storage offset ${String(storageOffset)}`);
  const shape = countList(size, 'size');
  const strides = countList(stride, 'stride');
  if (shape.length !== strides.length) fail(`a tensor has size [${shape.join(', ')}] but stride [${strides.join(', ')}]`);
  return new TensorRef(storage, storageOffset, shape, strides);
}

function handlers(storages: Map<string, StorageRef>): PickleHandlers {
  const orderedDicts = new WeakSet<Map<unknown, unknown>>();
  return {
    findGlobal,
    call(callable, args) {
      if (callable === ORDERED_DICT) {
        if (args.length !== 0) fail('an OrderedDict is built with arguments');
        const dict = new Map<unknown, unknown>();
        orderedDicts.add(dict);
        return dict;
      }
      if (callable === REBUILD_TENSOR) return rebuildTensor(args);
      // _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its tensor here.
      if (callable === REBUILD_PARAMETER && args[0] instanceof TensorRef) return args[0];
      return fail('its pickle calls something other than OrderedDict or a tensor rebuild');
    },
    build(target, state) {
      // A state dict's OrderedDict carries `_metadata` (module versions) as its instance state; tensors need none of it.
      if (!(target instanceof Map && orderedDicts.has(target))) fail('its pickle sets the state of something other than an OrderedDict');
      if (!(state instanceof Map)) fail("an OrderedDict's state is not a dict");
    },
    persistentLoad(id) {
      // ('storage', storage_type, key, location, element_count[, view_metadata]) as torch.save writes it.
      if (!Array.isArray(id) || id[0] !== 'storage' || id.length < 5) fail(`it refers to an out-of-band object ${String(id)} that is not a storage`);
      const [, type, key, , elementCount, viewMetadata] = id as unknown[];
      if (!isStorageType(type)) fail(`storage ${String(key)} has no storage type`);
      if (typeof key !== 'string' || !isCount(elementCount)) fail(`a storage id has key ${String(key)} and size ${String(elementCount)}`);
      if (viewMetadata !== undefined && viewMetadata !== null) {
        fail(`storage ${key} is a view of another storage, which only torch < 1.0 wrote and is not supported`);
      }
      const known = storages.get(key);
      if (known !== undefined) {
        if (known.type !== type || known.elementCount !== elementCount) fail(`storage ${key} is described twice, differently`);
        return known;
      }
      const storage = new StorageRef(type, key, elementCount);
      storages.set(key, storage);
      return storage;
    },
  };
}

/** The pickled state dict as tensor references, checked to be a flat map of names to tensors. */
function stateDictEntries(value: unknown): [string, TensorRef][] {
  if (!(value instanceof Map)) fail('it does not hold a state dict (a dict of parameter names to tensors)');
  const entries: [string, TensorRef][] = [];
  for (const [name, tensor] of value as Map<unknown, unknown>) {
    if (typeof name !== 'string') fail(`a state dict key ${String(name)} is not a string`);
    if (!(tensor instanceof TensorRef)) {
      fail(`state dict entry "${name}" is not a tensor (a checkpoint with more than the model's weights, e.g. a training checkpoint, is not supported)`);
    }
    entries.push([name, tensor]);
  }
  return entries;
}

function elementCount(shape: number[]): number {
  return shape.reduce((product, dimension) => product * dimension, 1);
}

function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    // A dimension of size 1 is never stepped along, so its stride does not matter (torch writes any value there).
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/** A storage's elements as float32, a view of `bytes` where it can be one. */
function decodeStorage(type: StorageType, bytes: Uint8Array, byteOrder: ByteOrder): Float32Array {
  const count = bytes.byteLength / type.bytesPerElement;
  if (type.name === 'FloatStorage' && byteOrder === 'little') {
    // Legacy files put storages at any offset; a copy of the bytes is aligned, and far faster than reading each float.
    return bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : new Float32Array(bytes.slice().buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = byteOrder === 'little';
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = type.read(view, i, littleEndian);
  return out;
}

/**
 * Copies a tensor's elements in row-major order out of its storage, stepping by
 * its strides: a tight loop along the last dimension, an odometer over the others.
 */
function gather(values: Float32Array, tensor: TensorRef): Float32Array {
  const { shape, strides, storageOffset } = tensor;
  const count = elementCount(shape);
  if (isContiguous(shape, strides)) return values.slice(storageOffset, storageOffset + count);
  const out = new Float32Array(count);
  if (count === 0) return out;
  const rank = shape.length;
  const rowLength = shape[rank - 1]!;
  const rowStride = strides[rank - 1]!;
  const index = new Array<number>(rank - 1).fill(0);
  let rowStart = storageOffset;
  for (let written = 0; written < count; ) {
    for (let j = 0, position = rowStart; j < rowLength; j++, position += rowStride) out[written++] = values[position]!;
    for (let d = rank - 2; d >= 0; d--) {
      rowStart += strides[d]!;
      if (++index[d]! < shape[d]!) break;
      rowStart -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

function checkBounds(name: string, tensor: TensorRef, storageLength: number): void {
  if (elementCount(tensor.shape) === 0) return;
  const last = tensor.shape.reduce((sum, dimension, d) => sum + (dimension - 1) * tensor.strides[d]!, tensor.storageOffset);
  if (last >= storageLength) {
    fail(
      `tensor "${name}" (size [${tensor.shape.join(', ')}], stride [${tensor.strides.join(', ')}], offset ${tensor.storageOffset}) ` +
        `reaches element ${last} of storage ${tensor.storage.key}, which has ${storageLength}`,
    );
  }
}

/**
 * Each tensor gets its own array: a view of its storage when it is the only
 * tensor there and lies in it contiguously, else a copy, so that tied weights
 * do not alias each other's memory.
 */
function materialise(
  entries: [string, TensorRef][],
  storageBytes: (storage: StorageRef) => Uint8Array,
  byteOrder: ByteOrder,
): Map<string, NamedTensor> {
  const users = new Map<StorageRef, number>();
  for (const [, tensor] of entries) users.set(tensor.storage, (users.get(tensor.storage) ?? 0) + 1);
  const decoded = new Map<StorageRef, Float32Array>();
  const tensors = new Map<string, NamedTensor>();
  for (const [name, tensor] of entries) {
    let values = decoded.get(tensor.storage);
    if (values === undefined) {
      values = decodeStorage(tensor.storage.type, storageBytes(tensor.storage), byteOrder);
      decoded.set(tensor.storage, values);
    }
    checkBounds(name, tensor, values.length);
    const data =
      users.get(tensor.storage) === 1 && isContiguous(tensor.shape, tensor.strides)
        ? values.subarray(tensor.storageOffset, tensor.storageOffset + elementCount(tensor.shape))
        : gather(values, tensor);
    tensors.set(name, { shape: [...tensor.shape], data });
  }
  return tensors;
}

function checkStorageLength(storage: StorageRef, bytes: Uint8Array): void {
  const expected = storage.elementCount * storage.type.bytesPerElement;
  if (bytes.byteLength !== expected) {
    fail(`storage ${storage.key} has ${bytes.byteLength} bytes, but ${storage.elementCount} elements of torch.${storage.type.name} need ${expected}`);
  }
}

function unpickleOrFail(bytes: Uint8Array, pickleHandlers: PickleHandlers, offset: number) {
  try {
    return unpickle(bytes, pickleHandlers, offset);
  } catch (error) {
    if (error instanceof PickleError) fail(`its pickle is damaged (${error.message})`);
    throw error;
  }
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const PICKLE_PROTO = 0x80;
const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;
const DATA_PKL = 'data.pkl';

function readZipCheckpoint(bytes: Uint8Array): Map<string, NamedTensor> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    fail(`it is not a readable zip archive (${error instanceof Error ? error.message : String(error)})`);
  }
  const pickleNames = Object.keys(files).filter((name) => name === DATA_PKL || name.endsWith(`/${DATA_PKL}`));
  if (pickleNames.length !== 1) fail(`its zip archive holds ${pickleNames.length} ${DATA_PKL} files, not one`);
  const prefix = pickleNames[0]!.slice(0, -DATA_PKL.length);
  const byteOrderFile = files[`${prefix}byteorder`];
  // Files from torch versions before the byteorder record (1.x among them) were all written little-endian.
  const byteOrder = byteOrderFile === undefined ? 'little' : new TextDecoder().decode(byteOrderFile).trim();
  if (byteOrder !== 'little' && byteOrder !== 'big') fail(`its byteorder record says "${byteOrder}"`);

  const storages = new Map<string, StorageRef>();
  const { value } = unpickleOrFail(files[pickleNames[0]!]!, handlers(storages), 0);
  const entries = stateDictEntries(value);
  return materialise(
    entries,
    (storage) => {
      const data = files[`${prefix}data/${storage.key}`];
      if (data === undefined) fail(`storage ${storage.key} is missing from the zip archive (${prefix}data/${storage.key})`);
      checkStorageLength(storage, data);
      return data;
    },
    byteOrder,
  );
}

function readLegacyCheckpoint(bytes: Uint8Array): Map<string, NamedTensor> {
  const storages = new Map<string, StorageRef>();
  const pickleHandlers = handlers(storages);
  const magic = unpickleOrFail(bytes, pickleHandlers, 0);
  if (magic.value !== LEGACY_MAGIC_NUMBER) fail('it starts with a pickle but not with the magic number torch.save writes');
  const version = unpickleOrFail(bytes, pickleHandlers, magic.end);
  if (version.value !== LEGACY_PROTOCOL_VERSION) fail(`its legacy format version is ${String(version.value)}, not ${LEGACY_PROTOCOL_VERSION}`);
  const systemInfo = unpickleOrFail(bytes, pickleHandlers, version.end);
  if (!(systemInfo.value instanceof Map) || systemInfo.value.get('little_endian') !== true) {
    fail('it was saved on a big-endian machine in the legacy format, which is not supported');
  }
  const stateDict = unpickleOrFail(bytes, pickleHandlers, systemInfo.end);
  const entries = stateDictEntries(stateDict.value);
  const keyList = unpickleOrFail(bytes, pickleHandlers, stateDict.end);
  if (!Array.isArray(keyList.value) || !keyList.value.every((key) => typeof key === 'string')) fail('its list of storage keys is not a list of strings');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storageData = new Map<StorageRef, Uint8Array>();
  let position = keyList.end;
  for (const key of keyList.value as string[]) {
    const storage = storages.get(key);
    if (storage === undefined) fail(`storage ${key} is listed but no tensor uses it`);
    if (position + 8 > bytes.byteLength) fail(`the file ends before storage ${key}`);
    const count = Number(view.getBigInt64(position, true));
    if (count !== storage.elementCount) fail(`storage ${key} is stored with ${count} elements but described with ${storage.elementCount}`);
    const begin = position + 8;
    const end = begin + count * storage.type.bytesPerElement;
    if (end > bytes.byteLength) fail(`the file ends inside storage ${key}`);
    storageData.set(storage, bytes.subarray(begin, end));
    position = end;
  }
  return materialise(
    entries,
    (storage) => storageData.get(storage) ?? fail(`storage ${storage.key} is used but its bytes are not in the file`),
    'little',
  );
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

/**
 * The tensors of a `torch.save`d state dict (a `pytorch_model.bin`), by name
 * as saved. Float32 tensors that are alone in their storage and contiguous come
 * back as views of that storage's bytes (which, in a legacy file, may be `bytes`
 * itself); every other tensor gets an array of its own. Integer and bool buffers (e.g. `position_ids`) are widened
 * to float32 as the safetensors reader does.
 */
export function readPytorchCheckpoint(bytes: Uint8Array): Map<string, NamedTensor> {
  if (startsWith(bytes, ZIP_MAGIC)) return readZipCheckpoint(bytes);
  if (bytes[0] === PICKLE_PROTO) return readLegacyCheckpoint(bytes);
  // torch < 0.4 wrote a tar archive, whose header carries "ustar" at byte 257.
  if (new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    fail('it is in the tar format of torch < 0.4, which is not supported; load and re-save it with a current torch, or convert it to model.safetensors');
  }
  return fail('it is neither a zip archive (torch >= 1.6) nor a legacy torch.save pickle');
}
