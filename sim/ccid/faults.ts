/**
 * Faults a virtual reader can inject into its next reply, one entry per fault, consumed in
 * order by the next bulk command of the affected interface (card-side T=1 faults live on
 * the card: SimCard.t1Faults).
 */
export type ReaderFault =
  /** A stale reply (bSeq - 1) is sent before the real one, as after a lost exchange. */
  | { readonly kind: 'wrong-seq' }
  /** The reply's data arrives split over two bulk-IN transfers (header and half, then the rest). */
  | { readonly kind: 'short-read' }
  /** `count` replies with bmCommandStatus = 2 (time extension, bError = multiplier) first, `intervalMs` apart. */
  | { readonly kind: 'time-extension'; readonly count: number; readonly multiplier?: number; readonly intervalMs?: number }
  /** The card is pulled out while the reader processes the next XfrBlock. */
  | { readonly kind: 'remove' }
  /** The reply is held back `ms` milliseconds (longer than the host's timeout: a stall). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** The reply is replaced by bytes that are not a CCID message. */
  | { readonly kind: 'garbage'; readonly bytes?: Uint8Array }
  /** The bulk-OUT transfer of the next command reports a stall. */
  | { readonly kind: 'out-stall' };

export type ReaderFaultKind = ReaderFault['kind'];
