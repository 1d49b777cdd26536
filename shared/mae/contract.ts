// The mae/v1 model contract: which inputs, outputs and metadata a masked-autoencoder
// .onnx file must carry for the agent to run it. Pure (no I/O): the loader decodes the
// file and hands the pieces here, the exporter writes what `maeMetadataProps` returns,
// so both sides agree on one definition.
import { bandSchema, type Band } from '../schema/common.ts';
import { UserError } from '../errors.ts';

export const MAE_CONTRACT = 'mae/v1';

export const MAE_INPUTS = ['x', 'mask'] as const;
export const MAE_OUTPUTS = ['latent', 'recon'] as const;

export const META = {
  contract: 'redband.contract',
  window: 'redband.window',
  channels: 'redband.channels',
  latentDim: 'redband.latent_dim',
  normMean: 'redband.norm_mean',
  normStd: 'redband.norm_std',
  maskRatio: 'redband.mask_ratio',
  band: 'redband.band',
} as const;

/** What the contract's metadata says about a model. */
export interface MaeMetadata {
  window: number;
  channels: string[];
  latentDim: number;
  normMean: number[];
  normStd: number[];
  maskRatio: number;
  band: Band | null;
}

/** One graph input or output as declared in the file: dtype name and dims. */
export interface TensorDecl {
  name: string;
  /** 'float32', 'float64', 'int64', … ('unknown' when not a tensor) */
  dtype: string;
  /** a number for a fixed dim; null for a symbolic (dim_param) or unknown dim */
  shape: Array<number | null> | null;
}

/** A contract violation; `problems` lists every one found, the message joins them. */
export class ContractError extends UserError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`, 'model-contract');
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parsePositiveInt(props: Record<string, string>, key: string, problems: string[]) {
  const raw = props[key];
  if (raw === undefined) {
    problems.push(`metadata ${key} is missing`);
    return null;
  }
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(v) || v <= 0) {
    problems.push(`metadata ${key} is "${raw}", expected a positive integer`);
    return null;
  }
  return v;
}

function parseNumberArray(
  props: Record<string, string>,
  key: string,
  length: number | null,
  problems: string[],
) {
  const raw = props[key];
  if (raw === undefined) {
    problems.push(`metadata ${key} is missing`);
    return null;
  }
  const v = parseJson(raw);
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    problems.push(`metadata ${key} is not a JSON array of finite numbers`);
    return null;
  }
  if (length !== null && v.length !== length) {
    problems.push(`metadata ${key} has ${v.length} values, expected ${length} (one per channel)`);
    return null;
  }
  return v as number[];
}

/** Parses and validates the redband.* metadata_props; throws ContractError naming `file`. */
export function parseMaeMetadata(file: string, props: Record<string, string>): MaeMetadata {
  const problems: string[] = [];
  const contract = props[META.contract];
  if (contract === undefined) {
    // Without the marker nothing else is worth checking: this is someone else's model.
    throw new ContractError(file, [
      `not a redband ${MAE_CONTRACT} model (metadata ${META.contract} is missing)`,
    ]);
  }
  if (contract !== MAE_CONTRACT) {
    throw new ContractError(file, [
      `metadata ${META.contract} is "${contract}", this agent understands "${MAE_CONTRACT}"`,
    ]);
  }
  const window = parsePositiveInt(props, META.window, problems);
  const latentDim = parsePositiveInt(props, META.latentDim, problems);

  let channels: string[] | null = null;
  const rawChannels = props[META.channels];
  if (rawChannels === undefined) problems.push(`metadata ${META.channels} is missing`);
  else {
    const v = parseJson(rawChannels);
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      !v.every((e) => typeof e === 'string' && e.length > 0)
    ) {
      problems.push(`metadata ${META.channels} is not a non-empty JSON array of channel names`);
    } else if (new Set(v).size !== v.length) {
      problems.push(`metadata ${META.channels} names a channel twice`);
    } else channels = v as string[];
  }
  const c = channels?.length ?? null;
  const normMean = parseNumberArray(props, META.normMean, c, problems);
  const normStd = parseNumberArray(props, META.normStd, c, problems);
  if (normStd && normStd.some((s) => s <= 0)) {
    problems.push(`metadata ${META.normStd} has a value ≤ 0 (the agent divides by it)`);
  }

  let maskRatio: number | null = null;
  const rawRatio = props[META.maskRatio];
  if (rawRatio === undefined) problems.push(`metadata ${META.maskRatio} is missing`);
  else {
    const v = Number(rawRatio);
    if (rawRatio.trim() === '' || !(v > 0 && v < 1)) {
      problems.push(`metadata ${META.maskRatio} is "${rawRatio}", expected a number in (0, 1)`);
    } else maskRatio = v;
  }

  let band: Band | null = null;
  const rawBand = props[META.band];
  if (rawBand !== undefined) {
    const parsed = bandSchema.safeParse(parseJson(rawBand));
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
        .join(', ');
      problems.push(`metadata ${META.band} is not a valid band (${why})`);
    } else band = { ...parsed.data, source: parsed.data.source ?? 'model' };
  }

  if (problems.length > 0) throw new ContractError(file, problems);
  return {
    window: window!,
    channels: channels!,
    latentDim: latentDim!,
    normMean: normMean!,
    normStd: normStd!,
    maskRatio: maskRatio!,
    band,
  };
}

const fmtShape = (s: Array<number | null>) =>
  `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]`;

function checkTensor(
  kind: 'input' | 'output',
  decl: TensorDecl | undefined,
  name: string,
  expected: number[],
  why: string,
  problems: string[],
) {
  if (!decl) {
    problems.push(`${kind} "${name}" is missing`);
    return;
  }
  if (decl.dtype !== 'float32') {
    problems.push(`${kind} "${name}" has type ${decl.dtype}, expected float32`);
  }
  const want = `[N, ${expected.join(', ')}]`;
  if (decl.shape === null) {
    problems.push(`${kind} "${name}" has no declared shape, expected ${want}`);
    return;
  }
  const [batch, ...rest] = decl.shape;
  const fixedOk =
    rest.length === expected.length && rest.every((d, i) => d !== null && d === expected[i]);
  if (!fixedOk) {
    problems.push(`${kind} "${name}" has shape ${fmtShape(decl.shape)}, expected ${want} (${why})`);
  } else if (batch !== null) {
    problems.push(
      `${kind} "${name}" has a fixed batch dimension ${batch}, expected a dynamic N (${fmtShape(decl.shape)})`,
    );
  }
}

/** Checks the graph's declared inputs and outputs against the metadata; collects problems. */
export function graphProblems(meta: MaeMetadata, inputs: TensorDecl[], outputs: TensorDecl[]) {
  const problems: string[] = [];
  const byName = (list: TensorDecl[]) => new Map(list.map((d) => [d.name, d]));
  const ins = byName(inputs);
  const outs = byName(outputs);
  const { window: t, latentDim: k } = meta;
  const c = meta.channels.length;
  const why = `${META.window} is ${t}, ${META.channels} lists ${c}`;
  for (const name of MAE_INPUTS) checkTensor('input', ins.get(name), name, [t, c], why, problems);
  checkTensor('output', outs.get('latent'), 'latent', [k], `${META.latentDim} is ${k}`, problems);
  checkTensor('output', outs.get('recon'), 'recon', [t, c], why, problems);
  const extra = inputs.filter((d) => !(MAE_INPUTS as readonly string[]).includes(d.name));
  if (extra.length > 0) {
    // The agent feeds exactly x and mask; any other required input would make run() fail.
    problems.push(
      `unexpected input${extra.length > 1 ? 's' : ''} ${extra.map((d) => `"${d.name}"`).join(', ')} (mae/v1 takes only "x" and "mask")`,
    );
  }
  return problems;
}

/** Validates everything the contract asks for; returns the metadata or throws ContractError. */
export function checkMaeModel(
  file: string,
  props: Record<string, string>,
  inputs: TensorDecl[],
  outputs: TensorDecl[],
): MaeMetadata {
  const meta = parseMaeMetadata(file, props);
  const problems = graphProblems(meta, inputs, outputs);
  if (problems.length > 0) throw new ContractError(file, problems);
  return meta;
}

/** The metadata_props an exporter writes for `meta` (inverse of parseMaeMetadata). */
export function maeMetadataProps(meta: MaeMetadata): Record<string, string> {
  const props: Record<string, string> = {
    [META.contract]: MAE_CONTRACT,
    [META.window]: String(meta.window),
    [META.channels]: JSON.stringify(meta.channels),
    [META.latentDim]: String(meta.latentDim),
    [META.normMean]: JSON.stringify(meta.normMean),
    [META.normStd]: JSON.stringify(meta.normStd),
    [META.maskRatio]: String(meta.maskRatio),
  };
  if (meta.band) {
    const { measure, low, center, high } = meta.band;
    props[META.band] = JSON.stringify({ measure, low, center, high });
  }
  return props;
}
