/** Every workflow the worker registers. Workflow code only: no Node built-ins, no I/O. */
/** relayBroadcastWorkflow: frozen since relayBroadcastWorkflowV2, registered for the broadcasts it started. */
export { relayBroadcastWorkflowV2, relayBroadcastWorkflow } from './broadcast/relay';
export { legacyPullWorkflow } from './broadcast/legacy';
export { campaignWorkflow } from './campaign';
/** The first broadcast workflow: registered so the broadcasts it started finish on its code (docs/patches.md). */
export { broadcastWorkflow } from './v1/broadcast';
/** The action of every broadcast Schedule: starts one occurrence's broadcast (src/schedules). */
export { scheduledBroadcastWorkflow } from './schedule-occurrence';
/** Elects the one worker of a fleet that makes provider calls (src/provider-quota). */
export { providerQuotaOwnerWorkflow } from './provider-quota-owner';
