export {
  accountableFor,
  decideSentinel,
  expiryClearings,
  holderIn,
  watched,
  type SentinelDecision,
} from './sentinel.ts';
export { applyReceipt } from './receipt.ts';
export { seenAt, seenWorkOrders, watchOf, withWatch, workOrderSeen } from './watch.ts';
export { DELIVERY_OUTCOMES } from './types.ts';
export type { AlertReason, AlertRecord, DeliveryReceipt, OpenAlert, SentinelPolicy, TicketWatch } from './types.ts';
