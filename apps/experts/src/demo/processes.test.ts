import { afterEach, describe, expect, it } from 'vitest';
import { ChildSet, firstLine } from './processes.js';

const sets: ChildSet[] = [];
afterEach(async () => {
  await Promise.all(sets.splice(0).map((s) => s.stopAll(100)));
});

function childSet(): ChildSet {
  const set = new ChildSet();
  sets.push(set);
  return set;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ChildSet', () => {
  it('reads the first line, keeps the tail of the output and stops every child', async () => {
    const set = childSet();
    const child = set.start(
      'talker',
      '-e',
      ['console.log("ready"); console.error("warned"); setInterval(() => {}, 1000)'],
      process.env,
    );
    expect(await firstLine(child, 5000)).toBe('ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(child.tail()).toContain('warned');
    const [pid] = set.pids();
    expect(pid).toBe(child.process.pid);
    expect(alive(pid!)).toBe(true);
    await set.stopAll();
    expect(alive(pid!)).toBe(false);
    expect(child.process.signalCode).toBe('SIGTERM');
  });

  it('kills with SIGKILL a child that ignores SIGTERM', async () => {
    const set = childSet();
    const child = set.start(
      'stubborn',
      '-e',
      ['process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000)'],
      process.env,
    );
    await firstLine(child, 5000);
    await set.stopAll(200);
    expect(child.process.signalCode).toBe('SIGKILL');
  });

  it('rejects when the child exits or stays silent, naming it with its output', async () => {
    const set = childSet();
    const quitter = set.start('quitter', '-e', ['console.error("bad flag"); process.exit(2)'], {
      ...process.env,
    });
    await expect(firstLine(quitter, 5000)).rejects.toThrow(
      /quitter exited \(code 2\)[\s\S]*bad flag/,
    );
    const mute = set.start('mute', '-e', ['setInterval(() => {}, 1000)'], process.env);
    await expect(firstLine(mute, 100)).rejects.toThrow(/mute wrote nothing within 100 ms/);
    await set.stopAll();
    expect(mute.process.exitCode !== null || mute.process.signalCode !== null).toBe(true);
  });
});
