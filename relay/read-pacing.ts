// Fewer, larger frames for bulk output, with no delay for interactive traffic.
//
// The relay sends each read from the target as one WebSocket frame. A pty gives sshd about 4 KiB per
// read, and sshd writes one SSH packet per read, so a fast relay reads one packet at a time: some 256
// frames per MB of `cat` output, and every frame costs CPU on the relay (a read and a write system
// call), in the browser's network and IO threads, and in the page (a message event and a buffer per
// frame). Those per-frame costs, not the bytes, dominated the terminal benchmark (bench/web/page.ts).
//
// So once output streams (a large frame follows another within STREAM_MS), the relay stops reading the
// target for a moment (limits.bulkReadPauseMs, 1 ms by default) after each large frame: the bytes wait in
// the kernel's socket buffer and the next read takes them all, as one frame. Small frames (echo, prompts,
// a keystroke's answer) never pause, so interactive latency is unchanged; the first large frames of a
// burst go at once too. Nor does a read that filled its buffer or a frame of MAX_PACED_FRAME_BYTES:
// more bytes wait already, and a pause would only slow a sender that outpaces the relay (bulk
// transfers, bench/relay). A pause costs a stream at most its length (plus timer slack) of latency; at
// terminal rates (~20 MB/s) it leaves some 20-40 KB waiting, far below the socket buffers, so the sender
// never stalls.

/** A frame at least this large is bulk output (an interactive answer is far smaller). */
export const BULK_FRAME_BYTES = 2048;
/**
 * Frames this large already spread the per-frame costs thin: no pause after them. This also keeps the
 * pacing to streams slower than about this many bytes per pause (terminal output, ~10-30 MB/s); a fast
 * bulk transfer (hundreds of MB/s on a LAN) is never paused, so its socket buffers never fill.
 */
export const MAX_PACED_FRAME_BYTES = 32 * 1024;
/** Two bulk frames this close together mean the output streams. */
export const STREAM_MS = 5;

export class ReadPacing {
  private lastBulk = -Infinity;

  /** `pauseMs`: how long reading pauses after a bulk frame of a stream (0: never). */
  constructor(private readonly pauseMs: number) {}

  /** Called after each frame sent (`bytes` read into a buffer of `bufferSize`); returns how long to pause reading (0: read on at once). */
  afterFrame(bytes: number, bufferSize: number, now: number): number {
    if (this.pauseMs <= 0 || bytes < BULK_FRAME_BYTES || bytes >= MAX_PACED_FRAME_BYTES || bytes >= bufferSize) return 0;
    const streaming = now - this.lastBulk <= STREAM_MS;
    this.lastBulk = now;
    return streaming ? this.pauseMs : 0;
  }
}
