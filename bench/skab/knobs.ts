// The knobs `bench skab --tune` searches, one line each. A key is where the knob lives: an
// agent config path (as in firmware-configs/skab-pump.yaml), or `rules.<rule>.<field>` of a
// collector rule (as in a collector config). The shipped value is not written here: it is
// read from the shipped agent config and the collector's defaults, and is always a grid
// point, whether or not it is among the candidates. A key the loaded schema does not know
// (a knob not merged yet) is skipped with a note, so an entry can land before its knob.
// The grid is the product of the lists: each agent point costs one agent run per tune file.

export type KnobValue = number | string | boolean;

export interface Knob {
  key: string;
  values: readonly KnobValue[];
}

export const KNOBS: readonly Knob[] = [
  { key: 'detect.limit_margin', values: [2, 2.5, 3, 4] },
  { key: 'detect.mean_window', values: [20, 30, 45] },
  { key: 'rules.level-shift.clear_fraction', values: [0.5, 0.8, 1] },
  { key: 'detect.adapt_window', values: [0, 120, 300] },
  { key: 'detect.rebaseline.mode', values: ['manual', 'auto'] },
];
