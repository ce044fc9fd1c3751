// Types for the pure-JS `bcrypt-pbkdf` package (the port of OpenBSD's bcrypt_pbkdf.c that ssh2 and sshpk use).
declare module 'bcrypt-pbkdf' {
  /** Fills `key` and returns 0, or returns -1 on bad parameters (empty password or salt, rounds < 1). */
  export function pbkdf(
    pass: Uint8Array, passlen: number, salt: Uint8Array, saltlen: number, key: Uint8Array, keylen: number, rounds: number,
  ): number;
  const bcryptPbkdf: { pbkdf: typeof pbkdf };
  export default bcryptPbkdf;
}
