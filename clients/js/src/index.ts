// The generated client (src/generated: Codama from idl/homeostat.json, and the events
// module the generator writes) and the hand-written layer over it: quotes and swaps
// (src/homeostat.ts), reading events from transactions and subscriptions (src/events.ts).
export * from './generated/index.js';
export * from './generated/events.js';
export * from './homeostat.js';
export * from './events.js';
