import { crmRest } from './crm-rest/index.ts';
import { maximo } from './maximo/index.ts';
import { posse } from './posse/index.ts';

/** Every connector the worker can run, by name. A new connector is registered here. */
export const connectors = {
  [crmRest.name]: crmRest,
  [posse.name]: posse,
  [maximo.name]: maximo,
} as const;
