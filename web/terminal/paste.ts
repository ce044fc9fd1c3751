// Pasted text on its way to the shell. With bracketed paste on, xterm.js sends ESC [200~ text
// ESC [201~ (xterm ctlseqs, "Bracketed Paste Mode") and does not filter the text: a clipboard
// holding ESC [201~ ends the paste early, and the shell runs the rest as typed keys (a copied
// "command" from a hostile page). A paste is text: ESC has no business in it, so it is dropped,
// as xterm does for pasted controls unless allowPasteControls is set.
export function pasteSafe(text: string): string {
  return text.replaceAll('\x1b', '');
}
