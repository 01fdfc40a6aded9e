/** Writing pack files fast: encryption and file writes on a worker thread, reused read buffers. */
export {
  PackFilePool,
  PackFilePoolError,
  type PackFilePoolOptions,
  type PackFileResult,
  type PackFileSink,
} from './pool.js';
export { READ_BLOCK, readBlocks } from './read-blocks.js';
