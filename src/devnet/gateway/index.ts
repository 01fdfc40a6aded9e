/**
 * The devnet's own CESS gateway: CD²N (current) and DeOSS v0.4 (legacy) protocols over
 * node:http, backed by a GatewayBackend (the real CESS runtime in the devnet).
 * Protocol reference and our deviations: docs/gateway-protocols.md.
 */
export {
  createGatewayServer,
  isLoopback,
  type GatewayServer,
  type GatewayServerOptions,
} from './server.js';
export {
  GatewayFaults,
  faultCommandSchema,
  type CutRule,
  type DelayRule,
  type FailRule,
  type FaultCommand,
  type FaultsSnapshot,
  type FiredFault,
} from './faults.js';
export type { GatewayLog, LogLevel } from './context.js';
export { cd2nLoginMessage, deossExpiry } from './auth.js';
export {
  CODE_UP_SUCCESS,
  CODE_UP_ERROR,
  CODE_UP_NOT_AUTH,
  CODE_UP_INVALID_NAME,
  CODE_UP_INSUFF_SPACE,
  CODE_UP_FILE_EXIST,
} from './cd2n.js';
export * from './backend.js';
