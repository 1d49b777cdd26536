// What `redband demo` can be asked for, and its defaults, apart from the orchestrator: the CLI
// builds the command's options at startup and must not load the demo's processes and MQTT
// (plan.ts is pure: the fleet's defaults are written there, once).
import { DEFAULT_EMBEDDED_BROKER_PORT, DEFAULT_HTTP_PORT } from '../collector/defaults.ts';
import { DEMO_DEFAULTS } from './plan.ts';
import { skabData, type SkabData } from './skab-data.ts';

export interface DemoOptions {
  devices: number;
  seed: number;
  /** stop by itself after this many seconds; null = until stopped */
  durationS: number | null;
  skab: boolean;
  /** where the SKAB device's data is (used with skab) */
  skabData: SkabData;
  /** an external broker URL; null = the collector's embedded broker */
  broker: string | null;
  httpPort: number;
  mqttPort: number;
  runDir: string;
  fleet: string;
  faultStartS: number;
  faultDurationS: number;
  skabSpeed: number;
  /** simulated data runs this many times faster than real time (rules run on data time) */
  speed: number;
  /** run these devices from the esbuild agent bundle instead of the CLI */
  bundle: { script: string; devices: string[] } | null;
}

export const DEMO_OPTION_DEFAULTS: DemoOptions = {
  devices: DEMO_DEFAULTS.devices,
  seed: DEMO_DEFAULTS.seed,
  durationS: null,
  skab: DEMO_DEFAULTS.skab,
  skabData: skabData(undefined, {}),
  broker: null,
  httpPort: DEFAULT_HTTP_PORT,
  mqttPort: DEFAULT_EMBEDDED_BROKER_PORT,
  runDir: '.redband/demo',
  fleet: 'demo',
  faultStartS: DEMO_DEFAULTS.faultStartS,
  faultDurationS: DEMO_DEFAULTS.faultDurationS,
  skabSpeed: 10,
  speed: 1,
  bundle: null,
};
