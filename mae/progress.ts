// Training progress on the terminal: a cli-progress bar on stderr when it is a TTY, else
// one plain line per epoch (logs and CI get a readable record instead of redraw codes).
import cliProgress from 'cli-progress';

export interface TrainingProgress {
  onBatch(done: number, total: number): void;
  onEpoch(epoch: number, loss: number): void;
  stop(): void;
}

export function trainingProgress(
  label: string,
  epochs: number,
  stream: NodeJS.WriteStream = process.stderr,
): TrainingProgress {
  if (!stream.isTTY) {
    return {
      onBatch: () => {},
      onEpoch: (epoch, loss) =>
        stream.write(`${label}: epoch ${epoch}/${epochs} loss ${loss.toFixed(5)}\n`),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | epoch {epoch}/${epochs} | loss {loss} | eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let epochNow = 1;
  let loss = '…';
  return {
    onBatch(done, total) {
      if (!started) {
        bar.start(total, 0, { epoch: epochNow, loss });
        started = true;
      }
      bar.update(done, { epoch: epochNow, loss });
    },
    onEpoch(epoch, l) {
      loss = l.toFixed(5);
      epochNow = Math.min(epoch + 1, epochs);
      if (started) bar.update({ epoch: epoch, loss });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
