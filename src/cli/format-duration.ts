/** Formats milliseconds for a table cell: `850ms`, `12s`, `3m 04s`, `2h 05m`, `3d 04h`. */
export function formatDuration(ms: number): string {
  if (ms < 0) {
    return 'none';
  }

  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }

  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) {
    return `${seconds}s`;
  }

  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  }

  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  }

  return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
}
