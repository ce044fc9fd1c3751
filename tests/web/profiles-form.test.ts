// Saved profiles as a user with several servers keeps them: the same user and host on two ports are two
// profiles (one replaced the other before), each named with its port (an IPv6 address in brackets); odd
// input is refused with the reason, and a save that works clears it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, startWebStack, type WebStack } from './harness.ts';

describe('saved profiles', () => {
  let stack: WebStack;
  beforeAll(async () => { stack = await startWebStack({ config: { mode: 'personal' } }); }, 180_000);
  afterAll(async () => { await stack?.stop(); });

  it('the same user@host on two ports: two profiles, each with its port; bad input is named', async () => {
    const { context, page } = await stack.newPage();
    await openApp(page, stack.baseUrl);
    const save = async (host: string, port: string, user: string) => {
      await page.fill('#host', host);
      await page.fill('#port', port);
      await page.fill('#user', user);
      await page.click('#save-profile');
    };
    await save('bastion.example.com', '22', 'alice');
    await expect.poll(() => page.locator('#profile-list li').count()).toBe(1);
    await save('bastion.example.com', '2222', 'alice');
    await expect.poll(() => page.locator('#profile-list li').count()).toBe(2);
    expect(await page.locator('#profile-list li').allTextContents()).toEqual(['alice@bastion.example.com:22', 'alice@bastion.example.com:2222']);
    // An IPv6 address is named in brackets, so its port reads apart from it.
    await save('::1', '2222', 'alice');
    await expect.poll(() => page.locator('#profile-list li').count()).toBe(3);
    expect(await page.locator('#profile-list li').allTextContents()).toContain('alice@[::1]:2222');

    // Picking a profile fills the form with its port.
    await page.locator('#profile-list li button', { hasText: 'bastion.example.com:2222' }).click();
    expect(await page.inputValue('#port')).toBe('2222');
    await page.locator('#profile-list li button', { hasText: 'bastion.example.com:22' }).first().click();
    expect(await page.inputValue('#port')).toBe('22');

    // Odd input: nothing saved, and the form says what is wrong.
    for (const [host, port, user, message] of [
      ['bastion.example.com', '0', 'alice', /port must be a number from 1 to 65535/],
      ['bastion.example.com', '65536', 'alice', /port must be a number from 1 to 65535/],
      ['bastion.example.com', '22', '', /user name/],
      ['', '22', 'alice', /host name or address/],
    ] as const) {
      await save(host, port, user);
      await expect.poll(() => page.textContent('#form-error')).toMatch(message);
    }
    expect(await page.locator('#profile-list li').count()).toBe(3);
    // A save that works clears the last complaint.
    await save('bastion.example.com', '22', 'alice');
    await expect.poll(() => page.textContent('#form-error')).toBe('');
    expect(await page.locator('#profile-list li').count()).toBe(3);
    await context.close();
  }, 60_000);
});
