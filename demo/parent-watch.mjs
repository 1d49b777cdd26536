// Preloaded (`node --import`) into every process the demo starts. Those processes run in
// their own session, so the terminal's Ctrl-C reaches only the demo, which stops them in
// order; but then nothing would stop them if the demo itself died. The demo holds the write
// end of each child's stdin and never writes to it: when the demo ends, even by SIGKILL, the
// pipe closes, and the child stops as the demo would have stopped it (SIGTERM: its own clean
// stop), killed if that takes longer than the demo's own deadline would have allowed.
// Plain JavaScript: it runs before the CLI's TypeScript loader is registered.
const GRACE_MS = 15_000;
/** ?delay=ms in this module's URL: wait before stopping (the collector lets the agents go first) */
const DELAY_MS = Number(new URL(import.meta.url).searchParams.get('delay') ?? 0) || 0;

let stopping = false;
function parentGone() {
  if (stopping) return;
  stopping = true;
  // unref'd: a process that ends by itself meanwhile needs no stopping
  setTimeout(() => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), GRACE_MS).unref();
  }, DELAY_MS).unref();
}

const stdin = process.stdin;
stdin.on('data', () => undefined); // nothing is sent: reading is how the end is seen
stdin.once('end', parentGone);
stdin.once('error', parentGone);
// the watch must not keep a process alive that has finished its work
stdin.unref();
