// The collector's defaults that more than its config schema shows: the CLI's help, `redband
// silence`'s target and the demo read them here. A module of constants only, so building the
// CLI's options does not load the config schema (zod, yaml).

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_EMBEDDED_BROKER_PORT = 1883;
export const DEFAULT_DB_PATH = '.redband/collector.db';
/** where a collector started with the defaults answers */
export const DEFAULT_COLLECTOR_URL = `http://${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}`;
