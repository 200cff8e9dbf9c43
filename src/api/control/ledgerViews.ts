import { AWS_OWNED_KMS_KEY, type Ledger } from '../../ledger/ledgers';

/** openqldb holds no KMS: the key is recorded and reported, and encryption is always ENABLED. */
export const encryptionDescription = (ledger: Ledger) => ({
  KmsKeyArn: ledger.kmsKey ?? AWS_OWNED_KMS_KEY,
  EncryptionStatus: 'ENABLED',
});
