/**
 * Every error a client can see, as AWS shapes them. Operations throw these; the protocol layer
 * (src/server/protocol.ts) turns them into the wire form of whichever API is answering.
 */
export class ServiceError extends Error {
  constructor(
    /** the error shape name, sent as x-amzn-ErrorType */
    readonly type: string,
    readonly status: number,
    message: string,
    /** extra members of the shape, e.g. ParameterName, ResourceType, ResourceName */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type ResourceType = 'LEDGER' | 'JOURNAL_S3_EXPORT' | 'JOURNAL_S3_IMPORT' | 'JOURNAL_KINESIS_STREAM' | 'TAG' | 'RESOURCE';

// ---- control plane (restJson1) ----
export const invalidParameter = (message: string, parameterName?: string) =>
  new ServiceError('InvalidParameterException', 400, message, parameterName ? { ParameterName: parameterName } : {});
export const resourceNotFound = (resourceType: ResourceType, resourceName: string, message: string) =>
  new ServiceError('ResourceNotFoundException', 404, message, { ResourceType: resourceType, ResourceName: resourceName });
export const resourcePreconditionNotMet = (resourceType: ResourceType, resourceName: string, message: string) =>
  new ServiceError('ResourcePreconditionNotMetException', 412, message, { ResourceType: resourceType, ResourceName: resourceName });
export const resourceAlreadyExists = (resourceType: ResourceType, resourceName: string, message: string) =>
  new ServiceError('ResourceAlreadyExistsException', 409, message, { ResourceType: resourceType, ResourceName: resourceName });
export const resourceInUse = (resourceType: ResourceType, resourceName: string, message: string) =>
  new ServiceError('ResourceInUseException', 409, message, { ResourceType: resourceType, ResourceName: resourceName });
export const limitExceeded = (resourceType: ResourceType, message: string) =>
  new ServiceError('LimitExceededException', 400, message, { ResourceType: resourceType });
export const serializationError = (message: string) => new ServiceError('SerializationException', 400, message);
export const unknownOperation = (message = 'Unknown operation') => new ServiceError('UnknownOperationException', 404, message);
export const internalFailure = () => new ServiceError('InternalFailure', 500, 'An internal error occurred. Retry your request.');

// ---- session API (awsJson1_0) ----
export const badRequest = (message: string) => new ServiceError('BadRequestException', 400, message);
export const invalidSession = (message: string) => new ServiceError('InvalidSessionException', 400, message);
export const occConflict = () =>
  new ServiceError(
    'OccConflictException',
    400,
    'Optimistic concurrency control (OCC) failure encountered while committing the transaction',
  );
export const sessionLimitExceeded = (message: string) => new ServiceError('LimitExceededException', 400, message);
export const rateExceeded = () => new ServiceError('RateExceededException', 400, 'The rate was exceeded');
export const capacityExceeded = () => new ServiceError('CapacityExceededException', 503, 'Capacity exceeded');

// ---- authentication (both APIs) ----
export const authError = (type: string, status: number, message: string) => new ServiceError(type, status, message);
