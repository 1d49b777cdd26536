// SKAB-shaped CSV files the tests write themselves, for the tests whose subject is not the SKAB
// data set (the outbox, the broker, the registry, the CSV source): the same header, the same
// number of rows, the same start time and the same anomaly / changepoint rows as the SKAB file
// each one stands in for, with values drawn around that file's channel means and spreads
// (two slow shared factors plus noise; the labelled episode shifts pressure, current and flow).
// Deterministic: a file is written once per machine and reused.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRng } from '../../shared/random.ts';

export const SKAB_CHANNELS = [
  'Accelerometer1RMS',
  'Accelerometer2RMS',
  'Current',
  'Pressure',
  'Temperature',
  'Thermocouple',
  'Voltage',
  'Volume Flow RateRMS',
] as const;

interface Shape {
  rows: number;
  /** the first row's time, SKAB's `YYYY-MM-DD HH:MM:SS` (UTC); one row per second */
  start: string;
  /** anomaly = 1 on rows [from, to), and changepoint = 1 on these rows; none: no label columns */
  labels?: { from: number; to: number; changepoints: number[] };
  /** each channel's mean and standard deviation, in SKAB_CHANNELS order */
  channels: Array<[mean: number, sd: number]>;
}

const VALVE: Shape['channels'] = [
  [0.0269, 0.0003],
  [0.04, 0.001],
  [0.979, 0.277],
  [0.0745, 0.25],
  [73.71, 1.33],
  [25.74, 0.063],
  [231.4, 10.76],
  [31.57, 0.76],
];

/** The SKAB files the tests stood on, by their path in the data set. */
export const SKAB_SHAPES = {
  'valve1/0.csv': {
    rows: 1147,
    start: '2020-03-09 10:14:33',
    labels: { from: 573, to: 974, changepoints: [573, 630, 917, 974] },
    channels: VALVE,
  },
  'valve1/1.csv': {
    rows: 1145,
    start: '2020-03-09 10:34:33',
    labels: { from: 572, to: 974, changepoints: [572, 629, 916, 974] },
    channels: VALVE,
  },
  'valve1/2.csv': {
    rows: 1075,
    start: '2020-03-09 10:54:34',
    labels: { from: 566, to: 903, changepoints: [566, 846, 903] },
    channels: VALVE,
  },
  'valve2/1.csv': {
    rows: 1063,
    start: '2020-03-09 16:16:30',
    labels: { from: 560, to: 893, changepoints: [560, 616, 838, 893] },
    channels: VALVE,
  },
  'valve2/2.csv': {
    rows: 1129,
    start: '2020-03-09 16:36:31',
    labels: { from: 565, to: 960, changepoints: [565, 621, 904, 960] },
    channels: VALVE,
  },
  'anomaly-free/anomaly-free.csv': {
    rows: 9405,
    start: '2020-02-08 13:30:47',
    channels: [
      [0.2126, 0.0047],
      [0.2684, 0.004],
      [2.403, 0.486],
      [0.1113, 0.253],
      [89.47, 0.667],
      [28.47, 0.731],
      [228.6, 10.98],
      [125.2, 1.605],
    ],
  },
} satisfies Record<string, Shape>;

export type SkabName = keyof typeof SKAB_SHAPES;

/** what each channel does during the labelled episode, in standard deviations */
const EPISODE_SHIFT = [0, 0, 1.5, 2, 0, 0, 0, -2];
/** loadings on the two shared factors */
const LOADINGS: Array<[number, number]> = [
  [0.8, 0.2],
  [0.7, -0.3],
  [0.5, 0.5],
  [0.3, 0.6],
  [0.6, -0.4],
  [0.4, 0.4],
  [0.2, -0.6],
  [0.6, 0.3],
];

/** The CSV text of a SKAB-shaped file. */
export function skabLikeCsv(shape: Shape, seed: number): string {
  const rng = createRng(seed);
  const t0 = Date.parse(shape.start.replace(' ', 'T') + 'Z');
  const header = ['datetime', ...SKAB_CHANNELS];
  if (shape.labels) header.push('anomaly', 'changepoint');
  const lines = [header.join(';')];
  const changepoints = new Set(shape.labels?.changepoints ?? []);
  let f1 = 0;
  let f2 = 0;
  for (let r = 0; r < shape.rows; r++) {
    f1 = 0.95 * f1 + Math.sqrt(1 - 0.95 ** 2) * rng.normal();
    f2 = 0.9 * f2 + Math.sqrt(1 - 0.9 ** 2) * rng.normal();
    const inEpisode = shape.labels !== undefined && r >= shape.labels.from && r < shape.labels.to;
    const cells = [new Date(t0 + r * 1000).toISOString().slice(0, 19).replace('T', ' ')];
    shape.channels.forEach(([mean, sd], c) => {
      const [a, b] = LOADINGS[c]!;
      const z = a * f1 + b * f2 + 0.5 * rng.normal() + (inEpisode ? EPISODE_SHIFT[c]! : 0);
      cells.push(Number((mean + sd * z).toPrecision(6)).toString());
    });
    if (shape.labels) cells.push(inEpisode ? '1.0' : '0.0', changepoints.has(r) ? '1.0' : '0.0');
    lines.push(cells.join(';'));
  }
  return lines.join('\n') + '\n';
}

const DIR = join(tmpdir(), 'redband-skab-like-v1');

/**
 * The path of a generated stand-in for SKAB's `name` (same rows, start, labels), written on
 * first use (atomically: parallel test files may ask for the same one).
 */
export function skabLikeFile(name: SkabName): string {
  const file = join(DIR, name);
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const seed = [...name].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7);
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(partial, skabLikeCsv(SKAB_SHAPES[name], seed));
  renameSync(partial, file);
  return file;
}
