// Judges the measurements against the targets and renders them as Markdown.
import { median } from './measure.js';

// The targets tenantctl is held to on a 2-core machine with PostgreSQL and Redis on loopback.
export const TARGETS = {
  fullMaxRatio: 1.1,
  noopMinSpeedup: 3,
  statusFleetSize: 1000,
  statusMaxSeconds: 3,
  helpMaxRatio: 1.5,
  rssMaxRatio: 1.3,
};

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const millis = (ms) => `${ms.toFixed(1)} ms`;
const megabytes = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const ratio = (value) => `${value.toFixed(2)}x`;
const medianOf = (runs, field) => median(runs.map((run) => run[field]));

/**
 * Compares the results with the targets. Returns one row per measurement, each with the figures,
 * the target and a verdict: PASS, MISS, or a plain reason why it was not checked.
 */
export function judge(results) {
  const { tenants, concurrency } = results.options;
  const rows = [];

  const fullT = medianOf(results.full.tenantctl, 'wallMs');
  const fullB = medianOf(results.full.bare, 'wallMs');
  rows.push({
    name: `Full migration, ${tenants} tenants, concurrency ${concurrency}`,
    tenantctl: seconds(fullT),
    reference: `${seconds(fullB)} (bare Migrator)`,
    ratio: `${ratio(fullT / fullB)} tenantctl / bare`,
    target: `at most ${ratio(TARGETS.fullMaxRatio)} bare`,
    verdict: fullT / fullB <= TARGETS.fullMaxRatio ? 'PASS' : 'MISS',
  });

  const noopT = medianOf(results.noop.tenantctl, 'wallMs');
  const noopB = medianOf(results.noop.bare, 'wallMs');
  rows.push({
    name: `No-op run (nothing pending), ${tenants} tenants`,
    tenantctl: seconds(noopT),
    reference: `${seconds(noopB)} (bare Migrator)`,
    ratio: `${ratio(noopB / noopT)} bare / tenantctl`,
    target: `at least ${ratio(TARGETS.noopMinSpeedup)} faster than bare`,
    verdict: noopB / noopT >= TARGETS.noopMinSpeedup ? 'PASS' : 'MISS',
  });

  rows.push(...judgeStatus(results));

  const { helpMs, nodeMs } = results.coldStart;
  rows.push({
    name: '`tenantctl --help` cold start',
    tenantctl: millis(helpMs),
    reference: `${millis(nodeMs)} (\`node -e 0\`)`,
    ratio: ratio(helpMs / nodeMs),
    target: `under ${ratio(TARGETS.helpMaxRatio)} \`node -e 0\``,
    verdict: helpMs / nodeMs < TARGETS.helpMaxRatio ? 'PASS' : 'MISS',
  });

  rows.push(...judgeMemory(results));

  const migrateRuns = [...results.full.tenantctl, ...results.noop.tenantctl, ...(results.scale === undefined ? [] : [results.scale.full, results.scale.noop])];
  const peakConnections = Math.max(...migrateRuns.map((run) => run.peakConnections));
  const bareConnections = Math.max(...[...results.full.bare, ...results.noop.bare].map((run) => run.peakConnections));
  rows.push({
    name: `Peak connections held (all ${migrateRuns.length} migrate runs)`,
    tenantctl: String(peakConnections),
    reference: `${bareConnections} (bare Migrator)`,
    ratio: '',
    target: `at most ${concurrency + 1} (concurrency + 1)`,
    verdict: peakConnections <= concurrency + 1 ? 'PASS' : 'MISS',
  });

  const { lockCost } = results;
  const shareOfFullRun = (perTenantMs) => `about ${(((perTenantMs * tenants) / concurrency / fullT) * 100).toFixed(1)}% of the full run (tenants × cost / concurrency)`;
  rows.push({
    name: `Lock cost per tenant (acquire + release, ${tenants} tenants in turn)`,
    tenantctl: millis(lockCost.perTenantMs),
    reference: `${millis(lockCost.pingMs)} (Redis PING round trip)`,
    ratio: shareOfFullRun(lockCost.perTenantMs),
    target: 'none (recorded)',
    verdict: '',
  });
  rows.push({
    name: `Lock cost per tenant with ${lockCost.renewals} renewals (one per migration, as migrate does)`,
    tenantctl: millis(lockCost.withRenewalsMs),
    reference: '',
    ratio: shareOfFullRun(lockCost.withRenewalsMs),
    target: 'none (recorded)',
    verdict: '',
  });

  return rows;
}

function judgeStatus(results) {
  const { tenants } = results.options;
  const { status } = results;
  const target = `under ${TARGETS.statusMaxSeconds} s at ${TARGETS.statusFleetSize.toLocaleString('en-US')} tenants`;
  if (!status.available) {
    return [{ name: '`tenantctl status` over the fleet', tenantctl: 'not available', reference: '', ratio: '', target, verdict: `not checked: ${status.reason}` }];
  }

  const rows = [];
  const statusT = medianOf(status.atN.tenantctl, 'wallMs');
  const statusB = medianOf(status.atN.bare, 'wallMs');
  rows.push({
    name: `\`tenantctl status\`, ${tenants} tenants`,
    tenantctl: seconds(statusT),
    reference: `${seconds(statusB)} (bare \`Migrator.getMigrations\`)`,
    ratio: `${ratio(statusT / statusB)} tenantctl / bare`,
    target: 'none at this size (recorded)',
    verdict: '',
  });

  if (status.atFleet === undefined) {
    rows.push({
      name: `\`tenantctl status\`, ${TARGETS.statusFleetSize.toLocaleString('en-US')} tenants`,
      tenantctl: 'not measured',
      reference: '',
      ratio: '',
      target,
      verdict: `not checked: measured at ${tenants} tenants only (run with --tenants 1000, --status-fleet 1000, or without --skip-scale at --tenants 200)`,
    });
    return rows;
  }

  const fleetMs = medianOf(status.atFleet.tenantctl, 'wallMs');
  const { size } = status.atFleet;
  rows.push({
    name: `\`tenantctl status\`, ${size.toLocaleString('en-US')} tenants (median of ${status.atFleet.tenantctl.length})`,
    tenantctl: seconds(fleetMs),
    reference: '',
    ratio: '',
    target,
    verdict: statusVerdict(size, fleetMs),
  });
  return rows;
}

function statusVerdict(size, medianMs) {
  if (size < TARGETS.statusFleetSize) {
    return `not checked: fleet of ${size} is smaller than ${TARGETS.statusFleetSize}`;
  }

  return medianMs < TARGETS.statusMaxSeconds * 1000 ? 'PASS' : 'MISS';
}

function judgeMemory(results) {
  const { tenants } = results.options;
  const rssFullN = medianOf(results.full.tenantctl, 'peakRssKb');
  const rssNoopN = medianOf(results.noop.tenantctl, 'peakRssKb');
  const bareRss = medianOf(results.full.bare, 'peakRssKb');
  if (results.scale === undefined) {
    return [
      {
        name: `Peak RSS, full migration, ${tenants} tenants`,
        tenantctl: megabytes(rssFullN),
        reference: `${megabytes(bareRss)} (bare Migrator)`,
        ratio: '',
        target: `${tenants * 5} tenants within ${ratio(TARGETS.rssMaxRatio)} of ${tenants}`,
        verdict: 'not checked: run without --skip-scale',
      },
    ];
  }

  const { size, full, noop } = results.scale;
  const fullRatio = full.peakRssKb / rssFullN;
  const noopRatio = noop.peakRssKb / rssNoopN;
  return [
    {
      name: `Peak RSS, full migration, ${tenants} → ${size} tenants`,
      tenantctl: `${megabytes(rssFullN)} → ${megabytes(full.peakRssKb)}`,
      reference: `${megabytes(bareRss)} (bare Migrator at ${tenants})`,
      ratio: ratio(fullRatio),
      target: `within ${ratio(TARGETS.rssMaxRatio)}`,
      verdict: fullRatio <= TARGETS.rssMaxRatio ? 'PASS' : 'MISS',
    },
    {
      name: `Peak RSS, no-op run, ${tenants} → ${size} tenants`,
      tenantctl: `${megabytes(rssNoopN)} → ${megabytes(noop.peakRssKb)}`,
      reference: '',
      ratio: ratio(noopRatio),
      target: `within ${ratio(TARGETS.rssMaxRatio)}`,
      verdict: noopRatio <= TARGETS.rssMaxRatio ? 'PASS' : 'MISS',
    },
  ];
}

/** Renders the results, the machine and every sample as a Markdown section. */
export function renderMarkdown(results, rows) {
  const lines = [];
  lines.push(`## Results of ${results.date}`, '');
  lines.push(`Command: \`${results.command}\``, '');
  lines.push('Machine:', '');
  for (const [label, value] of Object.entries(results.machine)) {
    lines.push(`- ${label}: ${value}`);
  }

  lines.push(`- load (\`uptime\`) before: ${results.loadBefore}`);
  lines.push(`- load (\`uptime\`) after: ${results.loadAfter}`, '');

  lines.push('| measurement | tenantctl | reference | ratio | target | result |', '| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    lines.push(`| ${row.name} | ${row.tenantctl} | ${row.reference} | ${row.ratio} | ${row.target} | ${row.verdict === 'PASS' || row.verdict === 'MISS' ? `**${row.verdict}**` : row.verdict} |`);
  }

  const misses = rows.filter((row) => row.verdict === 'MISS');
  lines.push('');
  if (misses.length === 0) {
    lines.push('Every checked target passed.');
  } else {
    lines.push(`Missed targets (${misses.length}):`, '');
    for (const row of misses) {
      lines.push(`- MISS: ${row.name}: tenantctl ${row.tenantctl}, reference ${row.reference || 'none'}${row.ratio === '' ? '' : `, ${row.ratio}`}; target ${row.target}.`);
    }
  }

  lines.push('', 'Samples (wall time in seconds, in run order; rounds alternate which of the two goes first):', '');
  const list = (runs) => runs.map((run) => (run.wallMs / 1000).toFixed(2)).join(', ');
  lines.push(`- full migration, tenantctl: ${list(results.full.tenantctl)}`);
  lines.push(`- full migration, bare: ${list(results.full.bare)}`);
  lines.push(`- no-op, tenantctl: ${list(results.noop.tenantctl)}`);
  lines.push(`- no-op, bare: ${list(results.noop.bare)}`);
  if (results.status.available) {
    lines.push(`- status, tenantctl: ${list(results.status.atN.tenantctl)}`);
    lines.push(`- status, bare getMigrations: ${list(results.status.atN.bare)}`);
    if (results.status.atFleet !== undefined) {
      lines.push(`- status at ${results.status.atFleet.size} tenants, tenantctl: ${list(results.status.atFleet.tenantctl)}`);
    }
  }

  if (results.scale !== undefined) {
    lines.push(`- at ${results.scale.size} tenants, tenantctl: full ${list([results.scale.full])}, no-op ${list([results.scale.noop])}`);
  }

  const cold = (samples) => samples.map((ms) => ms.toFixed(0)).join(', ');
  lines.push(`- \`tenantctl --help\` (ms): ${cold(results.coldStart.helpSamples)}`);
  lines.push(`- \`node -e 0\` (ms): ${cold(results.coldStart.nodeSamples)}`);
  lines.push('');
  return lines.join('\n');
}
