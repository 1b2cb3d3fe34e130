/** Types of fresh-build.mjs (plain JavaScript: bin/ runs before any TypeScript loader). */
export declare const MANIFEST: string;
export declare const MANIFEST_VERSION: number;
export declare const DEFAULT_MANIFEST: string;

export type BuildCheck = { fresh: true; entry: string } | { fresh: false; reason: string };

export declare function checkBuild(manifestPath?: string): BuildCheck;
