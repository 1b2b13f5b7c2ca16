/** Block action ids of the public contract (docs/CONTRACT.md); manifest.json and the listeners use these names. */
export const ACTION_IDS = {
  reauthorize: 'reauthorize',
  acknowledge: 'acknowledge',
  snooze: 'snooze',
  details: 'details',
  /** App Home: connect a new account of the provider in `value`. */
  connect: 'connect',
} as const;

export const SNOOZE_OPTIONS = [
  { value: '1h', label: '1 hour', minutes: 60 },
  { value: '4h', label: '4 hours', minutes: 240 },
  { value: '1d', label: '1 day', minutes: 1440 },
] as const;

