import { type ValidateConfigOptions, type ValidationReport, validateConfig } from '../commands/validate-config.js';

export type ValidateStartupOptions = ValidateConfigOptions;

/** The report of `tenantctl validate-config`, as validateStartup returns it. */
export type StartupReport = ValidationReport;

/**
 * Runs the checks of `tenantctl validate-config` and returns the same report, so an application can
 * refuse to boot when `report.valid` is false. By default it loads the configuration the way the
 * CLI does, from process.env and ./tenantctl.config.json, and connects to every database and Redis.
 * A bad configuration is reported in the result, not thrown.
 */
export async function validateStartup(options: ValidateStartupOptions = {}): Promise<StartupReport> {
  return validateConfig(options);
}
