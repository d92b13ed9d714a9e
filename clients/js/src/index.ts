// The generated client (src/generated: Codama from idl/homeostat.json) and the
// hand-written layer over it (src/homeostat.ts).
export * from './generated';
export * from './homeostat';
