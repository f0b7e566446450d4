/** The campaign-start baseline's workflow: does nothing, so the baseline is the bare cost of starting and running one. */
export async function benchEmptyWorkflow(): Promise<void> {
  // Intentionally empty.
}
