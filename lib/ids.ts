/** `order-items` -> `OrderItems`: a step, workflow or migration name as the start of a construct or output id. */
export function pascalCase(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The tag FerryStack puts on every resource: the environment's name. */
export const ENVIRONMENT_TAG = 'ferry:environment';
