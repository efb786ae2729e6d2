/** `prisma-query-cache/accelerate`: a drop-in for `@prisma/extension-accelerate`'s client API. */
export { withAccelerate, type WithAccelerateOptions } from './extension.js'
export type {
  AccelerateApi, AcceleratedPromise, AccelerateInfo, AccelerateInvalidateInput, AcceleratePromise, PrismaCacheStrategy,
} from './types.js'
