/** Every workflow the worker registers. Workflow code only: no Node built-ins, no I/O. */
export { broadcastWorkflow } from './broadcast';
export { campaignWorkflow } from './campaign';
