/**
 * Backup sources of a live relay and the failover between them. Pure data and functions, carried in the lifecycle.
 *
 * Assumption (the provider's documents list the reasons but not their side): only `PullStreamFailed` says the source
 * is at fault. `PushStreamFailed` is the destination's side, and `RetryTimesOffline` / `UnknownError` do not say
 * which side failed, so they spend the restart budget on the same source instead of switching.
 */
export interface SourceState {
  /** Index of the source on air: 0 is the primary (the request's SourceUrls), then the backups in order. */
  active: number;
  count: number;
  /** Sources seen failing on the pull side since they were last chosen. */
  dead: number[];
  switches: number;
}

const SOURCE_SIDE_REASONS = ['PullStreamFailed'];

export function initialSources(count: number): SourceState {
  return { active: 0, count, dead: [], switches: 0 };
}

export function isSourceSide(reason: string | undefined): boolean {
  return reason !== undefined && SOURCE_SIDE_REASONS.includes(reason);
}

/** The next source after the active one, in order (wrapping), not known dead; none if every other one is. */
export function failoverTarget(sources: SourceState): number | undefined {
  for (let step = 1; step < sources.count; step++) {
    const candidate = (sources.active + step) % sources.count;
    if (!sources.dead.includes(candidate)) return candidate;
  }
  return undefined;
}

/** Switches to `to`: the source left behind is dead when a pull failure caused the switch, `to` is alive again. */
export function switchTo(sources: SourceState, to: number, leavingDead: boolean): void {
  if (leavingDead && !sources.dead.includes(sources.active)) sources.dead.push(sources.active);
  sources.dead = sources.dead.filter((d) => d !== to);
  sources.active = to;
  sources.switches++;
}

export function sourceLabel(index: number): string {
  return index === 0 ? 'primary' : `backup ${index}`;
}
