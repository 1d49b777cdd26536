// Free TCP ports on 127.0.0.1: the demo moves off a taken port, benchmarks, scripts and tests
// start their brokers and servers on one. (I/O, like log-destination.ts: used by the demo,
// the benchmarks, the scripts and the tests, none of which may import another.)
import { createServer } from 'node:net';

/** `preferred` when it is free on 127.0.0.1, else a free port the OS picks. */
export async function choosePort(preferred: number): Promise<number> {
  if (preferred > 0 && (await isFree(preferred))) return preferred;
  return freePort();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
