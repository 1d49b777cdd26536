// The config issue format is shared by the agent and the collector: shared/config/issues.ts.
export { ConfigError, configIssues, type ConfigIssue } from '../../shared/config/issues.ts';
