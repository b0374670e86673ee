export type { CoalescerStats } from './coalescer.js';
export { Coalescer } from './coalescer.js';
export { CoalescerClosedError, isCoalescerClosedError } from './errors.js';
export type { CoalescerOptions, CoalescerRunOptions } from './options.js';
