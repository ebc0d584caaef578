export * from './detect.ts';
export * from './docker.ts';
export * from './errors.ts';
export * from './types.ts';
