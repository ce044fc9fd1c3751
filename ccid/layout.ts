/**
 * Fixed binary layouts declared once (field, type, endianness), read and written by name,
 * so no function rebuilds a header by offset arithmetic. USB and CCID are little-endian.
 */
export type FieldType = 'u8' | 'u16le' | 'u32le';

const SIZE: Record<FieldType, number> = { u8: 1, u16le: 2, u32le: 4 };

export type LayoutSpec = Record<string, readonly [FieldType, number]>;

export interface Layout<S extends LayoutSpec> {
  readonly size: number;
  read(bytes: Uint8Array, base?: number): { [K in keyof S]: number };
  write(values: { [K in keyof S]: number }, into: Uint8Array, base?: number): void;
}

export function defineLayout<S extends LayoutSpec>(spec: S): Layout<S> {
  const entries = Object.entries(spec) as [keyof S & string, readonly [FieldType, number]][];
  const size = Math.max(...entries.map(([, [t, off]]) => off + SIZE[t]));
  return {
    size,
    read(bytes, base = 0) {
      if (bytes.length < base + size) throw new RangeError(`need ${size} bytes, have ${bytes.length - base}`);
      const view = new DataView(bytes.buffer, bytes.byteOffset + base, size);
      const out = {} as { [K in keyof S]: number };
      for (const [name, [type, off]] of entries) {
        out[name] = type === 'u8' ? view.getUint8(off) : type === 'u16le' ? view.getUint16(off, true) : view.getUint32(off, true);
      }
      return out;
    },
    write(values, into, base = 0) {
      const view = new DataView(into.buffer, into.byteOffset + base, size);
      for (const [name, [type, off]] of entries) {
        const v = values[name];
        if (type === 'u8') view.setUint8(off, v);
        else if (type === 'u16le') view.setUint16(off, v, true);
        else view.setUint32(off, v >>> 0, true);
      }
    },
  };
}
