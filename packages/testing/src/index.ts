export type { RedisBinary, TestingErrorCode } from './errors.js';
export {
  BreakwaterTestingError,
  RedisNotInstalledError,
  RedisServerStoppedError,
  RedisStartError,
} from './errors.js';
export type { EventuallyOptions } from './eventually.js';
export { eventually } from './eventually.js';
export { getFreePort } from './free-port.js';
export type { ManualClock } from './manual-clock.js';
export { createManualClock } from './manual-clock.js';
export type {
  ClusterStartupNode,
  RedisClusterHandle,
  StartRedisClusterOptions,
} from './redis-cluster.js';
export { startRedisCluster } from './redis-cluster.js';
export type { RedisServerHandle, StartRedisOptions } from './redis-server.js';
export { startRedis } from './redis-server.js';
