/**
 * The session API entry point (awsJson1_0 `QLDBSession.SendCommand`). Until the session API
 * lands, the target is answered honestly.
 */
import type { OperationContext } from '../types';
import { ServiceError } from '../../server/errors';

export async function handle(_input: Record<string, unknown>, _ctx: OperationContext): Promise<object> {
  throw new ServiceError('UnknownOperationException', 400, 'SendCommand is not available yet');
}
