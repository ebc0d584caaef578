export * from './api.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './labels.ts';
export * from './names.ts';
export * from './records.ts';
export * from './spec.ts';
export * from './subjects.ts';
