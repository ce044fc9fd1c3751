// A card the reader lost without its removal (ccid/errors.ts): CARD_RESET (the reader was reset, which powered the card
// off: its PIN is no longer verified), CARD_DESYNCHRONIZED (an ICCD token's late answer could be taken for the next
// one's), READER_WEDGED (the reader stuck and could not be reset). card/'s channel keeps ccid's code as transportCode.
// The page words them for what the user does next; the panel connects the card again where that helps.
import { WebError } from '../errors.ts';

export type LostCardCode = 'CARD_RESET' | 'CARD_DESYNCHRONIZED' | 'READER_WEDGED';

const SENTENCES: Readonly<Record<LostCardCode, string>> = {
  CARD_RESET: 'The card reader stopped taking commands and was reset, which powered the card off. The card is being connected again: try once more (its PIN will be asked again).',
  CARD_DESYNCHRONIZED: 'The card answered too late to be trusted, so nothing more was sent to it. The card is being connected again: try once more.',
  READER_WEDGED: 'The card reader stopped taking commands and could not be reset. Unplug the reader, plug it in again, and press Connect reader.',
};

/** The lost-card code of `err` (its own code, or the transport code card/ kept), or undefined. */
export function lostCardCode(err: unknown): LostCardCode | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, transportCode } = err as { code?: unknown; transportCode?: unknown };
  const c = typeof transportCode === 'string' ? transportCode : code;
  return c === 'CARD_RESET' || c === 'CARD_DESYNCHRONIZED' || c === 'READER_WEDGED' ? c : undefined;
}

/** The page's error for a lost card: its code, and the sentence saying what to do. */
export function lostCardError(code: LostCardCode, cause: unknown): WebError {
  return new WebError(code, SENTENCES[code], { cause });
}

/** Whether connecting the card again (a new power-on) helps: not with a reader that takes no commands. */
export function reconnectHelps(code: LostCardCode): boolean {
  return code !== 'READER_WEDGED';
}

/** A card lost while it was being read (no operation of the user's failed): the user connects it again. */
export function lostWhileReadingError(code: LostCardCode, cause: unknown): WebError {
  return reconnectHelps(code)
    ? new WebError(code, LOST_WHILE_READING, { cause })
    : lostCardError(code, cause);
}

export const LOST_WHILE_READING = 'The reader lost the card while reading it. Take the card out and put it back, or press Connect reader.';
