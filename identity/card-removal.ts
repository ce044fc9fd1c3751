// Card removal ends the SSH sessions that used the card (ARCHITECTURE.md, "Trust decisions"). identity/ does not
// know ccid/: it takes anything with ccid's CcidReader.watch shape (slot events) and anything closable.
import type { CardSession } from './card-session.ts';
import { IdentityError } from './errors.ts';

export interface SlotWatcher {
  watch(listener: (event: { readonly slot: number; readonly kind: 'inserted' | 'removed' }) => void): () => void;
}

/** What removal closes: an SSH client (ssh-proto's SshClient.close fits) or any other holder of the card. */
export interface Closable {
  close(description?: string): Promise<void>;
}

export const CARD_REMOVED_MESSAGE = 'The card was removed. The session that used it was ended.';

/**
 * When the card in `slot` is removed: every session stops signing and every client is closed with a clear
 * message, reported through `onRemoved`. Returns a function that stops watching.
 */
export function endSessionsOnRemoval(
  reader: SlotWatcher, slot: number, sessions: readonly CardSession[], clients: readonly Closable[],
  onRemoved?: (error: IdentityError) => void,
): () => void {
  let done = false;
  const stop = reader.watch((event) => {
    if (done || event.slot !== slot || event.kind !== 'removed') return;
    done = true;
    stop();
    const error = new IdentityError('CARD_REMOVED', CARD_REMOVED_MESSAGE);
    for (const s of sessions) s.end(error);
    onRemoved?.(error);
    for (const c of clients) void c.close(CARD_REMOVED_MESSAGE).catch(() => undefined);
  });
  return () => { done = true; stop(); };
}
