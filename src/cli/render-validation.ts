import { Chalk, type ChalkInstance } from 'chalk';

import type { CheckStatus, ValidationReport } from '../commands/validate-config.js';
import { colorLevel, type CliIo } from './io.js';

export type ReportFormat = 'text' | 'json' | 'github';

const STATUS_LABELS: Record<CheckStatus, (chalk: ChalkInstance) => string> = {
  pass: (chalk) => chalk.green('PASS'),
  warn: (chalk) => chalk.yellow('WARN'),
  fail: (chalk) => chalk.red('FAIL'),
  skip: (chalk) => chalk.dim('SKIP'),
};

/** Prints a validation report as text, one JSON document, or GitHub Actions annotations. */
export function renderValidation(io: CliIo, report: ValidationReport, format: ReportFormat): void {
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }

  if (format === 'github') {
    for (const entry of report.errors) {
      io.stdout.write(`::error title=${escapeProperty(`tenantctl validate-config: ${entry.check}`)}::${escapeData(describeEntry(entry))}\n`);
    }

    for (const entry of report.warnings) {
      io.stdout.write(`::warning title=${escapeProperty(`tenantctl validate-config: ${entry.check}`)}::${escapeData(describeEntry(entry))}\n`);
    }

    io.stdout.write(`${summaryLine(report)}\n`);
    return;
  }

  const chalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  for (const check of report.checks) {
    io.stdout.write(`${STATUS_LABELS[check.status](chalk)}  ${check.title}: ${check.summary}\n`);
    for (const finding of check.findings) {
      const label = finding.level === 'error' ? chalk.red('error') : chalk.yellow('warning');
      io.stdout.write(`      ${label}: ${describeEntry(finding)}\n`);
    }
  }

  io.stdout.write(`\n${summaryLine(report)}\n`);
}

function describeEntry(entry: { key?: string; source?: string; message: string }): string {
  if (entry.key === undefined) {
    return entry.message;
  }

  return `${entry.key}${entry.source === undefined ? '' : ` (${entry.source})`}: ${entry.message}`;
}

function summaryLine(report: ValidationReport): string {
  const { summary } = report;
  const verdict = report.valid ? 'valid' : 'invalid';
  return `Configuration ${verdict}: ${summary.pass} passed, ${summary.warn} warned, ${summary.fail} failed, ${summary.skip} skipped (${report.errors.length} error(s), ${report.warnings.length} warning(s), ${report.durationMs} ms)`;
}

/** Escapes an annotation message as the GitHub Actions runner expects (%, CR, LF). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes an annotation property value; ":" and "," also delimit properties there. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
