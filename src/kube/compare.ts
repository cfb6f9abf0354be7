import type { KubeObject } from '../core/kube-object.js';

const VOLATILE_METADATA = ['resourceVersion', 'managedFields', 'generation', 'creationTimestamp', 'uid', 'selfLink'];

function stripped(obj: KubeObject): unknown {
  const metadata = Object.fromEntries(Object.entries(obj.metadata).filter(([k]) => !VOLATILE_METADATA.includes(k)));
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata };
}

/** Whether two versions of an object differ in anything but bookkeeping and status. */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(stripped(a)) === JSON.stringify(stripped(b));
}
