/**
 * PReT: CESS's proxy re-encryption (CESSProject/cess-crypto gosdk/pre.go), in TypeScript.
 * See docs/pret.md for the scheme, the exact encodings and where this port is stricter than Go.
 */
export { PretError, type PretErrorCode } from './errors.js';
export {
  GROUP_ORDER,
  POINT_LENGTH,
  SCALAR_LENGTH,
  hashToScalar,
  secureRng,
  type Rng,
} from './group.js';
export {
  capsuleFromJsonValue,
  capsuleToJsonValue,
  decodeCapsuleJson,
  encodeCapsuleJson,
  parseCapsule,
  type Capsule,
  type CapsuleJson,
} from './capsule.js';
export {
  decapsulate,
  decapsulateReEncrypted,
  decodeReKeyText,
  encapsulate,
  encodeReKeyText,
  generateReKey,
  reEncrypt,
  verifyCapsule,
  type Encapsulation,
  type ReKey,
} from './scheme.js';
export {
  SR25519_SECRET_KEY_LENGTH,
  publicKeyFromAddress,
  publicKeyFromSecretScalar,
  randomSecretScalar,
  pretAccountOf,
  secretScalarFromKeyringPair,
  secretScalarFromMnemonic,
  secretScalarFromSr25519,
} from './keys.js';
