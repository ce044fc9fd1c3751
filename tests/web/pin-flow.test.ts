// The PIN prompt over time: a connection closed while the page still reads the card (Disconnect, as
// the card is pulled or a kiosk clears) must not go on to ask for the PIN, send a VERIFY or report
// "Connecting"; and the PIN dialog never answers one submit with two VERIFYs, even asked twice (nor
// one host-key click two questions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionPivCard, type ProvisionedPivCard, type VirtualReader } from '../../sim/index.ts';
import { statusText, type WebStack } from './harness.ts';
import { openAppWithCard } from './usb-bridge.ts';
import { startCardStack, type CardStack } from './card-stack.ts';

/** Holds the reader's bulk transfers (the card's APDUs) until released; counts those held. */
function holdTransfers(reader: VirtualReader): { held(): number; release(): void } {
  const real = reader.transferOut.bind(reader);
  let gate: Promise<void> | undefined;
  let open = () => undefined as void;
  let held = 0;
  gate = new Promise<void>((r) => { open = r; });
  reader.transferOut = async (endpoint, data) => {
    if (gate) { held++; await gate; }
    return real(endpoint, data);
  };
  return { held: () => held, release: () => { gate = undefined; open(); } };
}

describe('the PIN prompt belongs to its connection', () => {
  let stack: WebStack;
  let cards: CardStack | undefined;
  let provisioned: ProvisionedPivCard;
  /** VERIFY with a PIN (INS 20 with data; without data it only asks for the retries left). */
  const verifies = () => provisioned.card.log.filter((e) => e.command[1] === 0x20 && e.command.length > 5).length;

  beforeAll(async () => {
    provisioned = await provisionPivCard({ slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    ({ stack } = cards = await startCardStack(provisioned));
  }, 180_000);
  afterAll(async () => { await cards?.stop(); });

  it('Disconnect while the card is read: no PIN dialog, no VERIFY, the status stays closed; the next Connect signs in with one VERIFY', async () => {
    const { context, page, reader } = await openAppWithCard(stack, provisioned.card);
    await page.selectOption('#auth-method', 'card');
    const before = verifies();
    const usb = holdTransfers(reader);
    // connect() resolves when the whole attempt is over (or waits on the PIN dialog).
    const attempt = page.evaluate(() => window.tessera!.app.connect());
    await expect.poll(() => usb.held(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.click('#disconnect-button');
    await expect.poll(() => statusText(page)).toMatch(/^Closed: You disconnected\./);
    usb.release();
    // Whichever comes first: the attempt ends (right), or the PIN dialog opens (wrong). The wait for the
    // dialog is settled either way, so it cannot fail later, after the page has closed.
    const shown = page.locator('#pin-dialog').waitFor({ state: 'visible', timeout: 30_000 }).catch(() => undefined);
    await Promise.race([attempt, shown]);
    expect(await page.isVisible('#pin-dialog')).toBe(false);
    expect(await statusText(page)).toMatch(/^Closed: You disconnected\./);
    expect(verifies()).toBe(before);
    expect(await page.isEnabled('#connect-button')).toBe(true);

    await page.click('#connect-button');
    await page.locator('#pin-dialog').waitFor({ state: 'visible' });
    await page.fill('#pin-input', '123456');
    await page.click('#pin-ok');
    await expect.poll(() => statusText(page), { timeout: 30_000 }).toMatch(/^Connected to tessera-test@127\.0\.0\.1/);
    expect(verifies()).toBe(before + 1);
    await page.click('#disconnect-button');
    await context.close();
  }, 120_000);

  it('a second prompt replaces the first (which is cancelled): one submit sends the PIN once', async () => {
    const { context, page } = await stack.newPage();
    await page.goto(stack.baseUrl);
    await page.waitForSelector('body[data-ready="true"]');
    const outcome = await page.evaluate(async () => {
      const dialog = window.tessera!.app.pinDialog;
      const sent: string[] = [];
      const verify = async (pin: string) => { sent.push(pin); };
      let first = 'pending';
      void dialog.prompt({ cardName: 'PIV card', retriesLeft: 3, verify }).then(() => { first = 'accepted'; }, (e: { code?: string }) => { first = e.code ?? 'error'; });
      const second = dialog.prompt({ cardName: 'PIV card', retriesLeft: 3, verify }).then(() => 'accepted', (e: { code?: string }) => e.code ?? 'error');
      (document.getElementById('pin-input') as HTMLInputElement).value = '123456';
      document.getElementById('pin-ok')!.click();
      return { second: await second, first, sent: sent.length, input: (document.getElementById('pin-input') as HTMLInputElement).value };
    });
    expect(outcome).toEqual({ first: 'PIN_CANCELLED', second: 'accepted', sent: 1, input: '' });
    expect(await page.isVisible('#pin-dialog')).toBe(false);

    // The host-key dialog likewise: the earlier question is refused, one click answers only the open one.
    const answers = await page.evaluate(async () => {
      const dialog = window.tessera!.app.hostKeyDialog;
      const q = { kind: 'unknown', host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x', canRemember: true } as const;
      const first = dialog.ask(q);
      const second = dialog.ask({ ...q, host: 'other' });
      document.getElementById('hk-once')!.click();
      return [await first, await second];
    });
    expect(answers).toEqual(['refuse', 'once']);
    expect(await page.isVisible('#host-key-dialog')).toBe(false);
    await context.close();
  }, 60_000);
});
