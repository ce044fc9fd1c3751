import { describe, expect, it } from 'vitest';
import { SendBudget } from './send-budget.ts';

describe('SendBudget', () => {
  it('counts each distinct answer once, refuses one that does not fit, frees on release', () => {
    const budget = new SendBudget(100, 60);
    const a = Buffer.alloc(60);
    const b = Buffer.alloc(50);
    expect(budget.full).toBe(false);
    expect(budget.take(a)).toBe(true);
    expect(budget.take(a)).toBe(true); // a second client of the same answer costs nothing more
    expect(budget.bytes).toBe(60);
    expect(budget.full).toBe(true); // another answer of the largest size might not fit: do not fetch it
    expect(budget.take(b)).toBe(false);
    budget.release(a);
    expect(budget.bytes).toBe(60);
    budget.release(a);
    expect(budget.bytes).toBe(0);
    expect(budget.take(b)).toBe(true);
    budget.release(b);
    budget.release(b); // a second release of the same response changes nothing
    expect(budget.bytes).toBe(0);
  });

  it('sends an answer larger than the whole budget when nothing else is being sent', () => {
    const budget = new SendBudget(10, 100);
    expect(budget.take(Buffer.alloc(50))).toBe(true);
    expect(budget.take(Buffer.alloc(5))).toBe(false);
  });
});
