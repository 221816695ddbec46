/**
 * Transitions after boot until the cluster settles (the planner re-assigns as
 * often). Apart from simulate.ts so the planner does not load the tool runner.
 */
export const SETTLE_ROUNDS = 4;
