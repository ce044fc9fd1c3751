// Byte comparison for identity/ (SSH wire encoding is ssh-proto's SshWriter).
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
