export { configFromEnv } from './config.ts';
export type { LauncherConfig } from './config.ts';
export { startLauncher } from './launcher.ts';
export type { LauncherDeps, RunningLauncher } from './launcher.ts';
export { buildServer, listen } from './http/server.ts';
export { DeploymentService } from './service.ts';
export { planPlacement } from './plan.ts';
export type { AssignmentWrite, Plan, PlanInput } from './plan.ts';
