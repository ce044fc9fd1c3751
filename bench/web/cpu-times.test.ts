import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { budgetLines, roundBudget } from './cpu-budget.ts';
import { cpuDelta, cpuTimes, schedDelta, type SchedTime } from './cpu-times.ts';

describe('bench/web CPU accounting (/proc)', () => {
  it('gives a child thread its CPU by ticks and by the scheduler alike, and the scheduler sees it sleep', async () => {
    const before = new Map<string, SchedTime>();
    const cpuBefore = cpuTimes(process.pid, before);
    // A child: 300 ms of CPU (however long that takes on a busy machine), then it says so and sleeps.
    const busy = 'for (let u = process.cpuUsage(); u.user + u.system < 300e3; u = process.cpuUsage()); process.stdout.write("done"); setTimeout(() => {}, 1000);';
    const child = spawn(process.execPath, ['-e', busy], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => child.stdout.once('data', r));
    await new Promise((r) => setTimeout(r, 200)); // asleep meanwhile: not counted
    const after = new Map<string, SchedTime>();
    const cpuAfter = cpuTimes(process.pid, after);
    child.kill();
    await new Promise((r) => child.once('exit', r));
    const sched = [...schedDelta(before, after)].filter(([k]) => k.startsWith('node/node'));
    const run = sched.reduce((n, [, t]) => n + t.run, 0);
    const ticks = cpuDelta(cpuBefore, cpuAfter, 0).filter(([k]) => k.startsWith('node/node')).reduce((n, [, ms]) => n + ms, 0);
    expect(run).toBeGreaterThan(250); // the busy loop (its main thread; the process counted 300 ms in all)
    expect(run).toBeLessThan(300 + 200); // not the time it slept
    expect(Math.abs(run - ticks)).toBeLessThan(60); // ticks are 10 ms, and rounded per thread
    for (const [, t] of sched) expect(t.wait).toBeGreaterThanOrEqual(0);
  });

  it('puts the renderer main thread’s time on a core and waiting for one in the budget', () => {
    const cpu = [['chromium-renderer/chromium', 400], ['chromium-renderer/DedicatedWorker', 80]] as const;
    const t = roundBudget(cpu, 10, new Map([['chromium-renderer/chromium', { run: 410, wait: 200 }]]));
    const r = roundBudget([['chromium-renderer/chromium', 400]], 10, new Map([['chromium-renderer/chromium', { run: 400, wait: 20 }]]));
    expect([t.mainRun, t.mainWait, r.mainWait]).toEqual([41, 20, 2]);
    const lines = budgetLines([t], [r], 2, 20, 15).join('\n');
    expect(lines).toMatch(/main thread waiting for a core\s+20\.0\s+2\.0/);
    expect(lines).toMatch(/per round pair: 1\.02x; its wait for a core: 18\.0 ms\/MB more than raw's/);
    // Without scheduler figures the rows are left out.
    expect(budgetLines([roundBudget(cpu, 10)], [roundBudget(cpu, 10)], 2, 20, 15).join('\n')).not.toMatch(/waiting for a core/);
  });
});
