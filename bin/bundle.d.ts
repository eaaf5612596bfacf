/** The first 16 hex digits of sha256 over the bundler, the lockfile and every source file under `root`. */
export declare function sourceHash(root?: string): string;
/** The bundle directory for the current sources, built when missing; null when it cannot be built. */
export declare function ensureBundle(): Promise<string | null>;
/** Imports the bundle's `entry` or, without a bundle, the TypeScript `source` under pipeline/. */
export declare function importEntry(entry: string, source: string): Promise<unknown>;
