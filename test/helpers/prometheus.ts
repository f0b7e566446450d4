/** Reading a Prometheus text exposition (the worker's /metrics) in tests. */

/** The sum of a metric's lines whose labels include every `labels` pair (counters may carry a `_total` suffix). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!match || (match[1] !== name && match[1] !== `${name}_total`)) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}
