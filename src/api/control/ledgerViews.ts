import { AWS_OWNED_KMS_KEY, type Ledger } from '../../ledger/ledgers';

/** openqldb holds no KMS: the key is recorded and reported, and encryption is always ENABLED. */
export const encryptionDescription = (ledger: Ledger) => ({
  KmsKeyArn: ledger.kmsKey ?? AWS_OWNED_KMS_KEY,
  EncryptionStatus: 'ENABLED',
});

/** The members CreateLedger, DescribeLedger and UpdateLedger all return. */
export const ledgerCore = (ledger: Ledger) => ({
  Name: ledger.name,
  Arn: ledger.arn,
  State: ledger.state,
  CreationDateTime: ledger.creationDateTime,
});
