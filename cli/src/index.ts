// What other tools of this repository (the local fleet in infra/) share
// with the CLI: the launcher's API client, the event stream and its lines.
export { ApiClient, DEFAULT_API_URL } from './api.ts';
export { ApiError, UnreachableError } from './errors.ts';
export { followEvents } from './follow.ts';
export { eventLine } from './views.ts';
