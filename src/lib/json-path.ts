/**
 * A dotted path into parsed JSON (`User.Id`, `value.0.TenantId`, `0.errorCode`): numeric segments index
 * arrays; own properties only, so `constructor` finds nothing.
 */
export function valueAt(json: unknown, dottedPath: string): unknown {
  let current: unknown = json;
  for (const key of dottedPath.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
