// process.stderr for the command's own messages, with write errors ignored: a reader of stderr that went away
// (EPIPE: `2>&1 | head -1`, a closed log pipe) must not end the session or change the exit status, as ssh(1) ignores
// SIGPIPE and failed writes of its messages. Without a listener Node throws the stream's 'error' (exit 1).
// Created only when first used: Node's stream for a pipe makes the pipe non-blocking (cli/fd-writer.ts).
let guarded = false;

export function stderr(): NodeJS.WriteStream {
  const stream = process.stderr;
  if (!guarded) {
    guarded = true;
    stream.on('error', () => undefined);
  }
  return stream;
}
