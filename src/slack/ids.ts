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
  { value: '1h', minutes: 60 },
  { value: '4h', minutes: 240 },
  { value: '1d', minutes: 1440 },
] as const;

