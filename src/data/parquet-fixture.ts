/**
 * A minimal Parquet writer for tests (no library here writes Parquet): required UTF-8 string
 * columns, one row group, one uncompressed PLAIN data page per column, with the footer in
 * Thrift's compact protocol as the format specifies.
 */
class Compact {
  readonly bytes: number[] = [];
  private last: number[] = [0];
  private varint(n: bigint): void {
    let v = n;
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (v > 0n);
  }
  private zigzag(n: number): void {
    const v = BigInt(n);
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  private field(id: number, type: number): void {
    this.bytes.push(((id - this.last.at(-1)!) << 4) | type);
    this.last[this.last.length - 1] = id;
  }
  i32(id: number, n: number): this {
    this.field(id, 5);
    this.zigzag(n);
    return this;
  }
  i64(id: number, n: number): this {
    this.field(id, 6);
    this.zigzag(n);
    return this;
  }
  string(id: number, s: string): this {
    this.field(id, 8);
    const b = new TextEncoder().encode(s);
    this.varint(BigInt(b.length));
    this.bytes.push(...b);
    return this;
  }
  struct(id: number, body: (c: this) => void): this {
    this.field(id, 12);
    this.inStruct(body);
    return this;
  }
  private inStruct(body: (c: this) => void): void {
    this.last.push(0);
    body(this);
    this.bytes.push(0);
    this.last.pop();
  }
  list(id: number, elementType: 5 | 8 | 12, items: readonly (number | string | ((c: this) => void))[]): this {
    this.field(id, 9);
    this.bytes.push((items.length << 4) | elementType);
    for (const item of items) {
      if (typeof item === 'number') this.zigzag(item);
      else if (typeof item === 'string') {
        const b = new TextEncoder().encode(item);
        this.varint(BigInt(b.length));
        this.bytes.push(...b);
      } else this.inStruct(item);
    }
    return this;
  }
  end(): number[] {
    this.bytes.push(0);
    return this.bytes;
  }
}

export function parquetFile(columns: { name: string; values: string[] }[]): Uint8Array {
  const out: number[] = [...new TextEncoder().encode('PAR1')];
  const chunks: { name: string; offset: number; size: number; count: number }[] = [];
  for (const { name, values } of columns) {
    const data: number[] = [];
    for (const v of values) {
      const b = new TextEncoder().encode(v);
      data.push(b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b);
    }
    const header = new Compact()
      .i32(1, 0)
      .i32(2, data.length)
      .i32(3, data.length)
      .struct(5, (c) => c.i32(1, values.length).i32(2, 0).i32(3, 3).i32(4, 3))
      .end();
    chunks.push({ name, offset: out.length, size: header.length + data.length, count: values.length });
    out.push(...header, ...data);
  }
  const rows = columns[0]!.values.length;
  const footer = new Compact()
    .i32(1, 1)
    .list(2, 12, [(c) => c.string(4, 'schema').i32(5, columns.length), ...columns.map((col) => (c: Compact) => c.i32(1, 6).i32(3, 0).string(4, col.name).i32(6, 0))])
    .i64(3, rows)
    .list(4, 12, [
      (c) =>
        c
          .list(
            1,
            12,
            chunks.map((k) => (cc: Compact) =>
              cc.i64(2, k.offset).struct(3, (m) => m.i32(1, 6).list(2, 5, [0, 3]).list(3, 8, [k.name]).i32(4, 0).i64(5, k.count).i64(6, k.size).i64(7, k.size).i64(9, k.offset)),
            ),
          )
          .i64(2, chunks.reduce((n, k) => n + k.size, 0))
          .i64(3, rows),
    ])
    .end();
  out.push(...footer, footer.length & 0xff, (footer.length >> 8) & 0xff, 0, 0, ...new TextEncoder().encode('PAR1'));
  return Uint8Array.from(out);
}
