// What other workspaces may use of the CLI: its API client and the
// formatting of its views. The command tree itself runs only from main.ts.
export { ApiClient, DEFAULT_API_URL } from './api.ts';
export { ApiError, ExitCode, UnreachableError, UsageError } from './errors.ts';
export { formatAge, formatBytes, renderTable } from './output.ts';
export { eventLine, formatPort, nodesTable, replicasTable } from './views.ts';
