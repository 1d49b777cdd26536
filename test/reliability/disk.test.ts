// Fault 5: the outbox's disk. (a) Full: the outbox lives on a small tmpfs, mostly taken by a
// filler file, and the broker is away, so the backlog fills the disk. The agent keeps going
// in its degraded mode (what the disk refuses waits in memory and is still sent), says so once,
// recovers when the filler is removed, and nothing is lost. (b) Corrupt at start: moved aside,
// logged with both names, a fresh outbox, the agent runs. (c) Locked at start (another holder):
// exit code 2 and one line naming the file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  groundTruth,
  killLeftovers,
  type CollectorProc,
  logLines,
  mustRun,
  persistentMosquitto,
  range,
  readHistory,
  sh,
  SKAB_LIKE_VALVE1,
  sleep,
  startAgent,
  startCollector,
  tmpDir,
  waitFor,
  writeAgentConfig,
  writeCollectorConfig,
} from './harness.ts';

const mounts: string[] = [];
afterAll(async () => {
  await killLeftovers();
  for (const m of mounts) spawnSync('umount', ['-l', m]);
});

function smallDisk(dir: string, name: string, size: string): string {
  if (process.getuid?.() !== 0) {
    throw new Error('the disk-full test mounts a tmpfs and needs root; run it as root');
  }
  const mnt = join(dir, name);
  mkdirSync(mnt);
  sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  mounts.push(mnt);
  return mnt;
}

const dir = tmpDir('redband-rel-disk-');
const broker = await persistentMosquitto();
const db = join(dir, 'collector.db');
// one collector for the file (a second one on the same DB and client id would fight the first)
let collector: CollectorProc | null = null;
async function ensureCollector(): Promise<void> {
  await broker.start(); // no-op while it runs
  if (!collector?.proc.running) {
    collector = await startCollector(broker.url, db, writeCollectorConfig(dir));
  }
}
const seqsOf = (device: string) =>
  readHistory(db)
    .filter((r) => r.device === device)
    .map((r) => r.seq);

describe('the outbox’s disk', () => {
  it('full: a bounded memory queue takes over, logged once, recovered, nothing lost', async () => {
    const mnt = smallDisk(dir, 'disk-4m', '4m');
    // ~1 MiB left: some 80 snapshots fit (each append writes a few WAL pages), the replay has 140
    const filler = join(mnt, 'filler');
    writeFileSync(filler, Buffer.alloc(3 << 20));
    const config = writeAgentConfig({
      dir,
      device: 'full',
      url: broker.url,
      csv: SKAB_LIKE_VALVE1,
      // slow enough that the replay is still running once the broker is back, on a loaded
      // machine too (at 100× and at 50× it once ended first in a full-suite run)
      speed: 30,
      outboxDir: mnt,
    });
    const truth = await groundTruth(config);
    // The collector subscribes first (its session outlives the broker's restart), then the
    // broker goes away: the agent meets no broker and its backlog fills the disk.
    await ensureCollector();
    await broker.kill('SIGTERM');
    const agent = startAgent(config, 'agent-full');
    const said = (msg: string) => logLines(agent).filter((l) => l.msg?.startsWith(msg));
    await waitFor(
      () => (mustRun(agent), said('outbox: the disk refuses writes').length > 0),
      'the agent to notice the full disk',
      60_000,
      100,
    );
    const first = said('outbox: the disk refuses writes')[0]!;
    expect(first).toMatchObject({ level: 50, file: join(mnt, 'rel-full', 'outbox.db') });
    expect(String(first.err)).toMatch(/SQLITE_FULL/);

    // Still full, the broker comes: messages go out from disk and memory alike.
    await broker.start();
    await waitFor(() => seqsOf('full').length > 20, 'sending while the disk is full', 30_000);
    expect(
      agent.running,
      `the replay ended before the disk was freed: ${agent.stderr().slice(-600)}`,
    ).toBe(true);
    rmSync(filler);
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => seqsOf('full').length >= truth, 'every snapshot', 30_000).catch(
      (e: Error) => {
        const seen = new Set(seqsOf('full'));
        const missing = range(truth).filter((s) => !seen.has(s));
        const notes = logLines(agent).filter(
          (l) => String(l.msg).startsWith('outbox') || l.msg === 'mqtt sink stopped',
        );
        throw new Error(`${e.message}; missing ${missing.join(',')}; ${JSON.stringify(notes)}`);
      },
    );
    // A negative wait on real processes: the agent has exited, but a duplicate could still be
    // on its way through mosquitto to the collector process, and neither can be drained.
    await sleep(500);

    expect(seqsOf('full')).toEqual(range(truth));
    const stopped = logLines(agent).find((l) => l.msg === 'mqtt sink stopped');
    expect(stopped).toMatchObject({ depth: 0, dropped: 0, inMemory: 0 });
    expect(stopped!.unstored).toBeGreaterThan(0);
    // one error per episode, and each episode ended: no log flood, no crash, no restart
    const episodes = said('outbox: the disk refuses writes').length;
    expect(said('outbox: the disk takes writes again').length).toBe(episodes);
    expect(said('outbox: the disk still refuses writes')).toEqual([]);
    expect(logLines(agent).filter((l) => l.msg?.startsWith('stage error'))).toEqual([]);
  }, 120_000);

  it('full at start (no room for the file itself): runs degraded from the first message', async () => {
    await ensureCollector();
    const mnt = smallDisk(dir, 'disk-1m', '1m');
    mkdirSync(join(mnt, 'rel-bare'));
    try {
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(2 << 20));
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ENOSPC'); // what is written stays: disk full
    }
    const config = writeAgentConfig({
      dir,
      device: 'bare',
      url: broker.url,
      csv: SKAB_LIKE_VALVE1,
      speed: 'max',
      outboxDir: mnt,
    });
    const truth = await groundTruth(config);
    const agent = startAgent(config, 'agent-bare');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => seqsOf('bare').length >= truth, 'every snapshot', 30_000);
    await sleep(500); // negative wait, as above: a duplicate in the broker would land now
    expect(seqsOf('bare')).toEqual(range(truth));
    const logs = logLines(agent);
    const first = logs.find((l) => l.msg?.startsWith('outbox: the disk refuses writes'));
    expect(String(first?.err)).toMatch(/SQLITE_FULL|SQLITE_IOERR|ENOSPC/);
    expect(logs.find((l) => l.msg === 'mqtt sink stopped')).toMatchObject({
      depth: 0,
      dropped: 0,
      inMemory: 0,
      unstored: truth,
    });
  }, 60_000);

  it('corrupt at start: moved aside, named in the log, a fresh outbox, the agent runs', async () => {
    await ensureCollector();
    const outboxDir = join(dir, 'outbox-corrupt');
    const file = join(outboxDir, 'rel-corrupt', 'outbox.db');
    mkdirSync(join(outboxDir, 'rel-corrupt'), { recursive: true });
    const garbage = 'this is not an SQLite database\n'.repeat(200);
    writeFileSync(file, garbage);
    const config = writeAgentConfig({
      dir,
      device: 'corrupt',
      url: broker.url,
      csv: SKAB_LIKE_VALVE1,
      speed: 'max',
      outboxDir,
    });
    const truth = await groundTruth(config);
    const agent = startAgent(config, 'agent-corrupt');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const note = logLines(agent).find((l) => l.msg?.startsWith('outbox: the file was corrupt'));
    expect(note).toMatchObject({ level: 50, file });
    const movedTo = String(note!.movedTo);
    expect(movedTo.startsWith(`${file}.corrupt-`)).toBe(true);
    expect(readFileSync(movedTo, 'utf8')).toBe(garbage);
    await waitFor(() => seqsOf('corrupt').length >= truth, 'every snapshot', 30_000);
    expect(seqsOf('corrupt')).toEqual(range(truth));
    expect(existsSync(file)).toBe(true);
  }, 90_000);

  it('locked at start: exit code 2 and one line naming the file', async () => {
    const outboxDir = join(dir, 'outbox-locked');
    const file = join(outboxDir, 'rel-locked', 'outbox.db');
    mkdirSync(join(outboxDir, 'rel-locked'), { recursive: true });
    const holder = new Database(file);
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec('CREATE TABLE held (x); BEGIN EXCLUSIVE');
    try {
      const config = writeAgentConfig({
        dir,
        device: 'locked',
        url: broker.url,
        csv: SKAB_LIKE_VALVE1,
        speed: 100,
        outboxDir,
      });
      const agent = startAgent(config, 'agent-locked');
      expect(await agent.exited).toEqual({ code: 2, signal: null });
      const lines = agent.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`outbox ${file} is locked by another process`);
    } finally {
      holder.close();
    }
    await collector?.proc.kill('SIGTERM');
    await broker.kill('SIGTERM');
  }, 60_000);
});
