// glibc's malloc gives the free memory at the top of its heap back to the kernel once more than M_TRIM_THRESHOLD
// (128 KiB) is free there. A transfer frees its 32 KiB packet buffers by the hundred at each garbage collection, so
// the next ones page-fault all over again: ~8,000 extra minor faults and ~0.1 s of system time per 256 MiB here
// (`/usr/bin/time -f %R`, bench/ssh/throughput.ts). glibc raises the threshold by itself when a block it had
// mmap()ed is freed (mallopt(3), dynamic mmap threshold): to twice that block's size. A command cannot set its own
// GLIBC_TUNABLES, so `tessera ssh` and `tessera relay` (ws joins each upload frame that spans socket reads into a fresh buffer)
// do this at start; the relay's deployment also sets GLIBC_TUNABLES for a larger threshold (deploy/README.md).

/**
 * Allocates and drops one 4 MiB buffer: mmap()ed and never touched (no memory is used), it is freed by the first
 * garbage collection, which sets glibc's trim threshold to 8 MiB. Harmless with other allocators.
 */
export function raiseMallocTrimThreshold(): void {
  Buffer.allocUnsafeSlow(4 * 1024 * 1024);
}
