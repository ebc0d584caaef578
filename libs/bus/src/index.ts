export * from './connection.ts';
export * from './events.ts';
export * from './kv.ts';
export * from './leases.ts';
export * from './log.ts';
export * from './provision.ts';
export * from './rpc.ts';
