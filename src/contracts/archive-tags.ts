/**
 * The object tags the archive buckets' lifecycle and the disposition and
 * hold services agree on (infrastructure and services both read them here).
 */
export const DISPOSITION_TAG = { key: 'panops:disposition', disposable: 'disposable' } as const;
export const LEGAL_HOLD_TAG = { key: 'panops:legal-hold', on: 'on', off: 'off' } as const;
